package io.lathe.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lathe.model.DataType;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 9: durability without sync, manifest, limits, duplicates, retention, read-only opening and the writers' lock. */
class StoreReliabilityTest {
    @TempDir
    Path dir;

    private static final long T0 = 1_700_000_000_000_000L;

    private StoreSettings settings() {
        return StoreSettings.defaults(dir).withFlushInterval(Duration.ofHours(1));
    }

    static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after 30 s waiting for: " + what);
            Thread.sleep(5);
        }
    }

    static long walBytes(Path storeDir) {
        try (Stream<Path> s = Files.list(storeDir.resolve("wal"))) {
            return s.mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException e) {
            return -1;
        }
    }

    // ------------------------------------------------------------------ item 1

    @Test
    void pointsAppendedWithoutSyncAreForcedToTheLogWithoutAFlush() throws Exception {
        // Issue 9.1: the log writer slept until a buffer was half full or someone synced, so a connector's points
        // waited in memory until the next flush (10 minutes) and D/store/wal stayed empty.
        try (TelemetryStore s = TelemetryStore.open(settings().withWalSyncInterval(Duration.ofMillis(10)))) {
            int id = s.seriesId("slow", DataType.DOUBLE);
            Thread t = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < 3; i++) s.append(id, T0 + i, i);
            });
            t.join();
            long appended = s.appendedSequence();
            waitFor("every appended record forced to disk without sync()", () -> s.durableSequence() >= appended);
            assertThat(walBytes(dir)).as("bytes in D/wal before any flush").isGreaterThan(0);
            assertThat(s.stats().files()).isZero();
        }
    }

    // ------------------------------------------------------------------ item 5

    @Test
    void aNewStoreHasItsManifestAtOnceAndAStoreWithFilesButNoManifestIsRefusedNotEmptied() throws Exception {
        // Issue 9.5: readManifest returned quietly when MANIFEST was missing and loadFiles then deleted every file.
        try (TelemetryStore s = TelemetryStore.open(settings())) {
            assertThat(dir.resolve("MANIFEST")).exists();
            int id = s.seriesId("h", DataType.DOUBLE);
            for (int i = 0; i < 100; i++) s.append(id, T0 + i * 1000L, i);
            s.flush();
        }
        List<Path> segments;
        try (Stream<Path> w = Files.walk(dir.resolve("data"))) {
            segments = w.filter(p -> p.toString().endsWith(".lseg")).toList();
        }
        assertThat(segments).isNotEmpty();
        Path saved = dir.resolveSibling(dir.getFileName() + "-manifest");
        Files.move(dir.resolve("MANIFEST"), saved);

        assertThatThrownBy(() -> TelemetryStore.open(settings())).isInstanceOf(IOException.class)
                .hasMessageContaining("manifest missing").hasMessageContaining("segmentFiles=" + segments.size());
        assertThatThrownBy(() -> TelemetryStore.openReadOnly(settings())).isInstanceOf(IOException.class).hasMessageContaining("manifest missing");
        for (Path p : segments) assertThat(p).exists();

        Files.move(saved, dir.resolve("MANIFEST"));
        try (TelemetryStore s = TelemetryStore.open(settings())) {
            assertThat(s.raw("h", Long.MIN_VALUE, Long.MAX_VALUE).size()).isEqualTo(100);
        }
    }

    // ------------------------------------------------------------------ item 6: reasons

    @Test
    void everyRejectHasAReasonLabel() throws Exception {
        try (TelemetryStore s = TelemetryStore.open(settings().withLateWindow(Duration.ofSeconds(1)))) {
            assertThat(s.unavailableReason()).isEmpty();
            assertThat(s.rejectedByReason()).containsOnlyKeys("late", "type-mismatch", "out-of-range-timestamp", "too-large", "unavailable", "closed", "error")
                    .allSatisfy((k, v) -> assertThat(v).isZero());
            Signal counter = new Signal("m1.count", "Count", "m1", DataType.LONG, "", "", "");
            s.accept(counter, T0, Value.of(5L), Quality.GOOD, false);
            s.accept(counter, T0 + 1, Value.of(Double.NaN), Quality.GOOD, false); // NaN to a LONG series
            s.accept(counter, T0 + 2, Value.of("five"), Quality.GOOD, false);
            s.accept(counter, T0 - 5_000_000, Value.of(4L), Quality.GOOD, false); // late
            s.accept(counter, 1_700_000_000_000_000_000L, Value.of(6L), Quality.GOOD, false); // ns sent as µs: year 55,840
            Map<String, Long> r = s.rejectedByReason();
            assertThat(r.get("type-mismatch")).isEqualTo(2);
            assertThat(r.get("late")).isEqualTo(1);
            assertThat(r.get("out-of-range-timestamp")).isEqualTo(1);
            assertThat(s.raw("m1.count", Long.MIN_VALUE, Long.MAX_VALUE).size()).isEqualTo(1);
            assertThat(s.stats().rejectedPoints()).isEqualTo(3);
        }
    }

    // ------------------------------------------------------------------ item 11d

    @Test
    void timestampsOutsideTheDocumentedRangeAreRefusedAndTheBoundsThemselvesSurviveARestart() throws Exception {
        // Issue 9.11: a point stamped after 9999 was acknowledged and then lost (folder "+57742-03-05" ignored on open).
        StoreSettings settings = settings().withLateWindow(Duration.ofDays(4_000_000)); // accept year 1 after 2023
        try (TelemetryStore s = TelemetryStore.open(settings)) {
            int id = s.seriesId("t", DataType.DOUBLE);
            long micros = 1_764_000_000_000_000L * 1000; // microseconds sent as milliseconds, scaled again
            assertThatThrownBy(() -> s.append(id, micros, 1)).isInstanceOf(PointRejectedException.class)
                    .satisfies(e -> assertThat(((PointRejectedException) e).reason()).isEqualTo(RejectReason.OUT_OF_RANGE_TIMESTAMP))
                    .hasMessageContaining("timestampMicros=" + micros);
            assertThatThrownBy(() -> s.append(id, TelemetryStore.MIN_TIMESTAMP_MICROS - 1, 1)).isInstanceOf(PointRejectedException.class);
            assertThatThrownBy(() -> s.append(id, TelemetryStore.MAX_TIMESTAMP_MICROS + 1, 1)).isInstanceOf(PointRejectedException.class);
            assertThat(s.appendBatch(id, new long[] {TelemetryStore.MAX_TIMESTAMP_MICROS + 1, T0}, new double[] {1, 2}, 0, 2)).isEqualTo(1);
            assertThat(s.append(id, TelemetryStore.MIN_TIMESTAMP_MICROS, 3)).isTrue();
            assertThat(s.append(id, TelemetryStore.MAX_TIMESTAMP_MICROS, 4)).isTrue();
            assertThat(s.rejectedByReason().get("out-of-range-timestamp")).isEqualTo(4);
        }
        try (TelemetryStore s = TelemetryStore.open(settings)) {
            SeriesData d = s.raw("t", Long.MIN_VALUE, Long.MAX_VALUE);
            assertThat(d.timestamps()).containsExactly(TelemetryStore.MIN_TIMESTAMP_MICROS, T0, TelemetryStore.MAX_TIMESTAMP_MICROS);
        }
    }

    // ------------------------------------------------------------------ item 11a

    @Test
    void textValuesAboveTheLimitAreRefusedAndOneAtTheLimitSurvivesReplay() throws Exception {
        String atLimit = "x".repeat(TelemetryStore.MAX_TEXT_BYTES);
        String multiByte = "é".repeat(TelemetryStore.MAX_TEXT_BYTES / 2 + 1); // fewer chars than the limit, more bytes
        try (TelemetryStore s = TelemetryStore.open(settings())) {
            int id = s.seriesId("doc", DataType.TEXT);
            assertThat(s.appendText(id, T0, atLimit, Quality.GOOD)).isTrue();
            assertThatThrownBy(() -> s.appendText(id, T0 + 1, atLimit + "y", Quality.GOOD)).isInstanceOf(PointRejectedException.class)
                    .hasMessageContaining("limit=" + TelemetryStore.MAX_TEXT_BYTES)
                    .satisfies(e -> assertThat(((PointRejectedException) e).reason()).isEqualTo(RejectReason.TOO_LARGE));
            assertThatThrownBy(() -> s.appendText(id, T0 + 2, multiByte, Quality.GOOD)).isInstanceOf(PointRejectedException.class);
            for (int i = 0; i < 201; i++) s.appendText(id, T0 + 10 + i, "after " + i, Quality.GOOD);
            s.sync();
            assertThat(s.rejectedByReason().get("too-large")).isEqualTo(2);
            // what a crash would leave: replay the live log without touching it
            try (TelemetryStore r = TelemetryStore.openReadOnly(settings())) {
                SeriesData d = r.raw("doc", Long.MIN_VALUE, Long.MAX_VALUE);
                assertThat(d.size()).isEqualTo(202);
                assertThat(d.text()[0]).isEqualTo(atLimit);
                assertThat(d.text()[201]).isEqualTo("after 200");
            }
        }
    }

    // ------------------------------------------------------------------ item 11e

    @Test
    void theLastWriteOfATimestampWinsInBuffersFilesCompactionAndAfterRestart() throws Exception {
        // Issue 9.11: a client that resends a batch after losing the 200 stored every point twice.
        try (TelemetryStore s = TelemetryStore.open(settings())) {
            int id = s.seriesId("d", DataType.DOUBLE);
            for (int i = 0; i < 10; i++) s.append(id, T0 + i * 1000L, i);
            for (int i = 0; i < 10; i++) s.append(id, T0 + i * 1000L, i); // the retried batch
            checkOnePerTimestamp(s, Map.of());
            s.append(id, T0 + 5000, 50);                                   // buffer over buffer
            checkOnePerTimestamp(s, Map.of(5, 50.0));
            s.flush();
            checkOnePerTimestamp(s, Map.of(5, 50.0));
            s.append(id, T0 + 5000, 55);                                   // buffer over file
            s.append(id, T0 + 9000, 99);                                   // the newest point rewritten
            checkOnePerTimestamp(s, Map.of(5, 55.0, 9, 99.0));
            assertThat(s.latest("d").orElseThrow().value()).isEqualTo(Value.of(99.0));
            s.flush();
            s.append(id, T0 + 3000, 33);
            s.flush();                                                     // file over file
            checkOnePerTimestamp(s, Map.of(3, 33.0, 5, 55.0, 9, 99.0));
            assertThat(s.stats().files()).isEqualTo(3);
            assertThat(s.compact(2)).isEqualTo(1);
            checkOnePerTimestamp(s, Map.of(3, 33.0, 5, 55.0, 9, 99.0));
            assertThat(s.stats().filePoints()).isEqualTo(10);
            s.append(id, T0 + 3000, 34);                                   // a last one in memory, flushed by close
        }
        try (TelemetryStore s = TelemetryStore.open(settings())) {
            checkOnePerTimestamp(s, Map.of(3, 34.0, 5, 55.0, 9, 99.0));
            assertThat(s.latest("d").orElseThrow().value()).isEqualTo(Value.of(99.0));
        }
    }

    /** Ten points at T0 + i ms, value i unless {@code changed} says otherwise, through raw, aggregate and m4. */
    private static void checkOnePerTimestamp(TelemetryStore s, Map<Integer, Double> changed) throws IOException {
        SeriesData d = s.raw("d", Long.MIN_VALUE, Long.MAX_VALUE);
        assertThat(d.size()).isEqualTo(10);
        double sum = 0;
        for (int i = 0; i < 10; i++) {
            double v = changed.getOrDefault(i, (double) i);
            assertThat(d.timestampAt(i)).isEqualTo(T0 + i * 1000L);
            assertThat(d.doubleAt(i)).as("value at %d ms", i).isEqualTo(v);
            sum += v;
        }
        List<Bucket> one = s.aggregate("d", T0, T0 + 10_000, 1);
        assertThat(one.getFirst().count()).isEqualTo(10);
        assertThat(one.getFirst().sum()).isEqualTo(sum);
        assertThat(one.getFirst().last()).isEqualTo(changed.getOrDefault(9, 9.0));
        List<Bucket> each = s.aggregate("d", T0, T0 + 10_000, 10);
        assertThat(each).hasSize(10).allSatisfy(b -> assertThat(b.count()).isEqualTo(1));
    }

    // ------------------------------------------------------------------ item 9

    @Test
    void retentionRetiresFilesSoAQueryThatHoldsTheirBlocksStillReadsThem() throws Exception {
        // Issue 9.9: retention deleted (closed) files while a query that had gathered their blocks was about to read them.
        long day = 86_400_000_000L;
        long today = Math.floorDiv(T0, day) * day;
        AtomicLong nowMicros = new AtomicLong(today + day / 2);
        InstantSource clock = () -> Instant.ofEpochSecond(0, nowMicros.get() * 1000);
        try (TelemetryStore s = TelemetryStore.open(settings().withRetention(Duration.ofDays(2)).withLateWindow(Duration.ofDays(30))
                .withPartition(Duration.ofDays(1)), clock)) {
            int id = s.seriesId("r", DataType.DOUBLE);
            for (int dd = 5; dd >= 0; dd--) for (int i = 0; i < 100; i++) s.append(id, today - dd * day + i * 1000L, dd);
            s.flush();
            AtomicBoolean ran = new AtomicBoolean();
            List<Integer> dropped = new ArrayList<>();
            s.afterGather = () -> {
                if (ran.getAndSet(true)) return;
                try {
                    dropped.add(s.enforceRetention());
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            };
            SeriesData during = s.raw("r", Long.MIN_VALUE, Long.MAX_VALUE);
            s.afterGather = null;
            assertThat(dropped).containsExactly(3);
            assertThat(during.size()).as("the query gathered before retention ran reads what it gathered").isEqualTo(600);
            assertThat(s.raw("r", Long.MIN_VALUE, Long.MAX_VALUE).size()).isEqualTo(300);
            assertThat(s.info("r").orElseThrow().firstMicros()).isEqualTo(today - 2 * day);
            try (Stream<Path> parts = Files.list(dir.resolve("data"))) {
                assertThat(parts.count()).isEqualTo(3);
            }
        }
        try (TelemetryStore s = TelemetryStore.open(settings().withLateWindow(Duration.ofDays(30)).withPartition(Duration.ofDays(1)))) {
            assertThat(s.raw("r", Long.MIN_VALUE, Long.MAX_VALUE).size()).isEqualTo(300);
        }
    }

    // ------------------------------------------------------------------ item 11b

    @Test
    void aSecondWriterIsRefusedNamingTheHolderAndAReadOnlyOpenChangesNothing() throws Exception {
        // Issue 9.11: `lathe query` on a running server's folder replayed, flushed and deleted its live log.
        try (TelemetryStore w = TelemetryStore.open(settings())) {
            int id = w.seriesId("live", DataType.DOUBLE);
            for (int i = 0; i < 1000; i++) w.append(id, T0 + i, i);
            w.sync();
            assertThatThrownBy(() -> TelemetryStore.open(settings())).isInstanceOf(IOException.class)
                    .hasMessageContaining("in use").hasMessageContaining("pid=" + ProcessHandle.current().pid());
            Map<String, Long> before = filesAndSizes(dir);
            try (TelemetryStore r = TelemetryStore.openReadOnly(settings())) {
                assertThat(r.isReadOnly()).isTrue();
                assertThat(r.raw("live", Long.MIN_VALUE, Long.MAX_VALUE).size()).isEqualTo(1000);
                assertThat(r.stats().memoryPoints()).isEqualTo(1000);
                assertThat(r.unavailableReason()).hasValueSatisfying(m -> assertThat(m).contains("read-only"));
                assertThatThrownBy(() -> r.append(0, T0 + 5000, 1)).isInstanceOf(IllegalStateException.class);
                assertThatThrownBy(r::flush).isInstanceOf(IllegalStateException.class);
            }
            assertThat(filesAndSizes(dir)).isEqualTo(before);
            for (int i = 1000; i < 2000; i++) w.append(id, T0 + i, i);
            w.sync();
            assertThat(filesAndSizes(dir)).as("the writer still appends to the same log").isNotEqualTo(before);
        }
        // closed: the lock is free again
        try (TelemetryStore w = TelemetryStore.open(settings())) {
            assertThat(w.raw("live", Long.MIN_VALUE, Long.MAX_VALUE).size()).isEqualTo(2000);
        }
    }

    static Map<String, Long> filesAndSizes(Path root) throws IOException {
        Map<String, Long> out = new TreeMap<>();
        try (Stream<Path> w = Files.walk(root)) {
            for (Path p : w.filter(Files::isRegularFile).toList()) out.put(root.relativize(p).toString(), Files.size(p));
        }
        return out;
    }
}
