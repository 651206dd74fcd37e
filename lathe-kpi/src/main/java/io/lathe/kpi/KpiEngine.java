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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes ISO 22400-2 KPIs from machine signals, live and exact.
 *
 * <p>Feed points as they stream ({@link #onPoint} or, as a {@link PointSink}, {@link #accept}); ask for KPIs of any
 * period at any time. Inputs are kept per machine in time order and the derived timeline (states, stops, cumulative
 * quantities and energy) is re-derived from the earliest change on, during ingest and before a query, so a late
 * point, a corrected value or a reason entered afterwards changes every past period it touches. {@link #recompute}
 * loads the same signals from a {@link TelemetryStore} into a new engine; given the same points it gives identical
 * figures to the live engine. A point older than its signal's newest point by more than the late window is rejected
 * and counted ({@link #rejectedPoints()}), as the store does. Points of {@link Quality#BAD} quality are ignored.
 *
 * <p>Memory stays bounded: raw points older than {@link KpiConfig#rawRetention()} before a machine's newest point are
 * evicted. Periods before that horizon are still answered, with the figures they had before eviction, when their bounds
 * lie on the site's local hours, shift starts and ends or the machine's product changes (every {@link Grouping} of
 * such a range is); another bound there throws {@link OutsideRetentionException}. A point older than the horizon is
 * refused for live KPIs and counted ({@link #pointsBeforeRetention()}); the store still keeps it if its late window
 * allows.
 *
 * <p>Counter and meter readings are checked against what the machine can physically make (rules in
 * {@link CounterSignal} and {@link EnergyConfig}); what is not counted as it came is a {@link DataQualityEvent}
 * ({@link #dataQualityEvents}, counted in {@link Kpis#dataQualityEvents()} and {@link #dataQualityEventsFound}).
 *
 * <p>Periods are computed as asked, with every state holding until its next change. Time after the newest data
 * ({@link #dataEndMicros()}) is not measured: callers that present figures (the API, {@code lathe kpi}, the live view)
 * end periods there. A range is at most {@link #MAX_RANGE} and a grouping at most {@link #MAX_PERIODS} periods, else
 * {@link QueryLimitException}.
 *
 * <p>Thread-safe, and ingest never waits for a query: points are applied under one lock, but a thread that finds the
 * lock taken (by a query, or another thread applying points) queues its point and returns at once; the lock holder
 * applies queued points in arrival order when it releases, and every query applies them before it reads, so a query
 * sees every point accepted before it started. Only past {@link #MAX_PENDING_POINTS} queued points does ingest wait
 * (backpressure instead of unbounded memory).
 */
public final class KpiEngine implements PointSink {

    private final KpiConfig config;
    private final Map<String, SiteConfig> sites;
    private final Map<String, MachineTimeline> machines = new LinkedHashMap<>();
    private final Map<String, List<Route>> routes = new HashMap<>();
    private static final Logger log = LoggerFactory.getLogger(KpiEngine.class);

    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong beforeRetention = new AtomicLong();
    private final long lateWindowMicros;
    private final AtomicLongArray dataQualityFound = new AtomicLongArray(DataQualityEvent.Kind.values().length);

    /** Guards every machine timeline; ingest only ever tries it (see the class comment). */
    private final ReentrantLock lock = new ReentrantLock();
    private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger pendingCount = new AtomicInteger();
    /** Newest timestamp of any point applied (or stored, after {@link #recompute}); MIN_VALUE before any. Under the lock. */
    private long dataEnd = Long.MIN_VALUE;

    /** Most periods one grouped query computes ({@link #kpisBy}). */
    public static final int MAX_PERIODS = 10_000;
    /**
     * Most points queued while the engine is busy. Beyond it ingest waits for the engine instead (backpressure to the
     * connections) rather than filling memory: at 100,000 points/s that is five seconds of a query holding the engine.
     */
    public static final int MAX_PENDING_POINTS = 500_000;
    /** Longest range one query computes: about ten years. */
    public static final Duration MAX_RANGE = Duration.ofDays(3_660);
    private static final long MAX_RANGE_MICROS = MAX_RANGE.toSeconds() * 1_000_000L;

    private record Route(MachineTimeline machine, MachineTimeline.Role role) {}

    private record Pending(List<Route> routes, String signal, long timestampMicros, Value value) {}

    private KpiEngine(KpiConfig config, Duration lateWindow) {
        this.config = config;
        this.sites = config.siteById();
        this.lateWindowMicros = lateWindow.toNanos() / 1000;
        if (!config.rawRetention().isZero() && config.rawRetention().compareTo(lateWindow) < 0) {
            throw new IllegalArgumentException("KPI raw-retention " + config.rawRetention() + " is shorter than the late window " + lateWindow
                    + " [rawRetention=" + config.rawRetention() + ", lateWindow=" + lateWindow + "]: late points would land before the"
                    + " raw-data horizon. Make kpi.raw-retention at least the store's late-window, or 0 to keep every raw point.");
        }
        MachineTimeline.Options options = new MachineTimeline.Options(lateWindowMicros, config.rawRetention().toNanos() / 1000, dataQualityFound);
        for (MachineConfig m : config.machines()) {
            MachineTimeline t = new MachineTimeline(m, sites.get(m.site()), options);
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
     * Start {@code fromMicros} early enough: the first point of a cumulative counter is its baseline. The engine keeps
     * raw points for {@link KpiConfig#rawRetention()}: with a retention, the range is loaded in slices of half the
     * retention (at least a day) and evicted after each, so memory holds about 1.5 retentions of raw points at most; a
     * recomputation that must answer arbitrary bounds over the whole range passes
     * {@code config.withRawRetention(Duration.ZERO)}.
     */
    public static KpiEngine recompute(KpiConfig config, Duration lateWindow, TelemetryStore store, long fromMicros, long toMicros,
                                      Map<String, Map<Long, String>> operatorReasons) throws IOException {
        KpiEngine e = create(config, lateWindow);
        long lo = Long.MAX_VALUE, hi = Long.MIN_VALUE;
        for (String signal : e.routes.keySet()) {
            var info = store.info(signal);
            if (info.isEmpty() || info.get().firstMicros() == Long.MIN_VALUE) continue;
            lo = Math.min(lo, info.get().firstMicros());
            hi = Math.max(hi, info.get().lastMicros());
        }
        long from = Math.max(fromMicros, lo), to = hi == Long.MAX_VALUE ? toMicros : Math.min(toMicros, hi + 1);
        long retention = config.rawRetention().toNanos() / 1000;
        long slice = retention == 0 ? Long.MAX_VALUE : Math.max(86_400_000_000L, retention / 2);
        // signals are loaded one after the other within a slice: eviction waits for the slice's end, so no signal's
        // points land before a horizon another signal of the same machine moved
        e.machines.values().forEach(m -> m.suspendEviction(true));
        for (long a = from; a < to; ) {
            long b = to - a <= slice ? to : a + slice;
            for (String signal : e.routes.keySet()) {
                SeriesData d = store.raw(signal, a, b);
                for (int i = 0; i < d.size(); i++) {
                    e.onPoint(signal, d.timestampAt(i), d.valueAt(i), d.qualityAt(i));
                }
            }
            e.machines.values().forEach(MachineTimeline::evictIfDue);
            a = b;
        }
        e.machines.values().forEach(m -> m.suspendEviction(false));
        operatorReasons.forEach((m, r) -> r.forEach((start, code) -> e.setReason(m, start, code)));
        // the store may hold newer points than were loaded (a range ending before them): they prove the states
        // held up to the range's end, so the data reaches as far as the store's
        if (hi != Long.MIN_VALUE && hi > e.dataEnd) e.dataEnd = hi;
        return e;
    }

    /** The signal ids the engine reads (to subscribe or load). */
    public List<String> signals() { return List.copyOf(routes.keySet()); }

    /**
     * One point of a signal; unknown signals are ignored. Never waits for a query: when the engine is busy the point is
     * queued and applied (in arrival order) before the next query reads. Returns false when the point was applied at
     * once and rejected as too late; a queued point returns true and a rejection is counted when it is applied
     * ({@link #rejectedPoints()}).
     */
    public boolean onPoint(String signalId, long timestampMicros, Value value, Quality quality) {
        List<Route> rs = routes.get(signalId);
        if (rs == null || quality == Quality.BAD) return true;
        if (lock.tryLock()) {
            try {
                drainLocked();
                return applyLocked(rs, signalId, timestampMicros, value);
            } finally {
                release();
            }
        }
        if (pendingCount.get() >= MAX_PENDING_POINTS) {
            lock.lock();
            try {
                drainLocked();
                return applyLocked(rs, signalId, timestampMicros, value);
            } finally {
                release();
            }
        }
        pending.add(new Pending(rs, signalId, timestampMicros, value));
        pendingCount.incrementAndGet();
        // the holder applies queued points when it releases, but it may have released just before the add
        if (lock.tryLock()) {
            try {
                drainLocked();
            } finally {
                release();
            }
        }
        return true;
    }

    /** Points queued while the engine was busy and not applied yet. */
    public int pendingPoints() { return pendingCount.get(); }

    /**
     * Applies the points queued when it began, in arrival order. Bounded so that a steady stream from other threads
     * cannot keep the holder (often a connection's network thread) here; what arrives meanwhile waits for the next
     * holder, and every query drains before it reads.
     */
    private void drainLocked() {
        for (int n = pendingCount.get(); n > 0; n--) {
            Pending p = pending.poll();
            if (p == null) break;
            pendingCount.decrementAndGet();
            applyLocked(p.routes, p.signal, p.timestampMicros, p.value);
        }
    }

    /** Unlocks, then applies what other threads queued meanwhile unless another thread holds the lock again. */
    private void release() {
        lock.unlock();
        if (!pending.isEmpty() && lock.tryLock()) {
            try {
                drainLocked();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Runs a query under the lock, after applying every queued point. */
    <T> T locked(Supplier<T> query) {
        lock.lock();
        try {
            drainLocked();
            return query.get();
        } finally {
            release();
        }
    }

    private boolean applyLocked(List<Route> rs, String signalId, long timestampMicros, Value value) {
        int worst = MachineTimeline.STORED;
        for (Route r : rs) worst = Math.max(worst, r.machine.apply(signalId, r.role, timestampMicros, value));
        if (worst == MachineTimeline.STORED && timestampMicros > dataEnd) dataEnd = timestampMicros;
        if (worst == MachineTimeline.REJECTED_LATE) rejected.incrementAndGet();
        else if (worst == MachineTimeline.BEFORE_HORIZON) {
            long n = beforeRetention.incrementAndGet();
            // 1st, 10th, 100th, …: visible without flooding the log when a device replays old data
            if (Long.toString(n).matches("10*")) {
                log.warn("KPI engine refused a point older than the raw-data horizon [signal={}, timestamp={}, refusedSoFar={}]: too late for live KPIs"
                        + " (the store keeps it if its late window allows; lathe kpi recomputes from the store). Raise kpi.raw-retention to accept older data.",
                        signalId, instant(timestampMicros), n);
            }
        }
        return worst == MachineTimeline.STORED;
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

    /** Signals no KPI reads (most of a plant's): their points need no value object here. */
    @Override
    public boolean wants(Signal signal) {
        return routes.get(signal.id()) != null;
    }

    /** The routes are made once, in the constructor. */
    @Override
    public long wantsVersion() {
        return 0;
    }

    /**
     * The newest timestamp of any point the engine holds, from any machine (after {@link #recompute}: of any point of
     * its signals in the store); {@code Long.MIN_VALUE} before the first. Time after it is not measured: a machine's
     * state holds until its next change only while data keeps arriving from the plant.
     */
    public long dataEndMicros() { return locked(() -> dataEnd); }

    /**
     * Where the measured part of a period ending at {@code toMicros} ends: the earlier of {@code toMicros},
     * {@link #dataEndMicros()} and {@code nowMicros} (pass {@code Long.MAX_VALUE} when not live).
     */
    public long measuredEnd(long toMicros, long nowMicros) {
        return Math.min(toMicros, Math.min(dataEndMicros(), nowMicros));
    }

    /**
     * Distinct data-quality events of this kind found since the engine was created (a monotonic count for metrics);
     * derives what arrived since the last query first, so a scrape sees readings no query has looked at yet.
     */
    public long dataQualityEventsFound(DataQualityEvent.Kind kind) {
        locked(() -> {
            for (MachineTimeline m : machines.values()) m.derive();
            return null;
        });
        return dataQualityFound.get(kind.ordinal());
    }

    /**
     * Data-quality events of an asset's machines in [fromMicros, toMicros), by time (then machine and signal). Each
     * machine keeps the newest {@value io.lathe.kpi.internal.MachineTimeline#MAX_EVENTS_PER_SIGNAL} per signal.
     */
    public List<DataQualityEvent> dataQualityEvents(String asset, long fromMicros, long toMicros) {
        checkRange(fromMicros, toMicros);
        List<String> ms = machinesOf(asset);
        return locked(() -> {
            List<DataQualityEvent> out = new ArrayList<>();
            for (String m : ms) machines.get(m).dataQualityEvents(fromMicros, toMicros, out);
            out.sort(Comparator.comparingLong(DataQualityEvent::timeMicros).thenComparing(DataQualityEvent::machine)
                    .thenComparing(DataQualityEvent::signal));
            return out;
        });
    }

    /** Points rejected as later than the late window. */
    public long rejectedPoints() { return rejected.get(); }

    /** Points refused because they are older than their machine's raw-data horizon (see {@link KpiConfig#rawRetention()}). */
    public long pointsBeforeRetention() { return beforeRetention.get(); }

    /**
     * The instant from which every period bound of {@code asset} is exact: the latest raw-data horizon of its machines
     * (points before a machine's horizon are evicted and refused). {@code Long.MIN_VALUE} without a raw retention or
     * before the first point. Before it, bounds must lie on local hours, shift starts and ends or product changes.
     */
    public long rawDataFromMicros(String asset) {
        List<String> ms = machinesOf(asset);
        return locked(() -> {
            long h = Long.MIN_VALUE;
            for (String m : ms) h = Math.max(h, machines.get(m).horizonMicros());
            return h;
        });
    }

    /**
     * What the engine holds in memory, for metrics and tests.
     *
     * @param rawPoints     input points kept (bounded by the raw retention)
     * @param evictedPoints input points evicted so far
     * @param stateChanges  entries of the state timelines (one per state change, kept for ever)
     * @param stops         unplanned stops (kept for ever)
     * @param checkpoints   running-sum checkpoints (local hours, shift bounds, product changes; kept for ever)
     */
    public record Footprint(long rawPoints, long evictedPoints, long stateChanges, long stops, long checkpoints) {}

    /** Current {@link Footprint} over all machines. */
    public Footprint footprint() {
        return locked(() -> {
            long raw = 0, ev = 0, sc = 0, st = 0, cp = 0;
            for (MachineTimeline m : machines.values()) {
                raw += m.rawPoints();
                ev += m.evictedPoints();
                sc += m.stateChanges();
                st += m.stopCount();
                cp += m.checkpointCount();
            }
            return new Footprint(raw, ev, sc, st, cp);
        });
    }

    /**
     * Sets (or clears, with an empty code) the reason of the unplanned stop of {@code machine} that starts at
     * {@code stopStartMicros}; it overrides the reason signal. A reason for a start where no stop begins is kept and
     * applies once data makes a stop begin there.
     */
    public void setReason(String machine, long stopStartMicros, String reasonCode) {
        MachineTimeline m = machine(machine);
        locked(() -> {
            m.setReason(stopStartMicros, reasonCode);
            return null;
        });
    }

    /**
     * Splits the unplanned stop of {@code machine} running across {@code atMicros} into two at that instant (each part
     * then takes its own reason, keyed by its start), or with {@code split} false joins the parts meeting there. Only
     * the Pareto changes: availability is the same, and the later part is no new failure event. A split where no stop
     * runs is kept and applies once data makes one run there.
     */
    public void splitStop(String machine, long atMicros, boolean split) {
        MachineTimeline m = machine(machine);
        locked(() -> {
            m.setSplit(atMicros, split);
            return null;
        });
    }

    /** Operator split points by machine. */
    public Map<String, java.util.SortedSet<Long>> operatorSplits() {
        return locked(() -> {
            Map<String, java.util.SortedSet<Long>> out = new LinkedHashMap<>();
            machines.forEach((id, m) -> {
                if (!m.splits().isEmpty()) out.put(id, m.splits());
            });
            return out;
        });
    }

    /** Operator reasons by machine (to carry into {@link #recompute}). */
    public Map<String, Map<Long, String>> operatorReasons() {
        return locked(() -> {
            Map<String, Map<Long, String>> out = new LinkedHashMap<>();
            machines.forEach((id, m) -> {
                if (!m.operatorReasons().isEmpty()) out.put(id, m.operatorReasons());
            });
            return out;
        });
    }

    private MachineTimeline machine(String id) {
        MachineTimeline m = machines.get(id);
        if (m == null) throw new IllegalArgumentException("Unknown machine [machine=" + id + "]: not in the KPI configuration. Use one of " + machines.keySet() + ".");
        return m;
    }

    /** Machines of an asset: the machine itself, or all machines whose line, area or site is the asset. */
    public List<String> machinesOf(String asset) {
        List<String> out = new ArrayList<>();
        for (MachineConfig m : config.machines()) {
            if (asset.equals(m.id()) || asset.equals(m.line()) || asset.equals(m.area()) || asset.equals(m.site())) out.add(m.id());
        }
        if (out.isEmpty()) throw new IllegalArgumentException("Unknown asset [asset=" + asset + "]: no machine, line, area or site of the KPI configuration has this id. Check the asset id.");
        return out;
    }

    /** KPIs of an asset (machine, line, area or site, summed as described in {@link Kpis}) over [fromMicros, toMicros). */
    public Kpis kpis(String asset, long fromMicros, long toMicros) {
        checkRange(fromMicros, toMicros);
        List<String> ms = machinesOf(asset);
        return locked(() -> {
            Sum sum = new Sum();
            Map<String, Plan> plans = new HashMap<>();
            for (String m : ms) add(machines.get(m), fromMicros, toMicros, plans, sum);
            return sum.kpis();
        });
    }

    /** KPIs of an asset per period of {@code by} inside [fromMicros, toMicros), periods clipped to the range. */
    public List<PeriodKpis> kpisBy(String asset, long fromMicros, long toMicros, Grouping by) {
        checkRange(fromMicros, toMicros);
        List<String> ms = machinesOf(asset);
        SiteConfig site = sites.get(machines.get(ms.get(0)).config.site());
        // the periods come from the calendar alone: counted (and refused past the limit) before the lock is taken
        List<Period> periods = periods(site, fromMicros, toMicros, by);
        return locked(() -> {
            List<PeriodKpis> out = new ArrayList<>(periods.size());
            for (Period p : periods) {
                Sum sum = new Sum();
                Map<String, Plan> plans = new HashMap<>();
                for (String m : ms) add(machines.get(m), p.from, p.to, plans, sum);
                out.add(new PeriodKpis(p.label, p.from, p.to, sum.kpis()));
            }
            return out;
        });
    }

    /**
     * KPIs of the running shift (what a live view refreshes every second): the shift of the asset's site that contains
     * {@code nowMicros}, from its start to {@code nowMicros}. Empty outside every shift.
     */
    public Optional<PeriodKpis> runningShift(String asset, long nowMicros) {
        return runningShift(asset, nowMicros, nowMicros);
    }

    /** Start of the shift of the asset's site that contains {@code atMicros}, without computing anything; empty outside every shift. */
    public java.util.OptionalLong shiftStartMicros(String asset, long atMicros) {
        List<String> ms = machinesOf(asset);
        SiteConfig site = sites.get(machines.get(ms.get(0)).config.site());
        for (ShiftCalendar.ShiftInstance s : site.calendar().instances(instant(atMicros - 1), instant(atMicros + 1), site.zone())) {
            long a = micros(s.start()), b = micros(s.end());
            if (a <= atMicros && atMicros < b) return java.util.OptionalLong.of(a);
        }
        return java.util.OptionalLong.empty();
    }

    /**
     * KPIs of the running shift measured up to {@code endMicros}: the shift of the asset's site that contains
     * {@code nowMicros}, from its start to {@code endMicros} (at most {@code nowMicros}; a live view passes
     * {@link #measuredEnd}). A shift without measured time yet covers its first microsecond. Empty outside every shift.
     */
    public Optional<PeriodKpis> runningShift(String asset, long nowMicros, long endMicros) {
        List<String> ms = machinesOf(asset);
        SiteConfig site = sites.get(machines.get(ms.get(0)).config.site());
        for (ShiftCalendar.ShiftInstance s : site.calendar().instances(instant(nowMicros - 1), instant(nowMicros + 1), site.zone())) {
            long a = micros(s.start()), b = micros(s.end());
            if (a <= nowMicros && nowMicros < b) {
                long to = Math.max(Math.min(nowMicros, endMicros), a + 1);
                String label = s.date() + " " + s.name();
                return Optional.of(locked(() -> {
                    Sum sum = new Sum();
                    Map<String, Plan> plans = new HashMap<>();
                    for (String m : ms) add(machines.get(m), a, to, plans, sum);
                    return new PeriodKpis(label, a, to, sum.kpis());
                }));
            }
        }
        return Optional.empty();
    }

    /**
     * KPIs of a machine per product over [fromMicros, toMicros): the period is cut where the product signal changes and
     * each product's slices are summed. Time before the first product value is under the empty product id.
     */
    public Map<String, Kpis> kpisByProduct(String machine, long fromMicros, long toMicros) {
        checkRange(fromMicros, toMicros);
        MachineTimeline m = machine(machine);
        return locked(() -> {
            Map<String, Sum> parts = new LinkedHashMap<>();
            for (MachineTimeline.ProductSlice s : m.productSlices(fromMicros, toMicros)) {
                add(m, s.fromMicros(), s.toMicros(), new HashMap<>(), parts.computeIfAbsent(s.product(), k -> new Sum()));
            }
            Map<String, Kpis> out = new LinkedHashMap<>();
            parts.forEach((p, sum) -> out.put(p, sum.kpis()));
            return out;
        });
    }

    /** Unplanned stops of an asset's machines overlapping [fromMicros, toMicros), by start. */
    public List<Stop> stops(String asset, long fromMicros, long toMicros) {
        checkRange(fromMicros, toMicros);
        List<String> ms = machinesOf(asset);
        return locked(() -> {
            List<Stop> out = new ArrayList<>();
            for (String m : ms) out.addAll(machines.get(m).stops(fromMicros, toMicros));
            out.sort(Comparator.comparingLong(Stop::startMicros).thenComparing(Stop::machine));
            return out;
        });
    }

    /**
     * Downtime Pareto: stops overlapping the period grouped by reason code (empty code = no reason), with the duration
     * inside the period and the count; longest first, then by code.
     */
    public List<ParetoEntry> pareto(String asset, long fromMicros, long toMicros) {
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

    /**
     * The caps every query applies: {@code to} after {@code from} and at most {@link #MAX_RANGE} between them. Public so
     * that callers answering for a range with no data yet refuse the same ranges as when data is there.
     *
     * @throws QueryLimitException      when the range is longer than {@link #MAX_RANGE}
     * @throws IllegalArgumentException when {@code to} is not after {@code from}
     */
    public static void checkRange(long from, long to) {
        if (to <= from) throw new IllegalArgumentException("Invalid KPI period [from=" + from + ", to=" + to + "]: to must be after from. Swap or widen the range.");
        long span = to - from;
        if (span < 0 || span > MAX_RANGE_MICROS) throw QueryLimitException.range(from, to); // span < 0: overflowed
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
                if (out.size() > MAX_PERIODS) throw QueryLimitException.periods(by, from, to);
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
            if (out.size() > MAX_PERIODS) throw QueryLimitException.periods(by, from, to);
            z = next;
        }
        return out;
    }

    /**
     * What the site's calendar makes of [a, b), the same for every machine of the site: planned operation time, breaks
     * inside shifts, and the shift time outside breaks as [start, end) pairs (a machine's state there is planned busy
     * time unless it is planned down).
     */
    private record Plan(long pot, long breaks, long[] busy, int n) {}

    private Plan plan(SiteConfig site, long a, long b) {
        long pot = 0, breaks = 0;
        long[] busy = new long[8];
        int n = 0;
        for (ShiftCalendar.ShiftInstance s : site.calendar().instances(instant(a), instant(b), site.zone())) {
            long sa = Math.max(a, micros(s.start())), sb = Math.min(b, micros(s.end()));
            if (sb <= sa) continue;
            pot += sb - sa;
            long t = sa;
            for (ShiftCalendar.Interval br : s.breaks()) {
                long ba = Math.max(sa, br.startMicros()), bb = Math.min(sb, br.endMicros());
                if (bb <= ba) continue;
                breaks += bb - ba;
                if (ba > t) {
                    if (n + 2 > busy.length) busy = java.util.Arrays.copyOf(busy, busy.length * 2);
                    busy[n++] = t;
                    busy[n++] = ba;
                }
                t = Math.max(t, bb);
            }
            if (sb > t) {
                if (n + 2 > busy.length) busy = java.util.Arrays.copyOf(busy, busy.length * 2);
                busy[n++] = t;
                busy[n++] = sb;
            }
        }
        return new Plan(pot, breaks, busy, n);
    }

    /**
     * Adds the elements of one machine over [a, b) to {@code sum}. Stops count (FE, micro-stops) in the slice where
     * they start; their durations count inside the slice. {@code plans} caches the calendar's {@link Plan} of [a, b)
     * per site across the machines of one period.
     */
    private void add(MachineTimeline m, long a, long b, Map<String, Plan> plans, Sum sum) {
        SiteConfig site = sites.get(m.config.site());
        Plan plan = plans.get(site.id());
        if (plan == null) plans.put(site.id(), plan = plan(site, a, b));
        int n = STATES;
        long[] all = new long[n];
        m.stateTimes(a, b, all);
        long[] inPbt;
        if (plan.n == 2 && plan.busy[0] == a && plan.busy[1] == b) {
            inPbt = all; // the whole period is shift time without breaks
        } else {
            inPbt = new long[n];
            for (int i = 0; i < plan.n; i += 2) m.stateTimes(plan.busy[i], plan.busy[i + 1], inPbt);
        }
        long pdot = plan.breaks + inPbt[MachineState.PLANNED_DOWN.ordinal()];
        long pbt = plan.pot - pdot;

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
        long[] stops = m.stopElements(a, b);
        int dq = m.dataQualityCount(a, b);
        sum.add(a, b, b - a, plan.pot, pdot, pbt,
                inPbt[MachineState.RUNNING.ordinal()], inPbt[MachineState.SETUP.ordinal()],
                inPbt[MachineState.UNPLANNED_DOWN.ordinal()],
                inPbt[MachineState.IDLE.ordinal()] + inPbt[MachineState.STARVED.ordinal()] + inPbt[MachineState.BLOCKED.ordinal()],
                inPbt[MachineState.UNKNOWN.ordinal()],
                pq, gq, sq, iq, fpg, ideal, kwh, kwh * site.emissionFactorKgPerKwh(),
                (int) stops[0], stops[1], (int) stops[2], stops[3], all, dq);
    }

    /**
     * Sum of machines' (or slices') elements, added in the order {@link Kpis#sum} adds them, so the figures are the
     * very doubles a sum of per-machine {@link Kpis} gives, without a record and a map per machine.
     */
    private static final class Sum {
        private long from = Long.MAX_VALUE, to = Long.MIN_VALUE, ct, pot, pdot, pbt, apt, aust, adet, adot, nd, ttr, msl;
        private int m, fe, ms, dq;
        private double pq, gq, sq, iq, fpg, ideal, e, c;
        private final long[] tis = new long[STATES];

        void add(long a, long b, long ct, long pot, long pdot, long pbt, long apt, long aust, long adet, long adot, long nd,
                 double pq, double gq, double sq, double iq, double fpg, double ideal, double kwh, double co2e,
                 int fe, long ttr, int ms, long msl, long[] all, int dq) {
            from = Math.min(from, a); to = Math.max(to, b); m++;
            this.ct += ct; this.pot += pot; this.pdot += pdot; this.pbt += pbt; this.apt += apt; this.aust += aust;
            this.adet += adet; this.adot += adot; this.nd += nd;
            this.pq += pq; this.gq += gq; this.sq += sq; this.iq += iq; this.fpg += fpg; this.ideal += ideal;
            this.e += kwh; this.c += co2e;
            this.fe += fe; this.ttr += ttr; this.ms += ms; this.msl += msl;
            for (int i = 0; i < all.length; i++) tis[i] += all[i];
            this.dq += dq;
        }

        Kpis kpis() {
            Map<MachineState, Long> t = new EnumMap<>(MachineState.class);
            for (MachineState s : MachineState.values()) if (tis[s.ordinal()] > 0) t.put(s, tis[s.ordinal()]);
            return new Kpis(from, to, m, ct, pot, pdot, pbt, apt, aust, adet, adot, nd, pq, gq, sq, iq, fpg, ideal, e, c, fe, ttr, ms, msl, t, dq);
        }
    }

    private static final int STATES = MachineState.values().length;

    private static double nz(double x) { return Double.isNaN(x) ? 0 : x; }
}
