package io.lathe.kpi;

import io.lathe.model.Value;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;

import static io.lathe.kpi.Fixtures.us;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The OEE definition of the AWS IoT SiteWise documentation's worked example, reproduced with the engine:
 * availability = run / (run + down), quality = good / total, performance = (total / run time) / ideal run rate,
 * OEE = availability × quality × performance, over a 15-minute window. The figures below are our own instance of
 * that example (12 min running, 3 min down, 700 units of which 665 good, ideal rate 1 unit/s); the documentation page
 * itself was not at hand, so its exact numbers are not asserted here.
 */
class SiteWiseOeeExampleTest {

    @Test
    void engineReproducesTheSiteWiseOeeDefinition() {
        // With a 24/7 calendar and only running/down states, ISO availability APT/PBT equals run/(run+down), and
        // effectiveness PRI×PQ/APT equals (total/run)/ideal rate with PRI = 1/ideal rate.
        MachineConfig m = new MachineConfig("press", "l1", "a1", "s1",
                new StateSource.Enumerated("press.state", java.util.Map.of("running", MachineState.RUNNING, "down", MachineState.UNPLANNED_DOWN), MachineState.IDLE),
                new CountsConfig(CounterSignal.perInterval("press.total"), CounterSignal.perInterval("press.good"), null, null, null),
                Duration.ofSeconds(1), null, null, null, null, null);
        KpiEngine e = KpiEngine.create(new KpiConfig(List.of(new SiteConfig("s1", ZoneOffset.UTC, ShiftCalendar.threeShifts24x7(), 0, null)), List.of(m)));
        long t0 = us("2026-01-05T10:00:00Z");
        long min = 60_000_000L;
        e.onPoint("press.state", t0, Value.of("running"));
        e.onPoint("press.state", t0 + 5 * min, Value.of("down"));
        e.onPoint("press.state", t0 + 8 * min, Value.of("running"));
        e.onPoint("press.total", t0 + 4 * min, 300);
        e.onPoint("press.good", t0 + 4 * min, 290);
        e.onPoint("press.total", t0 + 14 * min, 400);
        e.onPoint("press.good", t0 + 14 * min, 375);
        Kpis k = e.kpis("press", t0, t0 + 15 * min);

        double run = 12 * 60, down = 3 * 60, total = 700, good = 665, idealRatePerSecond = 1;
        double availability = run / (run + down);
        double quality = good / total;
        double performance = (total / run) / idealRatePerSecond;
        assertThat(k.availability()).isCloseTo(availability, within(1e-12)).isCloseTo(0.8, within(1e-12));
        assertThat(k.qualityRatio()).isCloseTo(quality, within(1e-12)).isCloseTo(0.95, within(1e-12));
        assertThat(k.effectiveness()).isCloseTo(performance, within(1e-12));
        assertThat(k.oee()).isCloseTo(availability * quality * performance, within(1e-12)).isCloseTo(665.0 / 900, within(1e-12));
    }
}
