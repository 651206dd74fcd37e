package io.lathe.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lathe.model.DataType;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class StoreCommandsTest {
    @TempDir
    Path dir;

    private record Run(int code, String out, String err) {}

    private static Run run(Object command, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void importIntoAServersDataFolderGoesToItsStoreSoTheServerSeesIt() throws Exception {
        // Seen: history imported with --data-dir of a server went beside store/, where lathe serve never looked.
        Path data = dir.resolve("lathe-data");
        Files.createDirectories(data.resolve("store"));
        try (TelemetryStore s = TelemetryStore.open(StoreSettings.defaults(data.resolve("store")))) {
            s.sync();
        }
        Path csv = dir.resolve("h.csv");
        Files.writeString(csv, "series,timestamp,value\nm1.temp,2024-01-01T00:00:00Z,20.5\n");
        assertThat(run(new ImportCommand(), "--data-dir", data.toString(), "--format", "long", csv.toString()).code()).isZero();
        assertThat(data.resolve("MANIFEST")).doesNotExist();
        try (TelemetryStore s = TelemetryStore.openReadOnly(StoreSettings.defaults(data.resolve("store")))) {
            assertThat(s.typeOf("m1.temp")).isPresent();
        }
    }

    @Test
    void importsLongCsvThenQueriesRawAndBucketedAndReportsRejectedLines() throws Exception {
        // The three store commands end to end, with the exact output formats of issue 3.
        Path csv = dir.resolve("points.csv");
        Files.writeString(csv, """
                series,timestamp,value
                m1.temp,2024-01-01T00:00:00Z,20.5
                m1.temp,1704067201000,21.5
                m1.temp,2024-01-01T00:00:02Z,not-a-number
                m1.temp,2024-01-01T00:00:03Z,23.5
                """);
        Path store = dir.resolve("store");
        Run imp = run(new ImportCommand(), "--data-dir", store.toString(), "--format", "long", csv.toString());
        assertThat(imp.code()).isZero();
        assertThat(imp.out()).contains("imported 3 points").contains("rejected 1 points").contains("points.csv:4:").contains("points/s");

        Run raw = run(new QueryCommand(), "--data-dir", store.toString(), "--series", "m1.temp");
        assertThat(raw.out()).isEqualTo("""
                timestamp,value
                2024-01-01T00:00:00Z,20.5
                2024-01-01T00:00:01Z,21.5
                2024-01-01T00:00:03Z,23.5
                """.replace("\n", System.lineSeparator()));

        Run agg = run(new QueryCommand(), "--data-dir", store.toString(), "--series", "m1.temp",
                "--from", "2024-01-01T00:00:00Z", "--to", "2024-01-01T00:00:04Z", "--buckets", "2", "--agg", "max");
        assertThat(agg.out()).isEqualTo("timestamp,value%n2024-01-01T00:00:00Z,21.5%n2024-01-01T00:00:02Z,23.5%n".formatted());

        Run stats = run(new StoreCommand(), "stats", "--data-dir", store.toString());
        assertThat(stats.code()).isZero();
        assertThat(stats.out()).contains("series          1").contains("points          3").contains("double/decimal-delta-bitpack");
    }

    @Test
    void readCommandsWorkBesideARunningWriterAndImportRefusesNamingIt() throws Exception {
        // Issue 9.11: `lathe query` on a running server's folder replayed, flushed and deleted its live log. Read
        // commands now open read-only; a writer (import) is refused with the holder's pid.
        Path store = dir.resolve("live");
        Path csv = dir.resolve("more.csv");
        Files.writeString(csv, "series,timestamp,value\nm1.temp,2024-01-01T00:00:09Z,1\n");
        try (TelemetryStore server = TelemetryStore.open(StoreSettings.defaults(store))) {
            int id = server.seriesId("m1.temp", DataType.DOUBLE);
            for (int i = 0; i < 3; i++) server.append(id, 1_704_067_200_000_000L + i * 1_000_000L, 20 + i);
            server.sync();
            List<Long> walBefore = walSizes(store);

            Run raw = run(new QueryCommand(), "--data-dir", store.toString(), "--series", "m1.temp");
            assertThat(raw.code()).isZero();
            assertThat(raw.out()).contains("2024-01-01T00:00:02Z,22");
            Run stats = run(new StoreCommand(), "stats", "--data-dir", store.toString());
            assertThat(stats.code()).isZero();
            assertThat(stats.out()).contains("points          3");
            assertThat(walSizes(store)).as("the server's log is untouched").isEqualTo(walBefore);

            Run imp = run(new ImportCommand(), "--data-dir", store.toString(), "--format", "long", csv.toString());
            assertThat(imp.code()).isEqualTo(1);
            assertThat(imp.err()).contains("in use").contains("pid=" + ProcessHandle.current().pid());
        }
    }

    private static List<Long> walSizes(Path store) throws Exception {
        try (var s = Files.list(store.resolve("wal"))) {
            return s.sorted().map(p -> p.toFile().length()).toList();
        }
    }

    @Test
    void unknownSeriesAndBadFormatFailWithAMessage() throws Exception {
        Run bad = run(new ImportCommand(), "--data-dir", dir.toString(), "--format", "xml", dir.resolve("x").toString());
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("format must be one of long, nab, skab, cmapss, but was xml");
        TelemetryStore.open(StoreSettings.defaults(dir.resolve("s"))).close();
        Run q = run(new QueryCommand(), "--data-dir", dir.resolve("s").toString(), "--series", "nope");
        assertThat(q.code()).isEqualTo(1);
        assertThat(q.err()).contains("unknown series [series=nope");
    }

    @Test
    void importsTheRealNabSkabAndCmapssFiles() throws Exception {
        // Real data from ../shared/data: every line of these files must import without rejection.
        Path data = Path.of("..", "..", "shared", "data").toAbsolutePath().normalize();
        assumeTrue(Files.isDirectory(data.resolve("nab")), "real data not found at " + data + "; skipping");
        Path store = dir.resolve("real");
        Run nab = run(new ImportCommand(), "--data-dir", store.toString(), "--format", "nab", data.resolve("nab/nyc_taxi.csv").toString());
        assertThat(nab.out()).contains("imported 10,320 points").contains("rejected 0 points");
        Run skab = run(new ImportCommand(), "--data-dir", store.toString(), "--format", "skab", data.resolve("skab/anomaly-free.csv").toString());
        assertThat(skab.out()).contains("rejected 0 points");
        Run cm = run(new ImportCommand(), "--data-dir", store.toString(), "--format", "cmapss", data.resolve("cmapss/train_FD001.txt.gz").toString());
        assertThat(cm.out()).contains("rejected 0 points");
        Run q = run(new QueryCommand(), "--data-dir", store.toString(), "--series", "train_FD001.unit1.s2", "--buckets", "1", "--agg", "count");
        assertThat(q.out()).isEqualTo("timestamp,value%n1970-01-01T00:00:01Z,192%n".formatted());
    }
}
