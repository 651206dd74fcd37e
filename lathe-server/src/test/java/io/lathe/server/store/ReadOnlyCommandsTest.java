package io.lathe.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.model.DataType;
import io.lathe.server.cli.Main;
import io.lathe.server.kpi.KpiCommandTestConfig;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: the read-only commands ({@code query}, {@code store stats}, {@code kpi}, {@code store export-tsfile})
 * take the server's data folder or the store folder alike, create nothing, change nothing, and say plainly when there
 * is no store. Each run is checked against a listing of the whole tree before it: names, sizes, modification times
 * (of folders too, so a file created and deleted again shows) and a hash of every file's bytes.
 */
class ReadOnlyCommandsTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {}

    private static Run lathe(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    private Path serverDataFolder() throws IOException {
        Path data = dir.resolve("tree/lathe-data");
        try (TelemetryStore store = TelemetryStore.open(StoreSettings.defaults(data.resolve("store")))) {
            int id = store.seriesId("m1.temp", DataType.DOUBLE);
            for (int i = 0; i < 3; i++) store.append(id, 1_704_067_200_000_000L + i * 1_000_000L, 20 + i);
            store.sync();
        }
        return data;
    }

    @Test
    void serverDataFolderAndStoreFolderBothWorkAndStayByteForByteUnchanged() throws Exception {
        Path data = serverDataFolder();
        Path config = dir.resolve("plant.yaml");
        Files.writeString(config, KpiCommandTestConfig.CONFIG);
        for (Path given : List.of(data, data.resolve("store"))) {
            List<String> before = listing(dir.resolve("tree"));
            Run q = lathe("query", "--data-dir", given.toString(), "--series", "m1.temp");
            assertThat(q.code()).as(q.err()).isZero();
            assertThat(q.out()).contains("2024-01-01T00:00:02Z,22");
            Run stats = lathe("store", "stats", "--data-dir", given.toString());
            assertThat(stats.code()).as(stats.err()).isZero();
            assertThat(stats.out()).containsPattern("points\\s+3");
            Path out = dir.resolve("export-" + given.getFileName());
            Run export = lathe("store", "export-tsfile", "--data-dir", given.toString(), "--out", out.toString());
            assertThat(export.code()).as(export.err()).isZero();
            assertThat(export.out()).contains("exported 3 points of 1 series");
            Run kpi = lathe("kpi", "--data-dir", given.toString(), "--config", config.toString(), "--asset", KpiCommandTestConfig.MACHINE,
                    "--from", "2024-01-01T00:00:00Z", "--to", "2024-01-01T01:00:00Z");
            assertThat(kpi.code()).as(kpi.err()).isZero();
            assertThat(listing(dir.resolve("tree"))).as("the tree after reading " + given).isEqualTo(before);
        }
    }

    @Test
    void missingEmptyAndForeignFoldersSayThereIsNoStoreAndCreateNothing() throws Exception {
        Path config = dir.resolve("plant.yaml");
        Files.writeString(config, KpiCommandTestConfig.CONFIG);
        Path empty = Files.createDirectories(dir.resolve("tree/empty"));
        Path foreign = Files.createDirectories(dir.resolve("tree/photos"));
        Files.writeString(foreign.resolve("cat.jpg"), "not a store");
        Path missing = dir.resolve("tree/missing");
        for (Path given : List.of(missing, empty, foreign)) {
            List<String> before = listing(dir.resolve("tree"));
            List<Run> runs = List.of(
                    lathe("query", "--data-dir", given.toString(), "--series", "m1.temp"),
                    lathe("store", "stats", "--data-dir", given.toString()),
                    lathe("store", "export-tsfile", "--data-dir", given.toString(), "--out", dir.resolve("never").toString()),
                    lathe("kpi", "--data-dir", given.toString(), "--config", config.toString(), "--asset", KpiCommandTestConfig.MACHINE,
                            "--from", "2024-01-01T00:00:00Z", "--to", "2024-01-01T01:00:00Z"));
            for (Run r : runs) {
                assertThat(r.code()).as(r.err()).isEqualTo(2);
                assertThat(r.err()).contains("no store in " + given)
                        .contains(given.equals(missing) ? "the folder does not exist" : "neither a store folder");
                assertThat(r.out()).isEmpty();
            }
            assertThat(listing(dir.resolve("tree"))).as("the tree after reading " + given).isEqualTo(before);
            assertThat(dir.resolve("never")).doesNotExist();
        }
    }

    /** Every path under {@code root} with its size, modification time and, for files, the SHA-256 of its bytes. */
    static List<String> listing(Path root) throws Exception {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted().toList()) {
                String hash = "";
                if (Files.isRegularFile(p)) {
                    hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p)));
                }
                lines.add(root.relativize(p) + " " + (Files.isDirectory(p) ? "dir" : Files.size(p)) + " "
                        + Files.getLastModifiedTime(p).toMillis() + " " + hash);
            }
        }
        return lines;
    }
}
