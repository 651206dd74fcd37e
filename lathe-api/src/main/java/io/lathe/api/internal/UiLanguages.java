package io.lathe.api.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard's languages, read from the catalogues that exist ({@code i18n/<tag>.json} under the web root), so that
 * adding a language is adding one file: each catalogue names itself in its {@code language.name} key. Served at
 * {@code GET /api/ui/languages} for the page's language switch.
 */
public final class UiLanguages {
    private static final Logger log = LoggerFactory.getLogger(UiLanguages.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** The key of a catalogue that holds its language's own name ("English", "简体中文"). */
    public static final String NAME_KEY = "language.name";
    /** A BCP 47 tag as the page uses it in file names: {@code en}, {@code zh-CN}, {@code pt-BR}, {@code sr-Latn}. */
    private static final Pattern TAG = Pattern.compile("[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*");

    /** One language: its tag (the catalogue's file name) and its name in itself. */
    public record Language(String tag, String name) {
        public Map<String, Object> view() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tag", tag);
            m.put("name", name);
            return m;
        }
    }

    private UiLanguages() {}

    /**
     * The catalogues in {@code <webDir>/i18n}, sorted by tag; empty when the folder is missing. Read on each call:
     * with {@code LATHE_WEB_DIR} a file added while the server runs is offered at the next page load.
     */
    public static List<Language> fromDirectory(Path webDir) {
        return list(webDir.resolve("i18n"), webDir + "/i18n");
    }

    /**
     * The catalogues in the classpath folder {@code <root>/i18n} (e.g. {@code /io/lathe/web}), from a folder during
     * development and tests ({@code file:} URL) or from inside the jar ({@code jar:} URL, read through the jar's
     * file system). Empty, with a warning, when the folder is not on the classpath.
     */
    public static List<Language> fromClasspath(ClassLoader loader, String root) {
        String folder = (root.startsWith("/") ? root.substring(1) : root) + "/i18n";
        URL url = loader.getResource(folder);
        // A jar written without directory entries has no resource for the folder itself: find it from English.
        boolean viaEnglish = url == null;
        if (viaEnglish) url = loader.getResource(folder + "/en.json");
        if (url == null) {
            log.warn("No dashboard catalogues on the classpath [folder={}]: the language switch offers the page's built-in pair", folder);
            return List.of();
        }
        try {
            URI uri = url.toURI();
            if (uri.getScheme().equals("jar")) {
                FileSystem fs;
                boolean opened = false;
                try {
                    fs = FileSystems.newFileSystem(uri, Map.of());
                    opened = true;
                } catch (FileSystemAlreadyExistsException e) {
                    fs = FileSystems.getFileSystem(uri);
                }
                try {
                    String s = uri.getSchemeSpecificPart();
                    Path p = fs.getPath(s.substring(s.indexOf("!/") + 1));
                    return list(viaEnglish ? p.getParent() : p, url.toString());
                } finally {
                    if (opened) fs.close();
                }
            }
            Path p = Path.of(uri);
            return list(viaEnglish ? p.getParent() : p, url.toString());
        } catch (URISyntaxException | IOException | RuntimeException e) {
            log.warn("Cannot list the dashboard catalogues [folder={}]: {}", url, e.toString());
            return List.of();
        }
    }

    private static List<Language> list(Path dir, String where) {
        List<Language> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : files) {
                String file = f.getFileName().toString();
                String tag = file.substring(0, file.length() - ".json".length());
                if (!TAG.matcher(tag).matches()) {
                    log.warn("Dashboard catalogue skipped: its name is not a language tag such as en or zh-CN [file={}/{}]", where, file);
                    continue;
                }
                out.add(new Language(tag, name(f, tag, where + "/" + file)));
            }
        } catch (IOException e) {
            log.warn("Cannot list the dashboard catalogues [folder={}]: {}", where, e.toString());
        }
        out.sort(Comparator.comparing(Language::tag));
        return out;
    }

    /** The catalogue's {@code language.name}; its tag when the key is missing or the file is not valid JSON. */
    private static String name(Path f, String tag, String where) {
        try {
            JsonNode n = MAPPER.readTree(Files.readAllBytes(f)).path(NAME_KEY);
            if (n.isTextual() && !n.asText().isBlank()) return n.asText().trim();
            log.warn("Dashboard catalogue has no {} key; the switch shows its tag [file={}]", NAME_KEY, where);
        } catch (IOException e) {
            // Jackson's message names line and column.
            log.warn("Dashboard catalogue is not valid JSON; the switch shows its tag [file={}]: {}", where, e.getMessage());
        }
        return tag;
    }
}
