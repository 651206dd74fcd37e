package io.lathe.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.tsfile.file.metadata.ChunkMetadata;
import org.apache.tsfile.file.metadata.IDeviceID;
import org.apache.tsfile.file.metadata.TimeseriesMetadata;
import org.apache.tsfile.read.TsFileSequenceReader;
import org.apache.tsfile.read.common.BatchData;
import org.apache.tsfile.read.reader.IPageReader;
import org.apache.tsfile.read.reader.chunk.ChunkReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ExportTsFileCommandTest {
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

    private Path importLong(String csv) throws Exception {
        Path file = dir.resolve("points.csv");
        Files.writeString(file, csv);
        Path store = dir.resolve("store");
        assertThat(run(new ImportCommand(), "--data-dir", store.toString(), "--format", "long", file.toString()).code()).isZero();
        return store;
    }

    @Test
    void exportsImportedPointsAndReportsDuplicatesFilesAndHowToLoad() throws Exception {
        Path store = importLong("""
                series,timestamp,value
                m1.temp,2024-01-01T00:00:00Z,20.5
                m1.temp,2024-01-01T00:00:00.000400Z,20.7
                m1.temp,2024-01-01T00:00:01Z,21.5
                m1.temp,2024-01-10T00:00:00Z,22.5
                line-2.1.speed,2024-01-01T00:00:00Z,100
                other,2024-01-01T00:00:00Z,1
                """);
        Path out = dir.resolve("tsfiles");
        Run r = run(new StoreCommand(), "export-tsfile", "--data-dir", store.toString(), "--out", out.toString(),
                "--from", "2024-01-01T00:00:00Z", "--to", "2024-02-01T00:00:00Z", "--series", "m1.");
        assertThat(r.code()).as(r.err()).isZero();
        // 2024-01-01 and 2024-01-10 are in different IoTDB weeks (Thursday 2024-01-04 starts a new one).
        assertThat(r.out()).contains("exported 3 points of 1 series into 2 file(s)").contains("points/s")
                .contains("dropped 1 points as duplicates (same timestamp at ms precision; the last one kept)")
                .contains("bytes ").contains("load into IoTDB (timestamp_precision=ms): load '" + out.toAbsolutePath() + "'");
        Map<String, List<long[]>> back = readBack(out);
        assertThat(back).containsOnlyKeys("root.lathe.m1.temp");
        // 20.7 (400 µs later, same ms) replaced 20.5
        assertThat(back.get("root.lathe.m1.temp")).extracting(p -> p[0], p -> Double.longBitsToDouble(p[1])).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1704067200000L, 20.7), org.assertj.core.groups.Tuple.tuple(1704067201000L, 21.5),
                org.assertj.core.groups.Tuple.tuple(1704844800000L, 22.5));

        Path us = dir.resolve("us");
        Run all = run(new StoreCommand(), "export-tsfile", "--data-dir", store.toString(), "--out", us.toString(), "--precision", "us");
        assertThat(all.code()).as(all.err()).isZero();
        assertThat(all.out()).contains("exported 6 points of 3 series into 2 file(s)").contains("dropped 0 points");
        assertThat(readBack(us)).containsOnlyKeys("root.lathe.m1.temp", "root.lathe.`line-2`.`1`.speed", "root.lathe.other");
    }

    @Test
    void badInputFailsWithExitCode2AndSaysWhatIsWrong() throws Exception {
        Run missing = run(new StoreCommand(), "export-tsfile", "--data-dir", dir.resolve("nope").toString(), "--out", dir.resolve("o").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("no store in " + dir.resolve("nope") + " (the folder does not exist)");

        Path store = importLong("series,timestamp,value\na.b,2024-01-01T00:00:00Z,1\n");
        Path used = Files.createDirectories(dir.resolve("used"));
        Files.writeString(used.resolve("keep.txt"), "x");
        Run notEmpty = run(new StoreCommand(), "export-tsfile", "--data-dir", store.toString(), "--out", used.toString());
        assertThat(notEmpty.code()).isEqualTo(2);
        assertThat(notEmpty.err()).contains("--out is not empty [out=" + used);
        assertThat(used.resolve("keep.txt")).exists();

        Run precision = run(new StoreCommand(), "export-tsfile", "--data-dir", store.toString(), "--out", dir.resolve("p").toString(), "--precision", "ns");
        assertThat(precision.code()).isEqualTo(2);
        assertThat(precision.err()).contains("precision must be ms or us, but was ns");

        Run time = run(new StoreCommand(), "export-tsfile", "--data-dir", store.toString(), "--out", dir.resolve("t").toString(), "--from", "yesterday");
        assertThat(time.code()).isEqualTo(2);
        assertThat(time.err()).contains("timestamp must be ISO-8601 or epoch milliseconds, but was 'yesterday'");

        Run range = run(new StoreCommand(), "export-tsfile", "--data-dir", store.toString(), "--out", dir.resolve("r").toString(),
                "--from", "2024-02-01T00:00:00Z", "--to", "2024-01-01T00:00:00Z");
        assertThat(range.code()).isEqualTo(2);
        assertThat(range.err()).contains("from must be before to");

        Run none = run(new StoreCommand(), "export-tsfile", "--data-dir", store.toString(), "--out", dir.resolve("n").toString(), "--series", "zzz");
        assertThat(none.code()).isEqualTo(1);
        assertThat(none.err()).contains("no series to export").contains("series=zzz*");
        assertThat(dir.resolve("n")).doesNotExist();
    }

    @Test
    void exportsTheRealNabFileWithoutLoss() throws Exception {
        Path data = Path.of("..", "..", "shared", "data").toAbsolutePath().normalize();
        assumeTrue(Files.isRegularFile(data.resolve("nab/nyc_taxi.csv")), "real data not found at " + data + "; skipping");
        Path store = dir.resolve("real");
        assertThat(run(new ImportCommand(), "--data-dir", store.toString(), "--format", "nab", data.resolve("nab/nyc_taxi.csv").toString()).code()).isZero();
        Path out = dir.resolve("nab");
        Run r = run(new StoreCommand(), "export-tsfile", "--data-dir", store.toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("exported 10,320 points of 1 series").contains("dropped 0 points");
        assertThat(readBack(out).get("root.lathe.nyc_taxi")).hasSize(10_320);
    }

    /** Path to (time, raw value bits) of every point in the folder's files, read with TsFile's reader. */
    private static Map<String, List<long[]>> readBack(Path folder) throws Exception {
        Map<String, List<long[]>> out = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(folder)) {
            files = s.sorted().toList();
        }
        for (Path f : files) {
            assertThat(f.getFileName().toString()).matches("\\d+-\\d+-0-0\\.tsfile");
            try (TsFileSequenceReader r = new TsFileSequenceReader(f.toString())) {
                for (Map.Entry<IDeviceID, List<TimeseriesMetadata>> e : r.getAllTimeseriesMetadata(false).entrySet()) {
                    for (TimeseriesMetadata tm : e.getValue()) {
                        List<long[]> pts = out.computeIfAbsent(e.getKey() + "." + tm.getMeasurementId(), k -> new ArrayList<>());
                        for (ChunkMetadata cm : r.getChunkMetadataList(e.getKey(), tm.getMeasurementId(), true)) {
                            for (IPageReader page : new ChunkReader(r.readMemChunk(cm)).loadPageReaderList()) {
                                BatchData b = page.getAllSatisfiedPageData();
                                for (; b.hasCurrent(); b.next()) pts.add(new long[] {b.currentTime(), Double.doubleToRawLongBits(b.getDouble())});
                            }
                        }
                    }
                }
            }
        }
        return out;
    }
}
