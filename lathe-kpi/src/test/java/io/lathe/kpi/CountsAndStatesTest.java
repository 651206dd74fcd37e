package io.lathe.kpi;

import io.lathe.model.Value;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static io.lathe.kpi.Fixtures.us;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Counters (resets, rollovers, per-interval), energy meters, rule-based states, products and rollups. */
class CountsAndStatesTest {
    private static final long S = 1_000_000L;
    private static final long T0 = us("2026-06-01T08:00:00Z");

    private static MachineConfig counterMachine(CounterSignal produced, EnergyConfig energy) {
        return new MachineConfig("m1", "l1", "a1", "s1", new StateSource.Enumerated("m1.state", Fixtures.STATE_MAP, MachineState.IDLE),
                new CountsConfig(produced, null, null, CounterSignal.perInterval("m1.inspected"), CounterSignal.perInterval("m1.fpgood")),
                Duration.ofSeconds(10), null, null, energy, null, null);
    }

    private static KpiEngine engine(MachineConfig... m) {
        return KpiEngine.create(Fixtures.config(ShiftCalendar.threeShifts24x7(), ZoneOffset.UTC, m));
    }

    @Test
    void aDropInACumulativeCounterIsAResetCountedFromZero() {
        // A reading a minute (ideal 10 s: at most 60 / 10 × 1.5 + 1 = 10 parts each): 10, 16, 22, 5, 9. The first value
        // is the baseline, the drop to 5 is a plausible reset and counts 5, so 6 + 6 + 5 + 4 = 21.
        KpiEngine e = engine(counterMachine(CounterSignal.cumulative("m1.produced"), null));
        double[] v = {10, 16, 22, 5, 9};
        for (int i = 0; i < v.length; i++) e.onPoint("m1.produced", T0 + i * 60 * S, v[i]);
        assertThat(e.kpis("m1", T0, T0 + 600 * S).producedQuantity()).isEqualTo(21);
        assertThat(e.kpis("m1", T0 + 180 * S, T0 + 181 * S).producedQuantity()).isEqualTo(5);
        assertThat(e.dataQualityEvents("m1", T0, T0 + 600 * S)).singleElement()
                .satisfies(q -> assertThat(q.kind()).isEqualTo(DataQualityEvent.Kind.COUNTER_RESET))
                .satisfies(q -> assertThat(q.counted()).isEqualTo(5));
    }

    @Test
    void aCounterWrappingAtItsRolloverMaxCountsAcrossTheWrap() {
        // A reading a minute: 65526 → 65530 → 65535 → 3 with rollover-max 65535: 4 + 5 + (65535 - 65535 + 3 + 1) = 13.
        KpiEngine e = engine(counterMachine(new CounterSignal("m1.produced", CounterSignal.Kind.CUMULATIVE, 65535), null));
        e.onPoint("m1.produced", T0, 65526);
        e.onPoint("m1.produced", T0 + 60 * S, 65530);
        e.onPoint("m1.produced", T0 + 120 * S, 65535);
        e.onPoint("m1.produced", T0 + 180 * S, 3);
        e.onPoint("m1.produced", T0 + 240 * S, 1); // drop in the lower half: a reset, counts 1
        assertThat(e.kpis("m1", T0, T0 + 600 * S).producedQuantity()).isEqualTo(14);
        assertThat(e.dataQualityEvents("m1", T0, T0 + 600 * S)).extracting(DataQualityEvent::kind).containsExactly(DataQualityEvent.Kind.COUNTER_RESET);
    }

    @Test
    void perIntervalCountsAddUpIncludingRepeatedValues() {
        // Per-interval quantities are not step values: 2, 2, 0, 3 a minute apart is 7 parts.
        KpiEngine e = engine(counterMachine(CounterSignal.perInterval("m1.produced"), null));
        double[] v = {2, 2, 0, 3};
        for (int i = 0; i < v.length; i++) e.onPoint("m1.produced", T0 + i * 60 * S, v[i]);
        assertThat(e.kpis("m1", T0, T0 + 600 * S).producedQuantity()).isEqualTo(7);
        e.onPoint("m1.inspected", T0, 10);
        e.onPoint("m1.fpgood", T0, 9);
        assertThat(e.kpis("m1", T0, T0 + 600 * S).firstPassYield()).isCloseTo(0.9, within(1e-12));
    }

