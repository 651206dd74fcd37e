package io.lathe.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.model.DataType;
import io.lathe.model.Quality;
import io.lathe.store.internal.SegmentFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction copies large, non-overlapping blocks as they are encoded and merges the rest point by point; either way
 * the merged store must answer exactly as one written in a single flush.
 */
class CompactionCopyTest {

    @TempDir
    Path dir;

    private static final long T0 = 1_700_000_000_000_000L;
    private static final int PER_FLUSH = 600; // above MIN_COPY_POINTS, below BLOCK_POINTS: one block per series and flush

    @Test
    void copiedAndMergedSeriesAnswerAsASingleFlushDoesBeforeAndAfterARestart() throws Exception {
        assertThat(PER_FLUSH).isGreaterThanOrEqualTo(TelemetryStore.MIN_COPY_POINTS).isLessThan(SegmentFile.BLOCK_POINTS);
        int flushes = TelemetryStore.AUTO_COMPACT_FILES;
        StoreSettings settings = StoreSettings.defaults(dir.resolve("many")).withFlushInterval(Duration.ofHours(1));
        StoreSettings single = StoreSettings.defaults(dir.resolve("one")).withFlushInterval(Duration.ofHours(1));
        Random r = new Random(17);
        TreeMap<Long, Double> resent = new TreeMap<>(); // last write wins
        try (TelemetryStore s = TelemetryStore.open(settings); TelemetryStore one = TelemetryStore.open(single)) {
            for (TelemetryStore t : new TelemetryStore[] {s, one}) {
                t.seriesId("big", DataType.DOUBLE);
                t.seriesId("long", DataType.LONG);
                t.seriesId("resent", DataType.DOUBLE);
                t.seriesId("slow", DataType.DOUBLE);
            }
            double v = 0;
            for (int f = 0; f < flushes; f++) {
                for (int i = 0; i < PER_FLUSH; i++) {
                    long ts = T0 + (long) (f * PER_FLUSH + i) * 1_000_000L;
                    v += r.nextGaussian();
                    long l = r.nextInt(1_000_000);
                    Quality q = i % 97 == 0 ? Quality.UNCERTAIN : Quality.GOOD;
                    for (TelemetryStore t : new TelemetryStore[] {s, one}) {
                        t.append(t.seriesId("big", DataType.DOUBLE), ts, v);
                        t.appendLong(t.seriesId("long", DataType.LONG), ts, l, q);
                    }
                    // each flush after the first re-sends the ten seconds before it with new values: overlapping blocks
                    long rts = f > 0 && i < 10 ? ts - 10_000_000L : ts;
                    double rv = r.nextInt(1000) / 10.0;
                    resent.put(rts, rv);
                    s.append(s.seriesId("resent", DataType.DOUBLE), rts, rv);
                    if (i % 120 == 0) s.append(s.seriesId("slow", DataType.DOUBLE), ts, v * 2);
                }
                s.flush(); // the last one queues the compaction and returns after it
            }
            for (var e : resent.entrySet()) one.append(one.seriesId("resent", DataType.DOUBLE), e.getKey(), e.getValue());
            SeriesData slow = s.raw("slow", Long.MIN_VALUE, Long.MAX_VALUE);
            for (int i = 0; i < slow.size(); i++) one.append(one.seriesId("slow", DataType.DOUBLE), slow.timestampAt(i), slow.doubleAt(i));
            one.flush();

            StoreStats st = s.stats();
            assertThat(st.files()).isEqualTo(1);
            long blocks = st.byEncoding().values().stream().mapToLong(StoreStats.EncodingStats::blocks).sum();
            // big and long copied (a block per flush), resent merged into full blocks, slow merged into one
            long merged = (resent.size() + SegmentFile.BLOCK_POINTS - 1) / SegmentFile.BLOCK_POINTS;
            assertThat(blocks).isEqualTo(2L * flushes + merged + 1);
            assertSame(s, one);
        }
        try (TelemetryStore s = TelemetryStore.open(settings); TelemetryStore one = TelemetryStore.open(single)) {
            assertSame(s, one);
            assertThat(s.latest("long").orElseThrow().value()).isEqualTo(one.latest("long").orElseThrow().value());
            assertThat(s.latest("big").orElseThrow().timestampMicros()).isEqualTo(T0 + (long) (flushes * PER_FLUSH - 1) * 1_000_000L);
        }
    }

    private static void assertSame(TelemetryStore s, TelemetryStore one) throws Exception {
        for (String name : new String[] {"big", "long", "resent", "slow"}) {
            SeriesData a = s.raw(name, Long.MIN_VALUE, Long.MAX_VALUE), b = one.raw(name, Long.MIN_VALUE, Long.MAX_VALUE);
            assertThat(a.size()).as(name).isEqualTo(b.size()).isPositive();
            for (int i = 0; i < a.size(); i++) {
                assertThat(a.timestampAt(i)).as(name).isEqualTo(b.timestampAt(i));
                assertThat(a.bits()[i]).as(name).isEqualTo(b.bits()[i]);
                assertThat(a.qualities()[i]).as(name).isEqualTo(b.qualities()[i]);
            }
            long from = T0 - 5_000_000L, to = T0 + (long) TelemetryStore.AUTO_COMPACT_FILES * PER_FLUSH * 1_000_000L + 7_000_000L;
            for (int buckets : new int[] {1, 7, 100}) {
                // aggregates of whole blocks come from the copied statistics, of cut blocks from decoded points; sums
                // are added block by block, so other block bounds change only their rounding
                var x = s.aggregate(name, from, to, buckets);
                var y = one.aggregate(name, from, to, buckets);
                assertThat(x).hasSameSizeAs(y);
                for (int k = 0; k < x.size(); k++) {
                    Bucket p = x.get(k), q = y.get(k);
                    String what = name + " bucket " + k + " of " + buckets;
                    assertThat(p.count()).as(what).isEqualTo(q.count());
                    assertThat(p.min()).as(what).isEqualTo(q.min());
                    assertThat(p.max()).as(what).isEqualTo(q.max());
                    assertThat(p.first()).as(what).isEqualTo(q.first());
                    assertThat(p.last()).as(what).isEqualTo(q.last());
                    assertThat(p.sum()).as(what).isCloseTo(q.sum(), org.assertj.core.data.Offset.offset(1e-9 * Math.max(1, Math.abs(q.sum()))));
                    assertThat(p.timeWeightedAverage()).as(what).isCloseTo(q.timeWeightedAverage(),
                            org.assertj.core.data.Offset.offset(1e-9 * Math.max(1, Math.abs(q.timeWeightedAverage()))));
                }
            }
        }
    }
}
