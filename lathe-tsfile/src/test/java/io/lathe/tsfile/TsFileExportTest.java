package io.lathe.tsfile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lathe.model.DataType;
import io.lathe.model.Quality;
import io.lathe.store.SeriesData;
import io.lathe.store.SeriesInfo;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.tsfile.enums.TSDataType;
import org.apache.tsfile.file.metadata.ChunkMetadata;
import org.apache.tsfile.file.metadata.IDeviceID;
import org.apache.tsfile.file.metadata.TimeseriesMetadata;
import org.apache.tsfile.read.TsFileReader;
import org.apache.tsfile.read.TsFileSequenceReader;
import org.apache.tsfile.read.common.BatchData;
import org.apache.tsfile.read.common.Field;
import org.apache.tsfile.read.common.RowRecord;
import org.apache.tsfile.read.expression.QueryExpression;
import org.apache.tsfile.read.query.dataset.QueryDataSet;
import org.apache.tsfile.read.reader.IPageReader;
import org.apache.tsfile.read.reader.chunk.ChunkReader;
import org.apache.tsfile.utils.Binary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TsFileExportTest {
    private static final long US_PER_DAY = 86_400_000_000L;
    /** 2024-01-03T00:00Z, a Wednesday: IoTDB's 7-day partitions start on Thursdays (1970-01-01 was one). */
    private static final long T0 = Instant.parse("2024-01-03T00:00:00Z").toEpochMilli() * 1000;
    private static final Pattern NAME = Pattern.compile("(\\d+)-(\\d+)-0-0\\.tsfile");

    @TempDir
    Path dir;
    TelemetryStore store;

    /** One value as TsFile returns it, by timestamp in the export's unit. */
    private record Point(long time, Object value) {}

    @BeforeEach
    void fillStore() throws Exception {
        store = TelemetryStore.open(StoreSettings.defaults(dir.resolve("store")).withLateWindow(Duration.ofDays(365L * 100)));
        int temp = store.seriesId("plant.site.area.line1.machine1.temp", DataType.DOUBLE);
        int count = store.seriesId("plant.site.area.line1.machine1.count", DataType.LONG);
        int running = store.seriesId("plant.site.area.line1.machine1.running", DataType.BOOLEAN);
        int state = store.seriesId("plant.site.area.line1.machine1.state", DataType.TEXT);
        int current = store.seriesId("skab.valve1.1.Current", DataType.DOUBLE);
        int taxi = store.seriesId("nab.nyc_taxi", DataType.DOUBLE);
        int single = store.seriesId("single", DataType.LONG);
        int odd = store.seriesId("odd.a-b c.x`y", DataType.TEXT);
        int old = store.seriesId("old.signal", DataType.DOUBLE);
        store.seriesId("never.written", DataType.DOUBLE);

        // 20 days every 7 minutes: four IoTDB partitions. Equal timestamps (the later value wins) and points 250 µs
        // apart (one millisecond in ms precision) in between.
        for (int i = 0; i < 20 * 24 * 60 / 7; i++) {
            long t = T0 + i * 7L * 60_000_000;
            double v = switch (i % 97) {
                case 5 -> Double.NaN;
                case 6 -> -0.0;
                case 7 -> Double.POSITIVE_INFINITY;
                default -> 20 + i * 0.001;
            };
            store.append(temp, t, v, Quality.GOOD);
            if (i % 50 == 0) store.append(temp, t, v + 1000, Quality.BAD);
            if (i % 70 == 0) store.append(temp, t + 250, v + 2000, Quality.UNCERTAIN);
            if (i == 1000) store.flush(); // part from files, part from memory
        }
        for (int i = 0; i < 20 * 24; i++) {
            long t = T0 + i * 3_600_000_000L;
            store.appendLong(count, t, i % 3 == 0 ? Long.MAX_VALUE - i : -1_000_000_007L * i, Quality.GOOD);
            if (i % 2 == 0) store.appendBoolean(running, t, i % 4 == 0, Quality.GOOD);
            if (i % 5 == 0) {
                store.appendText(state, t, List.of("running", "idle, \"quoted\"", "störung ⚠", "", "a\nb").get((i / 5) % 5), Quality.GOOD);
                if (i % 25 == 0) store.appendText(state, t, "overwritten " + i, Quality.GOOD);
            }
        }
        for (int i = 0; i < 3600; i++) store.append(current, T0 + 3 * US_PER_DAY + i * 1_000_000L, Math.sin(i / 100.0));
        for (int i = 0; i < 480; i++) store.append(taxi, T0 + i * 1_800_000_000L, 10_000 + i);
        store.appendLong(single, T0 + 1, 1, Quality.GOOD);
        store.appendLong(single, T0 + 2 * US_PER_DAY, 2, Quality.GOOD);
        store.appendText(odd, T0 + 5 * US_PER_DAY, "x", Quality.GOOD);
        // Before 1970: ms are rounded down (-1500 µs is -2 ms), so -1000, -999 and -1 µs all fall on -1 ms.
        for (long t : new long[] {-1500, -1000, -999, -1}) store.append(old, t, t);
    }

    @AfterEach
    void closeStore() throws Exception {
        store.close();
    }

    @Test
    void everyPointComesBackFromTsFilesReaderWithTheLastOfEqualMillisecondsKept() throws Exception {
        Path out = dir.resolve("out");
        TsFileExport.Result r = TsFileExport.export(store, out, TsFileExport.Options.defaults());

        Map<String, List<Point>> expected = expected(TimePrecision.MILLISECONDS, Long.MIN_VALUE, Long.MAX_VALUE, n -> true);
        Map<String, List<Point>> actual = readBack(out);
        assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (String path : expected.keySet()) assertThat(actual.get(path)).as(path).containsExactlyElementsOf(expected.get(path));

        long storePoints = 0;
        for (SeriesInfo s : store.series()) storePoints += store.raw(s.name(), Long.MIN_VALUE, Long.MAX_VALUE).size();
        long written = expected.values().stream().mapToLong(List::size).sum();
        assertThat(r.points()).isEqualTo(written);
        assertThat(r.duplicatesDropped()).isEqualTo(storePoints - written).isPositive();
        // By construction: temp 59 within one ms, old.signal 2 on -1 ms. Points on an equal µs (temp 83, state 20) are
        // one point in the store already (last write wins there), so the export has none of them to drop.
        assertThat(r.duplicatesDropped()).isEqualTo(59 + 2);
        assertThat(r.series()).isEqualTo(9);
        assertThat(r.pathConflicts()).isEmpty();
        assertThat(r.bytes()).isEqualTo(sizes(r.files()));

        // The exact values written, spot-checked through the mapping.
        assertThat(actual.get("root.lathe.skab.valve1.`1`.Current")).hasSize(3600);
        assertThat(actual.get("root.lathe.old.signal")).containsExactly(new Point(-2, -1500.0), new Point(-1, -1.0));
        assertThat(actual.get("root.lathe.`odd`.`a-b c`.`x``y`")).isNull();
        assertThat(actual.get("root.lathe.odd.`a-b c`.`x``y`")).containsExactly(new Point((T0 + 5 * US_PER_DAY) / 1000, "x"));
        assertThat(actual.get("root.lathe.single")).containsExactly(new Point(T0 / 1000, 1L), new Point(T0 / 1000 + 2 * 86_400_000L, 2L));
        List<Point> temp = actual.get("root.lathe.plant.site.area.line1.machine1.temp");
        assertThat(temp.getFirst()).isEqualTo(new Point(T0 / 1000, 2020.0)); // i=0: +1000 (equal µs) then +2000 (+250 µs)
        assertThat(temp.stream().filter(p -> Double.isNaN((Double) p.value())).count()).isEqualTo(43);
    }

    @Test
    void filesAreOnePerIotdbPartitionNamedForIotdbsLoadInTimeOrder() throws Exception {
        Path out = dir.resolve("out");
        TsFileExport.Result r = TsFileExport.export(store, out, TsFileExport.Options.defaults());
        // 1969-12-25..1970-01-01 (old.signal) and four weeks from Thursday 2023-12-28.
        assertThat(r.files()).hasSize(5);
        try (Stream<Path> s = Files.list(out)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrderElementsOf(
                    r.files().stream().map(p -> p.getFileName().toString()).toList());
        }
        long stamp = -1;
        long week = 7 * 86_400_000L;
        long previousPartition = Long.MIN_VALUE;
        for (int i = 0; i < r.files().size(); i++) {
            Matcher m = NAME.matcher(r.files().get(i).getFileName().toString());
            assertThat(m.matches()).as(r.files().get(i).toString()).isTrue();
            if (stamp < 0) stamp = Long.parseLong(m.group(1));
            assertThat(Long.parseLong(m.group(1))).isEqualTo(stamp);
            assertThat(Long.parseLong(m.group(2))).isEqualTo(i + 1);
            long min = Long.MAX_VALUE, max = Long.MIN_VALUE;
            for (List<Point> pts : readBack(r.files().get(i)).values()) {
                min = Math.min(min, pts.getFirst().time());
                max = Math.max(max, pts.getLast().time());
            }
            assertThat(Math.floorDiv(min, week)).as("one IoTDB partition per file").isEqualTo(Math.floorDiv(max, week));
            assertThat(Math.floorDiv(min, week)).isGreaterThan(previousPartition);
            previousPartition = Math.floorDiv(min, week);
        }
    }

    @Test
    void microsecondPrecisionKeepsPointsThatShareAMillisecond() throws Exception {
        Path out = dir.resolve("us");
        TsFileExport.Result r = TsFileExport.export(store, out, TsFileExport.Options.defaults().withPrecision(TimePrecision.MICROSECONDS));
        Map<String, List<Point>> expected = expected(TimePrecision.MICROSECONDS, Long.MIN_VALUE, Long.MAX_VALUE, n -> true);
        Map<String, List<Point>> actual = readBack(out);
        assertThat(actual).isEqualTo(expected);
        assertThat(r.duplicatesDropped()).isZero(); // equal µs only, and the store keeps one point per µs (last write wins)
        assertThat(actual.get("root.lathe.old.signal")).extracting(Point::time).containsExactly(-1500L, -1000L, -999L, -1L);
    }

    @Test
    void rangeAndSeriesFilterSelectWhatIsWritten() throws Exception {
        long from = T0 + 2 * US_PER_DAY + 123, to = T0 + 9 * US_PER_DAY;
        Path out = dir.resolve("part");
        TsFileExport.Result r = TsFileExport.export(store, out,
                TsFileExport.Options.defaults().withRange(from, to).withSeriesPrefix("plant."));
        Map<String, List<Point>> expected = expected(TimePrecision.MILLISECONDS, from, to, n -> n.startsWith("plant."));
        Map<String, List<Point>> actual = readBack(out);
        assertThat(actual).isEqualTo(expected);
        assertThat(actual).hasSize(4);
        assertThat(r.files()).hasSize(2); // Jan 4-10 and Jan 11-17
        for (List<Point> pts : actual.values()) {
            assertThat(pts.getFirst().time()).isGreaterThanOrEqualTo(Math.floorDiv(from, 1000));
            assertThat(pts.getLast().time()).isLessThan(to / 1000);
        }
    }

    @Test
    void smallReadsGiveTheSameFilesContentAsWholeWeekReads() throws Exception {
        // Reads split by bucket counts; points on one ms straddle the splits and must still collapse to the last one.
        TsFileExport.Result whole = TsFileExport.export(store, dir.resolve("a"), TsFileExport.Options.defaults());
        TsFileExport.Result small = TsFileExport.export(store, dir.resolve("b"), TsFileExport.Options.defaults().withMaxPointsPerRead(7));
        assertThat(readBack(dir.resolve("b"))).isEqualTo(readBack(dir.resolve("a")));
        assertThat(small.points()).isEqualTo(whole.points());
        assertThat(small.duplicatesDropped()).isEqualTo(whole.duplicatesDropped());
    }

    @Test
    void tsFileReaderQueriesTheCanonicalPath() throws Exception {
        Path out = dir.resolve("out");
        TsFileExport.Result r = TsFileExport.export(store, out, TsFileExport.Options.defaults().withSeriesPrefix("skab."));
        assertThat(r.files()).hasSize(1);
        IotdbPath p = IotdbPath.of("skab.valve1.1.Current");
        SeriesData d = store.raw("skab.valve1.1.Current", Long.MIN_VALUE, Long.MAX_VALUE);
        try (TsFileReader reader = new TsFileReader(new TsFileSequenceReader(r.files().getFirst().toString()))) {
            QueryDataSet ds = reader.query(QueryExpression.create(
                    List.of(new org.apache.tsfile.read.common.Path(p.device(), p.measurement(), false)), null));
            int i = 0;
            while (ds.hasNext()) {
                RowRecord row = ds.next();
                assertThat(row.getTimestamp()).isEqualTo(d.timestampAt(i) / 1000);
                Field f = row.getFields().getFirst();
                assertThat(f.getDataType()).isEqualTo(TSDataType.DOUBLE);
                assertThat(f.getDoubleV()).isEqualTo(d.doubleAt(i));
                i++;
            }
            assertThat(i).isEqualTo(3600);
        }
    }

    @Test
    void prefixConflictsAreReported() throws Exception {
        int a = store.seriesId("m.a", DataType.DOUBLE), b = store.seriesId("m.a.b", DataType.DOUBLE);
        store.append(a, T0, 1);
        store.append(b, T0, 2);
        TsFileExport.Result r = TsFileExport.export(store, dir.resolve("out"), TsFileExport.Options.defaults().withSeriesPrefix("m."));
        assertThat(r.pathConflicts()).containsExactly("root.lathe.m.a (also a prefix of root.lathe.m.a.b)");
        assertThat(r.points()).isEqualTo(2);
    }

    @Test
    void refusesAFolderThatIsNotEmptyOrIsAFile() throws Exception {
        Path out = Files.createDirectories(dir.resolve("used"));
        Files.writeString(out.resolve("old.tsfile"), "x");
        assertThatThrownBy(() -> TsFileExport.export(store, out, TsFileExport.Options.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not empty [out=" + out);
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertThatThrownBy(() -> TsFileExport.export(store, file, TsFileExport.Options.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is a file");
        assertThatThrownBy(() -> TsFileExport.Options.defaults().withRange(5, 5)).hasMessageContaining("from must be before to");
        assertThatThrownBy(() -> TsFileExport.Options.defaults().withPartition(Duration.ofNanos(1500))).hasMessageContaining("whole number of milliseconds");
    }

    @Test
    void anEmptySelectionWritesNoFile() throws Exception {
        TsFileExport.Result r = TsFileExport.export(store, dir.resolve("none"), TsFileExport.Options.defaults().withSeriesPrefix("nothing."));
        assertThat(r.files()).isEmpty();
        assertThat(r.points()).isZero();
        try (Stream<Path> s = Files.list(dir.resolve("none"))) {
            assertThat(s.count()).isZero();
        }
    }

    // ------------------------------------------------------------------ helpers

    /** What the export should write, derived from the store independently: converted times, last value per time. */
    private Map<String, List<Point>> expected(TimePrecision precision, long from, long to, java.util.function.Predicate<String> filter) throws Exception {
        Map<String, List<Point>> out = new LinkedHashMap<>();
        for (SeriesInfo s : store.series()) {
            if (!filter.test(s.name())) continue;
            SeriesData d = store.raw(s.name(), from, to);
            TreeMap<Long, Object> byTime = new TreeMap<>();
            for (int i = 0; i < d.size(); i++) {
                Object v = switch (d.type()) {
                    case DOUBLE -> d.doubleAt(i);
                    case LONG -> d.bits()[i];
                    case BOOLEAN -> d.bits()[i] != 0;
                    case TEXT -> d.text()[i];
                };
                byTime.put(precision.fromMicros(d.timestampAt(i)), v);
            }
            if (byTime.isEmpty()) continue;
            List<Point> pts = new ArrayList<>();
            byTime.forEach((t, v) -> pts.add(new Point(t, v)));
            out.put(IotdbPath.of(s.name()).fullPath(), pts);
        }
        return out;
    }

    /** Every series in a file or a folder of files, read with TsFile's sequence reader, chunk by chunk. */
    private static Map<String, List<Point>> readBack(Path fileOrDir) throws Exception {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(fileOrDir)) {
            try (Stream<Path> s = Files.list(fileOrDir)) {
                s.sorted().forEach(files::add);
            }
        } else {
            files.add(fileOrDir);
        }
        Map<String, List<Point>> out = new TreeMap<>();
        for (Path f : files) {
            assertThat(f.getFileName().toString()).endsWith(".tsfile");
            try (TsFileSequenceReader r = new TsFileSequenceReader(f.toString())) {
                Set<String> seenInFile = new HashSet<>();
                for (Map.Entry<IDeviceID, List<TimeseriesMetadata>> e : r.getAllTimeseriesMetadata(false).entrySet()) {
                    for (TimeseriesMetadata tm : e.getValue()) {
                        String path = e.getKey() + "." + tm.getMeasurementId();
                        assertThat(seenInFile.add(path)).isTrue();
                        List<Point> pts = out.computeIfAbsent(path, k -> new ArrayList<>());
                        for (ChunkMetadata cm : r.getChunkMetadataList(e.getKey(), tm.getMeasurementId(), true)) {
                            for (IPageReader page : new ChunkReader(r.readMemChunk(cm)).loadPageReaderList()) {
                                BatchData b = page.getAllSatisfiedPageData();
                                while (b.hasCurrent()) {
                                    Object v = b.currentValue();
                                    pts.add(new Point(b.currentTime(), v instanceof Binary bin ? bin.getStringValue(org.apache.tsfile.common.conf.TSFileConfig.STRING_CHARSET) : v));
                                    b.next();
                                }
                            }
                        }
                    }
                }
            }
        }
        for (List<Point> pts : out.values()) {
            for (int i = 1; i < pts.size(); i++) assertThat(pts.get(i).time()).isGreaterThan(pts.get(i - 1).time());
        }
        return out;
    }

    private static long sizes(List<Path> files) throws Exception {
        long n = 0;
        for (Path f : files) n += Files.size(f);
        return n;
    }
}
