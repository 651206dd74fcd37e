package io.lathe.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.model.DataType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bulk path of {@code lathe import} (parallel parse into a {@link BulkLoad}) against the line-by-line path it
 * replaced (parse with {@link CsvImport#read}, {@link TelemetryStore#append} per point): same points, same query
 * answers, same rejected lines, wherever the file is cut into windows and ranges.
 */
class BulkLoadTest {
    @TempDir
    Path dir;

    private static StoreSettings settings(Path d) {
        return StoreSettings.defaults(d).withLateWindow(Duration.ofDays(365L * 1000));
    }

    /** The import as it was: one append per point, through the write-ahead log. */
    private static CsvImport.Result oldImport(TelemetryStore store, Path file) throws IOException {
        CsvImport.Result r = new CsvImport.Result();
        Map<String, Integer> ids = new HashMap<>();
        CsvImport.read(file, CsvImport.Format.LONG, (series, ts, v) -> store.append(ids.computeIfAbsent(series, n -> store.seriesId(n, DataType.DOUBLE)), ts, v), r);
        return r;
    }

    private static CsvImport.Result bulkImport(TelemetryStore store, Path file, int threads, int window, int minRange, long spill) throws IOException {
        CsvImport.Result r = new CsvImport.Result();
        try (BulkLoad b = store.bulkLoad().threads(threads).spillPoints(spill)) {
            CsvImport.loadLong(file, b, r, threads, window, minRange);
            b.commit();
        }
        return r;
    }

    /** A file with what real files hold: header, CRLF, blank and bad lines, duplicates, every time format, disorder. */
    private static String awkwardCsv(long seed, int lines, boolean finalNewline) {
        Random rnd = new Random(seed);
        StringBuilder sb = new StringBuilder("series,timestamp,value\r\n");
        String[] names = {"m1.temp", "m2.temp", " m3.speed ", "line 4/ü-Ω", "m5"};
        long base = 1_704_067_200_000L; // 2024-01-01 in ms
        for (int i = 0; i < lines; i++) {
            String name = names[rnd.nextInt(names.length)];
            long ms = base + rnd.nextInt(5000) * 1000L + (rnd.nextInt(10) == 0 ? 0 : rnd.nextInt(1000));
            java.time.Instant at = java.time.Instant.ofEpochMilli(ms);
            String ts = switch (rnd.nextInt(8)) {
                case 0 -> Long.toString(ms);
                case 1 -> at.toString();
                case 2 -> java.time.OffsetDateTime.ofInstant(at, java.time.ZoneOffset.ofHours(2)).toString();
                case 3 -> java.time.LocalDateTime.ofInstant(at, java.time.ZoneOffset.UTC).toString();
                case 4 -> java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").format(java.time.LocalDateTime.ofInstant(at, java.time.ZoneOffset.UTC));
                case 5 -> " " + java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss").format(java.time.LocalDateTime.ofInstant(at, java.time.ZoneOffset.UTC)) + " ";
                case 6 -> java.time.OffsetDateTime.ofInstant(at, java.time.ZoneOffset.ofHoursMinutes(-5, -30)).toString();
                default -> java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").format(java.time.LocalDateTime.ofInstant(at, java.time.ZoneOffset.UTC));
            };
            String value = switch (rnd.nextInt(9)) {
                case 0 -> Double.toString(rnd.nextGaussian() * 1e6); // 16-17 digits: the JDK's parser
                case 1 -> String.format(java.util.Locale.ROOT, "%.2f", rnd.nextDouble() * 100);
                case 2 -> rnd.nextInt(2000) - 1000 + "";
                case 3 -> String.format(java.util.Locale.ROOT, "%.3e", rnd.nextDouble() * 1e-8);
                case 4 -> "-0";
                case 5 -> " 7.5 ";
                case 6 -> "+.5";
                case 7 -> "1e300";
                default -> String.format(java.util.Locale.ROOT, "%.1f", rnd.nextGaussian() * 50);
            };
            int bad = rnd.nextInt(60);
            String line = switch (bad) {
                case 0 -> name + "," + ts + ",not-a-number";
                case 1 -> name + ",yesterday," + value;
                case 2 -> name + ";" + ts + ";" + value;
                case 3 -> "";
                case 4 -> "   ";
                case 5 -> " ," + ts + "," + value;
                case 6 -> name + ",32000000000000," + value; // year 2984: fine (within the import's 1000-year late window)
                case 7 -> name + ",-99999999999999999," + value; // before year 1: out of range
                case 8 -> name + ",2024-02-30T00:00:00Z," + value; // no such day
                case 9 -> name + ",2024-01-01 00:00:00.12," + value; // two fraction digits: not a format of ours
                default -> name + "," + ts + "," + value;
            };
            sb.append(line).append(rnd.nextBoolean() ? "\r\n" : "\n");
        }
        if (!finalNewline) {
            sb.setLength(sb.length() - (sb.charAt(sb.length() - 2) == '\r' ? 2 : 1));
            sb.append("\nm1.temp,2024-01-01T05:00:00Z,42"); // the last line has no newline
        }
        return sb.toString();
    }

    private static void assertSameAnswers(TelemetryStore expected, TelemetryStore actual) throws IOException {
        List<String> names = new ArrayList<>();
        for (SeriesInfo s : expected.series()) names.add(s.name());
        assertThat(actual.series()).as("series and their time ranges").containsExactlyInAnyOrderElementsOf(expected.series());
        for (String n : names) {
            SeriesData e = expected.raw(n, Long.MIN_VALUE, Long.MAX_VALUE), a = actual.raw(n, Long.MIN_VALUE, Long.MAX_VALUE);
            assertThat(a.size()).as("points of %s", n).isEqualTo(e.size());
            assertThat(a.timestamps()).as("timestamps of %s", n).isEqualTo(e.timestamps());
            assertThat(a.bits()).as("values of %s", n).isEqualTo(e.bits());
            List<Bucket> eb = expected.aggregate(n, Long.MIN_VALUE, Long.MAX_VALUE, 7), ab = actual.aggregate(n, Long.MIN_VALUE, Long.MAX_VALUE, 7);
            assertThat(ab).as("buckets of %s", n).hasSameSizeAs(eb);
            for (int i = 0; i < eb.size(); i++) {
                Bucket x = eb.get(i), y = ab.get(i);
                // sums may add in another order (block statistics of other blocks): equal up to rounding
                assertThat(new Object[] {y.startMicros(), y.count(), y.min(), y.max(), y.first(), y.last()}).as("bucket %d of %s", i, n)
                        .isEqualTo(new Object[] {x.startMicros(), x.count(), x.min(), x.max(), x.first(), x.last()});
                assertThat(y.sum()).isCloseTo(x.sum(), org.assertj.core.api.Assertions.within(Math.abs(x.sum()) * 1e-12 + 1e-9));
            }
        }
    }

    @Test
    void parallelParseGivesTheLineByLineAnswersWhereverTheFileIsCut() throws Exception {
        for (boolean finalNewline : new boolean[] {true, false}) {
            Path csv = dir.resolve("awkward-" + finalNewline + ".csv");
            Files.writeString(csv, awkwardCsv(finalNewline ? 1 : 2, 3000, finalNewline), StandardCharsets.UTF_8);
            Path oldDir = dir.resolve("old-" + finalNewline);
            CsvImport.Result expected;
            try (TelemetryStore old = TelemetryStore.open(settings(oldDir))) {
                expected = oldImport(old, csv);
            }
            assertThat(expected.rejected).as("the file has bad lines").isGreaterThan(20);
            int run = 0;
            // window (bytes read at once), threads, least bytes per thread's range, points gathered before staging a file
            int[][] cuts = {{1 << 20, 1, 1 << 16, 1 << 20}, {16, 1, 1, 1 << 20}, {97, 2, 1, 1 << 20}, {4096, 3, 1, 500}, {1 << 20, 2, 1, 37}, {65_536, 4, 100, 1 << 20}};
            for (int[] c : cuts) {
                Path newDir = dir.resolve("new-" + finalNewline + "-" + run++);
                CsvImport.Result actual;
                try (TelemetryStore store = TelemetryStore.open(settings(newDir))) {
                    actual = bulkImport(store, csv, c[1], c[0], c[2], c[3]);
                }
                assertThat(actual.points).as("points, cut %s", java.util.Arrays.toString(c)).isEqualTo(expected.points);
                if (run == 3) { // and the same file compressed (.gz is read through a decompressing stream)
                    Path gz = dir.resolve("awkward-" + finalNewline + ".csv.gz");
                    try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
                        Files.copy(csv, out);
                    }
                    Path gzDir = dir.resolve("gz-" + finalNewline);
                    try (TelemetryStore store = TelemetryStore.open(settings(gzDir))) {
                        CsvImport.Result g = bulkImport(store, gz, c[1], c[0], c[2], c[3]);
                        assertThat(g.points).isEqualTo(expected.points);
                        assertThat(g.firstRejections.stream().map(x -> x.line() + x.reason()).toList())
                                .isEqualTo(expected.firstRejections.stream().map(x -> x.line() + x.reason()).toList());
                    }
                    try (TelemetryStore e = TelemetryStore.openReadOnly(settings(oldDir)); TelemetryStore a = TelemetryStore.openReadOnly(settings(gzDir))) {
                        assertSameAnswers(e, a);
                    }
                }
                assertThat(actual.rejected).as("rejected, cut %s", java.util.Arrays.toString(c)).isEqualTo(expected.rejected);
                assertThat(actual.firstRejections).as("rejected lines, cut %s", java.util.Arrays.toString(c)).isEqualTo(expected.firstRejections);
                // reopened from disk: the bulk files, the old path's files and log
                try (TelemetryStore e = TelemetryStore.openReadOnly(settings(oldDir)); TelemetryStore a = TelemetryStore.openReadOnly(settings(newDir))) {
                    assertSameAnswers(e, a);
                }
            }
        }
    }

    @Test
    void bulkPointsOverwriteEarlierPointsAsAppendsDo() throws Exception {
        // Existing history, part in files and part only in the log and memory; the import rewrites some of it.
        Path csv = dir.resolve("rewrite.csv");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 2000; i++) sb.append("m1,").append(1_704_067_200_000L + i * 1000L).append(',').append(i % 7 + 0.5).append('\n');
        sb.append("m1,1704067200000,111\nm1,1704067200000,222\n"); // in the file twice: the later line wins
        Files.writeString(csv, sb);
        List<TelemetryStore> stores = new ArrayList<>();
        for (String name : List.of("old", "bulk")) {
            TelemetryStore s = TelemetryStore.open(settings(dir.resolve(name)));
            stores.add(s);
            int id = s.seriesId("m1", DataType.DOUBLE);
            for (int i = 0; i < 3000; i += 2) s.append(id, 1_704_067_200_000_000L + i * 500_000L, -i);
            s.flush();
            for (int i = 1; i < 3000; i += 2) s.append(id, 1_704_067_200_000_000L + i * 500_000L, -i); // in memory and the log
        }
        oldImport(stores.get(0), csv);
        bulkImport(stores.get(1), csv, 2, 1 << 20, 1, 1 << 20);
        assertSameAnswers(stores.get(0), stores.get(1));
        assertThat(stores.get(1).raw("m1", 1_704_067_200_000_000L, 1_704_067_200_000_001L).bits()).containsExactly(Double.doubleToRawLongBits(222));
        // and after the memory was flushed and everything compacted into one file per partition
        for (TelemetryStore s : stores) {
            s.flush();
            s.compact(2);
        }
        assertSameAnswers(stores.get(0), stores.get(1));
        for (TelemetryStore s : stores) s.close();
        try (TelemetryStore e = TelemetryStore.openReadOnly(settings(dir.resolve("old"))); TelemetryStore a = TelemetryStore.openReadOnly(settings(dir.resolve("bulk")))) {
            assertSameAnswers(e, a);
        }
    }

    @Test
    void aLoadThatIsNotCommittedLeavesTheStoreAsItWas() throws Exception {
        Path store = dir.resolve("store");
        Path csv = dir.resolve("big.csv");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 5000; i++) sb.append("s").append(i % 10).append(',').append(1_704_067_200_000L + i * 1000L).append(',').append(i).append('\n');
        Files.writeString(csv, sb);
        try (TelemetryStore s = TelemetryStore.open(settings(store))) {
            int id = s.seriesId("s1", DataType.DOUBLE);
            s.append(id, 1_704_067_200_000_000L, 5);
            s.flush();
        }
        List<Path> before = segmentFiles(store);
        try (TelemetryStore s = TelemetryStore.open(settings(store))) {
            CsvImport.Result r = new CsvImport.Result();
            try (BulkLoad b = s.bulkLoad().spillPoints(700)) { // stages several files, then is dropped
                CsvImport.loadLong(csv, b, r, 2, 1000, 1);
                assertThat(segmentFiles(store)).as("staged files").hasSizeGreaterThan(before.size());
                assertThat(s.raw("s1", Long.MIN_VALUE, Long.MAX_VALUE).size()).as("invisible before the commit").isEqualTo(1);
            }
            assertThat(segmentFiles(store)).isEqualTo(before);
        }
        // a crash after staging, before the commit: files under their final names that the manifest does not list
        try (TelemetryStore s = TelemetryStore.open(settings(store))) {
            BulkLoad b = s.bulkLoad().spillPoints(700);
            CsvImport.loadLong(csv, b, new CsvImport.Result(), 2, 1000, 1);
            // no commit, no close: as if the process died here
        }
        assertThat(segmentFiles(store)).hasSizeGreaterThan(before.size());
        try (TelemetryStore s = TelemetryStore.open(settings(store))) {
            assertThat(segmentFiles(store)).as("orphans deleted on open").isEqualTo(before);
            assertThat(s.raw("s1", Long.MIN_VALUE, Long.MAX_VALUE).size()).isEqualTo(1);
            assertThat(s.raw("s2", Long.MIN_VALUE, Long.MAX_VALUE).size()).isZero();
        }
    }

    @Test
    void byteParsersGiveTheJdkParsersNumbersAndErrors() {
        Random rnd = new Random(7);
        List<String> values = new ArrayList<>(List.of("0", "-0", "+1", ".5", "5.", "1e22", "1e23", "123456789012345", "1234567890123456",
                "0.000000000000000000001", "9007199254740993", "1.7976931348623157e308", "4.9e-324", "NaN", "-Infinity", "1d", "0x1p3",
                "", " ", ".", "e5", "1e", "--1", "1.2.3", " 42 ", "\t-7.25\t", "1_000", "٣"));
        for (int i = 0; i < 20_000; i++) {
            double d = rnd.nextGaussian() * Math.pow(10, rnd.nextInt(30) - 15);
            values.add(switch (i % 5) {
                case 0 -> Double.toString(d);
                case 1 -> String.format(java.util.Locale.ROOT, "%." + rnd.nextInt(10) + "f", d);
                case 2 -> String.format(java.util.Locale.ROOT, "%." + rnd.nextInt(8) + "e", d);
                case 3 -> Long.toString(rnd.nextLong() >> rnd.nextInt(64));
                default -> (rnd.nextBoolean() ? "+" : "") + rnd.nextInt(100_000) + "." + rnd.nextInt(1000) + "E" + (rnd.nextInt(50) - 25);
            });
        }
        for (String v : values) {
            byte[] b = ("x" + v + "y").getBytes(StandardCharsets.UTF_8);
            Object expected, actual;
            try {
                expected = Double.doubleToRawLongBits(Double.parseDouble(v.trim()));
            } catch (NumberFormatException e) {
                expected = e.getClass();
            }
            try {
                actual = Double.doubleToRawLongBits(FastText.parseDouble(b, 1, b.length - 1));
            } catch (NumberFormatException e) {
                actual = e.getClass();
            }
            assertThat(actual).as("value '%s'", v).isEqualTo(expected);
        }
        List<String> times = new ArrayList<>(List.of("2024-02-29T23:59:59Z", "2023-02-29T00:00:00Z", "2024-01-01T24:00:00", "2024-01-01T00:00:60",
                "2024-01-01T00:00", "2024-01-01 00:00:00.1", "2024-01-01 00:00:00.123", "2024-01-01 00:00:00.123456", "2024-01-01T00:00:00.123456789+18:00",
                "2024-01-01T00:00:00-17:59", "2024-01-01T00:00:00+0100", "2024-01-01t00:00:00", "0001-01-01T00:00:00Z", "1969-12-31T23:59:59.999999999Z",
                "-1", "-", "", "999999999999999", "9999999999999999999", "1704067200000", " 2024-01-01T00:00:00Z ", "2024-13-01T00:00:00Z", "2024-01-01T00:00:00.Z"));
        for (int i = 0; i < 20_000; i++) {
            long sec = rnd.nextLong(-62_000_000_000L, 253_000_000_000L);
            java.time.LocalDateTime t = java.time.LocalDateTime.ofEpochSecond(sec, rnd.nextInt(1_000_000_000), java.time.ZoneOffset.UTC);
            times.add(switch (i % 4) {
                case 0 -> t.toString();
                case 1 -> t.atOffset(java.time.ZoneOffset.ofTotalSeconds(rnd.nextInt(-17 * 60, 17 * 60) * 60)).toString();
                case 2 -> java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS").format(t);
                default -> Long.toString(sec * 1000 + rnd.nextInt(1000));
            });
        }
        for (String v : times) {
            byte[] b = ("," + v + ",").getBytes(StandardCharsets.UTF_8);
            Object expected, actual;
            try {
                expected = CsvImport.parseTimeMicros(v);
            } catch (RuntimeException e) {
                expected = e.getMessage();
            }
            try {
                actual = FastText.parseTimeMicros(b, 1, b.length - 1);
            } catch (RuntimeException e) {
                actual = e.getMessage();
            }
            assertThat(actual).as("time '%s'", v).isEqualTo(expected);
        }
    }

    private static List<Path> segmentFiles(Path store) throws IOException {
        try (Stream<Path> s = Files.walk(store.resolve("data"))) {
            return s.filter(p -> p.toString().endsWith(".lseg")).sorted().toList();
        }
    }
}