    @Test
    void anEnergyMeterResetIsCountedFromZero() {
        // kWh meter 100, 110, 4 (reset), 6: 10 + 4 + 2 = 16 kWh.
        KpiEngine e = engine(counterMachine(CounterSignal.cumulative("m1.produced"), new EnergyConfig("m1.kwh", EnergyConfig.Kind.METER_KWH)));
        double[] v = {100, 110, 4, 6};
        for (int i = 0; i < v.length; i++) e.onPoint("m1.kwh", T0 + i * S, v[i]);
        assertThat(e.kpis("m1", T0, T0 + 10 * S).energyKwh()).isEqualTo(16);
    }

    @Test
    void ruleBasedStateTakesTheFirstMatchingRule() {
        // alarm == 1 → unplanned-down (first rule), spindle > 50 → running, otherwise idle.
        StateSource rules = new StateSource.Rules(List.of(
                new StateSource.StateRule(MachineState.UNPLANNED_DOWN, List.of(new StateSource.Condition("m1.alarm", StateSource.Op.EQ, 1))),
                new StateSource.StateRule(MachineState.RUNNING, List.of(new StateSource.Condition("m1.spindle", StateSource.Op.GT, 50)))),
                MachineState.IDLE);
        MachineConfig m = new MachineConfig("m1", "l1", "a1", "s1", rules, null, null, null, null, null, null, null);
        KpiEngine e = engine(m);
        e.onPoint("m1.spindle", T0, 0);
        e.onPoint("m1.spindle", T0 + 10 * S, 1200);
        e.onPoint("m1.alarm", T0 + 30 * S, Value.of(true));
        e.onPoint("m1.alarm", T0 + 40 * S, Value.of(false));
        e.onPoint("m1.spindle", T0 + 50 * S, 20);
        Kpis k = e.kpis("m1", T0, T0 + 60 * S);
        assertThat(k.timeInStateMicros()).isEqualTo(Map.of(MachineState.IDLE, 20 * S, MachineState.RUNNING, 30 * S, MachineState.UNPLANNED_DOWN, 10 * S));
    }

    @Test
    void effectivenessUsesTheIdealCycleTimeOfTheProductRunningWhenCounted() {
        // Product A (default 60 s) then B (30 s): 10 A parts and 20 B parts are 20 minutes of ideal time.
        KpiEngine e = KpiEngine.create(Fixtures.config(ShiftCalendar.threeShifts24x7(), ZoneOffset.UTC, Fixtures.machine("m1", "l1")));
        e.onPoint("m1.state", T0, Value.of(1L));
        e.onPoint("m1.product", T0, Value.of("A"));
        e.onPoint("m1.produced", T0, 0);
        e.onPoint("m1.produced", T0 + 600 * S, 10);
        e.onPoint("m1.product", T0 + 900 * S, Value.of("B"));
        e.onPoint("m1.produced", T0 + 1799 * S, 30);
        Kpis k = e.kpis("m1", T0, T0 + 1800 * S);
        assertThat(k.idealProductionTimeMicros()).isEqualTo(1200 * S);
        assertThat(k.effectiveness()).isCloseTo(1200.0 / 1800, within(1e-12));
        Map<String, Kpis> byProduct = e.kpisByProduct("m1", T0, T0 + 1800 * S);
        assertThat(byProduct.get("A").effectiveness()).isCloseTo(600.0 / 900, within(1e-12));
        assertThat(byProduct.get("B").producedQuantity()).isEqualTo(20);
        assertThat(byProduct.get("B").effectiveness()).isCloseTo(600.0 / 900, within(1e-12));
    }

