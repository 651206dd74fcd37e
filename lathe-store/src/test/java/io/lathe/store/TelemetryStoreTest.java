package io.lathe.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.lathe.model.DataType;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TelemetryStoreTest {
    @TempDir
    Path dir;

    private static final long T0 = 1_700_000_000_000_000L;

    private StoreSettings settings() {
        return StoreSettings.defaults(dir).withFlushInterval(Duration.ofHours(1)).withWalSyncInterval(Duration.ZERO);
    }

    @Test
    void outOfOrderPointsComeBackSortedFromBuffersAndFiles() throws Exception {
        // Late points within the window are accepted, and every source (files, buffers) is merged in time order.
        try (TelemetryStore s = TelemetryStore.open(settings())) {
            int id = s.seriesId("m1.temp", DataType.DOUBLE);
            for (int i = 0; i < 100; i += 2) s.append(id, T0 + i * 1000L, i);
            s.flush();
            for (int i = 1; i < 100; i += 2) s.append(id, T0 + i * 1000L, i);
            s.flush();
            s.append(id, T0 + 50_500, 50.5);
            SeriesData d = s.raw("m1.temp", T0, T0 + 1_000_000);
            assertThat(d.size()).isEqualTo(101);
            for (int i = 1; i < d.size(); i++) assertThat(d.timestampAt(i)).isGreaterThanOrEqualTo(d.timestampAt(i - 1));
            assertThat(d.doubleAt(51)).isEqualTo(50.5);
            List<Bucket> b = s.aggregate("m1.temp", T0, T0 + 100_000, 1);
            assertThat(b.getFirst().count()).isEqualTo(101);
            assertThat(b.getFirst().last()).isEqualTo(99.0);
        }
    }

    @Test
    void buffersReusedAfterAFlushHoldOnlyTheirNewPoints() throws Exception {
        // A flushed buffer's arrays become the series' next buffer: no point of an earlier flush may show twice or
        // come back from the reused arrays, text included, and a flush still starts at half the memory budget.
        try (TelemetryStore s = TelemetryStore.open(settings().withMemoryBudgetBytes(1 << 20))) {
            int a = s.seriesId("a", DataType.DOUBLE);
            int t = s.seriesId("t", DataType.TEXT);
            int q = s.seriesId("quiet", DataType.DOUBLE);
            long ta = 0;
            for (int round = 0; round < 5; round++) {
                int n = 300 + round * 700; // grows past the reused arrays, then shrinks below them
                if (round == 3) n = 40;
                for (int i = 0; i < n; i++) {
                    s.append(a, T0 + ta * 1000, ta);
                    s.appendText(t, T0 + ta * 1000, "v" + ta, Quality.GOOD);
                    ta++;
                }
                if (round == 0 || round == 4) s.append(q, T0 + ta * 1000, -round);
                s.flush();
            }
            for (int i = 0; i < 10; i++, ta++) s.append(a, T0 + ta * 1000, ta); // in a reused buffer, not flushed
            SeriesData d = s.raw("a", T0, T0 + ta * 1000 + 1);
            assertThat(d.size()).isEqualTo((int) ta);
            for (int i = 0; i < d.size(); i++) {
                assertThat(d.timestampAt(i)).isEqualTo(T0 + i * 1000L);
                assertThat(d.doubleAt(i)).isEqualTo(i);
            }
            SeriesData text = s.raw("t", T0, T0 + ta * 1000 + 1);
            assertThat(text.size()).isEqualTo((int) ta - 10);
            for (int i = 0; i < text.size(); i++) assertThat(text.valueAt(i)).isEqualTo(Value.of("v" + i));
            assertThat(s.raw("quiet", T0, T0 + ta * 1000 + 1).size()).isEqualTo(2);
            // 10 points buffered: counted per point, however large the reused chunk is
            assertThat(s.memoryBytes()).isLessThan(1_000);
        }
        // a restart reads the same from the files and the log
        try (TelemetryStore s = TelemetryStore.open(settings())) {
            assertThat(s.raw("a", T0, T0 + 10_000_000_000L).size()).isEqualTo(300 + 1000 + 1700 + 40 + 3100 + 10);
        }
    }

    @Test
    void manySeriesInterleavedAcrossChunksFlushesAndARestartReadBackAsWritten() throws Exception {
        // The memory buffer keeps all series' points in arrival order in chunks that are grouped by series when full:
        // 1 MB budget = 2,048-point chunks, so 60,000 points of 300 series fill many chunks and start several flushes.
        // Out-of-order and repeated timestamps within the late window: the last write of a timestamp wins everywhere.
        Random rnd = new Random(11);
        int series = 300;
        java.util.List<java.util.TreeMap<Long, Double>> model = new ArrayList<>();
        for (int i = 0; i < series; i++) model.add(new java.util.TreeMap<>());
        try (TelemetryStore s = TelemetryStore.open(settings().withMemoryBudgetBytes(1 << 20))) {
            int[] ids = new int[series];
            for (int i = 0; i < series; i++) ids[i] = s.seriesId("m" + i, DataType.DOUBLE);
            for (int n = 0; n < 60_000; n++) {
                int k = rnd.nextInt(series);
                long t = T0 + (n / 10 + rnd.nextInt(50)) * 1000L;
                double v = rnd.nextGaussian();
                s.append(ids[k], t, v);
                model.get(k).put(t, v);
                if (n % 9_973 == 0) checkAgainst(s, model, rnd.nextInt(series));
                if (n == 31_000) s.flush();
            }
            for (int k = 0; k < series; k += 7) checkAgainst(s, model, k);
            assertThat(s.stats().memoryPoints()).isGreaterThan(0);
        }
        try (TelemetryStore s = TelemetryStore.open(settings())) {
            for (int k = 0; k < series; k++) checkAgainst(s, model, k);
        }
    }

    @Test
    void aFlushSpanningSeveralPartitionsWritesOneFilePerPartitionWithEveryPoint() throws Exception {
        // Back-filled points of three days arrive interleaved (day partitions): the flush writes each day's file in
        // its own pass over the buffer; queries and a restart see every point, last write winning.
        StoreSettings st = settings().withPartition(Duration.ofDays(1)).withLateWindow(Duration.ofDays(30));
        long day = 86_400_000_000L;
        long base = T0 - T0 % day;
        java.util.List<java.util.TreeMap<Long, Double>> model = new ArrayList<>();
        for (int i = 0; i < 3; i++) model.add(new java.util.TreeMap<>());
        try (TelemetryStore s = TelemetryStore.open(st)) {
            int[] ids = {s.seriesId("m0", DataType.DOUBLE), s.seriesId("m1", DataType.DOUBLE), s.seriesId("m2", DataType.DOUBLE)};
            Random rnd = new Random(4);
            for (int n = 0; n < 3_000; n++) {
                int k = rnd.nextInt(3);
                long t = base + rnd.nextInt(3) * day + rnd.nextInt(500) * 1_000_000L;
                double v = n;
                s.append(ids[k], t, v);
                model.get(k).put(t, v);
            }
            s.flush();
            for (int k = 0; k < 3; k++) checkAgainst(s, model, k);
            assertThat(s.stats().files()).isEqualTo(3);
        }
        try (TelemetryStore s = TelemetryStore.open(st)) {
            for (int k = 0; k < 3; k++) checkAgainst(s, model, k);
        }
    }

    private static void checkAgainst(TelemetryStore s, java.util.List<java.util.TreeMap<Long, Double>> model, int k) throws Exception {
        SeriesData d = s.raw("m" + k, T0 - 86_400_000_000L, T0 + 400_000_000_000L);
        var expected = model.get(k);
        assertThat(d.size()).as("series m%d", k).isEqualTo(expected.size());
        int i = 0;
        for (var e : expected.entrySet()) {
            assertThat(d.timestampAt(i)).isEqualTo(e.getKey());
            assertThat(d.doubleAt(i)).as("m%d at %d", k, e.getKey()).isEqualTo(e.getValue());
            i++;
        }
    }

    @Test
    void pointsOlderThanTheLateWindowAreRejectedAndCounted() throws Exception {
        // The late window bounds how far back a series may be rewritten.
        try (TelemetryStore s = TelemetryStore.open(settings().withLateWindow(Duration.ofSeconds(10)))) {
            int id = s.seriesId("x", DataType.DOUBLE);
            assertThat(s.append(id, T0, 1)).isTrue();
            assertThat(s.append(id, T0 - 5_000_000, 2)).isTrue();
            assertThat(s.append(id, T0 - 11_000_000, 3)).isFalse();
            assertThat(s.stats().rejectedLatePoints()).isEqualTo(1);
            assertThat(s.raw("x", Long.MIN_VALUE, Long.MAX_VALUE).size()).isEqualTo(2);
        }
    }

    @Test
    void aggregatesMatchBruteForceOnRandomDataAcrossFilesAndBuffers() throws Exception {
        // Property test: statistics-based bucket aggregation must equal a naive computation, whatever the bucket
        // count, range, flush points and late points. The seed is in the failure message.
        long seed = System.nanoTime();
        Random r = new Random(seed);
        for (int round = 0; round < 6; round++) {
            Path d = dir.resolve("r" + round);
            try (TelemetryStore s = TelemetryStore.open(StoreSettings.defaults(d).withFlushInterval(Duration.ofHours(1)).withWalSyncInterval(Duration.ZERO))) {
                int id = s.seriesId("s", DataType.DOUBLE);
                int n = 1000 + r.nextInt(20_000);
                List<long[]> pts = new ArrayList<>();
                long t = T0 + r.nextInt(1_000_000);
                double v = 100;
                boolean late = round % 2 == 1;
                for (int i = 0; i < n; i++) {
                    t += 1 + r.nextInt(2_000_000);
                    v = Math.round((v + r.nextGaussian()) * 100) / 100.0;
                    long ts = late && r.nextInt(50) == 0 ? t - r.nextInt(3_000_000) : t;
                    s.append(id, ts, v);
                    pts.add(new long[]{ts, Double.doubleToRawLongBits(v)});
                    if (r.nextInt(4000) == 0) s.flush();
                }
                if (r.nextBoolean()) s.flush();
                pts.sort((a, b) -> Long.compare(a[0], b[0]));
                long[] ts = pts.stream().mapToLong(p -> p[0]).toArray();
                double[] vs = pts.stream().mapToDouble(p -> Double.longBitsToDouble(p[1])).toArray();
                for (int q = 0; q < 5; q++) {
                    long from = ts[0] + (q == 0 ? 0 : r.nextInt((int) Math.min(Integer.MAX_VALUE, (ts[n - 1] - ts[0]) / 2)));
                    long to = q == 0 ? ts[n - 1] + 1 : from + 1 + (long) (r.nextDouble() * (ts[n - 1] - from));
                    int buckets = 1 + r.nextInt(q == 0 ? 1000 : 50);
                    int lo = lower(ts, from), hi = lower(ts, to);
                    List<Bucket> expected = BruteForce.aggregate(Arrays.copyOfRange(ts, lo, hi), Arrays.copyOfRange(vs, lo, hi), hi - lo, from, to, buckets);
                    List<Bucket> actual = s.aggregate("s", from, to, buckets);
                    String why = "seed=" + seed + " round=" + round + " query=" + q;
                    assertThat(actual).as(why).hasSameSizeAs(expected);
                    for (int k = 0; k < expected.size(); k++) {
                        Bucket e = expected.get(k), a = actual.get(k);
                        assertThat(a.startMicros()).as(why).isEqualTo(e.startMicros());
                        assertThat(a.count()).as(why).isEqualTo(e.count());
                        assertThat(a.min()).as(why).isEqualTo(e.min());
                        assertThat(a.max()).as(why).isEqualTo(e.max());
                        assertThat(a.first()).as(why).isEqualTo(e.first());
                        assertThat(a.last()).as(why).isEqualTo(e.last());
                        assertThat(a.sum()).as(why).isCloseTo(e.sum(), within(1e-9 * Math.max(1, Math.abs(e.sum())) * e.count()));
                        assertThat(a.timeWeightedAverage()).as(why).isCloseTo(e.timeWeightedAverage(), within(1e-6 * Math.max(1, Math.abs(e.timeWeightedAverage()))));
                    }
                    // M4 picks the bucket's first, min, max and last points
                    SeriesData m4 = s.m4("s", from, to, buckets);
                    int expectedPoints = 0;
                    for (Bucket e : expected) expectedPoints += 1;
                    assertThat(m4.size()).as(why).isBetween(expectedPoints, expectedPoints * 4);
                }
            }
        }
    }

    private static int lower(long[] a, long t) {
        int lo = 0, hi = a.length;
        while (lo < hi) {
            int m = (lo + hi) >>> 1;
            if (a[m] < t) lo = m + 1;
            else hi = m;
        }
        return lo;
    }

    @Test
    void everyValueTypeSurvivesFlushAndRestart() throws Exception {
        // Files and log must keep longs, booleans, text and quality codes exactly, including extremes.
        try (TelemetryStore s = TelemetryStore.open(settings())) {
            int l = s.seriesId("l", DataType.LONG), b = s.seriesId("b", DataType.BOOLEAN), t = s.seriesId("t", DataType.TEXT), d = s.seriesId("d", DataType.DOUBLE);
            s.appendLong(l, T0, Long.MIN_VALUE, Quality.GOOD);
            s.appendLong(l, T0 + 1, Long.MAX_VALUE, Quality.BAD);
            s.appendBoolean(b, T0, true, Quality.GOOD);
            s.appendBoolean(b, T0 + 1, false, Quality.UNCERTAIN);
            s.appendText(t, T0, "", Quality.GOOD);
            s.appendText(t, T0 + 1, "running", Quality.GOOD);
            s.append(d, T0, -0.0, Quality.GOOD);
            s.append(d, T0 + 1, Double.NaN, Quality.GOOD);
            s.flush();
            s.appendText(t, T0 + 2, "stopped", Quality.GOOD);
            s.sync();
        }
        try (TelemetryStore s = TelemetryStore.open(settings())) {
            SeriesData l = s.raw("l", Long.MIN_VALUE, Long.MAX_VALUE);
            assertThat(l.valueAt(0)).isEqualTo(Value.of(Long.MIN_VALUE));
            assertThat(l.valueAt(1)).isEqualTo(Value.of(Long.MAX_VALUE));
            assertThat(l.qualityAt(1)).isEqualTo(Quality.BAD);
            SeriesData b = s.raw("b", Long.MIN_VALUE, Long.MAX_VALUE);
            assertThat(b.valueAt(0)).isEqualTo(Value.of(true));
            assertThat(b.qualityAt(1)).isEqualTo(Quality.UNCERTAIN);
            assertThat(s.raw("t", Long.MIN_VALUE, Long.MAX_VALUE).text()).containsExactly("", "running", "stopped");
            SeriesData d = s.raw("d", Long.MIN_VALUE, Long.MAX_VALUE);
            assertThat(Double.doubleToRawLongBits(d.doubleAt(0))).isEqualTo(Double.doubleToRawLongBits(-0.0));
            assertThat(d.doubleAt(1)).isNaN();
            assertThat(s.latest("l").orElseThrow().value()).isEqualTo(Value.of(Long.MAX_VALUE));
            assertThat(s.latest("t").orElseThrow().value()).isEqualTo(Value.of("stopped"));
        }
    }

    @Test
    void unflushedPointsAreReplayedFromTheLogAfterAnUncleanStop() throws Exception {
        // Simulates a crash: the store is never closed, so only the synced log can bring the points back.
        Path d = dir.resolve("crash");
        TelemetryStore s = TelemetryStore.open(StoreSettings.defaults(d).withFlushInterval(Duration.ofHours(1)));
        int id = s.seriesId("p", DataType.DOUBLE);
        for (int i = 0; i < 5000; i++) s.append(id, T0 + i, i);
        s.sync();
        // copy the folder while the store is open, as a crash would leave it
        Path copy = dir.resolve("copy");
        try (Stream<Path> files = Files.walk(d)) {
            for (Path p : files.toList()) {
                Path target = copy.resolve(d.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
        s.close();
        try (TelemetryStore r = TelemetryStore.open(StoreSettings.defaults(copy))) {
            assertThat(r.raw("p", Long.MIN_VALUE, Long.MAX_VALUE).size()).isEqualTo(5000);
            assertThat(r.latest("p").orElseThrow().timestampMicros()).isEqualTo(T0 + 4999);
        }
    }

    @Test
    void retentionDropsWholeDayPartitionsOlderThanTheRetention() throws Exception {
        // Old partitions go as whole folders; newer days stay untouched.
        long day = 86_400_000_000L;
        long today = Math.floorDiv(T0, day) * day;
        AtomicLong nowMicros = new AtomicLong(today + day / 2);
        InstantSource clock = () -> Instant.ofEpochSecond(0, nowMicros.get() * 1000);
        try (TelemetryStore s = TelemetryStore.open(settings().withRetention(Duration.ofDays(2)).withLateWindow(Duration.ofDays(30))
                .withPartition(Duration.ofDays(1)), clock)) {
            int id = s.seriesId("r", DataType.DOUBLE);
            for (int dd = 5; dd >= 0; dd--) s.append(id, today - dd * day + 1000, dd);
            s.flush();
            assertThat(s.enforceRetention()).isEqualTo(3); // days -5, -4, -3 end before now - 2 days
            SeriesData left = s.raw("r", Long.MIN_VALUE, Long.MAX_VALUE);
            assertThat(left.size()).isEqualTo(3);
            assertThat(left.doubleAt(0)).isEqualTo(2.0);
            try (Stream<Path> parts = Files.list(dir.resolve("data"))) {
                assertThat(parts.count()).isEqualTo(3);
            }
        }
    }

    @Test
    void blockIndexIsReadFromDiskOnDemandWithinABoundedCache() throws Exception {
        // 3,000 series in 20 files: their indexes (about 3 MB) exceed the 1 MB cache of a 1 MB memory budget, so
        // queries must read them back from disk; answers, newest points and first times stay exact, also after reopening.
        int series = 3000, rounds = 20, per = 10;
        StoreSettings st = settings().withMemoryBudgetBytes(1 << 20);
        try (TelemetryStore s = TelemetryStore.open(st)) {
            for (int k = 0; k < series; k++) s.seriesId("s" + k, DataType.DOUBLE);
            for (int r = 0; r < rounds; r++) {
                for (int k = 0; k < series; k++) {
                    for (int i = 0; i < per; i++) {
                        long t = T0 + (long) (r * per + i) * 1_000_000L;
                        s.append(k, t, k * 1000.0 + r * per + i);
                    }
                }
                s.flush();
            }
            checkIndexedSeries(s, series, rounds * per);
            assertThat(s.indexCacheBytes()).isLessThanOrEqualTo(1 << 20);
        }
        try (TelemetryStore s = TelemetryStore.open(st)) {
            checkIndexedSeries(s, series, rounds * per);
            assertThat(s.indexCacheBytes()).isLessThanOrEqualTo(1 << 20);
        }
    }

    private static void checkIndexedSeries(TelemetryStore s, int series, int points) throws Exception {
        Random rnd = new Random(1);
        for (int q = 0; q < 200; q++) {
            int k = rnd.nextInt(series);
            SeriesData d = s.raw("s" + k, Long.MIN_VALUE, Long.MAX_VALUE);
            assertThat(d.size()).as("series s%d", k).isEqualTo(points);
            for (int i = 0; i < points; i++) {
                assertThat(d.timestamps()[i]).isEqualTo(T0 + i * 1_000_000L);
                assertThat(d.doubleAt(i)).isEqualTo(k * 1000.0 + i);
            }
            List<Bucket> b = s.aggregate("s" + k, T0, T0 + points * 1_000_000L, 1);
            assertThat(b.getFirst().count()).isEqualTo(points);
            assertThat(b.getFirst().max()).isEqualTo(k * 1000.0 + points - 1);
            assertThat(s.latest("s" + k).orElseThrow().timestampMicros()).isEqualTo(T0 + (points - 1) * 1_000_000L);
            assertThat(s.info("s" + k).orElseThrow().firstMicros()).isEqualTo(T0);
        }
    }

    @Test
    void compactionMergesSmallFilesWithoutChangingQueryResults() throws Exception {
        // Many small flushes (with late points) become one file per day; data stays the same. The late point is the
        // same (series, timestamp) each time: last write wins, so it counts once.
        try (TelemetryStore s = TelemetryStore.open(settings())) {
            int id = s.seriesId("c", DataType.DOUBLE);
            for (int f = 0; f < 5; f++) {
                for (int i = 0; i < 300; i++) s.append(id, T0 + (f * 300 + i) * 1000L, f * 300 + i);
                s.append(id, T0 + 500, -1);
                s.flush();
            }
            List<Bucket> before = s.aggregate("c", T0, T0 + 2_000_000, 7);
            assertThat(s.stats().files()).isEqualTo(5);
            assertThat(s.compact(2)).isEqualTo(1);
            assertThat(s.stats().files()).isEqualTo(1);
            assertThat(s.aggregate("c", T0, T0 + 2_000_000, 7)).usingRecursiveComparison().isEqualTo(before);
            assertThat(s.raw("c", Long.MIN_VALUE, Long.MAX_VALUE).size()).isEqualTo(1501);
        }
    }

    @Test
    void exceedingTheMemoryBudgetFlushesEarly() throws Exception {
        // With a 1 MB budget and an hourly flush interval, files must appear from budget pressure alone.
        try (TelemetryStore s = TelemetryStore.open(settings().withMemoryBudgetBytes(1 << 20))) {
            int id = s.seriesId("m", DataType.DOUBLE);
            for (int i = 0; i < 300_000; i++) s.append(id, T0 + i * 1000L, i % 100);
            assertThat(s.stats().files()).isGreaterThan(0);
            assertThat(s.memoryBytes()).isLessThanOrEqualTo(1 << 20);
            assertThat(s.stats().points()).isEqualTo(300_000);
        }
    }

    @Test
    void pointSinkStoresBySignalIdAndMarksStaleByRepeatingTheLastValue() throws Exception {
        // The server fans points into the store through PointSink; markStale leaves a STALE point in history.
        try (TelemetryStore s = TelemetryStore.open(settings())) {
            Signal sig = new Signal("m1.speed", "Speed", "m1", DataType.DOUBLE, "rpm", "", "");
            s.accept(sig, T0, Value.of(1200.5), Quality.GOOD, false);
            s.accept(sig, T0 + 1, Value.of(7L), Quality.GOOD, false);
            s.accept(sig, T0 + 2, Value.of("oops"), Quality.GOOD, false);
            s.markStale(sig, T0 + 10);
            SeriesData d = s.raw("m1.speed", Long.MIN_VALUE, Long.MAX_VALUE);
            assertThat(d.size()).isEqualTo(3);
            assertThat(d.doubleAt(2)).isEqualTo(7.0);
            assertThat(d.qualityAt(2)).isEqualTo(Quality.STALE);
            assertThat(s.stats().rejectedPoints()).isEqualTo(1);
            assertThat(s.latest("m1.speed").orElseThrow().quality()).isEqualTo(Quality.STALE);
        }
    }

    /** One signal of each data type, for the batch tests. */
    private static final Signal D = new Signal("m.d", "D", "m", DataType.DOUBLE, "", "", "");
    private static final Signal L = new Signal("m.l", "L", "m", DataType.LONG, "", "", "");
    private static final Signal B = new Signal("m.b", "B", "m", DataType.BOOLEAN, "", "", "");
    private static final Signal T = new Signal("m.t", "T", "m", DataType.TEXT, "", "", "");

    @Test
    void aBatchIsStoredExactlyAsTheSamePointsOneByOneAndSurvivesAReopen() throws Exception {
        // The batch path takes the lock once per message; what it stores and refuses must not differ from point by
        // point: conversions, type mismatches, out-of-range and late timestamps, text, stale marks, new series.
        Signal d = D, l = L, b = B, t = T;
        io.lathe.ingest.PointBatch batch = new io.lathe.ingest.PointBatch(4);
        batch.add(d, T0, Value.of(1.5), Quality.GOOD, false);
        batch.add(l, T0, Value.of(2.6), Quality.UNCERTAIN, false);
        batch.add(l, T0 + 1, Value.of(Double.NaN), Quality.GOOD, false);
        batch.add(b, T0, Value.of(3L), Quality.GOOD, false);
        batch.add(t, T0, Value.of(42L), Quality.GOOD, true);
        batch.add(d, T0 + 1, Value.of("text"), Quality.GOOD, false);
        batch.add(d, TelemetryStore.MAX_TIMESTAMP_MICROS + 1, Value.of(1.0), Quality.GOOD, false);
        batch.add(d, T0 + 5, Value.of(2.5), Quality.BAD, false);
        batch.add(d, T0 - 3_600_000_000L, Value.of(9.0), Quality.GOOD, false);
        batch.stale(d, T0 + 10);
        batch.stale(t, T0 + 10);
        batch.stale(new Signal("m.none", "N", "m", DataType.DOUBLE, "", "", ""), T0 + 10);
        batch.add(d, T0 + 20, Value.of(3.5), Quality.GOOD, false);
        StoreSettings one = unflushedSettings("one");
        StoreSettings all = unflushedSettings("all");
        List<String> names = List.of("m.d", "m.l", "m.b", "m.t");
        java.util.Map<String, SeriesData> expected;
        java.util.Map<String, Long> expectedRejects;
        try (TelemetryStore s = TelemetryStore.open(one)) {
            for (int i = 0; i < batch.size(); i++) batch.deliver(i, s);
            expected = s.raw(names, Long.MIN_VALUE, Long.MAX_VALUE);
            expectedRejects = s.rejectedByReason();
        }
        try (TelemetryStore s = TelemetryStore.open(all)) {
            s.accept(batch);
            assertThat(s.rejectedByReason()).isEqualTo(expectedRejects);
            assertThat(s.rejectedByReason().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(4);
            assertSameData(s.raw(names, Long.MIN_VALUE, Long.MAX_VALUE), expected);
            s.sync();
        }
        try (TelemetryStore s = TelemetryStore.open(all)) {
            assertSameData(s.raw(names, Long.MIN_VALUE, Long.MAX_VALUE), expected);
            assertThat(s.raw("m.d", Long.MIN_VALUE, Long.MAX_VALUE).size()).isEqualTo(4);
        }
    }

    @Test
    void primitivesOfABatchAreStoredExactlyAsTheValueObjectsTheyStandFor() throws Exception {
        // A connector may add a double, long or boolean without a Value object; every conversion into each series
        // type, every refusal and a first point that defines its series must come out as with the objects.
        Signal[] all = {D, L, B, T};
        double[] doubles = {1.5, -0.0, 0.0, 2.6, Double.NaN, Double.POSITIVE_INFINITY, 3e300};
        long[] longs = {0, 3, -7, Long.MAX_VALUE};
        io.lathe.ingest.PointBatch prims = new io.lathe.ingest.PointBatch(4);
        io.lathe.ingest.PointBatch objects = new io.lathe.ingest.PointBatch(4);
        long ts = T0;
        for (Signal sig : all) {
            for (double v : doubles) {
                prims.addDouble(sig, ts, v, Quality.GOOD, false);
                objects.add(sig, ts++, Value.of(v), Quality.GOOD, false);
            }
            for (long v : longs) {
                prims.addLong(sig, ts, v, Quality.UNCERTAIN, false);
                objects.add(sig, ts++, Value.of(v), Quality.UNCERTAIN, false);
            }
            for (boolean v : new boolean[] {true, false}) {
                prims.addBoolean(sig, ts, v, Quality.GOOD, true);
                objects.add(sig, ts++, Value.of(v), Quality.GOOD, true);
            }
            prims.addDouble(sig, TelemetryStore.MAX_TIMESTAMP_MICROS + 1, 1.0, Quality.GOOD, false);
            objects.add(sig, TelemetryStore.MAX_TIMESTAMP_MICROS + 1, Value.of(1.0), Quality.GOOD, false);
            prims.addLong(sig, T0 - 3_600_000_000L, 9, Quality.GOOD, false);
            objects.add(sig, T0 - 3_600_000_000L, Value.of(9L), Quality.GOOD, false);
        }
        assertThat(prims.primitiveType(0)).isEqualTo(DataType.DOUBLE);
        assertThat(prims.value(0)).isEqualTo(Value.of(1.5));
        List<String> names = List.of("m.d", "m.l", "m.b", "m.t");
        java.util.Map<String, SeriesData> expected;
        java.util.Map<String, Long> expectedRejects;
        StoreSettings withObjects = unflushedSettings("objects");
        StoreSettings withPrimitives = unflushedSettings("primitives");
        try (TelemetryStore s = TelemetryStore.open(withObjects)) {
            s.accept(objects);
            expected = s.raw(names, Long.MIN_VALUE, Long.MAX_VALUE);
            expectedRejects = s.rejectedByReason();
        }
        try (TelemetryStore s = TelemetryStore.open(withPrimitives)) {
            s.accept(prims);
            assertThat(s.rejectedByReason()).isEqualTo(expectedRejects);
            assertThat(expectedRejects.get("type-mismatch")).isPositive();
            assertSameData(s.raw(names, Long.MIN_VALUE, Long.MAX_VALUE), expected);
            assertThat(expected.get("m.t").size()).isEqualTo(doubles.length + longs.length + 2);
        }
        try (TelemetryStore s = TelemetryStore.open(withPrimitives)) {
            assertSameData(s.raw(names, Long.MIN_VALUE, Long.MAX_VALUE), expected);
        }
    }

    /** Settings of a store that keeps what the test writes in its buffers and log: no flush, every write synced. */
    private StoreSettings unflushedSettings(String name) {
        return StoreSettings.defaults(dir.resolve(name)).withFlushInterval(Duration.ofHours(1))
                .withWalSyncInterval(Duration.ZERO).withLateWindow(Duration.ofMinutes(1));
    }

    private static void assertSameData(java.util.Map<String, SeriesData> actual, java.util.Map<String, SeriesData> expected) {
        assertThat(actual.keySet()).isEqualTo(expected.keySet());
        for (String k : expected.keySet()) {
            SeriesData a = actual.get(k), e = expected.get(k);
            assertThat(a.size()).as(k).isEqualTo(e.size());
            for (int i = 0; i < e.size(); i++) {
                assertThat(a.timestampAt(i)).as(k + "[" + i + "]").isEqualTo(e.timestampAt(i));
                assertThat(a.valueAt(i)).as(k + "[" + i + "]").isEqualTo(e.valueAt(i));
                assertThat(a.qualityAt(i)).as(k + "[" + i + "]").isEqualTo(e.qualityAt(i));
            }
        }
    }

    @Test
    void latestOfManySeriesAndSeveralSeriesInOneQuery() throws Exception {
        try (TelemetryStore s = TelemetryStore.open(settings())) {
            List<String> names = new ArrayList<>();
            for (int k = 0; k < 50; k++) {
                String n = "s" + k;
                names.add(n);
                int id = s.seriesId(n, DataType.DOUBLE);
                for (int i = 0; i < 10; i++) s.append(id, T0 + i, k * 100 + i);
            }
            s.flush();
            assertThat(s.latest(names)).hasSize(50).allSatisfy(p -> assertThat(p.timestampMicros()).isEqualTo(T0 + 9));
            assertThat(s.aggregate(names.subList(0, 3), T0, T0 + 10, 2)).hasSize(3).allSatisfy((k, v) -> assertThat(v).hasSize(2));
        }
    }
}
