package io.lathe.kpi.internal;

import io.lathe.kpi.CounterSignal;
import io.lathe.kpi.DataQualityEvent;
import io.lathe.kpi.EnergyConfig;
import io.lathe.kpi.MachineConfig;
import io.lathe.kpi.MachineState;
import io.lathe.kpi.OutsideRetentionException;
import io.lathe.kpi.ReasonTree;
import io.lathe.kpi.ShiftCalendar;
import io.lathe.kpi.SiteConfig;
import io.lathe.kpi.StateSource;
import io.lathe.kpi.Stop;
import io.lathe.model.Value;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Inputs and derived timeline of one machine. Inputs are kept as sorted {@link Series}; the derived state timeline,
 * stops and running sums are re-derived from the earliest changed input on, so late or corrected points change every
 * period they touch, and the same inputs always give the same figures whatever order they arrived in. Derivation runs
 * every {@value #DERIVE_EVERY} changes during ingest and before each query, so a query after a bulk load finds the
 * timeline (nearly) ready.
 *
 * <p>Raw retention: input points older than the raw-data horizon (newest point − retention) are evicted. What older
 * periods need stays: the state timeline and the stops (one entry per change, not per sample) and checkpoints of every
 * running sum at the site's local hours and shift bounds and at the machine's product changes. A query bound before the
 * horizon reads the checkpoint (the same double the raw points gave), so aligned periods give bit-identical figures
 * after eviction; another bound there throws {@link OutsideRetentionException}. Points before the horizon are refused.
 *
 * <p>Plausibility: every counter and meter reading is checked against what the machine can physically make while the
 * running sums are derived (rules in {@link CounterSignal} and {@link io.lathe.kpi.EnergyConfig}); what is not counted
 * as it came is kept as a {@link DataQualityEvent}, re-derived with the sums. Not thread-safe: the engine serialises
 * access.
 */
public final class MachineTimeline {
    public static final int PRODUCED = 0, GOOD = 1, REJECT = 2, INSPECTED = 3, FIRST_PASS_GOOD = 4;
    /** Outcomes of {@link #apply}. */
    public static final int STORED = 0, REJECTED_LATE = 1, BEFORE_HORIZON = 2;
    /** Changes after which the timeline is derived during ingest rather than by the next query. */
    private static final int DERIVE_EVERY = 2048;
    /** Checkpoint columns: counters 0-4, ideal time of counters 0-2 at 5-7, energy at 8. */
    private static final int IDEAL_COL = 5, ENERGY_COL = 8, COLS = 9;
    /**
     * Derived columns of a counter: quantity up to and including the point, ideal time likewise, and the time its value
     * last changed (µs, exact in a double until the year 2255); of a meter: quantity and the time of the last change.
     */
    private static final int CUM = 0, IDEAL_TIME = 1, COUNTER_CHANGED = 2, METER_CHANGED = 1;
    /** Slots of the checked series: counters 0-4 as {@link #PRODUCED} etc., the energy meter at 5. */
    private static final int ENERGY_SLOT = 5, SLOTS = 6;
    private static final String[] QUANTITY = {"produced", "good", "reject", "inspected", "firstPassGood", "energy"};
    /** Tolerance of the physical bound: ideal-cycle-time (or max-power) rate × this factor, plus one part or kWh. */
    public static final double BOUND_FACTOR = 1.5, BOUND_ALLOWANCE = 1;
    /** Data-quality events kept per checked signal of a machine (the newest ones). */
    public static final int MAX_EVENTS_PER_SIGNAL = 10_000;
    /** Grid instants are generated this far past the newest point, so ingest seldom asks the calendar. */
    private static final long GRID_AHEAD_MICROS = 86_400_000_000L;
    private static final long MAX_GRID_GAP_DAYS = 400;

    /**
     * @param lateWindowMicros   points older than their series' newest by more than this are rejected
     * @param rawRetentionMicros raw points older than the machine's newest by more than this are evicted; 0 keeps all
     */
    public record Options(long lateWindowMicros, long rawRetentionMicros, AtomicLongArray dataQualityFound) {
        /** Options whose data-quality counts are not shared. */
        public Options(long lateWindowMicros, long rawRetentionMicros) {
            this(lateWindowMicros, rawRetentionMicros, new AtomicLongArray(DataQualityEvent.Kind.values().length));
        }
    }

    public final MachineConfig config;
    private final ReasonTree reasons;
    private final ZoneId zone;
    private final ShiftCalendar calendar;
    private final long retention;
    private final long evictStep;
    // inputs
    private final Series enumState;
    private final Map<String, Series> ruleSeries = new LinkedHashMap<>();
    private final Map<String, long[]> ruleSignalBits = new HashMap<>();
    private final List<StateSource.Condition> conditions = new ArrayList<>();
    private final long[] ruleMasks;
    private final Series product;
    private final Series reason;
    private final Series[] counters = new Series[5];
    private final CounterSignal[] counterCfg = new CounterSignal[5];
    private final Series energy;
    private final boolean powerKw;
    private final Series idealSignal;
    private final List<Series> evictable = new ArrayList<>();
    private final Map<String, Integer> codeIndex = new HashMap<>();
    private final List<String> codes = new ArrayList<>();
    private final TreeMap<Long, String> operatorReasons = new TreeMap<>();
    /**
     * Where operators split stops (µs): a stop is cut there into parts, each with its own reason (a jam that turned
     * into a tool change). A part that begins at a split point is no new failure event or micro-stop.
     */
    private final java.util.TreeSet<Long> splits = new java.util.TreeSet<>();
    private final List<String> productNames = new ArrayList<>();
    private final Map<String, Integer> productIndex = new HashMap<>();
    private final double defaultIdealMicros;
    // derived
    /** Earliest input time changed since the last derivation; MAX_VALUE when clean, MIN_VALUE for a full one. */
    private long dirtyFrom = Long.MIN_VALUE;
    private int pending;
    private long[] st = new long[0];
    private byte[] ss = new byte[0];
    private int sn;
    /** Where the last query ended in the state timeline and the stops: the next period of a series starts there. */
    private int stateHint, stopHint;
    private final List<Stop> stops = new ArrayList<>();
    /** Reason code from the reason signal of each stop (what an operator reason falls back to when cleared). */
    private final List<String> stopSignalCodes = new ArrayList<>();
    private final boolean[] columns = new boolean[COLS];
    /** Running sums at the site grid (local hours, shift starts and ends), from the machine's first point on. */
    private final Checkpoints grid;
    /** Running sums at product changes before the horizon (per-product periods are cut there). */
    private final Checkpoints productChanges;
    /** Grid instants exist for (gridFrom, gridTo]. */
    private long gridFrom = Long.MAX_VALUE, gridTo = Long.MIN_VALUE;
    private long newestData = Long.MIN_VALUE;
    private long firstData = Long.MAX_VALUE;
    /** Raw points before this instant are evicted; MIN_VALUE while nothing is. */
    private long horizon = Long.MIN_VALUE;
    private long evictCheckAt = Long.MIN_VALUE;
    private boolean evictionSuspended;
    /** Data-quality events per checked series (slot), in time order. */
    private final List<List<DataQualityEvent>> events = new ArrayList<>();
    /** Time of the first change of each cumulative series after its baseline; MAX_VALUE until there is one. */
    private final long[] firstChange = new long[SLOTS];
    /** Distinct events found so far, by kind ordinal (shared by the engine's machines, read by metrics). */
    private final AtomicLongArray found;

    public MachineTimeline(MachineConfig config, SiteConfig site, Options options) {
        this.config = config;
        this.reasons = site.reasons();
        this.zone = site.zone();
        this.calendar = site.calendar();
        this.retention = options.rawRetentionMicros();
        this.evictStep = Math.max(retention / 8, 60_000_000L);
        long late = options.lateWindowMicros();
        this.found = options.dataQualityFound();
        for (int i = 0; i < SLOTS; i++) events.add(new ArrayList<>());
        Arrays.fill(firstChange, Long.MAX_VALUE);
        codes.add("");
        codeIndex.put("", 0);
        codeIndex.put("0", 0);
        if (config.state() instanceof StateSource.Enumerated) {
            enumState = new Series(true, late);
            evictable.add(enumState);
            ruleMasks = new long[0];
        } else {
            enumState = null;
            StateSource.Rules r = (StateSource.Rules) config.state();
            ruleMasks = new long[r.rules().size()];
            for (int i = 0; i < r.rules().size(); i++) {
                for (StateSource.Condition c : r.rules().get(i).when()) {
                    int bit = conditions.size();
                    conditions.add(c);
                    ruleMasks[i] |= 1L << bit;
                    ruleSeries.computeIfAbsent(c.signal(), k -> new Series(true, late));
                    long[] b = ruleSignalBits.computeIfAbsent(c.signal(), k -> new long[1]);
                    b[0] |= 1L << bit;
                }
            }
            evictable.addAll(ruleSeries.values());
        }
        // the product series is kept whole: one point per product change once repeats are compacted
        product = config.productSignal() == null ? null : new Series(true, late);
        reason = config.reasonSignal() == null ? null : new Series(true, late);
        if (reason != null) evictable.add(reason);
        if (config.counts() != null) {
            CounterSignal[] c = {config.counts().produced(), config.counts().good(), config.counts().reject(),
                    config.counts().inspected(), config.counts().firstPassGood()};
            for (int i = 0; i < 5; i++) {
                counterCfg[i] = c[i];
                if (c[i] == null) continue;
                // derived columns CUM, IDEAL_TIME (produced, good, reject only), COUNTER_CHANGED
                counters[i] = new Series(c[i].kind() == CounterSignal.Kind.CUMULATIVE, late, 3);
                evictable.add(counters[i]);
                columns[i] = true;
                if (i <= REJECT) columns[IDEAL_COL + i] = true;
            }
        }
        idealSignal = config.idealCycleTimeSignal() == null ? null : new Series(true, late);
        if (idealSignal != null) evictable.add(idealSignal);
        powerKw = config.energy() != null && config.energy().kind() == EnergyConfig.Kind.POWER_KW;
        energy = config.energy() == null ? null : new Series(!powerKw, late, powerKw ? 1 : 2);
        if (energy != null) {
            evictable.add(energy);
            columns[ENERGY_COL] = true;
        }
        grid = new Checkpoints(columns);
        productChanges = new Checkpoints(columns);
        defaultIdealMicros = config.idealCycleTime() == null ? 0 : micros(config.idealCycleTime());
        productNames.add("");
        productIndex.put("", 0);
    }

    private static double micros(Duration d) { return d.getSeconds() * 1e6 + d.getNano() / 1e3; }

    /** The signal ids this machine reads, with the role of each (for routing). */
    public Map<String, List<Role>> roles() {
        Map<String, List<Role>> out = new LinkedHashMap<>();
        if (config.state() instanceof StateSource.Enumerated e) add(out, e.signal(), new Role(Role.Kind.ENUM_STATE, 0));
        for (String s : ruleSeries.keySet()) add(out, s, new Role(Role.Kind.RULE_SIGNAL, 0));
        if (product != null) add(out, config.productSignal(), new Role(Role.Kind.PRODUCT, 0));
        if (reason != null) add(out, config.reasonSignal(), new Role(Role.Kind.REASON, 0));
        for (int i = 0; i < 5; i++) if (counters[i] != null) add(out, counterCfg[i].signal(), new Role(Role.Kind.COUNTER, i));
        if (energy != null) add(out, config.energy().signal(), new Role(Role.Kind.ENERGY, 0));
        if (idealSignal != null) add(out, config.idealCycleTimeSignal(), new Role(Role.Kind.IDEAL_CYCLE_TIME, 0));
        return out;
    }

    private static void add(Map<String, List<Role>> m, String s, Role r) { m.computeIfAbsent(s, k -> new ArrayList<>()).add(r); }

    /** What a signal means to a machine. */
    public record Role(Kind kind, int index) {
        public enum Kind { ENUM_STATE, RULE_SIGNAL, PRODUCT, REASON, COUNTER, ENERGY, IDEAL_CYCLE_TIME }
    }

    /** Text key of a value for maps: integral numbers without a fraction, booleans as true/false, text as is. */
    public static String key(Value v) {
        return switch (v) {
            case Value.LongValue l -> Long.toString(l.value());
            case Value.BooleanValue b -> Boolean.toString(b.value());
            case Value.TextValue t -> t.value();
            case Value.DoubleValue d -> {
                double x = d.value();
                yield (x == Math.rint(x) && Math.abs(x) < 1e15) ? Long.toString((long) x) : Double.toString(x);
            }
        };
    }

    /**
     * Applies one point for one role: {@link #STORED} (also when it changed nothing), {@link #REJECTED_LATE} (later
     * than the late window, or not a number) or {@link #BEFORE_HORIZON} (older than the raw-data horizon).
     */
    public int apply(String signal, Role role, long ts, Value value) {
        Series s;
        double x;
        switch (role.kind()) {
            case ENUM_STATE -> {
                s = enumState;
                MachineState m = ((StateSource.Enumerated) config.state()).values().get(key(value));
                x = (m == null ? config.state().otherwise() : m).ordinal();
            }
            case RULE_SIGNAL -> {
                s = ruleSeries.get(signal);
                long bits = ruleSignalBits.get(signal)[0];
                double d = value.asDouble();
                long mask = 0;
                for (int b = 0; b < conditions.size(); b++) {
                    if ((bits & (1L << b)) != 0 && conditions.get(b).test(d)) mask |= 1L << b;
                }
                x = mask;
            }
            case PRODUCT -> {
                s = product;
                String k = key(value);
                Integer idx = productIndex.get(k);
                if (idx == null) {
                    idx = productNames.size();
                    productNames.add(k);
                    productIndex.put(k, idx);
                }
                x = idx;
            }
            case REASON -> {
                s = reason;
                String k = key(value);
                Integer idx = codeIndex.get(k);
                if (idx == null) {
                    idx = codes.size();
                    codes.add(k);
                    codeIndex.put(k, idx);
                }
                x = idx;
            }
            case COUNTER -> {
                s = counters[role.index()];
                x = value.asDouble();
            }
            case ENERGY -> {
                s = energy;
                x = value.asDouble();
            }
            case IDEAL_CYCLE_TIME -> {
                s = idealSignal;
                x = value.asDouble();
            }
            default -> throw new IllegalStateException();
        }
        if (Double.isNaN(x) || s.tooLate(ts)) return REJECTED_LATE;
        if (ts < horizon) return BEFORE_HORIZON;
        if (s.put(ts, x)) {
            if (ts < dirtyFrom) dirtyFrom = ts;
            if (ts > newestData) newestData = ts;
            if (ts < firstData) firstData = ts;
            if (++pending >= DERIVE_EVERY) rebuild();
            if (retention > 0 && !evictionSuspended && newestData >= evictCheckAt) evictDue();
        }
        return STORED;
    }

    public void setReason(long stopStartMicros, String code) {
        if (code == null || code.isEmpty()) operatorReasons.remove(stopStartMicros);
        else operatorReasons.put(stopStartMicros, code);
        if (stopStartMicros < horizon) {
            // stops before the horizon are final except for their operator reason
            int i = stopStarting(stopStartMicros);
            if (i >= 0) {
                Stop s = stops.get(i);
                stops.set(i, stop(s.startMicros(), s.endMicros(), stopSignalCodes.get(i), s.microStop()));
            }
            return;
        }
        if (stopStartMicros < dirtyFrom) dirtyFrom = stopStartMicros;
    }

    private int stopStarting(long start) {
        int lo = 0, hi = stops.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            long s = stops.get(mid).startMicros();
            if (s < start) lo = mid + 1;
            else if (s > start) hi = mid - 1;
            else return mid;
        }
        return -1;
    }

    public Map<Long, String> operatorReasons() { return Map.copyOf(operatorReasons); }

    /** Splits the stop running across {@code at} there ({@code split} true), or joins the parts meeting there again. */
    public void setSplit(long at, boolean split) {
        if (split ? !splits.add(at) : !splits.remove(at)) return;
        if (at < horizon) {
            // stops before the horizon are final: cut or join them in place, with the reason signal's code of the stop
            if (split) {
                for (int i = 0; i < stops.size(); i++) {
                    Stop s = stops.get(i);
                    if (s.startMicros() < at && at < s.endMicros()) {
                        String code = stopSignalCodes.get(i);
                        stops.set(i, stop(s.startMicros(), at, code, s.microStop()));
                        stops.add(i + 1, stop(at, s.endMicros(), code, s.microStop()));
                        stopSignalCodes.add(i + 1, code);
                        break;
                    }
                }
            } else {
                int i = stopStarting(at);
                if (i > 0 && stops.get(i - 1).endMicros() == at) {
                    Stop a = stops.get(i - 1);
                    stops.set(i - 1, stop(a.startMicros(), stops.get(i).endMicros(), stopSignalCodes.get(i - 1), a.microStop()));
                    stops.remove(i);
                    stopSignalCodes.remove(i);
                }
            }
            return;
        }
        if (at < dirtyFrom) dirtyFrom = at;
    }

    public java.util.SortedSet<Long> splits() { return java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(splits)); }

    // ---------------------------------------------------------------- retention

    /** While suspended, points are not evicted (a recomputation loads one signal after the other). */
    public void suspendEviction(boolean suspended) {
        evictionSuspended = suspended;
        if (!suspended) evictIfDue();
    }

    /** Evicts what the retention allows now, also while suspended (a recomputation at the end of a slice). */
    public void evictIfDue() {
        if (retention > 0 && newestData >= evictCheckAt) evictDue();
    }

    private void evictDue() {
        if (newestData == Long.MIN_VALUE) return; // no data yet: newest − retention would wrap around to the far future
        evict(newestData - retention);
        long base = Math.max(horizon, firstData);
        evictCheckAt = base + retention + evictStep;
        // a long stop holds the horizon back: look again one step later rather than at every point
        if (evictCheckAt <= newestData) evictCheckAt = newestData + evictStep;
    }

    /**
     * Moves the horizon to {@code target}, or to the start of a stop running across it (its end, micro-stop flag and
     * reason still depend on later points). Everything derived before the horizon is final afterwards: no point before
     * it is accepted, and the running sums at grid instants and product changes before it are kept.
     */
    private void evict(long target) {
        rebuild();
        long h = target;
        int k = firstStopEndingAtOrAfter(h);
        if (k < stops.size() && stops.get(k).startMicros() < h) h = stops.get(k).startMicros();
        if (h <= horizon) return;
        if (product != null) {
            int i = horizon == Long.MIN_VALUE ? 0 : product.ceil(horizon);
            long[] at = new long[8];
            int na = 0;
            for (; i < product.n && product.t[i] < h; i++) {
                double prev = i == 0 ? 0 : product.v[i - 1];
                if (product.v[i] == prev || product.t[i] <= productChanges.last()) continue;
                if (na == at.length) at = Arrays.copyOf(at, na * 2);
                at[na++] = product.t[i];
            }
            if (na > 0) {
                int from = productChanges.n;
                productChanges.append(at, na);
                for (int j = from; j < productChanges.n; j++) fill(productChanges, j);
            }
        }
        for (Series s : evictable) s.evictBefore(h);
        horizon = h;
    }

    private int firstStopEndingAtOrAfter(long t) {
        int lo = 0, hi = stops.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (stops.get(mid).endMicros() < t) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /** Points before this instant are evicted and refused; MIN_VALUE without retention or before the first point. */
    public long horizonMicros() { return horizon; }

    public long rawPoints() {
        long c = product == null ? 0 : product.n;
        for (Series s : evictable) c += s.n;
        return c;
    }

    public long evictedPoints() {
        long c = 0;
        for (Series s : evictable) c += s.evicted();
        return c;
    }

    public long stateChanges() { return sn; }

    public long stopCount() { return stops.size(); }

    public long checkpointCount() { return grid.n + productChanges.n; }

    // ---------------------------------------------------------------- derivation

    /**
     * Re-derives what inputs at or after the earliest changed time affect: the state timeline and stops from there
     * on, the running sums from the first point at or after it, and the checkpoints they feed.
     */
    private void rebuild() {
        pending = 0;
        long from = dirtyFrom;
        if (from == Long.MAX_VALUE) return;
        dirtyFrom = Long.MAX_VALUE;
        if (from < horizon) from = horizon;
        buildStates(from);
        buildStops(from);
        for (int i = 0; i < 5; i++) if (counters[i] != null) cumulate(i, from);
        for (int i = 0; i <= REJECT; i++) if (counters[i] != null) buildIdeal(i, from);
        if (energy != null) {
            if (powerKw) integrate(energy, from);
            else cumulate(ENERGY_SLOT, from);
        }
        updateCheckpoints(from);
    }

    private static int firstAtOrAfter(Series s, long from) {
        int i = from == Long.MIN_VALUE ? 0 : s.lower(from) + 1;
        // the head of an evicted series carries its derived values: it is never derived again
        return s.headed && i == 0 ? 1 : i;
    }

    private void emit(long t, int state) {
        if (sn > 0 && ss[sn - 1] == state) return;
        if (sn == st.length) {
            int c = Math.max(16, sn * 2);
            st = Arrays.copyOf(st, c);
            ss = Arrays.copyOf(ss, c);
        }
        st[sn] = t;
        ss[sn] = (byte) state;
        sn++;
    }

    private void buildStates(long from) {
        sn = from == Long.MIN_VALUE ? 0 : lowerState(from) + 1;
        if (enumState != null) {
            for (int i = stateStart(enumState, from); i < enumState.n; i++) emit(enumState.t[i], (int) enumState.v[i]);
            return;
        }
        Series[] in = ruleSeries.values().toArray(new Series[0]);
        String[] keys = ruleSeries.keySet().toArray(new String[0]);
        int[] pos = new int[in.length];
        long mask = 0;
        for (int j = 0; j < in.length; j++) {
            pos[j] = stateStart(in[j], from);
            if (pos[j] > 0) mask |= (long) in[j].v[pos[j] - 1];
        }
        StateSource.Rules rules = (StateSource.Rules) config.state();
        while (true) {
            long t = Long.MAX_VALUE;
            for (int j = 0; j < in.length; j++) if (pos[j] < in[j].n && in[j].t[pos[j]] < t) t = in[j].t[pos[j]];
            if (t == Long.MAX_VALUE) break;
            for (int j = 0; j < in.length; j++) {
                if (pos[j] < in[j].n && in[j].t[pos[j]] == t) {
                    long own = ruleSignalBits.get(keys[j])[0];
                    mask = (mask & ~own) | (long) in[j].v[pos[j]];
                    pos[j]++;
                }
            }
            int state = rules.otherwise().ordinal();
            for (int r = 0; r < ruleMasks.length; r++) {
                if ((mask & ruleMasks[r]) == ruleMasks[r]) {
                    state = rules.rules().get(r).state().ordinal();
                    break;
                }
            }
            emit(t, state);
        }
    }

    /** First state input point to re-emit: the first at or after {@code from} (never a head: from is at or after the horizon). */
    private static int stateStart(Series s, long from) {
        return from == Long.MIN_VALUE ? 0 : s.lower(from) + 1;
    }

    private void buildStops(long from) {
        int keep = firstStopEndingAtOrAfter(from);
        long scanFrom = keep > 0 ? stops.get(keep - 1).endMicros() : Long.MIN_VALUE;
        stops.subList(keep, stops.size()).clear();
        stopSignalCodes.subList(keep, stopSignalCodes.size()).clear();
        long threshold = (long) micros(config.microStopThreshold());
        int down = MachineState.UNPLANNED_DOWN.ordinal();
        // before the entry holding `from` every stop ended before it and was kept
        int i = Math.max(scanFrom == Long.MIN_VALUE ? 0 : lowerState(scanFrom) + 1, from == Long.MIN_VALUE ? 0 : Math.max(0, lowerState(from)));
        for (; i < sn; i++) {
            if (ss[i] != down) continue;
            long start = st[i];
            long end = i + 1 < sn ? st[i + 1] : Long.MAX_VALUE;
            boolean micro = end != Long.MAX_VALUE && end - start < threshold;
            long part = start;
            for (Long cut = splits.higher(start); cut != null && cut < end; cut = splits.higher(cut)) {
                String signalCode = signalReason(part, cut);
                stops.add(stop(part, cut, signalCode, micro));
                stopSignalCodes.add(signalCode);
                part = cut;
            }
            String signalCode = signalReason(part, end);
            stops.add(stop(part, end, signalCode, micro));
            stopSignalCodes.add(signalCode);
        }
    }

    private Stop stop(long start, long end, String signalCode, boolean micro) {
        String op = operatorReasons.get(start);
        String code = op != null ? op : signalCode;
        String name = "", cat = "";
        if (!code.isEmpty()) {
            var m = reasons.find(code);
            name = m.map(x -> x.reason().name()).orElse(code);
            cat = m.map(x -> x.category().id()).orElse("");
        }
        return new Stop(config.id(), start, end, code, name, cat, op != null, micro);
    }

    /** First reason code set during the stop, else the one current at its start; empty when none. */
    private String signalReason(long start, long end) {
        if (reason == null) return "";
        int i = reason.floor(start);
        if (i >= 0 && reason.v[i] != 0) return codes.get((int) reason.v[i]);
        for (int j = i + 1; j < reason.n && reason.t[j] < end; j++) if (reason.v[j] != 0) return codes.get((int) reason.v[j]);
        return "";
    }

    /**
     * Derives the quantity counted up to and including each point of a counter or meter (slot), checking every reading
     * against the physical bound and re-deriving the data-quality events from the first re-derived point on.
     */
    private void cumulate(int slot, long from) {
        boolean meter = slot == ENERGY_SLOT;
        Series s = meter ? energy : counters[slot];
        boolean cumulative = meter || counterCfg[slot].kind() == CounterSignal.Kind.CUMULATIVE;
        double rolloverMax = meter ? 0 : counterCfg[slot].rolloverMax();
        double maxPowerKw = meter ? config.energy().maxPowerKw() : 0;
        double[] cum = s.d[CUM];
        double[] changed = s.d[meter ? METER_CHANGED : COUNTER_CHANGED];
        int start = firstAtOrAfter(s, from);
        List<DataQualityEvent> ev = events.get(slot);
        long cut = start < s.n ? s.t[start] : Long.MAX_VALUE;
        int keep = firstEventAtOrAfter(ev, cut);
        // events found again are not new: the metric counts each distinct event once
        Set<DataQualityEvent> before = keep < ev.size() ? new HashSet<>(ev.subList(keep, ev.size())) : Set.of();
        ev.subList(keep, ev.size()).clear();
        // no change before the first re-derived point when the first change was at or after it: find it again
        if (firstChange[slot] >= cut) firstChange[slot] = Long.MAX_VALUE;
        double total = start > 0 ? cum[start - 1] : 0;
        for (int i = start; i < s.n; i++) {
            double x = s.v[i];
            long t = s.t[i];
            double inc;
            if (i == 0) {
                inc = cumulative ? 0 : perInterval(slot, s, i, before); // a cumulative series' first value is its baseline
                changed[i] = t;
            } else if (!cumulative) {
                inc = perInterval(slot, s, i, before); // a repeated per-interval value is a quantity again
            } else if (Double.compare(x, s.v[i - 1]) == 0) {
                // a repeat (most samples of a polled counter): nothing to count or check
                changed[i] = changed[i - 1];
                inc = 0;
            } else {
                double prev = s.v[i - 1];
                changed[i] = t;
                // since the value last changed: repeats compacted away later do not change it
                long elapsed = t - (long) changed[i - 1];
                double bound = meter
                        ? (maxPowerKw > 0 ? maxPowerKw * BOUND_FACTOR * (elapsed / 3.6e9) + BOUND_ALLOWANCE : Double.NaN)
                        : partsBound(elapsed, t);
                inc = increment(slot, s, i, prev, x, bound, elapsed, rolloverMax, meter, before);
                if (firstChange[slot] == Long.MAX_VALUE) {
                    firstChange[slot] = t;
                    if (!meter) {
                        // the part under way when Lathe first saw the counter began before: count only whole ideal
                        // cycles that fit into the time observed since the baseline
                        double ideal = idealAt(t);
                        if (ideal > 0) inc = Math.min(inc, Math.floor((t - s.first) / ideal));
                    }
                }
            }
            total += inc;
            cum[i] = total;
        }
    }

    /** Parts a machine can make in {@code elapsed} µs at the ideal cycle time current at {@code t}; NaN without one. */
    private double partsBound(long elapsed, long t) {
        double ideal = idealAt(t);
        return ideal > 0 ? elapsed / ideal * BOUND_FACTOR + BOUND_ALLOWANCE : Double.NaN;
    }

    /** Increment of a cumulative counter or meter reading (rules in {@link CounterSignal} and EnergyConfig). */
    private double increment(int slot, Series s, int i, double prev, double x, double bound, long elapsed, double rolloverMax,
                             boolean meter, Set<DataQualityEvent> before) {
        if (x >= prev) {
            double d = x - prev;
            if (!(d > bound)) return d; // NaN bound: no limit
            record(slot, s, i, meter ? DataQualityEvent.Kind.METER_JUMP : DataQualityEvent.Kind.COUNTER_JUMP, prev, x, 0, bound, elapsed, before);
            return 0;
        }
        if (rolloverMax > 0 && prev > rolloverMax / 2) {
            double r = rolloverMax - prev + x + 1;
            if (!(r > bound)) return r;
        }
        boolean reset = x >= 0 && (Double.isNaN(bound) ? x <= prev / 2 : x <= bound);
        if (reset) {
            record(slot, s, i, meter ? DataQualityEvent.Kind.METER_RESET : DataQualityEvent.Kind.COUNTER_RESET, prev, x, x, bound, elapsed, before);
            return x;
        }
        record(slot, s, i, meter ? DataQualityEvent.Kind.METER_DECREASE : DataQualityEvent.Kind.COUNTER_DECREASE, prev, x, 0, bound, elapsed, before);
        return 0;
    }

    /** A per-interval count: as it is when not negative and within the bound since the previous count. */
    private double perInterval(int slot, Series s, int i, Set<DataQualityEvent> before) {
        double x = s.v[i];
        long elapsed = i > 0 ? s.t[i] - s.t[i - 1] : 0;
        double bound = i > 0 ? partsBound(elapsed, s.t[i]) : Double.NaN;
        if (x < 0) {
            record(slot, s, i, DataQualityEvent.Kind.NEGATIVE_COUNT, Double.NaN, x, 0, bound, elapsed, before);
            return 0;
        }
        if (x > bound) {
            record(slot, s, i, DataQualityEvent.Kind.COUNTER_JUMP, Double.NaN, x, 0, bound, elapsed, before);
            return 0;
        }
        return x;
    }

    private void record(int slot, Series s, int i, DataQualityEvent.Kind kind, double old, double x, double counted, double bound,
                        long elapsed, Set<DataQualityEvent> before) {
        String signal = slot == ENERGY_SLOT ? config.energy().signal() : counterCfg[slot].signal();
        DataQualityEvent e = new DataQualityEvent(config.id(), s.t[i], signal, QUANTITY[slot], kind, old, x, counted, bound, elapsed);
        List<DataQualityEvent> ev = events.get(slot);
        ev.add(e);
        // bounded memory: the newest events are kept (a flapping counter would otherwise grow the list for ever)
        if (ev.size() > MAX_EVENTS_PER_SIGNAL) ev.subList(0, ev.size() - MAX_EVENTS_PER_SIGNAL).clear();
        if (!before.contains(e)) found.incrementAndGet(kind.ordinal());
    }

    private static int firstEventAtOrAfter(List<DataQualityEvent> ev, long t) {
        int lo = 0, hi = ev.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (ev.get(mid).timeMicros() < t) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    /** Column 0: kWh from the first sample to each sample, trapezoid rule on kW. */
    private static void integrate(Series s, long from) {
        double[] cum = s.d[0];
        int start = firstAtOrAfter(s, from);
        if (start == 0 && s.n > 0) cum[0] = 0;
        for (int i = Math.max(1, start); i < s.n; i++) cum[i] = cum[i - 1] + (s.v[i - 1] + s.v[i]) / 2 * ((s.t[i] - s.t[i - 1]) / 3.6e9);
    }

    /** Column 1: ideal production time of a counter (produced, or good and reject when there is no produced counter). */
    private void buildIdeal(int which, long from) {
        Series c = counters[which];
        double[] cum = c.d[0];
        double[] cumIdeal = c.d[1];
        int start = firstAtOrAfter(c, from);
        double total = start > 0 ? cumIdeal[start - 1] : 0;
        for (int i = start; i < c.n; i++) {
            double inc = cum[i] - (i > 0 ? cum[i - 1] : 0);
            total += inc * idealAt(c.t[i]);
            cumIdeal[i] = total;
        }
    }

    private double idealAt(long t) {
        if (product != null) {
            int p = product.floor(t);
            if (p >= 0) {
                Duration d = config.idealCycleTimeByProduct().get(productNames.get((int) product.v[p]));
                if (d != null) return micros(d);
            }
        }
        if (idealSignal != null) {
            int i = idealSignal.floor(t);
            if (i >= 0 && idealSignal.v[i] > 0) return idealSignal.v[i] * 1e6;
        }
        return defaultIdealMicros;
    }

    // ---------------------------------------------------------------- checkpoints

    /**
     * Extends the grid to a day past the newest point and recomputes the checkpoints a change at {@code from} can
     * touch: a running sum at t depends on points before t only, the power integral at t also on the sample after it,
     * so recomputation starts at the power sample before {@code from}.
     */
    private void updateCheckpoints(long from) {
        if (newestData == Long.MIN_VALUE) return;
        int appendedFrom = Integer.MAX_VALUE;
        if (firstData < gridFrom) {
            long to = gridTo == Long.MIN_VALUE ? newestData + GRID_AHEAD_MICROS : gridFrom;
            long[] pts = gridSpan(firstData, to);
            if (gridTo == Long.MIN_VALUE) {
                grid.append(pts, pts.length);
                gridTo = to;
            } else {
                int k = pts.length;
                while (k > 0 && pts[k - 1] >= grid.firstTime()) k--;
                grid.prepend(pts, k);
            }
            gridFrom = firstData;
            appendedFrom = 0;
        }
        if (newestData > gridTo) {
            long to = newestData + GRID_AHEAD_MICROS;
            long[] pts = gridSpan(gridTo, to);
            appendedFrom = Math.min(appendedFrom, grid.n);
            grid.append(pts, pts.length);
            gridTo = to;
        }
        long f = from;
        if (powerKw && from != Long.MIN_VALUE) {
            int k = energy.lower(from);
            if (k >= 0) f = Math.min(f, energy.t[k]);
        }
        for (int i = Math.min(appendedFrom, f == Long.MIN_VALUE ? 0 : grid.ceil(f)); i < grid.n; i++) fill(grid, i);
        for (int i = f == Long.MIN_VALUE ? 0 : productChanges.ceil(f); i < productChanges.n; i++) fill(productChanges, i);
    }

    /**
     * Grid instants in (after, upTo]; over a gap longer than {@value #MAX_GRID_GAP_DAYS} days only its first and last
     * days get instants, so a clock jump (a device stamping years ahead) cannot fill memory with empty hours.
     */
    private long[] gridSpan(long after, long upTo) {
        long gap = MAX_GRID_GAP_DAYS * 86_400_000_000L;
        if (upTo - after <= gap) return gridPoints(after, upTo);
        long[] a = gridPoints(after, after + GRID_AHEAD_MICROS);
        long[] b = gridPoints(Math.max(after + GRID_AHEAD_MICROS, upTo - gap), upTo);
        long[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Computes checkpoint {@code i} from the raw points, column by column where they still determine it. */
    private void fill(Checkpoints c, int i) {
        long t = c.t[i];
        for (int k = 0; k < 5; k++) {
            Series s = counters[k];
            if (s == null || !rawCovers(s, t, false)) continue;
            c.v[k][i] = prefix(s, s.d[0], t);
            if (k <= REJECT) c.v[IDEAL_COL + k][i] = prefix(s, s.d[1], t);
        }
        // a meter's value at t includes the reading at t, as the power integral does: the head covers its own instant
        if (energy != null && rawCovers(energy, t, true)) c.v[ENERGY_COL][i] = rawEnergyAt(t);
    }

    /**
     * True when the retained points give the running sum at {@code t}: a prefix needs the points before t (t after
     * the head), the power integral the samples around t (t at or after the head).
     */
    private static boolean rawCovers(Series s, long t, boolean atHeadToo) {
        return !s.headed || t > s.t[0] || (atHeadToo && t == s.t[0]);
    }

    /** Local hour starts and shift starts and ends in (after, upTo], ascending and distinct. */
    private long[] gridPoints(long after, long upTo) {
        long[] out = new long[64];
        int n = 0;
        ZonedDateTime z = instant(after).atZone(zone).truncatedTo(ChronoUnit.HOURS);
        while (true) {
            long m = micros(z.toInstant());
            if (m > upTo) break;
            if (m > after) {
                if (n == out.length) out = Arrays.copyOf(out, n * 2);
                out[n++] = m;
            }
            ZonedDateTime next = z.plusHours(1);
            ZonedDateTime whole = next.truncatedTo(ChronoUnit.HOURS);
            z = whole.toInstant().isAfter(z.toInstant()) ? whole : next;
        }
        for (ShiftCalendar.ShiftInstance s : calendar.instances(instant(after), instant(upTo == Long.MAX_VALUE ? upTo : upTo + 1), zone)) {
            for (long m : new long[] {micros(s.start()), micros(s.end())}) {
                if (m <= after || m > upTo) continue;
                if (n == out.length) out = Arrays.copyOf(out, n * 2);
                out[n++] = m;
            }
        }
        Arrays.sort(out, 0, n);
        int w = 0;
        for (int i = 0; i < n; i++) if (w == 0 || out[i] != out[w - 1]) out[w++] = out[i];
        return Arrays.copyOf(out, w);
    }

    private static long micros(Instant i) { return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000; }

    private static Instant instant(long micros) { return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000); }

    // ---------------------------------------------------------------- queries

    /** Adds the time spent in each state in [a, b) to {@code acc} (indexed by state ordinal). */
    public void stateTimes(long a, long b, long[] acc) {
        rebuild();
        if (b <= a) return;
        int k = floorStateNear(a);
        int cur = k < 0 ? MachineState.UNKNOWN.ordinal() : ss[k];
        long t = a;
        int i = k + 1;
        for (; i < sn && st[i] < b; i++) {
            acc[cur] += st[i] - t;
            t = st[i];
            cur = ss[i];
        }
        stateHint = i - 1;
        acc[cur] += b - t;
    }

    /** {@link #floorState} trying the entry where the last query ended (and the next) before searching. */
    private int floorStateNear(long ts) {
        int h = stateHint;
        for (int k = h; k <= h + 1; k++) {
            if (k >= 0 && k < sn && st[k] <= ts && (k + 1 == sn || st[k + 1] > ts)) return k;
        }
        return floorState(ts);
    }

    private int lowerState(long ts) {
        int i = Arrays.binarySearch(st, 0, sn, ts);
        return i >= 0 ? i - 1 : -i - 2;
    }

    private int floorState(long ts) {
        int i = Arrays.binarySearch(st, 0, sn, ts);
        return i >= 0 ? i : -i - 2;
    }

    /** Quantity of counter {@code which} counted in [a, b); NaN when the counter is not configured. */
    public double quantity(int which, long a, long b) {
        rebuild();
        if (counters[which] == null) return Double.NaN;
        return sumAt(which, b) - sumAt(which, a);
    }

    /**
     * Σ PRI × quantity counted in [a, b): of the produced counter, or of good plus reject when only those exist.
     */
    public double idealMicros(long a, long b) {
        rebuild();
        if (counters[PRODUCED] != null) return sumAt(IDEAL_COL + PRODUCED, b) - sumAt(IDEAL_COL + PRODUCED, a);
        double sum = 0;
        for (int i = GOOD; i <= REJECT; i++) {
            if (counters[i] != null) sum += sumAt(IDEAL_COL + i, b) - sumAt(IDEAL_COL + i, a);
        }
        return sum;
    }

    /** kWh used in [a, b): of a meter, the increments of its readings in (a, b]; 0 without an energy signal. */
    public double energyKwh(long a, long b) {
        rebuild();
        if (energy == null) return 0;
        return sumAt(ENERGY_COL, b) - sumAt(ENERGY_COL, a);
    }

    /**
     * Running sum of checkpoint column {@code col} at {@code t}: from the grid when t is on it (cheap, and the only
     * source before the horizon), else from the raw points, else from a product-change checkpoint.
     */
    private double sumAt(int col, long t) {
        int i = grid.find(t);
        if (i >= 0) return grid.v[col][i];
        Series s = col == ENERGY_COL ? energy : counters[col >= IDEAL_COL ? col - IDEAL_COL : col];
        if (col == ENERGY_COL) {
            if (rawCovers(s, t, true)) return rawEnergyAt(t);
        } else if (rawCovers(s, t, false)) {
            return prefix(s, s.d[col >= IDEAL_COL ? 1 : 0], t);
        }
        if (t <= s.first) return 0;
        i = productChanges.find(t);
        if (i >= 0) return productChanges.v[col][i];
        throw new OutsideRetentionException(config.id(), t, horizon);
    }

    private static double prefix(Series s, double[] cum, long t) {
        int i = s.lower(t);
        return i < 0 ? 0 : cum[i];
    }

    /**
     * kWh from the first sample up to {@code t}. A meter reading measures consumption up to its timestamp, so the
     * reading at t is included: a period [a, b) gets the increments of readings in (a, b].
     */
    private double rawEnergyAt(long t) {
        Series s = energy;
        double[] cum = s.d[CUM];
        int k = s.floor(t);
        if (!powerKw) return k < 0 ? 0 : cum[k];
        if (k < 0) return 0;
        if (k == s.n - 1) return cum[k];
        double dtH = (t - s.t[k]) / 3.6e9;
        double spanH = (s.t[k + 1] - s.t[k]) / 3.6e9;
        double p0 = s.v[k], p1 = s.v[k + 1];
        return cum[k] + p0 * dtH + (p1 - p0) * dtH * dtH / (2 * spanH);
    }

    /** Stops overlapping [a, b), in start order. */
    public List<Stop> stops(long a, long b) {
        rebuild();
        List<Stop> out = new ArrayList<>();
        for (int i = firstStopEndingAtOrAfter(a + 1); i < stops.size() && stops.get(i).startMicros() < b; i++) out.add(stops.get(i));
        return out;
    }

    /**
     * Failure events (stops starting in [a, b) that are not micro-stops), their time inside [a, b), micro-stops starting
     * in [a, b) and their time inside, as {fe, ttr, micro, microLost}.
     */
    public long[] stopElements(long a, long b) {
        rebuild();
        long fe = 0, ttr = 0, micro = 0, microLost = 0;
        int first = firstStopEndingAfterNear(a);
        int i = first;
        for (; i < stops.size(); i++) {
            Stop s = stops.get(i);
            if (s.startMicros() >= b) break;
            long d = Math.min(s.endMicros(), b) - Math.max(s.startMicros(), a);
            boolean starts = s.startMicros() >= a && !splits.contains(s.startMicros());
            if (s.microStop()) {
                microLost += d;
                if (starts) micro++;
            } else {
                ttr += d;
                if (starts) fe++;
            }
        }
        stopHint = Math.max(first, i - 1);
        return new long[] {fe, ttr, micro, microLost};
    }

    /** Index of the first stop ending after {@code t}, trying where the last query ended (and the next) first. */
    private int firstStopEndingAfterNear(long t) {
        int n = stops.size();
        for (int k = stopHint; k <= stopHint + 1; k++) {
            if (k >= 0 && k <= n && (k == n || stops.get(k).endMicros() > t) && (k == 0 || stops.get(k - 1).endMicros() <= t)) return k;
        }
        return firstStopEndingAtOrAfter(t + 1);
    }

    /** Product intervals overlapping [a, b), clipped, as (product id, start, end); empty product id before any value. */
    public List<ProductSlice> productSlices(long a, long b) {
        List<ProductSlice> out = new ArrayList<>();
        if (product == null) {
            out.add(new ProductSlice("", a, b));
            return out;
        }
        int k = product.floor(a);
        String cur = k < 0 ? "" : productNames.get((int) product.v[k]);
        long t = a;
        for (int i = k + 1; i < product.n && product.t[i] < b; i++) {
            String next = productNames.get((int) product.v[i]);
            if (!next.equals(cur)) {
                if (product.t[i] > t) out.add(new ProductSlice(cur, t, product.t[i]));
                t = product.t[i];
                cur = next;
            }
        }
        out.add(new ProductSlice(cur, t, b));
        return out;
    }

    public record ProductSlice(String product, long fromMicros, long toMicros) {}

    public boolean hasCounter(int which) { return counters[which] != null; }

    /** Derives what changed since the last query (the timeline, running sums and data-quality events). */
    public void derive() { rebuild(); }

    /** Adds the data-quality events in [a, b) to {@code out} (per signal in time order; the caller sorts). */
    public void dataQualityEvents(long a, long b, List<DataQualityEvent> out) {
        rebuild();
        for (List<DataQualityEvent> ev : events) {
            for (int i = firstEventAtOrAfter(ev, a); i < ev.size() && ev.get(i).timeMicros() < b; i++) out.add(ev.get(i));
        }
    }

    /** Number of data-quality events in [a, b). */
    public int dataQualityCount(long a, long b) {
        rebuild();
        int n = 0;
        for (List<DataQualityEvent> ev : events) {
            if (!ev.isEmpty()) n += firstEventAtOrAfter(ev, b) - firstEventAtOrAfter(ev, a);
        }
        return n;
    }

    public long newestDataMicros() { return newestData; }
}
