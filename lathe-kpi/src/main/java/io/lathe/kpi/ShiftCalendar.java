package io.lathe.kpi;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A site's weekly shift pattern with breaks and holidays. Times are local to the site's zone; daylight-saving changes
 * are handled by {@link ZonedDateTime}: a shift across the spring change is one hour shorter, across the autumn change
 * one hour longer; a local time that does not exist moves forward by the gap, an ambiguous one takes the earlier offset.
 * Time inside a shift is planned operation time (POT); breaks inside it are planned down time; a shift whose start
 * date is a holiday does not take place. Time outside every shift is not planned.
 * YAML: {@code calendar: {shifts: [{name: early, days: [mon, tue], start: "06:00", end: "14:00", breaks: [{start: "10:00", end: "10:30"}]}], holidays: [2026-12-25]}}.
 */
public record ShiftCalendar(List<Shift> shifts, Set<LocalDate> holidays) {

    public ShiftCalendar {
        shifts = List.copyOf(shifts);
        holidays = Set.copyOf(holidays);
    }

    /** Three 8-hour shifts every day (early 06-14, late 14-22, night 22-06), no breaks, no holidays: always working. */
    public static ShiftCalendar threeShifts24x7() {
        Set<DayOfWeek> all = EnumSet.allOf(DayOfWeek.class);
        return new ShiftCalendar(List.of(
                new Shift("early", all, LocalTime.of(6, 0), LocalTime.of(14, 0), List.of()),
                new Shift("late", all, LocalTime.of(14, 0), LocalTime.of(22, 0), List.of()),
                new Shift("night", all, LocalTime.of(22, 0), LocalTime.of(6, 0), List.of())), Set.of());
    }

    /**
     * One shift of the weekly pattern.
     *
     * @param days   weekdays on which the shift starts
     * @param start  local start time
     * @param end    local end time; not after {@code start} means the next day
     * @param breaks planned breaks, local times inside the shift (a break before {@code start} lies on the next day)
     */
    public record Shift(String name, Set<DayOfWeek> days, LocalTime start, LocalTime end, List<Break> breaks) {
        public Shift {
            Objects.requireNonNull(name, "name");
            days = days.isEmpty() ? Set.of() : EnumSet.copyOf(days);
            Objects.requireNonNull(start, "start");
            Objects.requireNonNull(end, "end");
            breaks = List.copyOf(breaks);
        }
    }

    /** A planned break, local times. */
    public record Break(LocalTime start, LocalTime end) {
        public Break {
            Objects.requireNonNull(start, "start");
            Objects.requireNonNull(end, "end");
        }
    }

    /** A concrete shift: name, local date it starts on, instants, and its breaks as instants. */
    public record ShiftInstance(String name, LocalDate date, Instant start, Instant end, List<Interval> breaks) {
        public Duration duration() { return Duration.between(start, end); }
    }

    /** [start, end) in microseconds since the epoch. */
    public record Interval(long startMicros, long endMicros) {}

    /** Shifts overlapping [from, to), in start order (not clipped). */
    public List<ShiftInstance> instances(Instant from, Instant to, ZoneId zone) {
        List<ShiftInstance> out = new ArrayList<>();
        LocalDate d = from.atZone(zone).toLocalDate().minusDays(1);
        LocalDate last = to.atZone(zone).toLocalDate();
        for (; !d.isAfter(last); d = d.plusDays(1)) {
            if (holidays.contains(d)) continue;
            for (Shift s : shifts) {
                if (!s.days().contains(d.getDayOfWeek())) continue;
                Instant st = ZonedDateTime.of(d, s.start(), zone).toInstant();
                LocalDate endDate = s.end().isAfter(s.start()) ? d : d.plusDays(1);
                Instant en = ZonedDateTime.of(endDate, s.end(), zone).toInstant();
                if (!en.isAfter(from) || !st.isBefore(to) || !en.isAfter(st)) continue;
                List<Interval> br = new ArrayList<>();
                for (Break b : s.breaks()) {
                    LocalDate bd = b.start().isBefore(s.start()) ? d.plusDays(1) : d;
                    LocalDate bed = b.end().isAfter(b.start()) ? bd : bd.plusDays(1);
                    long bs = Math.max(micros(ZonedDateTime.of(bd, b.start(), zone).toInstant()), micros(st));
                    long be = Math.min(micros(ZonedDateTime.of(bed, b.end(), zone).toInstant()), micros(en));
                    if (be > bs) br.add(new Interval(bs, be));
                }
                br.sort((x, y) -> Long.compare(x.startMicros(), y.startMicros()));
                out.add(new ShiftInstance(s.name(), d, st, en, List.copyOf(br)));
            }
        }
        out.sort((x, y) -> x.start().compareTo(y.start()));
        return out;
    }

    static long micros(Instant i) {
        return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000L), i.getNano() / 1000);
    }
}
