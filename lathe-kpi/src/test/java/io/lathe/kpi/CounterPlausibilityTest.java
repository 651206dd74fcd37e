package io.lathe.kpi;

import io.lathe.model.Value;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Map;

import static io.lathe.kpi.Fixtures.us;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Counters and energy meters that go down or jump (issue 9, item 2): production in an interval never exceeds what the
 * machine could physically make, and what is not counted is recorded as a data-quality event.
 */
class CounterPlausibilityTest {
    private static final long S = 1_000_000L, MIN = 60 * S, H = 60 * MIN;
    private static final long T0 = us("2026-06-01T14:00:00Z"); // start of the late shift

    /** The demo's machine type: Good Count and Reject Count only, ideal cycle time 40 s, a kWh meter. */
    private static MachineConfig demoMachine(double maxPowerKw) {
        return new MachineConfig("saw", "l1", "a1", "s1",
                new StateSource.Enumerated("saw.state", Map.of("running", MachineState.RUNNING, "idle", MachineState.UNPLANNED_DOWN), MachineState.UNKNOWN),
                new CountsConfig(null, CounterSignal.cumulative("saw.good"), CounterSignal.cumulative("saw.reject"), null, null),
                Duration.ofSeconds(40), null, null, new EnergyConfig("saw.kwh", EnergyConfig.Kind.METER_KWH, maxPowerKw), null, null);
    }

    private static KpiEngine engine(MachineConfig m) {
        return KpiEngine.create(Fixtures.config(ShiftCalendar.threeShifts24x7(), ZoneOffset.UTC, m));
    }

    @Test
    void aDemoRestartThatCountsFromASlightlyLowerValueAddsNoParts() {
        // Seen: Good Count 21,675 → 21,656 after a demo restart was counted as 21,656 new parts (shift OEE 124,362 %).
        KpiEngine e = engine(demoMachine(0));
        e.onPoint("saw.state", T0, Value.of("running"));
        long t = T0;
        double good = 21_615;
        e.onPoint("saw.good", t, good);
        e.onPoint("saw.good", t += 5 * S, ++good); // the part under way when the machine appeared
        for (int i = 0; i < 59; i++) e.onPoint("saw.good", t += 40 * S, ++good); // 21,675 after about 40 minutes
        assertThat(good).isEqualTo(21_675);
        // killed and restarted: 20 s later the simulator starts again from a slightly lower value and counts on
        t += 20 * S;
        double after = 21_656;
        e.onPoint("saw.good", t, after);
        for (int i = 0; i < 15; i++) e.onPoint("saw.good", t += 40 * S, ++after);
        Kpis k = e.kpis("saw", T0, t + 1);
        double runningSeconds = k.actualProductionTimeMicros() / 1e6;
        assertThat(k.goodQuantity()).as("parts: 59 before the restart (the first partial cycle is not counted) and 15 after")
                .isEqualTo(59 + 15);
        assertThat(k.producedQuantity()).isLessThanOrEqualTo(runningSeconds / 40 * 1.5 + 1);
        assertThat(k.oee()).isLessThanOrEqualTo(1.0);
        // what was not counted is on record, with the numbers a person needs to judge it
        long restart = T0 + 5 * S + 59 * 40 * S + 20 * S;
        assertThat(k.dataQualityEvents()).isEqualTo(1);
        assertThat(e.dataQualityEvents("l1", T0, t + 1)).containsExactly(new DataQualityEvent("saw", restart, "saw.good", "good",
                DataQualityEvent.Kind.COUNTER_DECREASE, 21_675, 21_656, 0, 20.0 / 40 * 1.5 + 1, 20 * S));
        assertThat(e.dataQualityEvents("saw", T0, t + 1).get(0).cause()).isEqualTo("saw.good went down from 21675 to 21656 within 20 s:"
                + " not a reset, which restarts near 0 (at most 1.75 parts were possible within 20 s), so a preset, glitch or restart"
                + " from an older value; nothing counted, counting goes on from 21656.");
        assertThat(k.warnings()).extracting(KpiWarning::code).containsExactly("data_quality_events");
        assertThat(e.dataQualityEventsFound(DataQualityEvent.Kind.COUNTER_DECREASE)).isEqualTo(1);
    }

