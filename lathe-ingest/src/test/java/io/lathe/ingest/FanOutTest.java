package io.lathe.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.model.DataType;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue 9 item 8: one sink that throws must not stop the others nor the rest of a payload. */
class FanOutTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private static Signal signal(String id) {
        return new Signal(id, id, "m", DataType.DOUBLE, "", "", "");
    }

    /** Records what it got; throws on the signal named {@code poison}. */
    static class Sink implements PointSink {
        final List<String> seen = new ArrayList<>();
        final String poison;

        Sink(String poison) {
            this.poison = poison;
        }

        @Override
        public void accept(Signal signal, long ts, Value value, Quality quality, boolean historical) {
            if (signal.id().equals(poison)) throw new IllegalStateException("broken on " + poison);
            seen.add(signal.id());
        }

        @Override
        public void markStale(Signal signal, long ts) {
            if (signal.id().equals(poison)) throw new IllegalStateException("broken on " + poison);
            seen.add(signal.id() + ":stale");
        }
    }

    @Test
    void aSinkGetsOnlyTheSignalsItWantsAndPrimitivesStayWithoutValueObjectsUntilOneIsNeeded() {
        Sink all = new Sink(null);
        Sink picky = new Sink(null) {
            @Override
            public boolean wants(Signal signal) {
                return signal.id().equals("b");
            }
        };
        FanOut fan = FanOut.builder(registry).add("picky", picky).build();
        PointBatch batch = new PointBatch(2);
        batch.addDouble(signal("a"), 1, 1.5, Quality.GOOD, false);
        batch.addLong(signal("b"), 1, 7, Quality.GOOD, false);
        batch.stale(signal("a"), 2);
        batch.addBoolean(signal("c"), 1, true, Quality.UNCERTAIN, false);
        fan.accept(batch);
        assertThat(picky.seen).containsExactly("b");
        // the value objects of the entries no sink wanted were never made
        assertThat(batch.values[0]).isNull();
        assertThat(batch.values[3]).isNull();
        assertThat(batch.values[1]).isEqualTo(Value.of(7L));
        FanOut.builder(registry).add("all", all).build().accept(batch);
        assertThat(all.seen).containsExactly("a", "b", "a:stale", "c");
        assertThat(batch.value(0)).isEqualTo(Value.of(1.5));
        assertThat(batch.value(2)).isNull();
        assertThat(batch.value(3)).isEqualTo(Value.of(true));
        assertThat(batch.quality(3)).isEqualTo(Quality.UNCERTAIN);
    }

    @Test
    void aThrowingSinkDoesNotStopTheOthersNorTheRestOfTheBatch() {
        Sink store = new Sink(null);
        Sink kpi = new Sink("b");
        Sink live = new Sink(null);
        FanOut fan = FanOut.builder(registry).add("store", store).add("kpi", kpi).add("live", live).build();
        PointBatch batch = new PointBatch(2);
        for (String id : List.of("a", "b", "c", "d")) batch.add(signal(id), 1, Value.of(1.0), Quality.GOOD, false);
        batch.stale(signal("b"), 2);
        batch.stale(signal("e"), 2);
        fan.accept(batch);
        assertThat(store.seen).containsExactly("a", "b", "c", "d", "b:stale", "e:stale");
        assertThat(kpi.seen).containsExactly("a", "c", "d", "e:stale");
        assertThat(live.seen).containsExactly("a", "b", "c", "d", "b:stale", "e:stale");
        assertThat(registry.get(FanOut.ERRORS_METRIC).tag("sink", "kpi").counter().count()).isEqualTo(2);
        assertThat(registry.get(FanOut.ERRORS_METRIC).tag("sink", "store").counter().count()).isZero();
        assertThat(fan.errors("kpi")).isEqualTo(2);
    }

    @Test
    void singlePointsAreIsolatedToo() {
        Sink first = new Sink("x");
        Sink second = new Sink(null);
        FanOut fan = new FanOut(List.of(first, second));
        fan.accept(signal("x"), 1, Value.of(1.0), Quality.GOOD, false);
        fan.markStale(signal("x"), 2);
        assertThat(second.seen).containsExactly("x", "x:stale");
        assertThat(fan.errors("sink")).isEqualTo(2);
    }

    /** A sink with its own batch method (the store): one call per batch, the batch in order. */
    static final class BatchSink extends Sink {
        int batches;
        final boolean broken;

        BatchSink(boolean broken) {
            super(null);
            this.broken = broken;
        }

        @Override
        public void accept(PointBatch batch) {
            batches++;
            if (broken) throw new IllegalStateException("broken batch sink");
            for (int i = 0; i < batch.size(); i++) batch.deliver(i, this);
        }
    }

    @Test
    void aSinkWithItsOwnBatchMethodGetsTheWholeBatchInOneCall() {
        BatchSink store = new BatchSink(false);
        BatchSink broken = new BatchSink(true);
        Sink live = new Sink(null);
        FanOut fan = FanOut.builder(registry).add("store", store).add("broken", broken).add("live", live).build();
        PointBatch batch = new PointBatch(2);
        for (String id : List.of("a", "b", "c")) batch.add(signal(id), 1, Value.of(1.0), Quality.GOOD, false);
        batch.stale(signal("a"), 2);
        fan.accept(batch);
        assertThat(store.batches).isEqualTo(1);
        assertThat(store.seen).containsExactly("a", "b", "c", "a:stale");
        // a batch sink that throws anyway: every point of the batch counts as failed for it, the others go on
        assertThat(fan.errors("broken")).isEqualTo(4);
        assertThat(live.seen).containsExactly("a", "b", "c", "a:stale");
        assertThat(fan.errors("store")).isZero();
    }

    @Test
    void answersOfAVersionedSinkAreKeptPerSignalUntilItsVersionChanges() {
        // A sink with a version is asked once per signal and version; when the version moves on, it is asked again,
        // and a signal made by hand with another signal's ordinal never gets that signal's answer.
        java.util.Set<String> wanted = new java.util.HashSet<>(List.of("a"));
        long[] version = {0};
        List<String> asked = new ArrayList<>();
        Sink sink = new Sink("none") {
            @Override
            public boolean wants(Signal signal) {
                asked.add(signal.id());
                return wanted.contains(signal.id());
            }

            @Override
            public long wantsVersion() {
                return version[0];
            }
        };
        FanOut fan = new FanOut(List.of(sink));
        Signal a = signal("a"), b = signal("b");
        Signal twin = new Signal("twin", "twin", "m", DataType.DOUBLE, "", "", "", a.ordinal());
        PointBatch batch = new PointBatch();
        for (int round = 0; round < 3; round++) {
            batch.clear();
            batch.addDouble(a, 1, 1.0, Quality.GOOD, false);
            batch.addDouble(b, 2, 2.0, Quality.GOOD, false);
            batch.addDouble(twin, 3, 3.0, Quality.GOOD, false);
            fan.accept(batch);
        }
        assertThat(sink.seen).containsExactly("a", "a", "a");
        // b is asked once; the twin shares a's slot, so the two push each other out (asked again, never given a's answer)
        assertThat(asked).containsExactly("a", "b", "twin", "a", "twin", "a", "twin");

        wanted.add("b");
        version[0] = 1;
        asked.clear();
        sink.seen.clear();
        batch.clear();
        batch.addDouble(a, 4, 4.0, Quality.GOOD, false);
        batch.addDouble(b, 5, 5.0, Quality.GOOD, false);
        fan.accept(batch);
        assertThat(sink.seen).containsExactly("a", "b");
        assertThat(asked).containsExactly("a", "b");
    }

    /** A per-point sink that wants the signals whose ids start with its prefix, counting how often it is asked. */
    static final class PrefixSink extends Sink {
        final String prefix;
        final long[] version;
        final List<String> asked = new ArrayList<>();
        boolean throwOnAsk;

        PrefixSink(String prefix, long[] version) {
            super(null);
            this.prefix = prefix;
            this.version = version;
        }

        @Override
        public boolean wants(Signal signal) {
            asked.add(signal.id());
            if (throwOnAsk && signal.id().equals("bz")) throw new IllegalStateException("wants broke on bz");
            return signal.id().startsWith(prefix);
        }

        @Override
        public long wantsVersion() {
            return version == null ? -1 : version[0];
        }
    }

    @Test
    void perPointSinksAreAskedOncePerSignalTogetherAndEachGetsOnlyItsOwnSignals() {
        // Three processors between the store and the live view, as in the server: two keep their answers (versioned),
        // one does not. Each must get exactly its signals in order; the versioned ones are asked once per signal until
        // one of the versions moves, the unversioned one for every point.
        long[] kpiVersion = {0}, alarmVersion = {3};
        BatchSink store = new BatchSink(false);
        PrefixSink kpi = new PrefixSink("a", kpiVersion);
        PrefixSink alarms = new PrefixSink("b", alarmVersion);
        PrefixSink health = new PrefixSink("a", null);
        Sink live = new Sink(null);
        FanOut fan = FanOut.builder(registry).add("store", store).add("kpi", kpi).add("alarms", alarms).add("health", health).add("live", live).build();
        List<Signal> signals = List.of(signal("a1"), signal("b1"), signal("c1"), signal("a2"), signal("bz"));
        PointBatch batch = new PointBatch(4);
        for (int round = 0; round < 3; round++) {
            batch.clear();
            for (Signal sig : signals) batch.addDouble(sig, round, round, Quality.GOOD, false);
            fan.accept(batch);
        }
        assertThat(kpi.seen).containsExactly("a1", "a2", "a1", "a2", "a1", "a2");
        assertThat(alarms.seen).containsExactly("b1", "bz", "b1", "bz", "b1", "bz");
        assertThat(health.seen).containsExactly("a1", "a2", "a1", "a2", "a1", "a2");
        assertThat(live.seen).hasSize(15);
        assertThat(store.seen).hasSize(15);
        assertThat(kpi.asked).containsExactly("a1", "b1", "c1", "a2", "bz");
        assertThat(alarms.asked).containsExactly("a1", "b1", "c1", "a2", "bz");
        assertThat(health.asked).hasSize(15);

        // one versioned sink changes its mind: both versioned sinks are asked again, and the new answer holds at once
        alarmVersion[0] = 4;
        alarms.throwOnAsk = true;
        kpi.asked.clear();
        alarms.seen.clear();
        batch.clear();
        for (Signal sig : signals) batch.addDouble(sig, 9, 9, Quality.GOOD, false);
        fan.accept(batch);
        assertThat(kpi.asked).containsExactly("a1", "b1", "c1", "a2", "bz");
        // its wants threw for bz: counted, bz passed over for it, the others still served
        assertThat(alarms.seen).containsExactly("b1");
        assertThat(fan.errors("alarms")).isEqualTo(1);
        assertThat(live.seen).hasSize(20);
        // an answer that threw is not kept: asked again next time
        alarms.asked.clear();
        fan.accept(batch);
        assertThat(alarms.asked).containsExactly("bz");
        assertThat(fan.errors("alarms")).isEqualTo(2);
    }
}
