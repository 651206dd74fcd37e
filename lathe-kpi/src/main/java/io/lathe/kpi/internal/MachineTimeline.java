package io.lathe.kpi.internal;

import io.lathe.kpi.CounterSignal;
import io.lathe.kpi.EnergyConfig;
import io.lathe.kpi.MachineConfig;
import io.lathe.kpi.MachineState;
import io.lathe.kpi.ReasonTree;
import io.lathe.kpi.StateSource;
import io.lathe.kpi.Stop;
import io.lathe.model.Value;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Inputs and derived timeline of one machine. Inputs are kept as sorted {@link Series}; the derived state timeline,
 * stops and cumulative sums are rebuilt from the inputs when a query follows a change, so late or corrected points
 * change every period they touch, and the same inputs always give the same figures whatever order they arrived in.
 * Not thread-safe: the engine serialises access.
 */
public final class MachineTimeline {
    public static final int PRODUCED = 0, GOOD = 1, REJECT = 2, INSPECTED = 3, FIRST_PASS_GOOD = 4;

    public final MachineConfig config;
    private final ReasonTree reasons;
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
    private final Series idealSignal;
    private final Map<String, Integer> codeIndex = new HashMap<>();
    private final List<String> codes = new ArrayList<>();
    private final TreeMap<Long, String> operatorReasons = new TreeMap<>();
    private final List<String> productNames = new ArrayList<>();
    private final Map<String, Integer> productIndex = new HashMap<>();
    private final double defaultIdealMicros;
    // derived
    /** Earliest input time changed since the last rebuild; MAX_VALUE when clean, MIN_VALUE for a full rebuild. */
    private long dirtyFrom = Long.MIN_VALUE;
    private int seenCompactions;
    private long[] st = new long[0];
    private byte[] ss = new byte[0];
    private int sn;
    private final double[][] cumCount = new double[5][];
    private final double[][] cumIdeal = new double[3][];
    private double[] cumEnergy;
    private final List<Stop> stops = new ArrayList<>();
    private long newestData = Long.MIN_VALUE;