    @Test
    void aPowerCycleResetToNearZeroIsCountedFromZero() {
        // A PLC power cycle: 21,675, two minutes without a reading, then 3. At most 120 / 40 × 1.5 + 1 = 5.5 parts fit
        // into two minutes, so 3 is a plausible count since a reset: counted.
        KpiEngine e = engine(demoMachine(0));
        e.onPoint("saw.state", T0, Value.of("running"));
        e.onPoint("saw.good", T0, 21_674);
        e.onPoint("saw.good", T0 + 40 * S, 21_675);
        e.onPoint("saw.good", T0 + 160 * S, 3);
        e.onPoint("saw.good", T0 + 200 * S, 4);
        Kpis k = e.kpis("saw", T0, T0 + 300 * S);
        assertThat(k.goodQuantity()).isEqualTo(1 + 3 + 1);
        assertThat(e.dataQualityEvents("saw", T0, T0 + 300 * S)).singleElement().satisfies(q -> {
            assertThat(q.kind()).isEqualTo(DataQualityEvent.Kind.COUNTER_RESET);
            assertThat(q.counted()).isEqualTo(3);
            assertThat(q.bound()).isEqualTo(5.5);
        });
    }

    @Test
    void aJumpBeyondWhatTheMachineCanMakeIsNotCountedAndCountingGoesOnFromTheNewValue() {
        // +500 parts in 40 s at an ideal 40 s cycle (at most 2.5): a glitch or a counter preset upwards.
        KpiEngine e = engine(demoMachine(0));
        e.onPoint("saw.state", T0, Value.of("running"));
        e.onPoint("saw.good", T0, 100);
        e.onPoint("saw.good", T0 + 40 * S, 101);
        e.onPoint("saw.good", T0 + 80 * S, 601);
        e.onPoint("saw.good", T0 + 120 * S, 602);
        e.onPoint("saw.reject", T0, 7);
        e.onPoint("saw.reject", T0 + 100 * S, 6);
        Kpis k = e.kpis("saw", T0, T0 + 200 * S);
        assertThat(k.goodQuantity()).isEqualTo(1 + 1);
        assertThat(k.scrapQuantity()).isZero();
        assertThat(e.dataQualityEvents("saw", T0, T0 + 200 * S)).extracting(DataQualityEvent::kind, DataQualityEvent::timeMicros)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(DataQualityEvent.Kind.COUNTER_JUMP, T0 + 80 * S),
                        org.assertj.core.groups.Tuple.tuple(DataQualityEvent.Kind.COUNTER_DECREASE, T0 + 100 * S));
        assertThat(k.dataQualityEvents()).isEqualTo(2);
        assertThat(e.kpis("saw", T0, T0 + 90 * S).dataQualityEvents()).isEqualTo(1);
    }

    @Test
    void withoutAnIdealCycleTimeADropToLessThanHalfIsAResetAndASmallerDropIsAGlitch() {
        // No ideal cycle time, no physical bound: 1,000 → 400 is a reset (counts 400), 400 → 390 a glitch (counts 0).
        MachineConfig m = new MachineConfig("m1", "l1", "a1", "s1", new StateSource.Enumerated("m1.state", Fixtures.STATE_MAP, MachineState.IDLE),
                CountsConfig.of(CounterSignal.cumulative("m1.produced"), null, null), null, null, null, null, null, null);
        KpiEngine e = engine(m);
        e.onPoint("m1.produced", T0, 990);
        e.onPoint("m1.produced", T0 + MIN, 1_000);
        e.onPoint("m1.produced", T0 + 2 * MIN, 400);
        e.onPoint("m1.produced", T0 + 3 * MIN, 390);
        e.onPoint("m1.produced", T0 + 4 * MIN, 395);
        assertThat(e.kpis("m1", T0, T0 + H).producedQuantity()).isEqualTo(10 + 400 + 5);
        assertThat(e.dataQualityEvents("m1", T0, T0 + H)).extracting(DataQualityEvent::kind)
                .containsExactly(DataQualityEvent.Kind.COUNTER_RESET, DataQualityEvent.Kind.COUNTER_DECREASE);
        assertThat(e.dataQualityEvents("m1", T0, T0 + H).get(0).bound()).isNaN();
    }

    @Test
    void energyMeterJumpsAndGlitchesAreNotCountedWithAMaxPower() {
        // max-power-kw 50: within a minute at most 50 × 1.5 / 60 + 1 = 2.25 kWh. A meter swap jumps to 60,000; a
        // glitch reads 20 kWh low; a reset to 0.4 kWh after a minute is plausible.
        KpiEngine e = engine(demoMachine(50));
        double[] kwh = {54_300, 54_301, 60_000, 60_001, 59_981, 59_982, 0.4, 1.4};
        for (int i = 0; i < kwh.length; i++) e.onPoint("saw.kwh", T0 + i * MIN, kwh[i]);
        assertThat(e.kpis("saw", T0, T0 + H).energyKwh()).isCloseTo(1 + 1 + 1 + 0.4 + 1, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(e.dataQualityEvents("saw", T0, T0 + H)).extracting(DataQualityEvent::kind).containsExactly(
                DataQualityEvent.Kind.METER_JUMP, DataQualityEvent.Kind.METER_DECREASE, DataQualityEvent.Kind.METER_RESET);
        assertThat(e.dataQualityEvents("saw", T0, T0 + H)).allSatisfy(q -> assertThat(q.quantity()).isEqualTo("energy"));
        // without max-power-kw a jump is taken as consumption; a decrease still follows the halving rule
        KpiEngine unbounded = engine(demoMachine(0));
        for (int i = 0; i < kwh.length; i++) unbounded.onPoint("saw.kwh", T0 + i * MIN, kwh[i]);
        assertThat(unbounded.dataQualityEvents("saw", T0, T0 + H)).extracting(DataQualityEvent::kind).containsExactly(
                DataQualityEvent.Kind.METER_DECREASE, DataQualityEvent.Kind.METER_RESET);
    }

    @Test
    void aLateCorrectionReDerivesTheEventsAndTheMetricCountsEachEventOnce() {
        // A glitch reading replaced later by its corrected value: the event goes away; queries in between re-derive.
        KpiEngine e = engine(demoMachine(0));
        e.onPoint("saw.good", T0, 500);
        e.onPoint("saw.good", T0 + 40 * S, 501);
        e.onPoint("saw.good", T0 + 80 * S, 480);
        e.onPoint("saw.good", T0 + 120 * S, 502);
        assertThat(e.kpis("saw", T0, T0 + H).dataQualityEvents()).isEqualTo(2); // the decrease, then the jump back
        e.onPoint("saw.good", T0 + 10 * S, 500); // a late repeat before both: re-derives without changing them
        assertThat(e.kpis("saw", T0, T0 + H).dataQualityEvents()).isEqualTo(2);
        assertThat(e.dataQualityEventsFound(DataQualityEvent.Kind.COUNTER_DECREASE)).isEqualTo(1);
        assertThat(e.dataQualityEventsFound(DataQualityEvent.Kind.COUNTER_JUMP)).isEqualTo(1);
        e.onPoint("saw.good", T0 + 80 * S, 501.0); // the correction
        assertThat(e.kpis("saw", T0, T0 + H).dataQualityEvents()).isZero();
        assertThat(e.kpis("saw", T0, T0 + H).goodQuantity()).isEqualTo(2);
        assertThat(e.dataQualityEventsFound(DataQualityEvent.Kind.COUNTER_DECREASE)).isEqualTo(1);
    }

    @Test
    void performanceAboveOneHundredPercentComesWithItsLikelyCause() {
        // Ideal cycle time configured at 40 s, the machine really makes a part every 25 s (within the 1.5× tolerance):
        // counted (118 parts in [T0, T0 + 3000 s): the first, under way at T0, is not), but shown with the warning that
        // the ideal cycle time is likely wrong: 118 × 40 s / 3000 s = 157.3 %.
        KpiEngine e = engine(demoMachine(0));
        e.onPoint("saw.state", T0, Value.of("running"));
        e.onPoint("saw.good", T0, 0);
        for (int i = 1; i <= 120; i++) e.onPoint("saw.good", T0 + i * 25 * S, i);
        Kpis k = e.kpis("saw", T0, T0 + 3000 * S);
        assertThat(k.effectiveness()).isGreaterThan(1.5);
        assertThat(k.warnings()).singleElement().satisfies(w -> {
            assertThat(w.code()).isEqualTo("effectiveness_above_100");
            assertThat(w.message()).contains("ideal cycle time").contains("157.3 %");
        });
        assertThat(KpiJson.of(k)).contains("\"warnings\":[{\"code\":\"effectiveness_above_100\",\"message\":\"Performance (effectiveness) is 157.3 %");
    }
}
