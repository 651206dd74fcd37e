package io.lathe.alarm;

import io.lathe.ingest.PointSink;
import io.lathe.model.Asset;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The alarm engine: a consumer of points (a {@link PointSink} in the ingest fan-out) that evaluates each alarm rule on
 * the points of its inputs, runs the ISA-18.2 {@link Lifecycle} and journals every transition ({@link AlarmJournal})
 * before anyone can see it.
 *
 * <p>Hot path: one probe of an open-addressing index by signal id (key and alarm side by side, one cache line);
 * signals without rules cost nothing more. A point inside the normal band of an alarm whose condition does not hold
 * ({@link RuleKind#normalBand()}, a limit alarm in a healthy plant) reads and writes only the alarm's own object: no
 * evaluator call, no lifecycle, no allocation. Each alarm has its own lock, so connections feeding different machines
 * do not wait on each other. The timer visits only alarms with work in time (timed kinds, suppression by design,
 * pending delays, timed shelves), not every alarm.
 *
 * <p>Late and historical points: an alarm is about the present. A point flagged historical (Sparkplug
 * {@code is_historical}), or older than the newest point the alarm already evaluated for that input, does not change
 * the live alarm state; it is stored as history by the store as usual and counted here
 * ({@code lathe_alarm_points_late_total}). After a restart the alarm state comes from the journal, not from
 * re-evaluating history: an alarm active before the crash stays active (and unacknowledged if it was) until a new point
 * says otherwise.
 */
public final class AlarmEngine implements PointSink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AlarmEngine.class);
    public static final String SYSTEM = "system";

    private final AlarmSettings settings;
    private final PlantModel model;
    private final InstantSource clock;
    private final PlannedStops planned;
    private final AlarmJournal journal;
    private final Map<String, Transition.Status> restored = new HashMap<>();
    private final ArrayDeque<Transition> history = new ArrayDeque<>();
    private final List<AlarmListener> listeners = new CopyOnWriteArrayList<>();
    /** An adder: the lanes count late points on every ingest thread at once. */
    private final java.util.concurrent.atomic.LongAdder late = new java.util.concurrent.atomic.LongAdder();
    private final AtomicLong journalErrors = new AtomicLong();
    private final Map<String, Counter> transitionCounters = new ConcurrentHashMap<>();
    private final MeterRegistry metrics;
    private final ScheduledExecutorService timer;

    private volatile Map<String, Instance> byId = Map.of();
    private volatile SignalIndex bySignal = SignalIndex.EMPTY;
    /** Bumped after each new rule set is in place: what {@link #wants} answers changes only then. */
    private volatile long rulesVersion;
    private volatile Map<String, List<Instance>> byMachine = Map.of();
    /** Alarms the timer visits every tick: timed kinds and suppression by design. */
    private volatile List<Instance> ticking = List.of();
    /** Other alarms with work in time now (a pending on/off delay, a timed shelve); the timer drops them when done. */
    private volatile java.util.Set<Instance> watched = ConcurrentHashMap.newKeySet();
    /** Inputs of anomaly-score rules: computed signals that reach the live view but not the ingest fan-out. */
    private volatile java.util.Set<String> viaLive = java.util.Set.of();

    /**
     * One alarm: its rule, evaluator, lifecycle and delay state, guarded by its own monitor. What the normal path
     * needs (newest time, band, whether the condition or the alarm is on, pending delay) is here, so a normal point
     * reads this object only.
     */
    private static final class Instance {
        final AlarmRule rule;
        final Evaluator evaluator;
        final Lifecycle lifecycle;
        /** Newest timestamps of inputs 1..n-1 (index 0 unused: the first input's is {@link #last0}). */
        final long[] lastInput;
        final String assetName;
        final String unit;
        /** The normal band of the first input ({@link RuleKind#normalBand()}); empty (NaN) when the kind has none. */
        final double bandAbove, bandBelow;
        /** True when the timer visits this alarm every tick. */
        final boolean ticks;
        long last0 = Long.MIN_VALUE;
        long pendingSince = Long.MIN_VALUE;
        boolean pendingOn;
        /** The evaluator's newest answer other than UNKNOWN was ON. */
        boolean conditionOn;
        /** Mirrors {@code lifecycle.active()}, which only the engine's {@code change} and {@code setRules} change. */
        boolean active;
        /**
         * The newest point ({@link #last0}, {@link #lastValue}) was a normal one the evaluator and lifecycle have not
         * seen yet; {@link #catchUp} hands it over before anything reads or changes them.
         */
        boolean deferred;
        /** The newest value of the first input, for {@code {text}}; formatted only when a message is rendered. */
        Value lastValue;
        /** The value when the alarm last activated: what the message shows, also after it returns to normal. */
        double shownValue = Double.NaN;
        /** Where normal points of the first input wait while the alarm is quiet (null: no lane, see SignalIndex.find). */
        NormalLanes lanes;
        int lane = -1;

        Instance(AlarmRule rule, String assetName, String unit) {
            this.rule = rule;
            this.evaluator = rule.kind().evaluator();
            this.lifecycle = new Lifecycle(rule.latching());
            this.lastInput = new long[rule.kind().inputs().size()];
            java.util.Arrays.fill(lastInput, Long.MIN_VALUE);
            this.assetName = assetName;
            this.unit = unit;
            RuleKind.Band b = rule.kind().normalBand();
            this.bandAbove = b == null ? Double.NaN : b.above();
            this.bandBelow = b == null ? Double.NaN : b.below();
            this.ticks = rule.kind().timed() || rule.suppressWhenPlanned();
        }

        /** Needs the timer although it is not in {@link #ticks}: a delay running or a shelve that ends by itself. */
        boolean waiting() {
            return pendingSince != Long.MIN_VALUE || lifecycle.shelved() && !lifecycle.oneShot();
        }
    }

    private record Slot(Instance instance, int input) {}

    /**
     * Signal id to its alarms: an {@link Instance} when the signal is the first input of exactly one alarm (the usual
     * case), else a {@code Slot[]}. Open addressing with key and value side by side, so a probe reads one cache line;
     * keys are the plant model's own id strings where it has the signal, so the probe compares references and does not
     * read the key (a second pass compares contents, for callers holding another copy of the id). Immutable.
     */
    private static final class SignalIndex {
        static final SignalIndex EMPTY = new SignalIndex(Map.of());
        /** Key at {@code 2i}, value at {@code 2i + 1}. */
        private final Object[] table;
        private final int mask;
        private final int shift;
        /** {@link #get} answers by signal ordinal: the table is large and probed at random, so it misses the cache. */
        private final io.lathe.model.SignalSlots<Object> bySignal = new io.lathe.model.SignalSlots<>();
        private static final Object NONE = new Object();
        final NormalLanes lanes = new NormalLanes();

        SignalIndex(Map<String, Object> entries) {
            int cap = 4;
            while (cap < 2 * entries.size()) cap <<= 1; // at most half full: short probe runs
            table = new Object[2 * cap];
            mask = cap - 1;
            shift = 32 - Integer.numberOfTrailingZeros(cap);
            entries.forEach((k, v) -> {
                int i = home(k);
                while (table[2 * i] != null) i = (i + 1) & mask;
                table[2 * i] = k;
                table[2 * i + 1] = v;
            });
        }

        private int home(String key) {
            return (key.hashCode() * 0x9E3779B9) >>> shift; // Fibonacci hashing spreads ids that differ only at the end
        }

        /** The signal's Instance or Slot[], or null. */
        Object find(Signal signal) {
            if (this == EMPTY) return null; // no alarms: not even the id's hash
            Object a = bySignal.get(signal);
            if (a == null) {
                a = get(signal.id());
                if (a instanceof Instance in && !Double.isNaN(in.bandAbove)) openLane(in, signal);
                bySignal.put(signal, a == null ? NONE : a);
            }
            return a == NONE ? null : a;
        }

        private void openLane(Instance in, Signal signal) {
            synchronized (in) {
                if (in.lanes != null) return; // another signal object of the same id has it
                catchUp(in);
                in.lane = lanes.open(signal, in.bandAbove, in.bandBelow, in.last0, !in.conditionOn && !in.active);
                if (in.lane >= 0) in.lanes = lanes;
            }
        }

        Object get(String key) {
            if (this == EMPTY) return null;
            Object[] t = table;
            int h = home(key);
            for (int i = h; ; i = (i + 1) & mask) {
                Object k = t[2 * i];
                if (k == key) return t[2 * i + 1];
                if (k == null) break;
            }
            for (int i = h; ; i = (i + 1) & mask) {
                Object k = t[2 * i];
                if (k == null) return null;
                if (key.equals(k)) return t[2 * i + 1];
            }
        }
    }

    private AlarmEngine(AlarmSettings settings, PlantModel model, InstantSource clock, PlannedStops planned, AlarmJournal journal,
                        List<Transition> replayed, MeterRegistry metrics) {
        this.settings = settings;
        this.model = model;
        this.clock = clock;
        this.planned = planned == null ? PlannedStops.NONE : planned;
        this.journal = journal;
        this.metrics = metrics;
        for (Transition t : replayed) {
            restored.put(t.alarm(), t.status());
            remember(t);
        }
        if (metrics != null) {
            Gauge.builder("lathe.alarm.active", this, e -> e.count(a -> a.active())).description("Alarms whose condition holds").register(metrics);
            Gauge.builder("lathe.alarm.unacknowledged", this, e -> e.count(a -> !a.acknowledged()))
                    .description("Alarms waiting for an acknowledgement").register(metrics);
            Gauge.builder("lathe.alarm.points.late", late, java.util.concurrent.atomic.LongAdder::sum)
                    .description("Historical or late points that did not change live alarm state").register(metrics);
            Gauge.builder("lathe.alarm.journal.errors", journalErrors, AtomicLong::get)
                    .description("Transitions the journal failed to write (disk full, I/O error)").register(metrics);
        }
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lathe-alarm-timer");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Opens the journal in {@code dir} ({@code journal.jsonl}), restores the alarm states it holds and starts the timer.
     *
     * @param planned planned stops for suppression by design; null for none
     * @param metrics where the engine's meters go; null for none
     */
    public static AlarmEngine open(AlarmSettings settings, PlantModel model, Path dir, InstantSource clock, PlannedStops planned,
                                   MeterRegistry metrics) throws IOException {
        AlarmJournal.Opened o = AlarmJournal.open(dir.resolve("journal.jsonl"), settings.journalSync());
        AlarmEngine e = new AlarmEngine(settings, Objects.requireNonNull(model, "model"), clock, planned, o.journal(), o.transitions(), metrics);
        if (!o.transitions().isEmpty()) {
            log.info("alarm journal replayed [file={}, transitions={}, alarms={}, skipped lines={}]", o.journal().file(), o.transitions().size(),
                    e.restored.size(), o.journal().skipped());
        }
        long tick = settings.tickInterval().toMillis();
        e.timer.scheduleWithFixedDelay(e::tickSafely, tick, tick, TimeUnit.MILLISECONDS);
        return e;
    }

    public AlarmSettings settings() {
        return settings;
    }

    // ---- rules ----

    /**
     * Replaces the rule set. Alarms whose id stays keep their lifecycle (state, shelving, out of service); their
     * evaluator starts afresh. An alarm of a removed rule disappears from the live list (its history stays).
     */
    public synchronized void setRules(Collection<AlarmRule> rules) {
        Map<String, Instance> ids = new LinkedHashMap<>();
        Map<String, List<Slot>> signals = new HashMap<>();
        Map<String, List<Instance>> machines = new HashMap<>();
        List<Instance> tickList = new ArrayList<>();
        java.util.Set<Instance> waiting = ConcurrentHashMap.newKeySet();
        Asset root = model.snapshot();
        for (AlarmRule r : rules) {
            if (ids.containsKey(r.id())) throw new IllegalArgumentException("alarm id appears twice [id=" + r.id() + "]");
            Asset a = root.find(r.asset());
            Signal s = model.signal(r.kind().inputs().get(0));
            Instance in = new Instance(r, a == null ? r.asset() : a.name(), s == null ? "" : s.unit());
            Instance old = byId.get(r.id());
            if (old != null) {
                synchronized (old) {
                    catchUp(old);
                    in.lifecycle.restore(old.lifecycle.status());
                }
            } else if (restored.containsKey(r.id())) {
                in.lifecycle.restore(restored.get(r.id()));
            }
            in.active = in.lifecycle.active();
            ids.put(r.id(), in);
            List<String> inputs = r.kind().inputs();
            for (int i = 0; i < inputs.size(); i++) signals.computeIfAbsent(inputs.get(i), k -> new ArrayList<>()).add(new Slot(in, i));
            machines.computeIfAbsent(r.asset(), k -> new ArrayList<>()).add(in);
            if (in.ticks) tickList.add(in);
            else if (in.waiting()) waiting.add(in); // a restored timed shelve still has to end
        }
        Map<String, Object> index = new HashMap<>();
        signals.forEach((k, v) -> {
            Signal known = model.signal(k);
            String key = known != null && known.id().equals(k) ? known.id() : k; // the model's instance: probes compare references
            index.put(key, v.size() == 1 && v.get(0).input == 0 ? v.get(0).instance : v.toArray(new Slot[0]));
        });
        java.util.Set<String> scores = new java.util.HashSet<>();
        for (AlarmRule r : rules) if (r.kind() instanceof AnomalyScoreKind k) scores.add(k.signal());
        viaLive = java.util.Set.copyOf(scores);
        // The timer's sets first: an alarm reachable through byId or bySignal must find them in place (see watch()).
        ticking = tickList;
        watched = waiting;
        byId = ids;
        bySignal = index.isEmpty() ? SignalIndex.EMPTY : new SignalIndex(index);
        rulesVersion++; // only setRules writes it, synchronized
        byMachine = machines;
    }

    /** Every rule, in definition order. */
    public List<AlarmRule> rules() {
        List<AlarmRule> out = new ArrayList<>();
        for (Instance in : byId.values()) out.add(in.rule);
        return out;
    }

    public AlarmRule rule(String id) {
        Instance in = byId.get(id);
        return in == null ? null : in.rule;
    }

    // ---- points ----

    /** Signals without alarms that do not tell planned stops: nothing to do with their points or stale marks. */
    @Override
    public boolean wants(Signal signal) {
        PlannedStops p = planned;
        return bySignal.find(signal) != null || (p != PlannedStops.NONE && p.signals().contains(signal.id()));
    }

    @Override
    public long wantsVersion() {
        return rulesVersion;
    }

    @Override
    public void accept(Signal signal, long t, Value value, Quality quality, boolean historical) {
        if (planned != PlannedStops.NONE && !historical) {
            String id = signal.id();
            if (planned.signals().contains(id)) planned.onPoint(id, t, value);
        }
        SignalIndex index = bySignal;
        if (!historical && quality == Quality.GOOD && index.lanes.take(signal, t, value, late)) return;
        Object alarms = index.find(signal);
        if (alarms == null) return;
        if (historical) {
            late.increment();
            return;
        }
        // Bad or uncertain values are not process values: they do not decide a condition (a stale rule sees the gap).
        if (quality != Quality.GOOD) return;
        if (alarms instanceof Instance in) {
            point(in, 0, t, value);
        } else {
            for (Slot s : (Slot[]) alarms) point(s.instance, s.input, t, value);
        }
    }

    private void point(Instance in, int input, long t, Value value) {
        synchronized (in) {
            merge(in);
            if (input == 0) {
                if (t < in.last0) {
                    late.increment();
                    return;
                }
                if (!in.conditionOn && !in.active) {
                    double v = value.asDouble();
                    if (v > in.bandAbove && v < in.bandBelow) {
                        // Normal and staying so: all the evaluator and lifecycle would do is take the value (see
                        // RuleKind.normalBand), and an on-delay that was running ends, as decide() would.
                        in.last0 = t;
                        in.lastValue = value;
                        in.deferred = true;
                        in.pendingSince = Long.MIN_VALUE;
                        return;
                    }
                }
                catchUp(in);
                in.last0 = t;
                in.lastValue = value;
                if (in.lanes != null) in.lanes.time(in.lane, t);
            } else {
                if (t < in.lastInput[input]) {
                    late.increment();
                    return;
                }
                catchUp(in);
                in.lastInput[input] = t;
            }
            decide(in, answer(in, in.evaluator.point(input, t, value)), t);
        }
    }

    /** Hands a deferred normal point to the evaluator and lifecycle; caller holds the instance's lock. */
    private static void catchUp(Instance in) {
        merge(in);
        if (!in.deferred) return;
        in.deferred = false;
        answer(in, in.evaluator.point(0, in.last0, in.lastValue)); // OFF by the band's promise
        in.lifecycle.condition(in.active, in.last0, in.evaluator.value()); // takes the value, no transition
    }

    /** Takes the newest point from the alarm's lane as a deferred normal one; caller holds the instance's lock. */
    private static void merge(Instance in) {
        if (in.lanes == null) return;
        long t = in.lanes.time(in.lane);
        if (t <= in.last0) return;
        in.lastValue = in.lanes.value(in.lane);
        in.last0 = t;
        in.deferred = true;
        in.pendingSince = Long.MIN_VALUE; // an on-delay that was running ends, as decide() would
    }

    /** Tells the lane whether normal points may bypass the lock; after any change of conditionOn or active. */
    private static void quietChanged(Instance in) {
        if (in.lanes != null) in.lanes.quiet(in.lane, !in.conditionOn && !in.active);
    }

    private static int answer(Instance in, int r) {
        if (r != Evaluator.UNKNOWN) {
            in.conditionOn = r == Evaluator.ON;
            quietChanged(in);
        }
        return r;
    }

    private static long lastInput(Instance in, int input) {
        return input == 0 ? in.last0 : in.lastInput[input];
    }

    /**
     * A listener for {@link io.lathe.ingest.LiveState#subscribe}: passes on the points of anomaly-score inputs only.
     * Scores are computed inside Lathe (the predictive-maintenance monitor writes them to the store and the live view,
     * not through the ingest fan-out), so this is how their alarms see them. Other signals come through {@link #accept}.
     */
    /** For {@code LiveState.subscribe(wants, listener)}: whether {@link #liveListener()} wants this signal's changes. */
    public boolean wantsLive(String signalId) {
        java.util.Set<String> scores = viaLive;
        return !scores.isEmpty() && scores.contains(signalId);
    }

    public java.util.function.Consumer<io.lathe.ingest.Latest> liveListener() {
        return l -> {
            java.util.Set<String> scores = viaLive;
            if (scores.isEmpty() || !scores.contains(l.signalId())) return; // most plants: no score alarms, no id read
            Signal s = model.signal(l.signalId());
            if (s != null) accept(s, l.timestampMicros(), l.value(), l.quality(), false);
        };
    }

    @Override
    public void markStale(Signal signal, long t) {
        markStale(bySignal.find(signal), signal, t);
    }

    private void markStale(Object alarms, Signal signal, long t) {
        if (alarms == null) return;
        if (alarms instanceof Instance in) {
            stale(in, 0, t);
        } else {
            for (Slot s : (Slot[]) alarms) stale(s.instance, s.input, t);
        }
    }

    private void stale(Instance in, int input, long t) {
        synchronized (in) {
            catchUp(in);
            decide(in, answer(in, in.evaluator.stale(input, t)), Math.max(t, lastInput(in, input)));
        }
    }

    /** Applies on/off delays to a condition result; caller holds the instance's lock. */
    private void decide(Instance in, int r, long t) {
        if (r == Evaluator.UNKNOWN) {
            pending(in, t);
            return;
        }
        boolean on = r == Evaluator.ON;
        if (on == in.active) {
            in.pendingSince = Long.MIN_VALUE;
            in.lifecycle.condition(on, t, in.evaluator.value()); // keeps the value current, no transition
            return;
        }
        long delay = (on ? in.rule.onDelay() : in.rule.offDelay()).toNanos() / 1000;
        if (delay == 0) {
            change(in, on, t);
            return;
        }
        if (in.pendingSince == Long.MIN_VALUE || in.pendingOn != on) {
            in.pendingSince = t;
            in.pendingOn = on;
            watch(in);
        }
        pending(in, t);
    }

    /** The timer must visit the alarm until its delay or shelve is over; caller holds the instance's lock. */
    private void watch(Instance in) {
        // Not an alarm a rule change replaced while a point was on its way: the timer would journal for a dead copy.
        if (!in.ticks && byId.get(in.rule.id()) == in) watched.add(in);
    }

    private void pending(Instance in, long now) {
        if (in.pendingSince == Long.MIN_VALUE) return;
        long delay = (in.pendingOn ? in.rule.onDelay() : in.rule.offDelay()).toNanos() / 1000;
        if (now - in.pendingSince >= delay) {
            boolean on = in.pendingOn;
            in.pendingSince = Long.MIN_VALUE;
            if (on != in.active) change(in, on, now);
        }
    }

    private void change(Instance in, boolean on, long t) {
        in.pendingSince = Long.MIN_VALUE;
        Lifecycle.Change c = in.lifecycle.condition(on, t, in.evaluator.value());
        in.active = in.lifecycle.active();
        quietChanged(in);
        if (c == null) return;
        if (on) in.shownValue = in.evaluator.value();
        record(in, c, t, SYSTEM, null);
        if (in.lifecycle.oneShotDone()) record(in, in.lifecycle.unshelve(t), t, SYSTEM, "one-shot shelve ended: the alarm returned to normal");
    }

    // ---- time ----

    private void tickSafely() {
        try {
            tick(clock.millis() * 1000);
        } catch (RuntimeException e) {
            log.warn("alarm timer failed; it runs again next tick", e);
        }
    }

    /** Checks time-based conditions, delays, shelve ends and suppression as of {@code now} (tests call it directly). */
    public void tick(long now) {
        for (Instance in : ticking) {
            synchronized (in) {
                visit(in, now);
            }
        }
        for (java.util.Iterator<Instance> it = watched.iterator(); it.hasNext(); ) {
            Instance in = it.next();
            synchronized (in) {
                visit(in, now);
                if (!in.waiting()) it.remove(); // added again (under this lock) when a delay or shelve starts
            }
        }
    }

    /** One alarm's time-driven work; caller holds the instance's lock. */
    private void visit(Instance in, long now) {
        catchUp(in);
        Lifecycle lc = in.lifecycle;
        if (lc.shelved() && !lc.oneShot() && now >= lc.shelvedUntil()) {
            record(in, lc.unshelve(now), now, SYSTEM, "shelve time over");
        }
        if (in.rule.suppressWhenPlanned()) {
            Lifecycle.Change c = lc.suppress(planned.planned(in.rule.asset(), now), now);
            if (c != null) record(in, c, now, SYSTEM, null);
        }
        if (in.rule.kind().timed()) {
            // A tick never runs ahead of the newest point: with a simulation faster than the clock the points lead.
            long t = Math.max(now, in.last0);
            decide(in, answer(in, in.evaluator.tick(t)), t);
        } else {
            pending(in, Math.max(now, in.last0));
        }
    }

    // ---- operator actions ----

    public Alarm acknowledge(String id, String user, String comment) {
        return act(id, user, comment, lc -> lc.ack(now()));
    }

    public Alarm reset(String id, String user, String comment) {
        return act(id, user, comment, lc -> lc.reset(now()));
    }

    public Alarm comment(String id, String user, String comment) {
        if (comment == null || comment.isBlank()) throw invalidRequest("comment is required");
        return act(id, user, comment, lc -> lc.comment(now()));
    }

    /**
     * Shelves an alarm: for {@code minutes} (at most {@link AlarmSettings#maxShelve()}), or one-shot until it next
     * returns to normal. A reason is required.
     */
    public Alarm shelve(String id, String user, String comment, Integer minutes, boolean oneShot) {
        if (comment == null || comment.isBlank()) throw invalidRequest("comment is required: why the alarm is shelved");
        long now = now();
        long until;
        if (oneShot) {
            until = Long.MAX_VALUE;
        } else {
            if (minutes == null || minutes <= 0) throw invalidRequest("minutes must be a positive number (or oneShot true), but was " + minutes);
            if ((long) minutes * 60 > settings.maxShelve().toSeconds()) {
                throw invalidRequest("minutes must be at most " + settings.maxShelve().toMinutes() + " (alarms.max-shelve), but was " + minutes);
            }
            until = now + minutes * 60_000_000L;
        }
        return act(id, user, comment, lc -> lc.shelve(now, until, oneShot));
    }

    public Alarm unshelve(String id, String user, String comment) {
        return act(id, user, comment, lc -> lc.unshelve(now()));
    }

    public Alarm outOfService(String id, String user, String comment) {
        if (comment == null || comment.isBlank()) throw invalidRequest("comment is required: why the alarm is taken out of service");
        return act(id, user, comment, lc -> lc.outOfService(now()));
    }

    public Alarm inService(String id, String user, String comment) {
        return act(id, user, comment, lc -> lc.inService(now()));
    }

    private Alarm act(String id, String user, String comment, java.util.function.Function<Lifecycle, Lifecycle.Change> action) {
        Instance in = byId.get(id);
        if (in == null) throw new AlarmException(AlarmException.Code.NOT_FOUND, "no alarm [id=" + id + "]");
        synchronized (in) {
            catchUp(in);
            Lifecycle.Change c = action.apply(in.lifecycle);
            if (c != null) record(in, c, now(), user, blankToNull(comment));
            if (in.waiting()) watch(in); // a timed shelve ends by the timer
            return snapshot(in);
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static AlarmException invalidRequest(String m) {
        return new AlarmException(AlarmException.Code.INVALID_REQUEST, m);
    }

    private long now() {
        return clock.millis() * 1000;
    }

    // ---- journal ----

    private void record(Instance in, Lifecycle.Change c, long t, String user, String comment) {
        Transition tr = new Transition(0, in.rule.id(), in.rule.asset(), t, c.event(), c.from(), c.to(), user, comment,
                in.lifecycle.value(), in.lifecycle.status());
        try {
            tr = journal.append(tr);
        } catch (IOException e) {
            journalErrors.incrementAndGet();
            log.warn("alarm transition not journaled [alarm={}, event={}]: {}. It holds in memory but is lost on a crash; check the data folder's disk",
                    in.rule.id(), c.event(), e.toString());
        }
        remember(tr);
        if (metrics != null) {
            transitionCounters.computeIfAbsent(c.event(), ev -> Counter.builder("lathe.alarm.transitions").tag("event", ev)
                    .description("Alarm lifecycle transitions by event").register(metrics)).increment();
        }
        Alarm a = snapshot(in);
        for (AlarmListener l : listeners) {
            try {
                l.onTransition(tr, a);
            } catch (RuntimeException e) {
                log.warn("alarm listener failed [alarm={}]", in.rule.id(), e);
            }
        }
    }

    private void remember(Transition t) {
        synchronized (history) {
            history.addLast(t);
            while (history.size() > settings.historyLimit()) history.removeFirst();
        }
    }

    public void addListener(AlarmListener l) {
        listeners.add(Objects.requireNonNull(l, "listener"));
    }

    // ---- queries ----

    /** Caller holds the instance's lock. */
    private Alarm snapshot(Instance in) {
        catchUp(in);
        Lifecycle lc = in.lifecycle;
        AlarmRule r = in.rule;
        return new Alarm(r.id(), r.name(), r.asset(), in.assetName, r.kind().id(), r.priority(), lc.state(), lc.active(), lc.acknowledged(),
                lc.shelved(), lc.shelvedUntil(), lc.oneShot(), lc.outOfService(), lc.suppressed(), render(in), lc.value(), in.unit,
                lc.activeSince(), lc.lastChange(), r.response());
    }

    private static String render(Instance in) {
        String t = in.rule.template();
        if (t.indexOf('{') < 0) return t;
        return t.replace("{name}", in.rule.name()).replace("{value}", number(Double.isNaN(in.shownValue) ? in.lifecycle.value() : in.shownValue)).replace("{unit}", in.unit)
                .replace("{limit}", number(in.rule.kind().limit())).replace("{text}", in.lastValue == null ? "" : StateKind.text(in.lastValue)).replace("{asset}", in.assetName)
                .replace("  ", " ").strip();
    }

    /** A number as people read it: up to 3 decimals, no trailing zeros; "?" for none. */
    static String number(double v) {
        if (Double.isNaN(v)) return "?";
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return new java.math.BigDecimal(v).setScale(3, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }

    /** Every alarm now, urgent first, then by last change (newest first). */
    public List<Alarm> alarms() {
        List<Alarm> out = new ArrayList<>();
        for (Instance in : byId.values()) {
            synchronized (in) {
                out.add(snapshot(in));
            }
        }
        out.sort(Comparator.comparing(Alarm::priority).thenComparing(Comparator.comparingLong(Alarm::lastChangeMicros).reversed()));
        return out;
    }

    public Alarm alarm(String id) {
        Instance in = byId.get(id);
        if (in == null) return null;
        synchronized (in) {
            return snapshot(in);
        }
    }

    private long count(java.util.function.Predicate<Lifecycle> p) {
        long n = 0;
        for (Instance in : byId.values()) {
            synchronized (in) {
                if (p.test(in.lifecycle)) n++;
            }
        }
        return n;
    }

    /** Transitions in memory (the newest {@link AlarmSettings#historyLimit()}), oldest first, matching the filter. */
    public List<Transition> transitions(java.util.function.Predicate<Transition> filter) {
        List<Transition> out = new ArrayList<>();
        synchronized (history) {
            for (Transition t : history) if (filter.test(t)) out.add(t);
        }
        return out;
    }

    /** Time of the newest transition in memory, {@link Long#MIN_VALUE} when none. */
    public long newestTransitionMicros() {
        synchronized (history) {
            return history.isEmpty() ? Long.MIN_VALUE : history.peekLast().atMicros();
        }
    }

    /** Late or historical points that did not change live state. */
    public long latePoints() {
        return late.sum();
    }

    @Override
    public void close() throws IOException {
        timer.shutdownNow();
        try {
            timer.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        journal.close();
    }
}
