package io.lathe.kpi;

import io.lathe.model.Value;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static io.lathe.kpi.Fixtures.us;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A cumulative meter reading measures consumption up to its timestamp (issue 9, item 10): the increment belongs to the
 * interval that ends at that reading, so the reading at 22:00:00 belongs to the shift that ends at 22:00.
 */
class EnergyShiftEdgeTest {
    private static final long S = 1_000_000L, MIN = 60 * S;

    private static KpiEngine engine() {
        MachineConfig m = new MachineConfig("press", "l1", "a1", "s1",
                new StateSource.Enumerated("press.state", Map.of("running", MachineState.RUNNING), MachineState.IDLE),
                null, null, null, null, new EnergyConfig("press.kwh", EnergyConfig.Kind.METER_KWH), null, null);
        return KpiEngine.create(Fixtures.config(ShiftCalendar.threeShifts24x7(), ZoneOffset.UTC, m));
    }

    @Test
    void theReadingAtTheShiftEndBelongsToTheShiftThatEndsThere() {
        // Readings every 30 minutes exactly on the half hours: 21:30 100 kWh, 22:00 110, 22:30 125.
        KpiEngine e = engine();
        e.onPoint("press.state", us("2026-06-01T21:00:00Z"), Value.of("running"));
        e.onPoint("press.kwh", us("2026-06-01T21:30:00Z"), 100);
        e.onPoint("press.kwh", us("2026-06-01T22:00:00Z"), 110);
        e.onPoint("press.kwh", us("2026-06-01T22:30:00Z"), 125);
        List<PeriodKpis> shifts = e.kpisBy("press", us("2026-06-01T14:00:00Z"), us("2026-06-02T06:00:00Z"), Grouping.SHIFT);
        assertThat(shifts).extracting(PeriodKpis::label).containsExactly("2026-06-01 late", "2026-06-01 night");
        assertThat(shifts.get(0).kpis().energyKwh()).isEqualTo(10);
        assertThat(shifts.get(1).kpis().energyKwh()).isEqualTo(15);
        // the same split by hour, and a period ending one microsecond before the reading does not hold it yet
        List<PeriodKpis> hours = e.kpisBy("press", us("2026-06-01T21:00:00Z"), us("2026-06-01T23:00:00Z"), Grouping.HOUR);
        assertThat(hours).extracting(p -> p.kpis().energyKwh()).containsExactly(10.0, 15.0);
        assertThat(e.kpis("press", us("2026-06-01T21:00:00Z"), us("2026-06-01T22:00:00Z") - 1).energyKwh()).isZero();
    }

    @Test
    void theShiftSplitStaysTheSameAfterTheRawReadingsAreEvicted() {
        // Raw retention 1 day: three days later only the checkpoints at the shift bounds answer for that evening.
        MachineConfig m = new MachineConfig("press", "l1", "a1", "s1",
                new StateSource.Enumerated("press.state", Map.of("running", MachineState.RUNNING), MachineState.IDLE),
                null, null, null, null, new EnergyConfig("press.kwh", EnergyConfig.Kind.METER_KWH), null, null);
        KpiEngine e = KpiEngine.create(Fixtures.config(ShiftCalendar.threeShifts24x7(), ZoneOffset.UTC, m).withRawRetention(Duration.ofDays(1)),
                Duration.ofHours(1));
        e.onPoint("press.state", us("2026-06-01T21:00:00Z"), Value.of("running"));
        double kwh = 100;
        for (long t = us("2026-06-01T21:30:00Z"); t <= us("2026-06-05T00:00:00Z"); t += 30 * MIN) e.onPoint("press.kwh", t, kwh += 5);
        assertThat(e.rawDataFromMicros("press")).isGreaterThan(us("2026-06-03T00:00:00Z"));
        List<PeriodKpis> shifts = e.kpisBy("press", us("2026-06-01T14:00:00Z"), us("2026-06-02T14:00:00Z"), Grouping.SHIFT);
        // late shift: the reading at 22:00 (+5 over 21:30, the first reading being the baseline); night: 16 readings
        assertThat(shifts).extracting(p -> p.kpis().energyKwh()).containsExactly(5.0, 80.0, 80.0);
    }
}
