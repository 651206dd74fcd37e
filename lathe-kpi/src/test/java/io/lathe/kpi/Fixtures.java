package io.lathe.kpi;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Shared configurations of the KPI tests. */
final class Fixtures {
    private Fixtures() {}

    static final Map<String, MachineState> STATE_MAP = Map.of(
            "1", MachineState.RUNNING, "2", MachineState.SETUP, "3", MachineState.UNPLANNED_DOWN,
            "4", MachineState.IDLE, "5", MachineState.PLANNED_DOWN, "6", MachineState.STARVED, "7", MachineState.BLOCKED);

    static final ReasonTree REASONS = new ReasonTree(List.of(
            new ReasonTree.Category("mechanical", "Mechanical", List.of(new ReasonTree.Reason("11", "Tool break"), new ReasonTree.Reason("12", "Jam"))),
            new ReasonTree.Category("organisational", "Organisational", List.of(new ReasonTree.Reason("21", "No operator")))));

    static long us(String isoInstant) {
        Instant i = Instant.parse(isoInstant);
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    /** One day shift 06:00-14:00 every day with a break 10:00-10:30. */
    static ShiftCalendar dayShiftWithBreak() {
        return new ShiftCalendar(List.of(new ShiftCalendar.Shift("day", EnumSet.allOf(DayOfWeek.class),
                LocalTime.of(6, 0), LocalTime.of(14, 0), List.of(new ShiftCalendar.Break(LocalTime.of(10, 0), LocalTime.of(10, 30))))), Set.of());
    }

    static SiteConfig site(ShiftCalendar cal, ZoneId zone) {
        return new SiteConfig("s1", zone, cal, 0.4, REASONS);
    }

    static MachineConfig machine(String id, String line) {
        return new MachineConfig(id, line, "a1", "s1",
                new StateSource.Enumerated(id + ".state", STATE_MAP, MachineState.UNPLANNED_DOWN),
                new CountsConfig(CounterSignal.cumulative(id + ".produced"), null, CounterSignal.cumulative(id + ".reject"),
                        CounterSignal.perInterval(id + ".inspected"), CounterSignal.perInterval(id + ".fpgood")),
                Duration.ofSeconds(60), id + ".product", Map.of("B", Duration.ofSeconds(30)),
                new EnergyConfig(id + ".power", EnergyConfig.Kind.POWER_KW), id + ".reason", Duration.ofMinutes(2));
    }

    static KpiConfig config(ShiftCalendar cal, ZoneId zone, MachineConfig... machines) {
        return new KpiConfig(List.of(site(cal, zone)), List.of(machines));
    }

    static KpiConfig utcDayShift(MachineConfig... machines) {
        return config(dayShiftWithBreak(), ZoneOffset.UTC, machines);
    }
}
