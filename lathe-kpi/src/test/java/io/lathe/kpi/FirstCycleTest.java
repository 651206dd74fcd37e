package io.lathe.kpi;

import io.lathe.model.Value;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.Map;

import static io.lathe.kpi.Fixtures.us;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A machine Lathe first sees in the middle of a cycle (issue 9, item 3): the part whose cycle began before must not
 * count against the few seconds of running time observed, so performance cannot exceed 100 % for that reason.
 */
class FirstCycleTest {
    private static final long S = 1_000_000L;
    private static final long T0 = us("2026-06-01T15:00:00Z");

    private static KpiEngine engine() {
        MachineConfig m = new MachineConfig("cnc", "l1", "a1", "s1",
                new StateSource.Enumerated("cnc.state", Map.of("running", MachineState.RUNNING), MachineState.UNPLANNED_DOWN),
                new CountsConfig(null, CounterSignal.cumulative("cnc.good"), CounterSignal.cumulative("cnc.reject"), null, null),
                Duration.ofSeconds(40), null, null, null, null, null);
        return KpiEngine.create(Fixtures.config(ShiftCalendar.threeShifts24x7(), ZoneOffset.UTC, m));
    }

    @Test
    void thePartUnderWayWhenTheMachineAppearsDoesNotCount() {
        // Seen: effectiveness 1.63 and OEE 1.53 one minute after start. Here: first seen at T0 running with 21,675
        // parts, the part under way completes 5 s later, the next a full cycle (40 s) after it.
        KpiEngine e = engine();
        e.onPoint("cnc.state", T0, Value.of("running"));
        e.onPoint("cnc.good", T0, 21_675);
        e.onPoint("cnc.reject", T0, 210);
        e.onPoint("cnc.good", T0 + 5 * S, 21_676);
        e.onPoint("cnc.good", T0 + 45 * S, 21_677);
        Kpis minute = e.kpis("cnc", T0, T0 + 60 * S);
        assertThat(minute.effectiveness()).isLessThanOrEqualTo(1.0);
        assertThat(minute.oee()).isLessThanOrEqualTo(1.0);
        assertThat(minute.goodQuantity()).isEqualTo(1);
        assertThat(e.kpis("cnc", T0, T0 + 10 * S).effectiveness()).isZero();
        assertThat(e.dataQualityEvents("cnc", T0, T0 + 60 * S)).as("a start-up, not a data-quality problem").isEmpty();
    }

    @Test
    void aCounterReadRarelyCountsItsFirstIncrementAsFarAsWholeCyclesFitIntoTheTimeObserved() {
        // Read every 30 minutes: the first change (+44 in 1,800 s, 45 whole 40 s cycles fit) counts in full; a first
        // change of +50 would count only the 45 cycles that fit.
        KpiEngine e = engine();
        e.onPoint("cnc.state", T0, Value.of("running"));
        e.onPoint("cnc.good", T0, 1_000);
        e.onPoint("cnc.good", T0 + 1_800 * S, 1_044);
        e.onPoint("cnc.reject", T0, 5);
        e.onPoint("cnc.reject", T0 + 1_800 * S, 55);
        Kpis k = e.kpis("cnc", T0, T0 + 3_600 * S);
        assertThat(k.goodQuantity()).isEqualTo(44);
        assertThat(k.scrapQuantity()).isEqualTo(45);
        assertThat(k.effectiveness()).isLessThanOrEqualTo(89 * 40.0 / 1_800);
    }
}
