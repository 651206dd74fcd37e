package io.lathe.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.model.DataType;
import io.lathe.store.internal.SegmentFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AutoCompactionTest {

    @TempDir
    Path dir;

    private static final long T0 = 1_700_000_000_000_000L;

    @Test
    void flushesThatLeaveManySmallFilesInADayCompactThemInTheBackground() throws Exception {
        // A store flushing often (budget pressure, short intervals) must not pile up thousands of tiny files.
        StoreSettings settings = StoreSettings.defaults(dir).withFlushInterval(Duration.ofHours(1));
        try (TelemetryStore s = TelemetryStore.open(settings)) {
            int id = s.seriesId("c", DataType.DOUBLE);
            int other = s.seriesId("d", DataType.LONG);
            for (int f = 0; f < TelemetryStore.AUTO_COMPACT_FILES - 1; f++) {
                for (int i = 0; i < 100; i++) {
                    s.append(id, T0 + (f * 100 + i) * 1000L, f * 100 + i);
                    s.appendLong(other, T0 + (f * 100 + i) * 1000L, i, io.lathe.model.Quality.GOOD);
                }
                s.flush();
            }
            assertThat(s.stats().files()).isEqualTo(TelemetryStore.AUTO_COMPACT_FILES - 1);
            List<Bucket> before = s.aggregate("c", T0, T0 + 1_000_000, 7);

            s.append(id, T0 + 50, -1); // a late point in the last small file
            s.flush(); // the 8th file: flush() returns after the compaction it queued has run
            assertThat(s.stats().files()).isEqualTo(1);
            assertThat(s.raw("c", Long.MIN_VALUE, Long.MAX_VALUE).size()).isEqualTo((TelemetryStore.AUTO_COMPACT_FILES - 1) * 100 + 1);
            assertThat(s.raw("d", Long.MIN_VALUE, Long.MAX_VALUE).size()).isEqualTo((TelemetryStore.AUTO_COMPACT_FILES - 1) * 100);
            assertThat(s.aggregate("c", T0, T0 + 1_000_000, 7).getFirst().count()).isEqualTo(before.getFirst().count() + 1);
        }
        try (TelemetryStore s = TelemetryStore.open(settings)) {
            // the compacted file is what the manifest lists after a restart
            assertThat(s.stats().files()).isEqualTo(1);
            assertThat(s.raw("c", Long.MIN_VALUE, Long.MAX_VALUE).size()).isEqualTo((TelemetryStore.AUTO_COMPACT_FILES - 1) * 100 + 1);
        }
    }

    @Test
    void fewerSmallFilesThanTheThresholdStayAsTheyAre() throws Exception {
        // Compaction costs I/O; it must not run after every flush.
        try (TelemetryStore s = TelemetryStore.open(StoreSettings.defaults(dir).withFlushInterval(Duration.ofHours(1)))) {
            int id = s.seriesId("c", DataType.DOUBLE);
            for (int f = 0; f < TelemetryStore.AUTO_COMPACT_FILES - 1; f++) {
                s.append(id, T0 + f * 1000L, f);
                s.flush();
            }
            assertThat(s.stats().files()).isEqualTo(TelemetryStore.AUTO_COMPACT_FILES - 1);
        }
    }

    @Test
    void theBlockIndexStaysNearTheMinimumOverManyFlushesBecauseLargerFilesAreMergedInTiers() throws Exception {
        // Each block is an entry of the in-heap index: with one-tier compaction every file that outgrew the small size
        // kept one partial block per series, so the index grew with every few flushes and 100,000 series ran out of heap.
        StoreSettings settings = StoreSettings.defaults(dir).withFlushInterval(Duration.ofHours(1));
        int series = 3, flushes = 400, perFlush = 50;
        try (TelemetryStore s = TelemetryStore.open(settings)) {
            s.smallFileBytes = 1024; // tiers of 1 KB, 8 KB, 64 KB, ... instead of 512 KB, 4 MB, 32 MB, ...
            int[] ids = new int[series];
            for (int k = 0; k < series; k++) ids[k] = s.seriesId("s" + k, DataType.DOUBLE);
            java.util.Random r = new java.util.Random(3);
            double v = 0;
            double[] expected0 = new double[flushes * perFlush];
            for (int f = 0; f < flushes; f++) {
                for (int i = 0; i < perFlush; i++) {
                    long ts = T0 + (long) (f * perFlush + i) * 1_000_000L;
                    for (int k = 0; k < series; k++) {
                        v += r.nextGaussian();
                        if (k == 0) expected0[f * perFlush + i] = v;
                        s.append(ids[k], ts, v);
                    }
                }
                s.flush(); // returns after the compaction it queued
            }
            StoreStats st = s.stats();
            long blocks = st.byEncoding().values().stream().mapToLong(StoreStats.EncodingStats::blocks).sum();
            long points = (long) flushes * perFlush;
            assertThat(st.filePoints()).isEqualTo(points * series);
            // at most AUTO_COMPACT_FILES - 1 files wait in each tier, each holding one partial block per series
            long fullBlocks = points / SegmentFile.BLOCK_POINTS + 1;
            long bound = series * (fullBlocks + (long) (TelemetryStore.MAX_TIER + 2) * TelemetryStore.AUTO_COMPACT_FILES);
            assertThat(blocks).isLessThanOrEqualTo(bound);
            assertThat(st.files()).isLessThanOrEqualTo((TelemetryStore.MAX_TIER + 2) * TelemetryStore.AUTO_COMPACT_FILES);
            for (int k = 0; k < series; k++) {
                SeriesData d = s.raw("s" + k, Long.MIN_VALUE, Long.MAX_VALUE);
                assertThat(d.size()).isEqualTo((int) points);
            }
            SeriesData d0 = s.raw("s0", Long.MIN_VALUE, Long.MAX_VALUE);
            for (int i = 0; i < points; i++) {
                assertThat(d0.timestampAt(i)).isEqualTo(T0 + i * 1_000_000L);
                assertThat(d0.doubleAt(i)).isEqualTo(expected0[i]);
            }
            assertThat(s.aggregate("s0", T0, T0 + points * 1_000_000L, 10).stream().mapToLong(Bucket::count).sum()).isEqualTo(points);
        }
    }

    @Test
    void eachCompactionLiftsItsPointsATierSoAPointIsRewrittenAboutOncePerTier() throws Exception {
        // Seen with a 32 MB tier 0 and 1 MB flushes: eight files merged into 8 MB, which stayed in tier 0 and was merged
        // again with the next seven, and again: points were rewritten three to four times before leaving tier 0.
        StoreSettings settings = StoreSettings.defaults(dir).withFlushInterval(Duration.ofHours(1));
        int series = 20, flushes = 512, perFlush = 40;
        try (TelemetryStore s = TelemetryStore.open(settings)) {
            s.smallFileBytes = 1024; // tiers of 1, 8, 64, 512 KB, 4 MB
            int[] ids = new int[series];
            for (int k = 0; k < series; k++) ids[k] = s.seriesId("s" + k, DataType.DOUBLE);
            java.util.Random r = new java.util.Random(5);
            long flushedBytes = 0;
            for (int f = 0; f < flushes; f++) {
                for (int i = 0; i < perFlush; i++) {
                    for (int k = 0; k < series; k++) s.append(ids[k], T0 + (long) (f * perFlush + i) * 1_000_000L, r.nextInt(1000) / 10.0);
                }
                long before = s.stats().fileBytes();
                s.flush(); // returns after the compaction it queued
                if (f == 0) flushedBytes = s.stats().fileBytes() - before;
            }
            StoreStats st = s.stats();
            assertThat(st.filePoints()).isEqualTo((long) series * flushes * perFlush);
            // flush files of a few KB (tier 2) climb to the size of all of them: about three tiers
            double tiers = Math.ceil(Math.log((double) st.fileBytes() / flushedBytes) / Math.log(TelemetryStore.TIER_FACTOR));
            double rewrites = (double) s.compactedInputBytes / st.fileBytes();
            System.out.printf("flush file %d B, all files %d B, tiers climbed %.0f, bytes merged per stored byte %.2f%n",
                    flushedBytes, st.fileBytes(), tiers, rewrites);
            assertThat(rewrites).isLessThanOrEqualTo(tiers + 0.5);
            for (int k = 0; k < series; k += 7) assertThat(s.raw("s" + k, Long.MIN_VALUE, Long.MAX_VALUE).size()).isEqualTo(flushes * perFlush);
        }
    }
}
