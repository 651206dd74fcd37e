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
 * <p>Hot path: one hash lookup by signal id; signals without rules cost nothing more. Each alarm has its own lock, so
 * connections feeding different machines do not wait on each other.
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
    private final AtomicLong late = new AtomicLong();
    private final AtomicLong journalErrors = new AtomicLong();
    private final Map<String, Counter> transitionCounters = new ConcurrentHashMap<>();
    private final MeterRegistry metrics;
    private final ScheduledExecutorService timer;

    private volatile Map<String, Instance> byId = Map.of();
    private volatile Map<String, Slot[]> bySignal = Map.of();
    private volatile Map<String, List<Instance>> byMachine = Map.of();
    private volatile List<Instance> timed = List.of();
    /** Inputs of anomaly-score rules: computed signals that reach the live view but not the ingest fan-out. */
    private volatile java.util.Set<String> viaLive = java.util.Set.of();

    /** One alarm: its rule, evaluator, lifecycle and delay state, guarded by its own monitor. */
    private static final class Instance {
        final AlarmRule rule;
        final Evaluator evaluator;
        final Lifecycle lifecycle;
        final long[] lastInput;
        final String assetName;
        final String unit;
        long pendingSince = Long.MIN_VALUE;
        boolean pendingOn;
        /** The newest value of the first input, for {@code {text}}; formatted only when a message is rendered. */
        Value lastValue;
        /** The value when the alarm last activated: what the message shows, also after it returns to normal. */
        double shownValue = Double.NaN;

        Instance(AlarmRule rule, String assetName, String unit) {
            this.rule = rule;
            this.evaluator = rule.kind().evaluator();
            this.lifecycle = new Lifecycle(rule.latching());
            this.lastInput = new long[rule.kind().inputs().size()];
            java.util.Arrays.fill(lastInput, Long.MIN_VALUE);
            this.assetName = assetName;
            this.unit = unit;
        }
    }

    private record Slot(Instance instance, int input) {}

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
            Gauge.builder("lathe.alarm.points.late", late, AtomicLong::get)
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
        List<Instance> timedList = new ArrayList<>();
        Asset root = model.snapshot();
        for (AlarmRule r : rules) {
            if (ids.containsKey(r.id())) throw new IllegalArgumentException("alarm id appears twice [id=" + r.id() + "]");
            Asset a = root.find(r.asset());
            Signal s = model.signal(r.kind().inputs().get(0));
            Instance in = new Instance(r, a == null ? r.asset() : a.name(), s == null ? "" : s.unit());
            Instance old = byId.get(r.id());
            if (old != null) {
                synchronized (old) {
                    in.lifecycle.restore(old.lifecycle.status());
                }
            } else if (restored.containsKey(r.id())) {
                in.lifecycle.restore(restored.get(r.id()));
            }
            ids.put(r.id(), in);
            List<String> inputs = r.kind().inputs();
            for (int i = 0; i < inputs.size(); i++) signals.computeIfAbsent(inputs.get(i), k -> new ArrayList<>()).add(new Slot(in, i));
            machines.computeIfAbsent(r.asset(), k -> new ArrayList<>()).add(in);
            timedList.add(in); // every alarm ticks: delays, shelve ends and suppression need time too
        }
        Map<String, Slot[]> index = new HashMap<>();
        signals.forEach((k, v) -> index.put(k, v.toArray(new Slot[0])));
        java.util.Set<String> scores = new java.util.HashSet<>();
        for (AlarmRule r : rules) if (r.kind() instanceof AnomalyScoreKind k) scores.add(k.signal());
        viaLive = java.util.Set.copyOf(scores);
        byId = ids;
        bySignal = index;
        byMachine = machines;
        timed = timedList;
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

    @Override
    public void accept(Signal signal, long t, Value value, Quality quality, boolean historical) {
        String id = signal.id();
        if (planned != PlannedStops.NONE && planned.signals().contains(id) && !historical) planned.onPoint(id, t, value);
        Slot[] slots = bySignal.get(id);
        if (slots == null) return;
        if (historical) {
            late.incrementAndGet();
            return;
        }
        // Bad or uncertain values are not process values: they do not decide a condition (a stale rule sees the gap).
        if (quality != Quality.GOOD) return;
        for (Slot s : slots) {
            Instance in = s.instance;
            synchronized (in) {
                if (t < in.lastInput[s.input]) {
                    late.incrementAndGet();
                    continue;
                }
                in.lastInput[s.input] = t;
                if (s.input == 0) in.lastValue = value;
                decide(in, in.evaluator.point(s.input, t, value), t);
            }
        }
    }

    /**
     * A listener for {@link io.lathe.ingest.LiveState#subscribe}: passes on the points of anomaly-score inputs only.
     * Scores are computed inside Lathe (the predictive-maintenance monitor writes them to the store and the live view,
     * not through the ingest fan-out), so this is how their alarms see them. Other signals come through {@link #accept}.
     */
    public java.util.function.Consumer<io.lathe.ingest.Latest> liveListener() {
        return l -> {
            if (!viaLive.contains(l.signalId())) return;
            Signal s = model.signal(l.signalId());
            if (s != null) accept(s, l.timestampMicros(), l.value(), l.quality(), false);
        };
    }

    @Override
    public void markStale(Signal signal, long t) {
        Slot[] slots = bySignal.get(signal.id());
        if (slots == null) return;
        for (Slot s : slots) {
            synchronized (s.instance) {
                decide(s.instance, s.instance.evaluator.stale(s.input, t), Math.max(t, s.instance.lastInput[s.input]));
            }
        }
    }

    /** Applies on/off delays to a condition result; caller holds the instance's lock. */
    private void decide(Instance in, int r, long t) {
        if (r == Evaluator.UNKNOWN) {
            pending(in, t);
            return;
        }
        boolean on = r == Evaluator.ON;
        if (on == in.lifecycle.active()) {
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
        }
        pending(in, t);
    }

    private void pending(Instance in, long now) {
        if (in.pendingSince == Long.MIN_VALUE) return;
        long delay = (in.pendingOn ? in.rule.onDelay() : in.rule.offDelay()).toNanos() / 1000;
        if (now - in.pendingSince >= delay) {
            boolean on = in.pendingOn;
            in.pendingSince = Long.MIN_VALUE;
            if (on != in.lifecycle.active()) change(in, on, now);
        }
    }

    private void change(Instance in, boolean on, long t) {
        in.pendingSince = Long.MIN_VALUE;
        Lifecycle.Change c = in.lifecycle.condition(on, t, in.evaluator.value());
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
        for (Instance in : timed) {
            synchronized (in) {
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
                    long t = Math.max(now, in.lastInput[0]);
                    decide(in, in.evaluator.tick(t), t);
                } else {
                    pending(in, Math.max(now, in.lastInput[0]));
                }
            }
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
            Lifecycle.Change c = action.apply(in.lifecycle);
            if (c != null) record(in, c, now(), user, blankToNull(comment));
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

    private Alarm snapshot(Instance in) {
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
        return late.get();
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
