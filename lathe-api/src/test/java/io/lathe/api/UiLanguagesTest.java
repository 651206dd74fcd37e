package io.lathe.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lathe.api.internal.UiLanguages;
import io.lathe.api.internal.UiLanguages.Language;
import io.lathe.ingest.LiveState;
import io.lathe.model.PlantModel;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard's language list comes from the catalogue files that exist: adding a language is adding one file. */
class UiLanguagesTest {
    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void theRouteListsEnglishAndChineseWithTheirOwnNames() throws Exception {
        try (ApiServer server = ApiServer.create(new ApiSettings("127.0.0.1", 0), new PlantModel("Acme"), new LiveState(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List::of)) {
            String base = "http://127.0.0.1:" + server.start();
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/api/ui/languages")).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode list = json.readTree(r.body());
            assertThat(list).hasSizeGreaterThanOrEqualTo(2);
            assertThat(json.convertValue(list, List.class)).contains(
                    java.util.Map.of("tag", "en", "name", "English"), java.util.Map.of("tag", "zh-CN", "name", "简体中文"));
        }
    }

    @Test
    void aThirdCatalogueInTheWebDirectoryIsListedWithoutAnyOtherChange() throws Exception {
        // What LATHE_WEB_DIR serves: a copy of the page's catalogues plus a new one, a copy of en.json renamed.
        Path i18n = Files.createDirectories(dir.resolve("web/i18n"));
        Files.write(i18n.resolve("en.json"), bundled("en"));
        Files.write(i18n.resolve("zh-CN.json"), bundled("zh-CN"));
        assertThat(UiLanguages.fromDirectory(dir.resolve("web"))).extracting(Language::tag).containsExactly("en", "zh-CN");

        Files.write(i18n.resolve("de.json"), renamed(bundled("en"), "Test"));
        assertThat(UiLanguages.fromDirectory(dir.resolve("web"))).containsExactly(
                new Language("de", "Test"), new Language("en", "English"), new Language("zh-CN", "简体中文"));
    }

    @Test
    void aThirdCatalogueInsideAJarIsListed() throws Exception {
        // The production case: the page's files inside lathe.jar, listed through the jar's file system.
        Path jar = dir.resolve("web.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            put(out, "io/lathe/web/i18n/en.json", bundled("en"));
            put(out, "io/lathe/web/i18n/zh-CN.json", bundled("zh-CN"));
            put(out, "io/lathe/web/i18n/pt-BR.json", renamed(bundled("en"), "Português (Brasil)"));
            put(out, "io/lathe/web/index.html", "<!doctype html>".getBytes(StandardCharsets.UTF_8));
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            // Written without directory entries (as some jar tools do): the folder is found from en.json.
            assertThat(loader.getResource("io/lathe/web/i18n")).isNull();
            assertThat(loader.getResource("io/lathe/web/i18n/en.json").getProtocol()).isEqualTo("jar");
            List<Language> list = UiLanguages.fromClasspath(loader, "/io/lathe/web");
            assertThat(list).containsExactly(new Language("en", "English"), new Language("pt-BR", "Português (Brasil)"),
                    new Language("zh-CN", "简体中文"));
            // Listing again (the jar's file system was closed after the first listing) gives the same answer.
            assertThat(UiLanguages.fromClasspath(loader, "/io/lathe/web")).isEqualTo(list);
        }
    }

    @Test
    void brokenOrMisnamedCataloguesNeverBreakTheList() throws Exception {
        Path i18n = Files.createDirectories(dir.resolve("web/i18n"));
        Files.write(i18n.resolve("en.json"), bundled("en"));
        Files.writeString(i18n.resolve("fr.json"), "{\"language.name\": \"Fran");   // cut off: not JSON
        Files.writeString(i18n.resolve("it.json"), "{\"common.nav.overview\": \"Panoramica\"}"); // no language.name
        Files.writeString(i18n.resolve("notes.json"), "{}");                       // not a language tag
        Files.writeString(i18n.resolve("es.txt"), "{}");                           // not a catalogue
        assertThat(UiLanguages.fromDirectory(dir.resolve("web"))).containsExactly(
                new Language("en", "English"), new Language("fr", "fr"), new Language("it", "it"));
        assertThat(UiLanguages.fromDirectory(dir.resolve("nowhere"))).isEmpty();
        assertThat(UiLanguages.fromClasspath(getClass().getClassLoader(), "/io/lathe/nowhere")).isEmpty();
    }

    private static byte[] bundled(String tag) throws Exception {
        try (InputStream in = ApiServer.class.getResourceAsStream(ApiServer.WEB_ROOT + "/i18n/" + tag + ".json")) {
            assertThat(in).as("catalogue %s on the classpath", tag).isNotNull();
            return in.readAllBytes();
        }
    }

    private byte[] renamed(byte[] catalogue, String name) throws Exception {
        ObjectNode n = (ObjectNode) json.readTree(catalogue);
        n.put(UiLanguages.NAME_KEY, name);
        return json.writeValueAsBytes(n);
    }

    private static void put(JarOutputStream out, String name, byte[] body) throws Exception {
        out.putNextEntry(new JarEntry(name));
        OutputStream o = out;
        o.write(body);
        out.closeEntry();
    }
}
