package io.lathe.kpi;

import io.lathe.ingest.PointSink;
import io.lathe.kpi.internal.MachineTimeline;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.lathe.store.SeriesData;
import io.lathe.store.TelemetryStore;

import java.io.IOException;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAdjusters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Computes ISO 22400-2 KPIs from machine signals, live and exact.
 *
 * <p>Feed points as they stream ({@link #onPoint} or, as a {@link PointSink}, {@link #accept}); ask for KPIs of any
 * period at any time. Inputs are kept per machine in time order and the derived timeline (states, stops, cumulative
 * quantities and energy) is rebuilt from them on the next query after a change, so a late point, a corrected value or a
 * reason entered afterwards changes every past period it touches. {@link #recompute} loads the same signals from a
 * {@link TelemetryStore} into a new engine; given the same points it gives identical figures to the live engine.
 * A point older than its signal's newest point by more than the late window is rejected and counted
 * ({@link #rejectedPoints()}), as the store does. Points of {@link Quality#BAD} quality are ignored.
 *
 * <p>Thread-safe: all methods synchronise on the engine (one writer, queries between points).
 */
public final class KpiEngine implements PointSink {

    private final KpiConfig config;
    private final Map<String, SiteConfig> sites;
    private final Map<String, MachineTimeline> machines = new LinkedHashMap<>();
    private final Map<String, List<Route>> routes = new HashMap<>();
    private final AtomicLong rejected = new AtomicLong();
    private final long lateWindowMicros;

    private record Route(MachineTimeline machine, MachineTimeline.Role role) {}

    private KpiEngine(KpiConfig config, Duration lateWindow) {
        this.config = config;
        this.sites = config.siteById();
        this.lateWindowMicros = lateWindow.toNanos() / 1000;
        for (MachineConfig m : config.machines()) {
            MachineTimeline t = new MachineTimeline(m, sites.get(m.site()).reasons(), lateWindowMicros);
            machines.put(m.id(), t);
            t.roles().forEach((signal, roles) -> {
                for (MachineTimeline.Role r : roles) routes.computeIfAbsent(signal, k -> new ArrayList<>()).add(new Route(t, r));
            });
        }
    }

    /** An engine with a late window of one day (the store's default). */
    public static KpiEngine create(KpiConfig config) {
        return create(config, Duration.ofDays(1));
    }

    /** An engine; {@code lateWindow} should equal the store's so both accept the same late points. */
    public static KpiEngine create(KpiConfig config, Duration lateWindow) {
        return new KpiEngine(config, lateWindow);
    }

    /**
     * Loads every configured signal's points in [fromMicros, toMicros) from {@code store} into a new engine, with the
     * operator reasons of {@code operatorReasons} (machine → stop start µs → code, see {@link #operatorReasons()}).
     * Start {@code fromMicros} early enough: the first point of a cumulative counter is its baseline.
     */
    public static KpiEngine recompute(KpiConfig config, Duration lateWindow, TelemetryStore store, long fromMicros, long toMicros,
                                      Map<String, Map<Long, String>> operatorReasons) throws IOException {
        KpiEngine e = create(config, lateWindow);
        for (String signal : e.routes.keySet()) {
            SeriesData d = store.raw(signal, fromMicros, toMicros);
            for (int i = 0; i < d.size(); i++) {
                e.onPoint(signal, d.timestampAt(i), d.valueAt(i), d.qualityAt(i));
            }
        }
        operatorReasons.forEach((m, r) -> r.forEach((start, code) -> e.setReason(m, start, code)));
        return e;
    }

    /** The signal ids the engine reads (to subscribe or load). */
    public synchronized List<String> signals() { return List.copyOf(routes.keySet()); }

    /** One point of a signal; unknown signals are ignored. Returns false when the point was rejected as too late. */
    public synchronized boolean onPoint(String signalId, long timestampMicros, Value value, Quality quality) {
        List<Route> rs = routes.get(signalId);
        if (rs == null || quality == Quality.BAD) return true;
        boolean ok = true;
        for (Route r : rs) ok &= r.machine.apply(signalId, r.role, timestampMicros, value);
        if (!ok) rejected.incrementAndGet();
        return ok;
    }

    /** {@link #onPoint(String, long, Value, Quality)} with good quality. */
    public boolean onPoint(String signalId, long timestampMicros, Value value) {
        return onPoint(signalId, timestampMicros, value, Quality.GOOD);
    }

    /** Numeric shorthand. */
    public boolean onPoint(String signalId, long timestampMicros, double value) {
        return onPoint(signalId, timestampMicros, Value.of(value), Quality.GOOD);
    }

    @Override
    public void accept(Signal signal, long timestampMicros, Value value, Quality quality, boolean historical) {
        onPoint(signal.id(), timestampMicros, value, quality);
    }

    @Override
    public void markStale(Signal signal, long timestampMicros) {
        // a stale source keeps its last value: the state holds until a new point arrives
    }

    /** Points rejected as later than the late window. */
    public long rejectedPoints() { return rejected.get(); }

    /**
     * Sets (or clears, with an empty code) the reason of the unplanned stop of {@code machine} that starts at
     * {@code stopStartMicros}; it overrides the reason signal. A reason for a start where no stop begins is kept and
     * applies once data makes a stop begin there.
     */
    public synchronized void setReason(String machine, long stopStartMicros, String reasonCode) {
        machine(machine).setReason(stopStartMicros, reasonCode);
    }

    /** Operator reasons by machine (to carry into {@link #recompute}). */
    public synchronized Map<String, Map<Long, String>> operatorReasons() {
        Map<String, Map<Long, String>> out = new LinkedHashMap<>();
        machines.forEach((id, m) -> {
            if (!m.operatorReasons().isEmpty()) out.put(id, m.operatorReasons());
        });
        return out;
    }

    private MachineTimeline machine(String id) {
        MachineTimeline m = machines.get(id);
        if (m == null) throw new IllegalArgumentException("Unknown machine [machine=" + id + "]: not in the KPI configuration. Use one of " + machines.keySet() + ".");
        return m;
    }

    /** Machines of an asset: the machine itself, or all machines whose line, area or site is the asset. */
    public synchronized List<String> machinesOf(String asset) {
        List<String> out = new ArrayList<>();
        for (MachineConfig m : config.machines()) {
            if (asset.equals(m.id()) || asset.equals(m.line()) || asset.equals(m.area()) || asset.equals(m.site())) out.add(m.id());
        }
        if (out.isEmpty()) throw new IllegalArgumentException("Unknown asset [asset=" + asset + "]: no machine, line, area or site of the KPI configuration has this id. Check the asset id.");
        return out;
    }

    /** KPIs of an asset (machine, line, area or site, summed as described in {@link Kpis}) over [fromMicros, toMicros). */
    public synchronized Kpis kpis(String asset, long fromMicros, long toMicros) {
        checkRange(fromMicros, toMicros);
        List<Kpis> parts = new ArrayList<>();
        Map<String, List<ShiftCalendar.ShiftInstance>> cache = new HashMap<>();
        for (String m : machinesOf(asset)) parts.add(machineKpis(machines.get(m), fromMicros, toMicros, cache));
        return Kpis.sum(parts);
    }

    /** KPIs of an asset per period of {@code by} inside [fromMicros, toMicros), periods clipped to the range. */
    public synchronized List<PeriodKpis> kpisBy(String asset, long fromMicros, long toMicros, Grouping by) {
        checkRange(fromMicros, toMicros);
        List<String> ms = machinesOf(asset);
        SiteConfig site = sites.get(machines.get(ms.get(0)).config.site());
        List<PeriodKpis> out = new ArrayList<>();
        for (Period p : periods(site, fromMicros, toMicros, by)) {
            List<Kpis> parts = new ArrayList<>();
            Map<String, List<ShiftCalendar.ShiftInstance>> cache = new HashMap<>();
            for (String m : ms) parts.add(machineKpis(machines.get(m), p.from, p.to, cache));
            out.add(new PeriodKpis(p.label, p.from, p.to, Kpis.sum(parts)));
        }
        return out;
    }

    /**
     * KPIs of the running shift (what a live view refreshes every second): the shift of the asset's site that contains
     * {@code nowMicros}, from its start to {@code nowMicros}. Empty outside every shift.
     */
    public synchronized Optional<PeriodKpis> runningShift(String asset, long nowMicros) {
        List<String> ms = machinesOf(asset);
        SiteConfig site = sites.get(machines.get(ms.get(0)).config.site());
        for (ShiftCalendar.ShiftInstance s : site.calendar().instances(instant(nowMicros - 1), instant(nowMicros + 1), site.zone())) {
            long a = micros(s.start()), b = micros(s.end());
            if (a <= nowMicros && nowMicros < b) {
                long to = Math.max(nowMicros, a + 1);
                List<Kpis> parts = new ArrayList<>();
                Map<String, List<ShiftCalendar.ShiftInstance>> cache = new HashMap<>();
                for (String m : ms) parts.add(machineKpis(machines.get(m), a, to, cache));
                return Optional.of(new PeriodKpis(s.date() + " " + s.name(), a, to, Kpis.sum(parts)));
            }
        }
        return Optional.empty();
    }

    /**
     * KPIs of a machine per product over [fromMicros, toMicros): the period is cut where the product signal changes and
     * each product's slices are summed. Time before the first product value is under the empty product id.
     */
    public synchronized Map<String, Kpis> kpisByProduct(String machine, long fromMicros, long toMicros) {
        checkRange(fromMicros, toMicros);
        MachineTimeline m = machine(machine);
        Map<String, List<Kpis>> parts = new LinkedHashMap<>();
        for (MachineTimeline.ProductSlice s : m.productSlices(fromMicros, toMicros)) {
            parts.computeIfAbsent(s.product(), k -> new ArrayList<>()).add(machineKpis(m, s.fromMicros(), s.toMicros(), new HashMap<>()));
        }
        Map<String, Kpis> out = new LinkedHashMap<>();
        parts.forEach((p, l) -> out.put(p, Kpis.sum(l)));
        return out;
    }

    /** Unplanned stops of an asset's machines overlapping [fromMicros, toMicros), by start. */
    public synchronized List<Stop> stops(String asset, long fromMicros, long toMicros) {
        checkRange(fromMicros, toMicros);
        List<Stop> out = new ArrayList<>();
        for (String m : machinesOf(asset)) out.addAll(machines.get(m).stops(fromMicros, toMicros));
        out.sort(Comparator.comparingLong(Stop::startMicros).thenComparing(Stop::machine));
        return out;
    }

    /**
     * Downtime Pareto: stops overlapping the period grouped by reason code (empty code = no reason), with the duration
     * inside the period and the count; longest first, then by code.
     */
    public synchronized List<ParetoEntry> pareto(String asset, long fromMicros, long toMicros) {
        Map<String, long[]> agg = new LinkedHashMap<>();
        Map<String, Stop> sample = new HashMap<>();
        for (Stop s : stops(asset, fromMicros, toMicros)) {
            long d = Math.min(s.endMicros(), toMicros) - Math.max(s.startMicros(), fromMicros);
            long[] a = agg.computeIfAbsent(s.reasonCode(), k -> new long[2]);
            a[0] += d;
            a[1]++;
            sample.putIfAbsent(s.reasonCode(), s);
        }
        List<ParetoEntry> out = new ArrayList<>();
        agg.forEach((code, a) -> out.add(new ParetoEntry(code, sample.get(code).reasonName(), sample.get(code).category(), a[0], (int) a[1])));
        out.sort(Comparator.comparingLong(ParetoEntry::durationMicros).reversed().thenComparing(ParetoEntry::reasonCode));
        return out;
    }

    private static void checkRange(long from, long to) {
        if (to <= from) throw new IllegalArgumentException("Invalid KPI period [from=" + from + ", to=" + to + "]: to must be after from. Swap or widen the range.");
    }

    private record Period(String label, long from, long to) {}

    private static long micros(Instant i) { return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000; }

    private static Instant instant(long micros) { return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000); }

    private List<Period> periods(SiteConfig site, long from, long to, Grouping by) {
        List<Period> out = new ArrayList<>();
        ZoneId zone = site.zone();
        if (by == Grouping.SHIFT) {
            for (ShiftCalendar.ShiftInstance s : site.calendar().instances(instant(from), instant(to), zone)) {
                long a = Math.max(from, micros(s.start())), b = Math.min(to, micros(s.end()));
                if (b > a) out.add(new Period(s.date() + " " + s.name(), a, b));
            }
            return out;
        }
        ZonedDateTime z = instant(from).atZone(zone);
        z = switch (by) {
            case HOUR -> z.truncatedTo(ChronoUnit.HOURS);
            case DAY -> z.toLocalDate().atStartOfDay(zone);
            case WEEK -> z.toLocalDate().with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY)).atStartOfDay(zone);
            default -> throw new IllegalStateException();
        };
        while (micros(z.toInstant()) < to) {
            ZonedDateTime next = switch (by) {
                case HOUR -> z.plusHours(1);
                case DAY -> z.toLocalDate().plusDays(1).atStartOfDay(zone);
                default -> z.toLocalDate().plusWeeks(1).atStartOfDay(zone);
            };
            long a = Math.max(from, micros(z.toInstant())), b = Math.min(to, micros(next.toInstant()));
            if (b > a) out.add(new Period(z.toOffsetDateTime().toString(), a, b));
            z = next;
        }
        return out;
    }

    /**
     * Elements of one machine over [a, b). Stops count (FE, micro-stops) in the slice where they start; their durations
     * count inside the slice. The site's shifts of [a, b) are cached in {@code shiftCache} (site id → shifts) across
     * machines of one period.
     */
    private Kpis machineKpis(MachineTimeline m, long a, long b, Map<String, List<ShiftCalendar.ShiftInstance>> shiftCache) {
        SiteConfig site = sites.get(m.config.site());
        List<ShiftCalendar.ShiftInstance> shifts = shiftCache.computeIfAbsent(site.id(), k -> site.calendar().instances(instant(a), instant(b), site.zone()));
        int n = MachineState.values().length;
        long[] inPbt = new long[n];
        long pot = 0, breaks = 0;
        for (ShiftCalendar.ShiftInstance s : shifts) {
            long sa = Math.max(a, micros(s.start())), sb = Math.min(b, micros(s.end()));
            if (sb <= sa) continue;
            pot += sb - sa;
            long t = sa;
            for (ShiftCalendar.Interval br : s.breaks()) {
                long ba = Math.max(sa, br.startMicros()), bb = Math.min(sb, br.endMicros());
                if (bb <= ba) continue;
                breaks += bb - ba;
                if (ba > t) m.stateTimes(t, ba, inPbt);
                t = Math.max(t, bb);
            }
            if (sb > t) m.stateTimes(t, sb, inPbt);
        }
        long pdot = breaks + inPbt[MachineState.PLANNED_DOWN.ordinal()];
        long pbt = pot - pdot;
        long[] all = new long[n];
        m.stateTimes(a, b, all);
        Map<MachineState, Long> tis = new EnumMap<>(MachineState.class);
        for (MachineState s : MachineState.values()) if (all[s.ordinal()] > 0) tis.put(s, all[s.ordinal()]);

        double pq = nz(m.quantity(MachineTimeline.PRODUCED, a, b));
        double gq, sq;
        boolean hasGood = m.hasCounter(MachineTimeline.GOOD), hasReject = m.hasCounter(MachineTimeline.REJECT);
        if (!m.hasCounter(MachineTimeline.PRODUCED)) {
            gq = nz(m.quantity(MachineTimeline.GOOD, a, b));
            sq = nz(m.quantity(MachineTimeline.REJECT, a, b));
            pq = gq + sq;
        } else if (hasGood && hasReject) {
            gq = m.quantity(MachineTimeline.GOOD, a, b);
            sq = m.quantity(MachineTimeline.REJECT, a, b);
        } else if (hasGood) {
            gq = m.quantity(MachineTimeline.GOOD, a, b);
            sq = pq - gq;
        } else if (hasReject) {
            sq = m.quantity(MachineTimeline.REJECT, a, b);
            gq = pq - sq;
        } else {
            gq = pq;
            sq = 0;
        }
        double iq = nz(m.quantity(MachineTimeline.INSPECTED, a, b));
        double fpg = nz(m.quantity(MachineTimeline.FIRST_PASS_GOOD, a, b));
        double ideal = m.idealMicros(a, b);
        double kwh = m.energyKwh(a, b);

        int fe = 0, micro = 0;
        long ttr = 0, microLost = 0;
        for (Stop s : m.stops(a, b)) {
            long d = Math.min(s.endMicros(), b) - Math.max(s.startMicros(), a);
            boolean starts = s.startMicros() >= a;
            if (s.microStop()) {
                microLost += d;
                if (starts) micro++;
            } else {
                ttr += d;
                if (starts) fe++;
            }
        }
        return new Kpis(a, b, 1, b - a, pot, pdot, pbt,
                inPbt[MachineState.RUNNING.ordinal()], inPbt[MachineState.SETUP.ordinal()],
                inPbt[MachineState.UNPLANNED_DOWN.ordinal()],
                inPbt[MachineState.IDLE.ordinal()] + inPbt[MachineState.STARVED.ordinal()] + inPbt[MachineState.BLOCKED.ordinal()],
                inPbt[MachineState.UNKNOWN.ordinal()],
                pq, gq, sq, iq, fpg, ideal, kwh, kwh * site.emissionFactorKgPerKwh(), fe, ttr, micro, microLost, tis);
    }

    private static double nz(double x) { return Double.isNaN(x) ? 0 : x; }
}