    @Test
    void lineOeeIsFormedFromSummedElementsNotAveragedOees() {
        // m1 runs 1 h of 1 h, m2 runs 0 of 3 h (different PBT): line availability = 1/4, not (1 + 0)/2.
        KpiEngine e = engine(Fixtures.machine("m1", "l1"), Fixtures.machine("m2", "l1"));
        long h = 3600 * S;
        e.onPoint("m1.state", T0, Value.of(1L));
        e.onPoint("m1.state", T0 + h, Value.of(5L));
        e.onPoint("m2.state", T0, Value.of(3L));
        Kpis line = e.kpis("l1", T0, T0 + 3 * h);
        assertThat(line.machines()).isEqualTo(2);
        assertThat(line.availability()).isCloseTo(0.25, within(1e-12));
        assertThat(e.kpis("s1", T0, T0 + 3 * h).availability()).isCloseTo(0.25, within(1e-12));
    }

    @Test
    void lateCounterAndReasonPointsChangeThePastPeriodsTheyTouch() {
        // A backfilled counter value and a reason code sent after the stop ended update the earlier hour.
        KpiEngine e = KpiEngine.create(Fixtures.config(ShiftCalendar.threeShifts24x7(), ZoneOffset.UTC, Fixtures.machine("m1", "l1")));
        long h = 3600 * S;
        e.onPoint("m1.state", T0, Value.of(1L));
        e.onPoint("m1.state", T0 + 600 * S, Value.of(3L));
        e.onPoint("m1.state", T0 + 900 * S, Value.of(1L));
        e.onPoint("m1.produced", T0, 0);
        e.onPoint("m1.produced", T0 + 2 * h, 100);
        assertThat(e.kpis("m1", T0, T0 + h).producedQuantity()).isZero();
        assertThat(e.pareto("m1", T0, T0 + h).get(0).reasonCode()).isEmpty();
        e.onPoint("m1.produced", T0 + h - S, 40);          // backfilled from the edge buffer
        e.onPoint("m1.reason", T0 + 700 * S, Value.of(12L)); // reason arrives late, inside the stop
        assertThat(e.kpis("m1", T0, T0 + h).producedQuantity()).isEqualTo(40);
        assertThat(e.kpis("m1", T0 + h, T0 + 2 * h + S).producedQuantity()).isEqualTo(60);
        assertThat(e.pareto("m1", T0, T0 + h)).containsExactly(new ParetoEntry("12", "Jam", "mechanical", 300 * S, 1));
        e.onPoint("m1.produced", T0 + h - S, 30);          // a correction at the same timestamp replaces the value
        assertThat(e.kpis("m1", T0, T0 + h).producedQuantity()).isEqualTo(30);
    }

    @Test
    void aPointOlderThanTheLateWindowIsRejectedAndCounted() {
        // Same rule as the store, so live and recomputed engines keep the same points.
        KpiEngine e = KpiEngine.create(Fixtures.config(ShiftCalendar.threeShifts24x7(), ZoneOffset.UTC, Fixtures.machine("m1", "l1")), Duration.ofMinutes(5));
        e.onPoint("m1.produced", T0 + 3600 * S, 10);
        assertThat(e.onPoint("m1.produced", T0, 5)).isFalse();
        assertThat(e.rejectedPoints()).isEqualTo(1);
    }

