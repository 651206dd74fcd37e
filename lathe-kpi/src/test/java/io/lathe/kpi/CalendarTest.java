package io.lathe.kpi;

import io.lathe.model.Value;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;

import static io.lathe.kpi.Fixtures.us;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Shift calendars: shift boundaries, daylight-saving changes, holidays, and KPI grouping by hour/shift/day/week. */
class CalendarTest {
    private static final long H = 3_600_000_000L;
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @Test
    void nightShiftAcrossSpringDaylightSavingChangeLastsSevenHoursAndAutumnNine() {
        // Europe/Berlin: 2026-03-29 02:00 → 03:00 and 2026-10-25 03:00 → 02:00; ZonedDateTime shortens/lengthens the shift.
        ShiftCalendar c = ShiftCalendar.threeShifts24x7();
        var spring = c.instances(Instant.parse("2026-03-28T22:00:00Z"), Instant.parse("2026-03-29T04:00:00Z"), BERLIN).stream()
                .filter(s -> s.name().equals("night") && s.date().equals(LocalDate.of(2026, 3, 28))).findFirst().orElseThrow();
        assertThat(spring.duration()).isEqualTo(Duration.ofHours(7));
        var autumn = c.instances(Instant.parse("2026-10-24T22:00:00Z"), Instant.parse("2026-10-25T04:00:00Z"), BERLIN).stream()
                .filter(s -> s.name().equals("night") && s.date().equals(LocalDate.of(2026, 10, 24))).findFirst().orElseThrow();
        assertThat(autumn.duration()).isEqualTo(Duration.ofHours(9));
    }

    @Test
    void kpisByShiftAndDayOverTheSpringChangeUseTheShortenedShiftAndDay() {
        // A machine running all day on 2026-03-29 (Berlin): the day has 23 h, 23 hourly periods, the night shift 7 h of PBT.
        KpiEngine e = KpiEngine.create(Fixtures.config(ShiftCalendar.threeShifts24x7(), BERLIN, Fixtures.machine("m1", "l1")));
        long from = us("2026-03-28T21:00:00Z"); // 2026-03-28 22:00 CET
        long to = us("2026-03-29T22:00:00Z");   // 2026-03-30 00:00 CEST
        e.onPoint("m1.state", from - H, Value.of(1L));
        // baseline 7 h before the reading: 420 parts at the ideal 60 s fit, none is a partial first cycle
        e.onPoint("m1.produced", from - 2 * H, 0);
        e.onPoint("m1.produced", us("2026-03-29T02:00:00Z"), 420); // 420 parts in the 7 h night shift
        List<PeriodKpis> shifts = e.kpisBy("m1", from, to, Grouping.SHIFT);
        assertThat(shifts).extracting(PeriodKpis::label).containsExactly("2026-03-28 night", "2026-03-29 early", "2026-03-29 late", "2026-03-29 night");
        Kpis night = shifts.get(0).kpis();
        assertThat(night.plannedBusyTimeMicros()).isEqualTo(7 * H);
        assertThat(night.availability()).isEqualTo(1.0);
        assertThat(night.effectiveness()).isCloseTo(420 * 60.0 / (7 * 3600), within(1e-12));
        List<PeriodKpis> days = e.kpisBy("m1", us("2026-03-28T23:00:00Z"), to, Grouping.DAY);
        assertThat(days).hasSize(1);
        assertThat(days.get(0).kpis().calendarTimeMicros()).isEqualTo(23 * H);
        assertThat(e.kpisBy("m1", us("2026-03-28T23:00:00Z"), to, Grouping.HOUR)).hasSize(23);
    }

    @Test
    void autumnChangeGivesATwentyFiveHourDayWithANineHourNightShift() {
        // 2026-10-25 in Berlin has 25 h; the night shift starting 2026-10-24 22:00 is 9 h long.
        KpiEngine e = KpiEngine.create(Fixtures.config(ShiftCalendar.threeShifts24x7(), BERLIN, Fixtures.machine("m1", "l1")));
        long dayStart = us("2026-10-24T22:00:00Z"); // 2026-10-25 00:00 CEST
        long dayEnd = us("2026-10-25T23:00:00Z");   // 2026-10-26 00:00 CET
        e.onPoint("m1.state", dayStart - 10 * H, Value.of(1L));
        List<PeriodKpis> days = e.kpisBy("m1", dayStart, dayEnd, Grouping.DAY);
        assertThat(days).singleElement().satisfies(p -> assertThat(p.kpis().plannedBusyTimeMicros()).isEqualTo(25 * H));
        List<PeriodKpis> shifts = e.kpisBy("m1", us("2026-10-24T20:00:00Z"), us("2026-10-25T05:00:00Z"), Grouping.SHIFT);
        assertThat(shifts.get(0).label()).isEqualTo("2026-10-24 night");
        assertThat(shifts.get(0).kpis().plannedBusyTimeMicros()).isEqualTo(9 * H);
    }

