package io.lathe.predict.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of one data folder: {@code <data dir>/models/<id>.json}, one file per model, written to a temporary
 * file and moved into place so a crash never leaves half a model. A file that cannot be read is reported (file and
 * reason) and skipped, never fatal: the machine then learns again. Thread-safe.
 */
public final class ModelRepository {
    private static final Logger log = LoggerFactory.getLogger(ModelRepository.class);
    public static final String FOLDER = "models";

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final Path dir;
    private final Map<String, ModelFile> models = new ConcurrentHashMap<>();
    private final List<String> problems = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicLong unreadable = new AtomicLong();

    private ModelRepository(Path dir) {
        this.dir = dir;
    }

    /** Opens (and creates) {@code <dataDir>/models} and reads every model in it. */
    public static ModelRepository open(Path dataDir) throws IOException {
        ModelRepository r = new ModelRepository(dataDir.resolve(FOLDER));
        Files.createDirectories(r.dir);
        r.reload();
        return r;
    }

    /** Reads the folder again (the CLI and a restarted server see what a fit wrote). */
    public synchronized void reload() throws IOException {
        models.clear();
        problems.clear();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
            for (Path f : files) {
                try {
                    ModelFile m = MAPPER.readValue(f.toFile(), ModelFile.class);
                    if (m.formatVersion() > ModelFile.FORMAT_VERSION) {
                        throw new IOException("format version " + m.formatVersion() + " is newer than this Lathe reads ("
                                + ModelFile.FORMAT_VERSION + ")");
                    }
                    models.put(m.id(), m);
                } catch (IOException | RuntimeException e) {
                    unreadable.incrementAndGet();
                    String p = "Model file skipped [file=" + f.toAbsolutePath() + "]: " + e.getMessage().lines().findFirst().orElse("")
                            + ". Delete it or fit the machine's model again (lathe model fit, POST /api/models/fit).";
                    problems.add(p);
                    log.warn(p);
                }
            }
        }
    }

    /** Saves (replaces) a model. */
    public synchronized void save(ModelFile m) throws IOException {
        Path target = dir.resolve(fileName(m.id()));
        Path tmp = dir.resolve(fileName(m.id()) + ".tmp");
        MAPPER.writeValue(tmp.toFile(), m);
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        models.put(m.id(), m);
    }

    public ModelFile get(String id) {
        return models.get(id);
    }

    public Collection<ModelFile> all() {
        List<ModelFile> out = new ArrayList<>(models.values());
        out.sort(java.util.Comparator.comparing(ModelFile::id));
        return out;
    }

    /** Files skipped at the last read, each with its path and reason. */
    public List<String> problems() {
        return List.copyOf(problems);
    }

    /** Files that could not be read since start. */
    public long unreadableFiles() {
        return unreadable.get();
    }

    public Path folder() {
        return dir;
    }

    /** Parameters of a model converted to a type (records work). */
    public static <T> T convert(Object value, Class<T> type) {
        return MAPPER.convertValue(value, type);
    }

    public static String toJson(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String fileName(String id) {
        // Ids are lower-case letters, digits, '.', '_' and '-' (plant ids): safe as file names.
        if (!id.matches("[a-z0-9._-]{1,200}")) throw new IllegalArgumentException("model id must be a plant id, but was " + id);
        return id + ".json";
    }
}