    public MachineTimeline(MachineConfig config, ReasonTree reasons, long lateWindowMicros) {
        this.config = config;
        this.reasons = reasons;
        codes.add("");
        codeIndex.put("", 0);
        codeIndex.put("0", 0);
        if (config.state() instanceof StateSource.Enumerated) {
            enumState = new Series(true, lateWindowMicros);
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
                    ruleSeries.computeIfAbsent(c.signal(), k -> new Series(true, lateWindowMicros));
                    long[] b = ruleSignalBits.computeIfAbsent(c.signal(), k -> new long[1]);
                    b[0] |= 1L << bit;
                }
            }
        }
        product = config.productSignal() == null ? null : new Series(true, lateWindowMicros);
        reason = config.reasonSignal() == null ? null : new Series(true, lateWindowMicros);
        if (config.counts() != null) {
            CounterSignal[] c = {config.counts().produced(), config.counts().good(), config.counts().reject(),
                    config.counts().inspected(), config.counts().firstPassGood()};
            for (int i = 0; i < 5; i++) {
                counterCfg[i] = c[i];
                if (c[i] != null) counters[i] = new Series(c[i].kind() == CounterSignal.Kind.CUMULATIVE, lateWindowMicros);
            }
        }
        idealSignal = config.idealCycleTimeSignal() == null ? null : new Series(true, lateWindowMicros);
        energy = config.energy() == null ? null : new Series(config.energy().kind() == EnergyConfig.Kind.METER_KWH, lateWindowMicros);
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

    /** Applies one point for one role; returns false when it was rejected (too late) or ignored. */
    public boolean apply(String signal, Role role, long ts, Value value) {
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
        if (Double.isNaN(x) || s.tooLate(ts)) return false;
        if (s.put(ts, x)) {
            if (ts < dirtyFrom) dirtyFrom = ts;
            if (ts > newestData) newestData = ts;
        }
        return true;
    }

    public void setReason(long stopStartMicros, String code) {
        if (code == null || code.isEmpty()) operatorReasons.remove(stopStartMicros);
        else operatorReasons.put(stopStartMicros, code);
        if (stopStartMicros < dirtyFrom) dirtyFrom = stopStartMicros;
    }

    public Map<Long, String> operatorReasons() { return Map.copyOf(operatorReasons); }

    // ---------------------------------------------------------------- derivation

    private int compactions() {
        int c = enumState == null ? 0 : enumState.compactions();
        for (Series r : ruleSeries.values()) c += r.compactions();
        if (product != null) c += product.compactions();
        if (reason != null) c += reason.compactions();
        for (Series k : counters) if (k != null) c += k.compactions();
        if (energy != null) c += energy.compactions();
        if (idealSignal != null) c += idealSignal.compactions();
        return c;
    }

    /**
     * Re-derives what inputs at or after the earliest changed time affect: the state timeline and stops from there
     * on, the cumulative sums from the first point at or after it. A compaction (indices moved) rebuilds everything.
     */
    private void rebuild() {
        long from = dirtyFrom;
        if (from == Long.MAX_VALUE) return;
        dirtyFrom = Long.MAX_VALUE;
        int c = compactions();
        if (c != seenCompactions) {
            seenCompactions = c;
            from = Long.MIN_VALUE;
        }
        buildStates(from);
        buildStops(from);
        for (int i = 0; i < 5; i++) if (counters[i] != null) cumCount[i] = cumulate(counters[i], counterCfg[i].kind(), counterCfg[i].rolloverMax(), cumCount[i], from);
        for (int i = 0; i < 3; i++) if (counters[i] != null) buildIdeal(i, from);
        if (energy != null) {
            cumEnergy = config.energy().kind() == EnergyConfig.Kind.METER_KWH
                    ? cumulate(energy, CounterSignal.Kind.CUMULATIVE, 0, cumEnergy, from)
                    : integrate(energy, cumEnergy, from);
        }
    }

    private static double[] sized(double[] a, int n) {
        if (a == null) return new double[Math.max(16, n)];
        return a.length >= n ? a : Arrays.copyOf(a, Math.max(n, a.length + (a.length >> 1)));
    }

    private static int firstAtOrAfter(Series s, long from) {
        return from == Long.MIN_VALUE ? 0 : s.lower(from) + 1;
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
            for (int i = firstAtOrAfter(enumState, from); i < enumState.n; i++) emit(enumState.t[i], (int) enumState.v[i]);
            return;
        }
        Series[] in = ruleSeries.values().toArray(new Series[0]);
        String[] keys = ruleSeries.keySet().toArray(new String[0]);
        int[] pos = new int[in.length];
        long mask = 0;
        for (int j = 0; j < in.length; j++) {
            pos[j] = firstAtOrAfter(in[j], from);
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

    private String ruleSignalKey(int j) {
        int k = 0;
        for (String s : ruleSeries.keySet()) if (k++ == j) return s;
        throw new IllegalStateException();
    }

    private void buildStops(long from) {
        int keep = 0;
        while (keep < stops.size() && stops.get(keep).endMicros() < from) keep++;
        long scanFrom = keep > 0 ? stops.get(keep - 1).endMicros() : Long.MIN_VALUE;
        stops.subList(keep, stops.size()).clear();
        long threshold = (long) micros(config.microStopThreshold());
        int down = MachineState.UNPLANNED_DOWN.ordinal();
        for (int i = scanFrom == Long.MIN_VALUE ? 0 : lowerState(scanFrom) + 1; i < sn; i++) {
            if (ss[i] != down) continue;
            long start = st[i];
            long end = i + 1 < sn ? st[i + 1] : Long.MAX_VALUE;
            String op = operatorReasons.get(start);
            String code = op != null ? op : signalReason(start, end);
            String name = "", cat = "";
            if (!code.isEmpty()) {
                var m = reasons.find(code);
                name = m.map(x -> x.reason().name()).orElse(code);
                cat = m.map(x -> x.category().id()).orElse("");
            }
            boolean micro = end != Long.MAX_VALUE && end - start < threshold;
            stops.add(new Stop(config.id(), start, end, code, name, cat, op != null, micro));
        }
    }

    /** First reason code set during the stop, else the one current at its start; empty when none. */
    private String signalReason(long start, long end) {
        if (reason == null) return "";
        int i = reason.floor(start);
        if (i >= 0 && reason.v[i] != 0) return codes.get((int) reason.v[i]);
        for (int j = i + 1; j < reason.n && reason.t[j] < end; j++) if (reason.v[j] != 0) return codes.get((int) reason.v[j]);
        return "";
    }

    /** cum[i] = quantity counted up to and including point i (the first point of a cumulative counter is its baseline). */
    private static double[] cumulate(Series s, CounterSignal.Kind kind, double rolloverMax, double[] old, long from) {
        double[] cum = sized(old, s.n);
        int start = firstAtOrAfter(s, from);
        double total = start > 0 ? cum[start - 1] : 0;
        for (int i = start; i < s.n; i++) {
            double x = s.v[i];
            if (kind == CounterSignal.Kind.PER_INTERVAL) total += x;
            else if (i > 0) {
                double prev = s.v[i - 1];
                if (x >= prev) total += x - prev;
                else if (rolloverMax > 0 && prev > rolloverMax / 2) total += rolloverMax - prev + x + 1;
                else total += x;
            }
            cum[i] = total;
        }
        return cum;
    }

    /** cum[i] = kWh from the first sample to sample i, trapezoid rule on kW. */
    private static double[] integrate(Series s, double[] old, long from) {
        double[] cum = sized(old, s.n);
        int start = firstAtOrAfter(s, from);
        if (start == 0 && s.n > 0) cum[0] = 0;
        for (int i = Math.max(1, start); i < s.n; i++) cum[i] = cum[i - 1] + (s.v[i - 1] + s.v[i]) / 2 * ((s.t[i] - s.t[i - 1]) / 3.6e9);
        return cum;
    }

    /** Ideal production time prefix of a counter (produced, or good and reject when there is no produced counter). */
    private void buildIdeal(int which, long from) {
        Series c = counters[which];
        double[] cum = cumCount[which];
        double[] cumIdeal = this.cumIdeal[which] = sized(this.cumIdeal[which], c.n);
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

    // ---------------------------------------------------------------- queries

    /** Adds the time spent in each state in [a, b) to {@code acc} (indexed by state ordinal). */
    public void stateTimes(long a, long b, long[] acc) {
        rebuild();
        if (b <= a) return;
        int k = floorState(a);
        int cur = k < 0 ? MachineState.UNKNOWN.ordinal() : ss[k];
        long t = a;
        for (int i = k + 1; i < sn && st[i] < b; i++) {
            acc[cur] += st[i] - t;
            t = st[i];
            cur = ss[i];
        }
        acc[cur] += b - t;
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
        Series s = counters[which];
        if (s == null) return Double.NaN;
        return prefix(s, cumCount[which], b) - prefix(s, cumCount[which], a);
    }

    /**
     * Σ PRI × quantity counted in [a, b): of the produced counter, or of good plus reject when only those exist.
     */
    public double idealMicros(long a, long b) {
        rebuild();
        if (counters[PRODUCED] != null) return prefix(counters[PRODUCED], cumIdeal[PRODUCED], b) - prefix(counters[PRODUCED], cumIdeal[PRODUCED], a);
        double sum = 0;
        for (int i = GOOD; i <= REJECT; i++) {
            if (counters[i] != null) sum += prefix(counters[i], cumIdeal[i], b) - prefix(counters[i], cumIdeal[i], a);
        }
        return sum;
    }

    private static double prefix(Series s, double[] cum, long t) {
        int i = s.lower(t);
        return i < 0 ? 0 : cum[i];
    }

    /** kWh used in [a, b); 0 without an energy signal. */
    public double energyKwh(long a, long b) {
        rebuild();
        if (energy == null) return 0;
        if (config.energy().kind() == EnergyConfig.Kind.METER_KWH) return prefix(energy, cumEnergy, b) - prefix(energy, cumEnergy, a);
        return energyAt(b) - energyAt(a);
    }

    private double energyAt(long t) {
        Series s = energy;
        int k = s.floor(t);
        if (k < 0) return 0;
        if (k == s.n - 1) return cumEnergy[k];
        double dtH = (t - s.t[k]) / 3.6e9;
        double spanH = (s.t[k + 1] - s.t[k]) / 3.6e9;
        double p0 = s.v[k], p1 = s.v[k + 1];
        return cumEnergy[k] + p0 * dtH + (p1 - p0) * dtH * dtH / (2 * spanH);
    }

    /** Stops overlapping [a, b), in start order. */
    public List<Stop> stops(long a, long b) {
        rebuild();
        List<Stop> out = new ArrayList<>();
        int lo = 0, hi = stops.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (stops.get(mid).endMicros() <= a) lo = mid + 1;
            else hi = mid;
        }
        for (int i = lo; i < stops.size() && stops.get(i).startMicros() < b; i++) out.add(stops.get(i));
        return out;
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

    public long newestDataMicros() { return newestData; }
}
