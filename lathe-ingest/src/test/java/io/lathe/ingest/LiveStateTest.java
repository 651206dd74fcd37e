package io.lathe.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.model.DataType;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LiveStateTest {
    private final Signal temp = new Signal("m.temp", "Temp", "m", DataType.DOUBLE, "degC", "", "");

    @Test
    void historicalAndLateValuesDoNotReplaceTheCurrentValue() {
        LiveState live = new LiveState();
        live.accept(temp, 2_000, Value.of(20.0), Quality.GOOD, false);
        live.accept(temp, 3_000, Value.of(99.0), Quality.GOOD, true);
        live.accept(temp, 1_000, Value.of(10.0), Quality.GOOD, false);
        assertThat(live.latest("m.temp").value()).isEqualTo(Value.of(20.0));
    }

    @Test
    void staleKeepsTheValueAndTellsListenersOnce() {
        LiveState live = new LiveState();
        List<Latest> seen = new ArrayList<>();
        live.subscribe(seen::add);
        live.accept(temp, 1_000, Value.of(20.0), Quality.GOOD, false);
        live.markStale(temp, 2_000);
        live.markStale(temp, 3_000);
        assertThat(live.latest("m.temp")).isEqualTo(new Latest("m.temp", 2_000, Value.of(20.0), Quality.STALE));
        assertThat(seen).hasSize(2);
    }

    @Test
    void primitivesOfABatchShowAsTheirValuesAndListenersHearOnlyWhatTheyWant() {
        LiveState live = new LiveState();
        Signal count = new Signal("m.count", "Count", "m", DataType.LONG, "", "", "");
        List<Latest> temps = new ArrayList<>();
        List<Latest> everything = new ArrayList<>();
        live.subscribe(id -> id.equals("m.temp"), temps::add);
        live.subscribe(everything::add);
        PointBatch batch = new PointBatch(2);
        batch.addDouble(temp, 2_000, 21.5, Quality.GOOD, false);
        batch.addLong(count, 2_000, 41, Quality.UNCERTAIN, false);
        batch.addDouble(temp, 1_000, 99.0, Quality.GOOD, false); // late: must not roll back
        batch.addDouble(temp, 3_000, 55.0, Quality.GOOD, true); // historical: not current
        batch.add(count, 3_000, Value.of(42L), Quality.GOOD, false);
        live.accept(batch);
        assertThat(live.latest("m.temp")).isEqualTo(new Latest("m.temp", 2_000, Value.of(21.5), Quality.GOOD));
        assertThat(live.latest("m.count")).isEqualTo(new Latest("m.count", 3_000, Value.of(42L), Quality.GOOD));
        assertThat(temps).containsExactly(new Latest("m.temp", 2_000, Value.of(21.5), Quality.GOOD));
        assertThat(everything).extracting(Latest::signalId).containsExactly("m.temp", "m.count", "m.count");
        assertThat(everything.get(1).value()).isEqualTo(Value.of(41L));
        assertThat(live.size()).isEqualTo(2);
        assertThat(live.all()).hasSize(2);
        // the same object until the next change
        assertThat(live.latest("m.temp")).isSameAs(live.latest("m.temp"));
        live.markStale(temp, 2_500);
        assertThat(live.latest("m.temp")).isEqualTo(new Latest("m.temp", 2_500, Value.of(21.5), Quality.STALE));
        assertThat(temps).hasSize(2);
    }

    // Slots grow past their first arrays, and a signal made by hand with another's ordinal never reads that one's value.
    @Test
    void manySignalsAndASharedOrdinalKeepTheirOwnValues() {
        LiveState live = new LiveState();
        PointBatch batch = new PointBatch(1000);
        List<Signal> signals = new ArrayList<>();
        for (int i = 0; i < 1000; i++) signals.add(new Signal("m.s" + i, "S" + i, "m", DataType.DOUBLE, "", "", ""));
        for (int round = 0; round < 3; round++) {
            batch.clear();
            for (int i = 0; i < 1000; i++) batch.addDouble(signals.get(i), 1_000L * round, i + round / 10.0, Quality.GOOD, false);
            live.accept(batch);
        }
        Signal twin = new Signal("m.twin", "Twin", "m", DataType.LONG, "", "", "", signals.get(7).ordinal());
        live.accept(twin, 5_000, Value.of(-1L), Quality.BAD, false);
        for (int i = 0; i < 1000; i++) {
            assertThat(live.latest("m.s" + i)).isEqualTo(new Latest("m.s" + i, 2_000, Value.of(i + 0.2), Quality.GOOD));
        }
        assertThat(live.latest("m.twin")).isEqualTo(new Latest("m.twin", 5_000, Value.of(-1L), Quality.BAD));
        batch.clear();
        batch.addDouble(signals.get(7), 3_000, 77.0, Quality.UNCERTAIN, false);
        batch.stale(twin, 6_000);
        live.accept(batch);
        assertThat(live.latest("m.s7")).isEqualTo(new Latest("m.s7", 3_000, Value.of(77.0), Quality.UNCERTAIN));
        assertThat(live.latest("m.twin")).isEqualTo(new Latest("m.twin", 6_000, Value.of(-1L), Quality.STALE));
        assertThat(live.size()).isEqualTo(1001);
    }

    // A versioned listener is asked once per signal and version; a new version (new rules) asks again.
    @Test
    void aVersionedListenerIsAskedOncePerSignalUntilItsVersionMoves() {
        LiveState live = new LiveState();
        java.util.Set<String> wanted = new java.util.HashSet<>(java.util.Set.of("m.temp"));
        java.util.concurrent.atomic.AtomicLong version = new java.util.concurrent.atomic.AtomicLong(1);
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        List<Latest> heard = new ArrayList<>();
        live.subscribe(id -> {
            asked.incrementAndGet();
            return wanted.contains(id);
        }, version::get, heard::add);
        Signal count = new Signal("m.count", "Count", "m", DataType.LONG, "", "", "");
        PointBatch batch = new PointBatch(4);
        for (int t = 1; t <= 3; t++) {
            batch.clear();
            batch.addDouble(temp, t, t, Quality.GOOD, false);
            batch.addLong(count, t, t, Quality.GOOD, false);
            live.accept(batch);
        }
        // two signals asked once each while answering (publish asks again only for what was wanted: 3 temps)
        assertThat(asked.get()).isEqualTo(2 + 3);
        assertThat(heard).extracting(Latest::signalId).containsExactly("m.temp", "m.temp", "m.temp");
        wanted.add("m.count");
        live.accept(count, 10, Value.of(10L), Quality.GOOD, false);
        assertThat(heard).hasSize(3); // the kept answer stands until the version moves
        version.set(2);
        live.accept(count, 11, Value.of(11L), Quality.GOOD, false);
        assertThat(heard).extracting(Latest::signalId).containsExactly("m.temp", "m.temp", "m.temp", "m.count");
        assertThat(heard.get(3).value()).isEqualTo(Value.of(11L));
    }
}