    @Test
    void aShiftBoundarySplitsStatesAndCountsBetweenShifts() {
        // Running 13:00-15:00 UTC across the 14:00 boundary: one hour and the parts counted before/after go to each shift.
        KpiEngine e = KpiEngine.create(Fixtures.config(ShiftCalendar.threeShifts24x7(), ZoneOffset.UTC, Fixtures.machine("m1", "l1")));
        e.onPoint("m1.state", us("2026-06-01T12:00:00Z"), Value.of(4L));
        e.onPoint("m1.state", us("2026-06-01T13:00:00Z"), Value.of(1L));
        e.onPoint("m1.state", us("2026-06-01T15:00:00Z"), Value.of(4L));
        e.onPoint("m1.produced", us("2026-06-01T12:00:00Z"), 0);
        e.onPoint("m1.produced", us("2026-06-01T13:59:59Z"), 50);
        e.onPoint("m1.produced", us("2026-06-01T14:00:00Z"), 51); // a count at the boundary is the next shift's
        e.onPoint("m1.produced", us("2026-06-01T14:10:00Z"), 60);
        List<PeriodKpis> p = e.kpisBy("m1", us("2026-06-01T12:00:00Z"), us("2026-06-01T16:00:00Z"), Grouping.SHIFT);
        assertThat(p).hasSize(2);
        assertThat(p.get(0).kpis().actualProductionTimeMicros()).isEqualTo(H);
        assertThat(p.get(0).kpis().producedQuantity()).isEqualTo(50);
        assertThat(p.get(0).kpis().availability()).isCloseTo(0.5, within(1e-12));
        assertThat(p.get(1).kpis().actualProductionTimeMicros()).isEqualTo(H);
        assertThat(p.get(1).kpis().producedQuantity()).isEqualTo(10);
        Kpis whole = e.kpis("m1", us("2026-06-01T12:00:00Z"), us("2026-06-01T16:00:00Z"));
        assertThat(Kpis.sum(List.of(p.get(0).kpis(), p.get(1).kpis())).actualProductionTimeMicros()).isEqualTo(whole.actualProductionTimeMicros());
    }

    @Test
    void holidaysAndTimeOutsideShiftsAreNotPlanned() {
        // A holiday removes the shifts starting that day; weekly grouping starts on Monday in local time.
        ShiftCalendar c = new ShiftCalendar(Fixtures.dayShiftWithBreak().shifts(), Set.of(LocalDate.of(2026, 3, 3)));
        KpiEngine e = KpiEngine.create(Fixtures.config(c, ZoneOffset.UTC, Fixtures.machine("m1", "l1")));
        e.onPoint("m1.state", us("2026-03-01T00:00:00Z"), Value.of(1L));
        Kpis k = e.kpis("m1", us("2026-03-02T00:00:00Z"), us("2026-03-05T00:00:00Z"));
        assertThat(k.plannedOperationTimeMicros()).isEqualTo(16 * H);
        assertThat(k.plannedBusyTimeMicros()).isEqualTo(15 * H);
        assertThat(k.timeInStateMicros()).containsEntry(MachineState.RUNNING, 72 * H);
        List<PeriodKpis> weeks = e.kpisBy("m1", us("2026-03-01T00:00:00Z"), us("2026-03-10T00:00:00Z"), Grouping.WEEK);
        assertThat(weeks).extracting(PeriodKpis::fromMicros).containsExactly(us("2026-03-01T00:00:00Z"), us("2026-03-02T00:00:00Z"), us("2026-03-09T00:00:00Z"));
    }

    @Test
    void theRunningShiftRunsFromItsStartToNowAndIsEmptyOutsideShifts() {
        // Live view: the late shift at 15:30 covers 14:00-15:30; with a day-shift calendar 20:00 is in no shift.
        KpiEngine e = KpiEngine.create(Fixtures.config(ShiftCalendar.threeShifts24x7(), ZoneOffset.UTC, Fixtures.machine("m1", "l1")));
        e.onPoint("m1.state", us("2026-06-01T12:00:00Z"), Value.of(1L));
        PeriodKpis p = e.runningShift("l1", us("2026-06-01T15:30:00Z")).orElseThrow();
        assertThat(p.label()).isEqualTo("2026-06-01 late");
        assertThat(p.fromMicros()).isEqualTo(us("2026-06-01T14:00:00Z"));
        assertThat(p.kpis().actualProductionTimeMicros()).isEqualTo(H + H / 2);
        KpiEngine day = KpiEngine.create(Fixtures.utcDayShift(Fixtures.machine("m1", "l1")));
        assertThat(day.runningShift("m1", us("2026-06-01T20:00:00Z"))).isEmpty();
    }
}
