package io.lathe.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.model.DataType;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Issue 9 item 8: the bounded hand-off between a connection's network threads and the store. */
class IngestQueueTest {
    private static final Instant NOW = Instant.parse("2026-11-02T10:00:00Z");
    private static final long NOW_MICROS = NOW.toEpochMilli() * 1000;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final TimestampCheck check = new TimestampCheck(Duration.ofMinutes(5), InstantSource.fixed(NOW), registry);

    private static Signal signal(String id) {
        return new Signal(id, id, "m", DataType.LONG, "", "", "");
    }

    /** Records points in arrival order; optionally holds the consumer until released. */
    static final class Recording implements PointSink {
        final List<String> seen = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch release;
        final CountDownLatch entered = new CountDownLatch(1);

        Recording(boolean blocked) {
            release = new CountDownLatch(blocked ? 1 : 0);
        }

        @Override
        public void accept(Signal signal, long ts, Value value, Quality quality, boolean historical) {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            seen.add(signal.id() + "@" + ts + "=" + value.toJson());
        }

        @Override
        public void markStale(Signal signal, long ts) {
            seen.add(signal.id() + "@" + ts + "=stale");
        }
    }

    // Per-signal order is what makes counters and states computable downstream; several producers interleave batches.
    @Test
    void keepsTheOrderOfEachSignalAcrossProducersAndBatches() throws Exception {
        Recording sink = new Recording(false);
        try (IngestQueue q = new IngestQueue("c", sink, 1000, Duration.ofSeconds(30), check, registry)) {
            int producers = 4;
            int perProducer = 20_000;
            List<Thread> threads = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                Signal s = signal("s" + p);
                threads.add(Thread.ofPlatform().start(() -> {
                    PointBatch b = new PointBatch();
                    for (int i = 0; i < perProducer; i += 7) {
                        b.clear();
                        for (int k = i; k < Math.min(perProducer, i + 7); k++) b.add(s, NOW_MICROS - perProducer + k, Value.of(k), Quality.GOOD, false);
                        q.accept(b);
                    }
                }));
            }
            for (Thread t : threads) t.join();
            assertThat(q.awaitDelivered(Duration.ofSeconds(60))).isTrue();
            assertThat(q.accepted()).isEqualTo((long) producers * perProducer);
            assertThat(q.rejectedFull()).isZero();
        }
        for (int p = 0; p < 4; p++) {
            String prefix = "s" + p + "@";
            List<Long> values = sink.seen.stream().filter(x -> x.startsWith(prefix))
                    .map(x -> Long.parseLong(x.substring(x.indexOf('=') + 1))).toList();
            assertThat(values).hasSize(20_000);
            for (int i = 0; i < values.size(); i++) assertThat(values.get(i)).isEqualTo(i);
        }
    }

    // A stalled store must cost a producer at most max-block once; then points are rejected at once and counted.
    @Test
    void rejectsAndCountsAfterTheBlockLimitWhileTheSinkIsStuckAndLosesNothingAccepted() throws Exception {
        Recording sink = new Recording(true);
        Signal s = signal("s");
        int capacity = 100;
        try (IngestQueue q = new IngestQueue("stuck", sink, capacity, Duration.ofMillis(200), check, registry)) {
            PointBatch b = new PointBatch();
            b.add(s, NOW_MICROS, Value.of(0), Quality.GOOD, false);
            q.accept(b);
            assertThat(sink.entered.await(30, TimeUnit.SECONDS)).isTrue();
            // The consumer holds point 0 and waits; the ring takes `capacity` more, everything after is rejected.
            int sent = 1;
            for (int m = 0; m < 50; m++) {
                b.clear();
                for (int k = 0; k < 10; k++) b.add(s, NOW_MICROS + sent + k, Value.of(sent + k), Quality.GOOD, false);
                q.accept(b);
                sent += 10;
            }
            assertThat(q.accepted()).isEqualTo(1 + capacity);
            assertThat(q.rejectedFull()).isEqualTo(sent - 1 - capacity);
            assertThat(q.depth()).isEqualTo(1 + capacity);
            assertThat(registry.get("lathe.ingest.queue.rejected").tag("connection", "stuck").tag("reason", "queue-full")
                    .counter().count()).isEqualTo(sent - 1 - capacity);
            assertThat(registry.get("lathe.ingest.queue.depth").tag("connection", "stuck").gauge().value()).isEqualTo(1 + capacity);
            assertThat(registry.get("lathe.ingest.queue.lag").tag("connection", "stuck").timeGauge().value(TimeUnit.NANOSECONDS)).isPositive();
            assertThat(registry.get("lathe.ingest.queue.blocked").tag("connection", "stuck").functionCounter().count()).isGreaterThanOrEqualTo(1);

            sink.release.countDown();
            assertThat(q.awaitDelivered(Duration.ofSeconds(30))).isTrue();
            // Room again: the queue blocks and accepts again instead of failing fast.
            b.clear();
            b.add(s, NOW_MICROS + 10_000, Value.of(10_000), Quality.GOOD, false);
            q.accept(b);
            assertThat(q.awaitDelivered(Duration.ofSeconds(30))).isTrue();
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i <= capacity; i++) expected.add("s@" + (NOW_MICROS + i) + "=" + i);
        expected.add("s@" + (NOW_MICROS + 10_000) + "=10000");
        assertThat(sink.seen).containsExactlyElementsOf(expected);
    }

    // Item 4: an hour in the future is a wrong clock, not a measurement; the rest of the batch still goes in.
    @Test
    void rejectsPointsStampedBeyondTheSkewAndKeepsTheRestOfTheBatch() throws Exception {
        Recording sink = new Recording(false);
        Signal s = signal("line1.press.count");
        try (IngestQueue q = new IngestQueue("plc7", sink, 100, Duration.ofSeconds(1), check, registry)) {
            PointBatch b = new PointBatch();
            b.add(s, NOW_MICROS, Value.of(1), Quality.GOOD, false);
            b.add(s, NOW_MICROS + Duration.ofHours(1).toNanos() / 1000, Value.of(2), Quality.GOOD, false);
            b.add(s, NOW_MICROS + Duration.ofMinutes(4).toNanos() / 1000, Value.of(3), Quality.GOOD, false);
            b.stale(s, NOW_MICROS + Duration.ofMinutes(6).toNanos() / 1000);
            q.accept(b);
            assertThat(q.awaitDelivered(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(sink.seen).containsExactly("line1.press.count@" + NOW_MICROS + "=1",
                "line1.press.count@" + (NOW_MICROS + 240_000_000L) + "=3",
                "line1.press.count@" + (NOW_MICROS + 360_000_000L) + "=stale");
        assertThat(registry.get("lathe.ingest.rejected").tag("connection", "plc7").tag("reason", "future-timestamp")
                .counter().count()).isEqualTo(1);
        assertThat(check.message("plc7", s.id(), NOW_MICROS + 3_600_000_000L, check.limitMicros()))
                .startsWith("point rejected [connection=plc7, signal=line1.press.count, timestamp=2026-11-02T11:00:00Z,"
                        + " server-time=2026-11-02T10:00:00Z, max-clock-skew=PT5M]: ");
    }

    // A clean stop loses nothing: close delivers everything accepted before it returns, then refuses and counts.
    @Test
    void closeDeliversEverythingAcceptedThenRefusesAndCounts() {
        Recording sink = new Recording(true);
        Signal s = signal("s");
        IngestQueue q = new IngestQueue("c", sink, 10_000, Duration.ofSeconds(1), check, registry);
        for (int i = 0; i < 5_000; i++) q.accept(s, NOW_MICROS + i, Value.of(i), Quality.GOOD, false);
        Thread.ofPlatform().start(() -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            sink.release.countDown();
        });
        q.close();
        assertThat(sink.seen).hasSize(5_000);
        q.accept(s, NOW_MICROS + 5_000, Value.of(5_000), Quality.GOOD, false);
        assertThat(q.rejectedClosed()).isEqualTo(1);
        assertThat(q.delivered()).isEqualTo(5_000);
    }

    // The zero-copy path: a large enough batch is queued as it is and the producer gets another; small, future-stamped
    // or not-fitting ones are copied as accept does. Order across both paths is the order of the calls.
    @Test
    void handOffQueuesLargeBatchesThemselvesAndCopiesTheRestInOrder() throws Exception {
        Recording sink = new Recording(true);
        Signal s = signal("s");
        int capacity = 300;
        try (IngestQueue q = new IngestQueue("handoff", sink, capacity, Duration.ofMillis(200), check, registry)) {
            PointBatch b = new PointBatch();
            int sent = 0;
            b.add(s, NOW_MICROS, Value.of(sent++), Quality.GOOD, false); // the consumer takes this one and waits
            b = q.handOff(b);
            assertThat(sink.entered.await(30, TimeUnit.SECONDS)).isTrue();

            for (int k = 0; k < 100; k++, sent++) b.add(s, NOW_MICROS + sent, Value.of(sent), Quality.GOOD, false);
            PointBatch given = b;
            b = q.handOff(b);
            assertThat(b).as("a batch of 100 is queued itself").isNotSameAs(given);
            assertThat(b.isEmpty()).isTrue();

            for (int k = 0; k < 10; k++, sent++) b.add(s, NOW_MICROS + sent, Value.of(sent), Quality.GOOD, false);
            given = b;
            b = q.handOff(b);
            assertThat(b).as("10 points are copied").isSameAs(given);
            assertThat(b.isEmpty()).isTrue();

            for (int k = 0; k < 100; k++, sent++) b.add(s, NOW_MICROS + sent, Value.of(sent), Quality.GOOD, false);
            b.add(s, NOW_MICROS + Duration.ofHours(1).toNanos() / 1000, Value.of(-1), Quality.GOOD, false);
            given = b;
            b = q.handOff(b);
            assertThat(b).as("a batch with a future point is copied without it").isSameAs(given);
            assertThat(b.isEmpty()).isTrue();
            assertThat(q.depth()).isEqualTo(1 + 210);

            // 210 of 300 queued (one in flight): a batch of 100 does not fit; 90 are copied, 10 refused after max-block
            for (int k = 0; k < 100; k++) b.add(s, NOW_MICROS + sent + k, Value.of(sent + k), Quality.GOOD, false);
            given = b;
            b = q.handOff(b);
            assertThat(b).isSameAs(given);
            assertThat(b.isEmpty()).isTrue();
            sent += capacity - 210;
            assertThat(q.depth()).isEqualTo(1 + capacity);
            assertThat(q.rejectedFull()).isEqualTo(100 - (capacity - 210));
            assertThat(q.accepted()).isEqualTo(sent);

            sink.release.countDown();
            assertThat(q.awaitDelivered(Duration.ofSeconds(30))).isTrue();
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 1 + capacity; i++) expected.add("s@" + (NOW_MICROS + i) + "=" + i);
        assertThat(sink.seen).containsExactlyElementsOf(expected);
        assertThat(registry.get("lathe.ingest.rejected").tag("connection", "handoff").tag("reason", "future-timestamp")
                .counter().count()).isEqualTo(1);
    }

    @Test
    void zeroSkewDisablesTheCheck() throws Exception {
        Recording sink = new Recording(false);
        TimestampCheck off = new TimestampCheck(Duration.ZERO, InstantSource.fixed(NOW), registry);
        try (IngestQueue q = new IngestQueue("sim", sink, 10, Duration.ofSeconds(1), off, registry)) {
            q.accept(signal("s"), NOW_MICROS + Duration.ofDays(365).toNanos() / 1000, Value.of(1), Quality.GOOD, false);
            assertThat(q.awaitDelivered(Duration.ofSeconds(30))).isTrue();
        }
        assertThat(sink.seen).hasSize(1);
        assertThat(off.rejectedCount("sim")).isZero();
    }
}
