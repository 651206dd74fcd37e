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

/**
 * The OEE example of the AWS IoT SiteWise user guide ("Calculating OEE in AWS IoT SiteWise", calculate-oee.html),
 * computed with the engine. The page defines its inputs and formulas but gives no result figures, so the
 * measurements here are ours, in the page's own terms:
 * <ul>
 *   <li>{@code Equipment_State} codes 1111 normal operation, 1020 fault, 1024 idle, 1000 planned stop;</li>
 *   <li>{@code Good_Count} and {@code Bad_Count}, counts since the previous data point;</li>
 *   <li>{@code Ideal_Run_Rate} 60 per minute, i.e. 1 per second as the page's example rate;</li>
 *   <li>one 15-minute tumbling window (one of SiteWise's metric intervals), UTC-aligned;</li>
 *   <li>Run_Time = statetime(Running); Down_Time = Idle_Time + Fault_Time + Stop_Time;
 *       Availability = Run_Time / (Run_Time + Down_Time); Quality = Successes / (Successes + Failures);
 *       Performance = ((Successes + Failures) / Run_Time) / Ideal_Run_Rate; OEE = Availability × Quality × Performance.</li>
 * </ul>
 */
class SiteWiseOeeExampleTest {
    private static final long MIN = 60_000_000L;
    private static final long T0 = us("2026-01-05T10:00:00Z");

    private static KpiEngine engine() {
        MachineConfig m = new MachineConfig("packer", "l1", "a1", "s1",
                new StateSource.Enumerated("packer.Equipment_State", Map.of(
                        "1111", MachineState.RUNNING, "1020", MachineState.UNPLANNED_DOWN,
                        "1024", MachineState.IDLE, "1000", MachineState.PLANNED_DOWN), MachineState.UNKNOWN),
                new CountsConfig(null, CounterSignal.perInterval("packer.Good_Count"), CounterSignal.perInterval("packer.Bad_Count"), null, null),
                Duration.ofSeconds(1), null, null, null, null, null);
        return KpiEngine.create(new KpiConfig(List.of(new SiteConfig("s1", ZoneOffset.UTC, ShiftCalendar.threeShifts24x7(), 0, null)), List.of(m)));
    }

    private static void counts(KpiEngine e) {
        e.onPoint("packer.Good_Count", T0 + 4 * MIN, 290);
        e.onPoint("packer.Bad_Count", T0 + 4 * MIN, 10);
        e.onPoint("packer.Good_Count", T0 + 14 * MIN, 375);
        e.onPoint("packer.Bad_Count", T0 + 14 * MIN, 25);
    }

    @Test
    void faultsAndIdleTimeGiveSiteWisesAvailabilityPerformanceQualityAndOee() {
        // Running 10:00-10:05, fault 10:05-10:07, running 10:07-10:12, idle 10:12-10:13, running 10:13-10:15.
        KpiEngine e = engine();
        e.onPoint("packer.Equipment_State", T0, Value.of("1111"));
        e.onPoint("packer.Equipment_State", T0 + 5 * MIN, Value.of("1020"));
        e.onPoint("packer.Equipment_State", T0 + 7 * MIN, Value.of("1111"));
        e.onPoint("packer.Equipment_State", T0 + 12 * MIN, Value.of("1024"));
        e.onPoint("packer.Equipment_State", T0 + 13 * MIN, Value.of("1111"));
        counts(e);
        Kpis k = e.kpis("packer", T0, T0 + 15 * MIN);

        double runTime = 12 * 60, downTime = 2 * 60 + 60, successes = 665, failures = 35, idealRunRatePerSecond = 60 / 60.0;
        double availability = runTime / (runTime + downTime);
        double quality = successes / (successes + failures);
        double performance = ((successes + failures) / runTime) / idealRunRatePerSecond;
        double oee = availability * quality * performance;
        assertThat(availability).isCloseTo(0.8, within(1e-12));
        assertThat(quality).isCloseTo(0.95, within(1e-12));
        assertThat(oee).isCloseTo(665.0 / 900, within(1e-12));

        assertThat(k.actualProductionTimeMicros()).isEqualTo(12 * MIN);
        assertThat(k.producedQuantity()).isEqualTo(700);
        assertThat(k.availability()).isCloseTo(availability, within(1e-12));
        assertThat(k.qualityRatio()).isCloseTo(quality, within(1e-12));
        assertThat(k.effectiveness()).isCloseTo(performance, within(1e-12));
        assertThat(k.oee()).isCloseTo(oee, within(1e-12));
    }

    @Test
    void aPlannedStopIsDowntimeInSiteWiseButPlannedDowntimeOutsideIsoAvailability() {
        // Same window with the idle minute replaced by a 3-minute planned stop 10:10-10:13 (running 10 min in all):
        // SiteWise counts Stop_Time as Down_Time; ISO 22400 takes planned downtime out of planned busy time.
        KpiEngine e = engine();
        e.onPoint("packer.Equipment_State", T0, Value.of("1111"));
        e.onPoint("packer.Equipment_State", T0 + 5 * MIN, Value.of("1020"));
        e.onPoint("packer.Equipment_State", T0 + 7 * MIN, Value.of("1111"));
        e.onPoint("packer.Equipment_State", T0 + 10 * MIN, Value.of("1000"));
        e.onPoint("packer.Equipment_State", T0 + 13 * MIN, Value.of("1111"));
        counts(e);
        Kpis k = e.kpis("packer", T0, T0 + 15 * MIN);

        double runTime = 10 * 60, faultTime = 2 * 60, stopTime = 3 * 60;
        double siteWiseAvailability = runTime / (runTime + faultTime + stopTime);
        assertThat(siteWiseAvailability).isCloseTo(10.0 / 15, within(1e-12));
        assertThat(k.plannedDownTimeMicros()).isEqualTo(3 * MIN);
        assertThat(k.availability()).isCloseTo(runTime / (runTime + faultTime), within(1e-12)).isCloseTo(10.0 / 12, within(1e-12));
        // the SiteWise figure follows from the ISO elements by putting the planned stop back into the denominator
        assertThat((double) k.actualProductionTimeMicros() / (k.plannedBusyTimeMicros() + k.plannedDownTimeMicros()))
                .isCloseTo(siteWiseAvailability, within(1e-12));
        assertThat(k.effectiveness()).isCloseTo((700 / runTime) / 1.0, within(1e-12));
    }
}