    @Test
    void aStopShorterThanTheThresholdIsAMicroStopButAnOngoingStopIsNot() {
        // Threshold 2 min: a 119 s stop is a micro-stop, a 120 s stop a failure event; an open stop is not yet classified.
        KpiEngine e = KpiEngine.create(Fixtures.config(ShiftCalendar.threeShifts24x7(), ZoneOffset.UTC, Fixtures.machine("m1", "l1")));
        e.onPoint("m1.state", T0, Value.of(3L));
        e.onPoint("m1.state", T0 + 119 * S, Value.of(1L));
        e.onPoint("m1.state", T0 + 200 * S, Value.of(3L));
        e.onPoint("m1.state", T0 + 320 * S, Value.of(1L));
        e.onPoint("m1.state", T0 + 400 * S, Value.of(3L));
        Kpis k = e.kpis("m1", T0, T0 + 500 * S);
        assertThat(k.microStops()).isEqualTo(1);
        assertThat(k.microStopLostTimeMicros()).isEqualTo(119 * S);
        assertThat(k.failureEvents()).isEqualTo(2);
        assertThat(k.timeToRepairMicros()).isEqualTo(220 * S);
        assertThat(e.stops("m1", T0, T0 + 500 * S)).extracting(Stop::microStop).containsExactly(true, false, false);
        assertThat(e.stops("m1", T0, T0 + 500 * S).get(2).endMicros()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void badQualityPointsAreIgnoredAndUnknownSignalsDoNotMatter() {
        // A BAD reading must not change state or counts; stray signals of other machines are not routed.
        KpiEngine e = engine(counterMachine(CounterSignal.cumulative("m1.produced"), null));
        e.onPoint("m1.produced", T0, Value.of(10.0), io.lathe.model.Quality.GOOD);
        e.onPoint("m1.produced", T0 + 30 * S, Value.of(99.0), io.lathe.model.Quality.BAD);
        e.onPoint("m1.produced", T0 + 60 * S, Value.of(12.0), io.lathe.model.Quality.GOOD);
        e.onPoint("other.signal", T0, 5);
        assertThat(e.kpis("m1", T0, T0 + 600 * S).producedQuantity()).isEqualTo(2);
    }

    @Test
    void withoutAProducedCounterProducedIsGoodPlusReject() {
        // The virtual factory publishes only Good Count and Reject Count: PQ = GQ + SQ, and ideal time covers both.
        MachineConfig m = new MachineConfig("m1", "l1", "a1", "s1", new StateSource.Enumerated("m1.state", Map.of("running", MachineState.RUNNING), MachineState.IDLE),
                new CountsConfig(null, CounterSignal.cumulative("m1.good-count"), CounterSignal.cumulative("m1.reject-count"), null, null),
                Duration.ofSeconds(10), null, null, null, null, null);
        KpiEngine e = engine(m);
        e.onPoint("m1.state", T0, Value.of("running"));
        e.onPoint("m1.good-count", T0, 100);
        e.onPoint("m1.reject-count", T0, 7);
        e.onPoint("m1.good-count", T0 + 500 * S, 145);
        e.onPoint("m1.reject-count", T0 + 500 * S, 12);
        Kpis k = e.kpis("m1", T0, T0 + 1000 * S);
        assertThat(k.producedQuantity()).isEqualTo(50);
        assertThat(k.goodQuantity()).isEqualTo(45);
        assertThat(k.scrapQuantity()).isEqualTo(5);
        assertThat(k.effectiveness()).isCloseTo(500.0 / 1000, within(1e-12));
        assertThat(k.oee()).isCloseTo(1.0 * 0.5 * 0.9, within(1e-12));
    }

    @Test
    void anIdealCycleTimeSignalSetsTheIdealTimeOfLaterCounts() {
        // The virtual factory publishes "Ideal Cycle Time" (s) per product: 10 parts at 20 s, then 10 parts at 40 s.
        MachineConfig m = new MachineConfig("m1", "l1", "a1", "s1", new StateSource.Enumerated("m1.state", Map.of("running", MachineState.RUNNING), MachineState.IDLE),
                new CountsConfig(null, CounterSignal.cumulative("m1.good-count"), CounterSignal.cumulative("m1.reject-count"), null, null),
                Duration.ofSeconds(99), null, null, null, null, null, "m1.ideal-cycle-time");
        KpiEngine e = engine(m);
        e.onPoint("m1.state", T0, Value.of("running"));
        e.onPoint("m1.good-count", T0, 0);
        e.onPoint("m1.ideal-cycle-time", T0, 20.0);
        e.onPoint("m1.good-count", T0 + 300 * S, 10);
        e.onPoint("m1.ideal-cycle-time", T0 + 400 * S, 40.0);
        e.onPoint("m1.good-count", T0 + 900 * S, 20);
        assertThat(e.kpis("m1", T0, T0 + 1000 * S).idealProductionTimeMicros()).isEqualTo(600 * S);
        e.onPoint("m1.ideal-cycle-time", T0 + 100 * S, 30.0); // a late correction changes the first batch
        assertThat(e.kpis("m1", T0, T0 + 1000 * S).idealProductionTimeMicros()).isEqualTo(700 * S);
    }
}
