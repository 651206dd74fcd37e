package io.lathe.predict.live;

import io.lathe.kpi.MachineState;
import io.lathe.kpi.StateSource;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.lathe.predict.model.ModelFile;
import io.lathe.predict.model.ModelRepository;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The health models of one machine fed with its points in time order: holds each signal's last value, and every time
 * the data time moves on (at most once per {@link HealthSettings#minStep}) evaluates the instant before, using only
 * values up to it (no look-ahead). While the machine runs it learns (the first {@link HealthSettings#training} of
 * running) or scores; while it does not run nothing is learned or scored, so planned stops, idling and the cooling of
 * a stopped machine never raise the score. After a wear-out failure the repaired machine is a new normal: the
 * anomaly model learns again, and the finished cycle of scores trains the RUL model. Each model learned live records
 * why it learned (its {@code validation.learningTrigger}: the first running hours, or a wear-out repair with when) and,
 * after a repair, the monitor's verdict on the model before it ({@code previousModel}, see {@link #endCycle}).
 *
 * <p>Not thread-safe: {@link HealthMonitor} calls it under the machine's lock.
 */
final class MachineMonitor {
    /** Running-time spacing of the kept health index of the current cycle (for RUL). */
    private static final double CYCLE_POINT_SECONDS = 60;
    private static final int MAX_CYCLE_POINTS = 20_000;
    private static final int MAX_LEARN_ROWS = 200_000;
    private static final int MAX_CYCLES = 50;
    /**
     * A model that scored fewer running hours than this many learning windows before a wear-out failure learned a part
     * near the end of its life: its window was mostly worn, so the failure could not be led by much (see
     * {@link #endCycle}). Recorded in the next model's metadata.
     */
    static final double SUSPECT_WINDOWS = 2.0;

    /** A point the monitor writes. */
    record Emit(String kind, long timestampMicros, double value) {}

    private record Held(Signal signal, double number, String text, long micros) {}

    final MachineBinding binding;
    private final HealthSettings settings;
    private final Map<String, Held> held = new HashMap<>();
    private long pendingMicros = Long.MIN_VALUE;
    private long lastEvalMicros = Long.MIN_VALUE;
    private boolean lastRunning;
    private double runningSeconds;
    private boolean failed;

    // Anomaly model
    private ModelFile anomalyFile;
    private RobustMahalanobis anomaly;
    private RobustMahalanobis.Scorer scorer;
    private int anomalyVersion;
    private String message;
    /** Running seconds when the current anomaly model began scoring. */
    private double scoringFromSeconds = Double.NaN;
    /** Why the monitor is learning (saved with the model it fits): the first hours of running, or a wear-out repair. */
    private Map<String, Object> learnTrigger = firstHoursTrigger();
    /** What the previous model did before the wear-out that ended it, for {@link #learnTrigger}; null before one. */
    private Map<String, Object> endedModel;
    // Learning
    private final List<String> learnColumns = new ArrayList<>();
    private final Map<String, Signal> learnSignals = new LinkedHashMap<>();
    private final List<double[]> learnRows = new ArrayList<>();
    private final List<Double> learnSeconds = new ArrayList<>();
    private long learnFromMicros = Long.MIN_VALUE;
    private long learnToMicros;
    private double learnStartSeconds = Double.NaN;
    private boolean collectOnly;
    // Last score
    private double lastScore = Double.NaN;
    private long lastScoreMicros;
    private double[] lastContributions;
    // RUL
    private double[] cycleHours = new double[256];
    private double[] cycleIndex = new double[256];
    private int cycleN;
    /** Condition features of the current cycle (the anomaly model's) and, per feature, its mean before each point. */
    private List<String> cycleFeatures = List.of();
    private double[][] cycleValues = new double[0][];
    /** Sums of the feature values since the last cycle point (the features of {@link #rowFeatures}). */
    private List<String> rowFeatures = List.of();
    private double[] rowSum = new double[0];
    private int[] rowCount = new int[0];
    private double cycleStartSeconds = Double.NaN;
    private double lastCyclePointSeconds = Double.NEGATIVE_INFINITY;
    private final List<DegradationRul.Cycle> completed = new ArrayList<>();
    /** The current cycle began with a repair (its anomaly model learned from the part as new). */
    private boolean cycleAfterRepair;
    /**
     * Sum over the features of the fall of their standardised level (robust spreads) across a breakdown repair at or
     * above which the repair renewed the wearing part: condition features rise with wear, and a new part takes back
     * what they had gained. Measured on the demo plant (seeds 42 and 7, 120 h): 18.5-65 at part-renewing repairs, at
     * most 9.4 at others; over more seeds other repairs reached it too (up to 37.8), hence {@link #RENEWAL_MAX_LEVEL}.
     */
    static final double RENEWAL_MIN_DROP = 12;
    /**
     * Highest standardised level (robust spreads above the learned centre) any feature may keep after a repair judged to
     * have renewed the part: a new part is at most as worn as the part the model learned, so it reads within the learned
     * normal or below it; a repair that left the worn part leaves a condition feature above. Without this, hydraulic and
     * drive repairs were taken for renewals when the samples after the restart caught mostly the loading phase of the
     * work cycle (one sample a minute against a 30-s cycle: vibration and power fall together for tens of minutes) or a
     * cooler machine. A model that had learned in the first running hours then learned the still-worn part again and led
     * its wear-out by under an hour, or was still learning when it came. Measured on the simulation, seeds 1-20, 42, 99 ×
     * 120 h (768 breakdown repairs judged, 145 after a spindle overhaul): after renewing repairs the highest level was at
     * most 2.7 in 143 of 145 (4.1 and 5.8 the others); the fall rule alone took 9 other repairs for renewals, one under a
     * first-hours model; with this bound 1 (a drive fault on a 16 %-worn part), none under a first-hours model.
     */
    static final double RENEWAL_MAX_LEVEL = 3;
    /**
     * Running time after a breakdown repair at which the renewal is judged, from the score's mean over its last
     * {@link #RENEWAL_MEAN_SECONDS}: the smoothing (time constant {@link HealthSettings#smoothing}, 10 min by default)
     * carries the level before the stop into the first minutes after it, so the mean leaves them out.
     */
    static final double RENEWAL_CHECK_SECONDS = 45 * 60;
    static final double RENEWAL_MEAN_SECONDS = 10 * 60;
    /**
     * Shortest breakdown (data time from the stop to the restart) whose repair is judged: a wearing part is not replaced
     * in less, while jams, misfeeds and tool changes (seconds to 10 min in the demo, mapped to unplanned-down there) are
     * many times an hour. Judged after each of those, the level before a jam and the level 45 min later differ by the
     * cycle's sampling phase alone: on seeds 1-20, 42, 99 × 60 h with the demo's state mapping (2,427 stops judged, 16
     * of them overhauls), the fall rule took 26 other stops for renewals (7 under first-hours models, which then learned
     * a worn part again), 8 (5) with {@link #RENEWAL_MAX_LEVEL}; judged only after stops of this length, none. A jam
     * also pushed back the judgement of a real repair before it. The simulator's overhauls take a median 25 min (about 1 %
     * under 10 min, missed).
     */
    static final long RENEWAL_MIN_DOWN_SECONDS = 10 * 60;
    /** Running seconds at a breakdown stop and the score's half-hour mean before it, until judged; or null. */
    private double[] renewalCheck;
    /** The breakdown under way (running seconds and score level at its start, as {@link #renewalCheck}), or null. */
    private double[] stopCheck;
    private double[] stopLevel;
    private long stopFromMicros;
    private double[] levelBefore;
    private int renewals;
    /** The latest censored cycles (at most {@link #MAX_CENSORED_KEPT}), saved with the RUL model. */
    private final List<Map<String, Object>> censored = new ArrayList<>();
    private static final int MAX_CENSORED_KEPT = 20;
    /** Running seconds at the repair that began the current cycle. */
    private double repairSeconds = Double.NaN;
    private ModelFile rulFile;
    private DegradationRul rul;
    private DegradationRul.Estimate lastRul;
    private long lastRulMicros;
    private int rulVersion;
    // Vibration severity (absolute zone limits, HealthSettings#vibrationZones): a floor under the written score.
    /**
     * Running time between two samples of a vibration signal's severity level, and how many samples its median takes:
     * about 15 min of running whatever the data rate (one sample a minute in the demo, one a second in a plant). The
     * median, not the mean, because the reading falls to the idle level between cuts (15 % of the demo's work cycle) and
     * a mean would read a cutting machine's level low; and not the single reading, which jumps with the cycle's phase.
     */
    static final double SEVERITY_SAMPLE_SECONDS = 50;
    static final int SEVERITY_SAMPLES = 15;
    private final List<VibrationZones.Rule> zoneRules;
    private final Set<String> zoneChecked = new HashSet<>();
    private final Map<String, Severity> severities = new LinkedHashMap<>();
    /** The severity that decided the last written score (above B/C and at least the model's score), or null. */
    private Severity severityTop;
    private boolean severityDecides;

    /** A vibration signal with zone limits: its recent samples while running and their median. */
    private static final class Severity {
        final Signal signal;
        final VibrationZones.Limits limits;
        final double[] samples = new double[SEVERITY_SAMPLES];
        final double[] sorted = new double[SEVERITY_SAMPLES];
        int n;
        int next;
        double lastSampleSeconds = Double.NEGATIVE_INFINITY;
        double level = Double.NaN;

        Severity(Signal signal, VibrationZones.Limits limits) {
            this.signal = signal;
            this.limits = limits;
        }

        void add(double v, double seconds) {
            samples[next] = v;
            next = (next + 1) % samples.length;
            if (n < samples.length) n++;
            lastSampleSeconds = seconds;
            System.arraycopy(samples, 0, sorted, 0, n);
            for (int i = 1; i < n; i++) { // insertion sort: at most 15 values, once a sample
                double x = sorted[i];
                int j = i - 1;
                while (j >= 0 && sorted[j] > x) sorted[j + 1] = sorted[j--];
                sorted[j + 1] = x;
            }
            level = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        }

        void reset() {
            n = 0;
            next = 0;
            lastSampleSeconds = Double.NEGATIVE_INFINITY;
            level = Double.NaN;
        }
    }

    MachineMonitor(MachineBinding binding, HealthSettings settings) {
        this.binding = binding;
        this.settings = settings;
        this.zoneRules = settings.vibrationZones().forMachine(binding.machine());
    }

    /** A monitor that only collects normal rows (fitting from a marked period of history), never fits by itself. */
    static MachineMonitor collector(MachineBinding binding, HealthSettings settings) {
        MachineMonitor m = new MachineMonitor(binding, settings);
        m.collectOnly = true;
        return m;
    }

    /** Takes a point; appends what to write to {@code out}, and models to save to {@code fitted}. */
    void accept(Signal s, long micros, Value v, List<Emit> out, List<ModelFile> fitted) {
        if (pendingMicros != Long.MIN_VALUE && micros > pendingMicros) {
            if (lastEvalMicros == Long.MIN_VALUE || pendingMicros - lastEvalMicros >= settings.minStep().toNanos() / 1000) {
                evaluate(pendingMicros, out, fitted);
            }
        }
        if (micros > pendingMicros) pendingMicros = micros;
        Held h = held.get(s.id());
        if (h != null && h.micros > micros) return; // a late point never rolls a value back
        if (h == null && !zoneRules.isEmpty() && zoneChecked.add(s.id()) && s.dataType() == io.lathe.model.DataType.DOUBLE) {
            VibrationZones.Limits l = VibrationZones.limitsOf(zoneRules, s);
            if (l != null && !s.source().startsWith(MachineBinding.OUTPUT_SOURCE)) severities.put(s.id(), new Severity(s, l));
        }
        double number = v instanceof Value.TextValue ? Double.NaN : v.asDouble();
        held.put(s.id(), new Held(s, number, MachineBinding.text(v), micros));
    }

    /** The source of a signal went away: its value is no longer current. */
    void stale(Signal s) {
        held.remove(s.id());
    }

    private MachineState state(long at) {
        return switch (binding.state()) {
            case StateSource.Enumerated e -> {
                Held h = held.get(e.signal());
                if (h == null) yield MachineState.UNKNOWN;
                yield e.values().getOrDefault(h.text, e.otherwise());
            }
            case StateSource.Rules r -> {
                MachineState st = r.otherwise();
                for (StateSource.StateRule rule : r.rules()) {
                    boolean all = true;
                    for (StateSource.Condition c : rule.when()) {
                        Held h = held.get(c.signal());
                        if (h == null || !c.test(h.number)) {
                            all = false;
                            break;
                        }
                    }
                    if (all) {
                        st = rule.state();
                        break;
                    }
                }
                yield st;
            }
        };
    }

    private void evaluate(long t, List<Emit> out, List<ModelFile> fitted) {
        MachineState state = state(t);
        if (state != MachineState.RUNNING) {
            Held reason = binding.reasonSignal() == null ? null : held.get(binding.reasonSignal());
            if (reason != null && binding.failureReasons().contains(reason.text) && !failed && !collectOnly) {
                failed = true;
                renewalCheck = null;
                stopCheck = null;
                endCycle(t, fitted);
            } else if (state == MachineState.UNPLANNED_DOWN && !failed && anomaly != null && cycleN > 0) {
                // Another breakdown: was the wearing part renewed in its repair? Judged from the score after the restart.
                // Judged only if the machine stays down long enough for a part to be replaced (see the restart).
                if (stopCheck == null) {
                    double before = DegradationRul.meanOfLast(cycleHours, cycleIndex, cycleN, DegradationRul.LEVEL_HOURS);
                    stopCheck = new double[] {runningSeconds, before};
                    stopLevel = level == null ? null : level.clone();
                    stopFromMicros = t;
                }
            }
            lastRunning = false;
            lastEvalMicros = t;
            return;
        }
        if (stopCheck != null) {
            // Back from a breakdown: a repair that took long enough to replace a part is judged later; a jam, a misfeed or
            // a tool change (seconds to minutes) is not, and leaves a pending judgement of an earlier repair alone.
            if (t - stopFromMicros >= RENEWAL_MIN_DOWN_SECONDS * 1_000_000L) {
                renewalCheck = stopCheck;
                levelBefore = stopLevel;
                // Long enough to replace a part: vibration samples from before the stop say nothing of the part now.
                for (Severity sv : severities.values()) sv.reset();
            }
            stopCheck = null;
            stopLevel = null;
        }
        if (failed) {
            // Repaired after a wear-out failure: a new normal to learn, and a new cycle.
            failed = false;
            Map<String, Object> trigger = new LinkedHashMap<>();
            trigger.put("reason", "wear-out repair");
            trigger.put("at", iso(t));
            trigger.put("why", "the repaired machine has a new part: its normal is learned again from its first "
                    + settings.training().toMinutes() + " min of running");
            if (endedModel != null) trigger.put("previousModel", endedModel);
            endedModel = null;
            relearn(trigger, runningSeconds);
            for (Severity sv : severities.values()) sv.reset(); // the worn part's readings are gone with it
        }
        double dt = lastRunning && lastEvalMicros != Long.MIN_VALUE
                ? Math.min((t - lastEvalMicros) / 1e6, settings.maxHold().toSeconds()) : 0;
        runningSeconds += dt;
        lastRunning = true;
        lastEvalMicros = t;
        if (anomaly == null) {
            learn(t, fitted);
            severityOnly(t, out);
            return;
        }
        if (renewalCheck != null && runningSeconds - renewalCheck[0] >= RENEWAL_CHECK_SECONDS) {
            checkRenewal(t);
            if (anomaly == null) { // the part was renewed under a model that had not learned a new one: learning again
                learn(t, fitted);
                severityOnly(t, out);
                return;
            }
        }
        double[] row = row(anomaly.features(), t);
        double score = scorer.score(row, runningSeconds);
        updateLevel(row, dt);
        addRow(anomaly.features(), row);
        double severity = severity(t);
        if (Double.isNaN(score)) {
            severityOnly(severity, t, out);
            return;
        }
        // The written score: the learned model's, with the absolute vibration zones as a floor (NaN when none configured).
        severityDecides = severity > 0 && severity >= score;
        lastScore = severityDecides ? severity : score;
        lastScoreMicros = t;
        lastContributions = scorer.contributions();
        out.add(new Emit("anomaly", t, lastScore));
        // The RUL's health index stays the model's score: its ratios and levels were learned on it.
        if (Double.isNaN(cycleStartSeconds)) cycleStartSeconds = runningSeconds;
        if (runningSeconds - lastCyclePointSeconds >= CYCLE_POINT_SECONDS) {
            lastCyclePointSeconds = runningSeconds;
            addCyclePoint((runningSeconds - cycleStartSeconds) / 3600.0, score);
            if (rul != null) {
                DegradationRul.Estimate e = rul.estimate(new DegradationRul.Cycle(cycleHours, cycleIndex, true, 0, cycleFeatures, cycleValues),
                        cycleN, cycleOffsetHours());
                if (e != null) {
                    lastRul = e;
                    lastRulMicros = t;
                    out.add(new Emit("rul", t, e.value()));
                    out.add(new Emit("rul-lower", t, e.lower()));
                    out.add(new Emit("rul-upper", t, e.upper()));
                }
            }
        }
    }

    /**
     * Samples each vibration signal with zone limits (at most once per {@link #SEVERITY_SAMPLE_SECONDS} of running) and
     * returns the highest severity score of their medians (see {@link VibrationZones.Limits#score}); NaN when no signal
     * has limits or none has a value yet. Called only while running, so stops never raise it.
     */
    private double severity(long t) {
        if (severities.isEmpty()) return Double.NaN;
        long maxHold = settings.maxHold().toNanos() / 1000;
        double best = Double.NaN;
        Severity top = null;
        for (Severity sv : severities.values()) {
            if (runningSeconds - sv.lastSampleSeconds >= SEVERITY_SAMPLE_SECONDS) {
                Held h = held.get(sv.signal.id());
                if (h != null && t - h.micros <= maxHold && !Double.isNaN(h.number)) sv.add(h.number, runningSeconds);
            }
            if (Double.isNaN(sv.level)) continue;
            double sc = sv.limits.score(sv.level, RobustMahalanobis.THRESHOLD);
            if (top == null || sc > best) {
                best = sc;
                top = sv;
            }
        }
        severityTop = top;
        return best;
    }

    /** While there is no model score (learning): the severity score alone is written, when zones are configured. */
    private void severityOnly(long t, List<Emit> out) {
        severityOnly(severity(t), t, out);
    }

    private void severityOnly(double severity, long t, List<Emit> out) {
        if (Double.isNaN(severity)) return;
        severityDecides = severity > 0;
        lastScore = severity;
        lastScoreMicros = t;
        lastContributions = null;
        out.add(new Emit("anomaly", t, severity));
    }

    private double[] row(List<String> features, long t) {
        double[] row = new double[features.size()];
        long maxHold = settings.maxHold().toNanos() / 1000;
        for (int j = 0; j < row.length; j++) {
            Held h = held.get(features.get(j));
            row[j] = h == null || t - h.micros > maxHold ? Double.NaN : h.number;
        }
        return row;
    }

    private void learn(long t, List<ModelFile> fitted) {
        for (Held h : held.values()) {
            if (!learnSignals.containsKey(h.signal.id()) && binding.candidate(h.signal) && !Double.isNaN(h.number)) {
                learnSignals.put(h.signal.id(), h.signal);
                learnColumns.add(h.signal.id());
            }
        }
        if (learnColumns.isEmpty() || learnRows.size() >= MAX_LEARN_ROWS) return;
        if (Double.isNaN(learnStartSeconds)) {
            learnStartSeconds = runningSeconds;
            learnFromMicros = t;
        }
        learnRows.add(row(learnColumns, t));
        learnSeconds.add(runningSeconds);
        learnToMicros = t;
        if (!collectOnly && runningSeconds - learnStartSeconds >= settings.training().toSeconds()) {
            try {
                fitted.add(fitCollected("live"));
            } catch (IllegalArgumentException e) {
                message = e.getMessage();
                resetLearning();
            }
        }
    }

    double learnedHours() {
        return Double.isNaN(learnStartSeconds) ? 0 : (runningSeconds - learnStartSeconds) / 3600.0;
    }

    private void resetLearning() {
        learnColumns.clear();
        learnSignals.clear();
        learnRows.clear();
        learnSeconds.clear();
        learnStartSeconds = Double.NaN;
        learnFromMicros = Long.MIN_VALUE;
    }

    /**
     * Fits the anomaly model on the rows collected, installs it and returns its file. Columns that never vary, are
     * mostly missing or only ever grow (meters, counters) are dropped; so are rows missing a kept column.
     */
    ModelFile fitCollected(String source) {
        int p = learnColumns.size();
        int n = learnRows.size();
        double[][] rows = new double[n][];
        for (int i = 0; i < n; i++) rows[i] = Arrays.copyOf(learnRows.get(i), p);
        for (int i = 0; i < n; i++) for (int j = learnRows.get(i).length; j < p; j++) rows[i][j] = Double.NaN;
        List<Integer> keep = new ArrayList<>();
        for (int j = 0; j < p; j++) {
            int missing = 0;
            for (double[] r : rows) if (Double.isNaN(r[j])) missing++;
            if (missing > n / 5 || !RobustMahalanobis.usable(rows, j) || monotonic(rows, j)) continue;
            keep.add(j);
        }
        if (keep.isEmpty()) {
            throw new IllegalArgumentException("no numeric signal of the machine varies while it runs [machine=" + binding.machine()
                    + ", candidates=" + learnColumns + "]: nothing to learn from");
        }
        List<double[]> complete = new ArrayList<>();
        List<Double> secs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] r = new double[keep.size()];
            boolean ok = true;
            for (int k = 0; k < r.length; k++) {
                r[k] = rows[i][keep.get(k)];
                if (Double.isNaN(r[k])) ok = false;
            }
            if (ok) {
                complete.add(r);
                secs.add(learnSeconds.get(i));
            }
        }
        if (complete.size() < 30) {
            throw new IllegalArgumentException("too little running data to learn from [machine=" + binding.machine() + ", rows="
                    + complete.size() + "]: need at least 30 scored instants of running");
        }
        List<String> features = new ArrayList<>();
        for (int k : keep) features.add(learnColumns.get(k));
        double[][] x = complete.toArray(new double[0][]);
        double[] s = secs.stream().mapToDouble(Double::doubleValue).toArray();
        double tau = settings.smoothing().toSeconds();

        // Validation: fit on the first three quarters, score the last quarter (normal by assumption).
        Map<String, Object> validation = new LinkedHashMap<>();
        int cut = x.length * 3 / 4;
        if (cut >= 20 && x.length - cut >= 5) {
            RobustMahalanobis part = RobustMahalanobis.fit(features, Arrays.copyOf(x, cut), Arrays.copyOf(s, cut), tau);
            RobustMahalanobis.Scorer sc = part.newScorer();
            for (int i = 0; i < cut; i++) sc.score(x[i], s[i]);
            int above = 0;
            double max = 0;
            for (int i = cut; i < x.length; i++) {
                double v = sc.score(x[i], s[i]);
                max = Math.max(max, v);
                if (v >= RobustMahalanobis.THRESHOLD) above++;
            }
            validation.put("method", "fit on the first 75 % of the window, scored on the last 25 %");
            validation.put("heldOutRows", x.length - cut);
            validation.put("heldOutAboveThreshold", (double) above / (x.length - cut));
            validation.put("heldOutMaxScore", max);
        }
        if (source.equals("live")) validation.put("learningTrigger", learnTrigger);
        RobustMahalanobis m = RobustMahalanobis.fit(features, x, s, tau);
        List<ModelFile.Feature> fs = new ArrayList<>();
        for (int k = 0; k < features.size(); k++) {
            Signal sg = learnSignals.get(features.get(k));
            fs.add(new ModelFile.Feature(sg.id(), sg.name(), sg.unit(), m.center()[k], m.scale()[k]));
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("mean", m.mean());
        params.put("precision", m.precision());
        params.put("clip", m.clip());
        params.put("normalLevel", m.normalLevel());
        params.put("smoothingSeconds", m.smoothingSeconds());
        params.put("threshold", RobustMahalanobis.THRESHOLD);
        double hours = (s[s.length - 1] - s[0]) / 3600.0;
        ModelFile file = new ModelFile(ModelFile.idOf(binding.machine(), ModelFile.ANOMALY), ModelFile.ANOMALY, "robust-mahalanobis",
                ModelFile.FORMAT_VERSION, anomalyVersion + 1, binding.machine(), Instant.now().toString(),
                new ModelFile.TrainingWindow(iso(learnFromMicros), iso(learnToMicros), hours, x.length, source), fs, params, validation);
        install(file);
        resetLearning();
        return file;
    }

    /** True when a column never goes down and goes up most of the time: a meter or counter, not a condition. */
    private static boolean monotonic(double[][] rows, int j) {
        double prev = Double.NaN;
        int up = 0, down = 0;
        for (double[] r : rows) {
            double v = r[j];
            if (Double.isNaN(v)) continue;
            if (!Double.isNaN(prev)) {
                if (v > prev) up++;
                else if (v < prev) down++;
            }
            prev = v;
        }
        return down == 0 && up > 0;
    }

    /** Uses a saved (or just fitted) anomaly model. */
    void install(ModelFile file) {
        List<String> features = new ArrayList<>();
        double[] center = new double[file.features().size()];
        double[] scale = new double[center.length];
        for (int k = 0; k < center.length; k++) {
            ModelFile.Feature f = file.features().get(k);
            features.add(f.signal());
            center[k] = f.center();
            scale[k] = f.scale();
        }
        Map<String, Object> p = file.parameters();
        anomaly = new RobustMahalanobis(features, center, scale, ModelRepository.convert(p.get("mean"), double[].class),
                ModelRepository.convert(p.get("precision"), double[][].class), ((Number) p.get("clip")).doubleValue(),
                ((Number) p.get("normalLevel")).doubleValue(), ((Number) p.get("smoothingSeconds")).doubleValue());
        scorer = anomaly.newScorer();
        scoringFromSeconds = runningSeconds;
        // Feature levels are in the model's standardised units: a new model starts them again.
        level = null;
        levelBefore = null;
        renewalCheck = null;
        stopCheck = null;
        anomalyFile = file;
        anomalyVersion = Math.max(anomalyVersion, file.version());
        message = null;
    }

    void installRul(ModelFile file) {
        Map<String, Object> p = file.parameters();
        List<DegradationRul.Cycle> cycles = new ArrayList<>();
        // Files saved before the feature points were kept have none: their model estimates from the index alone.
        for (SavedCycle c : ModelRepository.convert(p.get("cycles"), SavedCycle[].class)) {
            cycles.add(new DegradationRul.Cycle(c.hours(), c.index(), c.afterRepair(), c.offset(), c.features(),
                    c.values() == null || c.features() == null ? null : c.values()));
        }
        rul = new DegradationRul(cycles, ((Number) p.get("capHours")).doubleValue());
        rulFile = file;
        rulVersion = Math.max(rulVersion, file.version());
    }

    /** Adds a scored row to the sums of the features since the last cycle point. */
    private void addRow(List<String> features, double[] row) {
        if (!features.equals(rowFeatures)) {
            rowFeatures = List.copyOf(features);
            rowSum = new double[row.length];
            rowCount = new int[row.length];
        }
        for (int j = 0; j < row.length; j++) {
            if (Double.isNaN(row[j])) continue;
            rowSum[j] += row[j];
            rowCount[j]++;
        }
    }

    private void addCyclePoint(double hours, double index) {
        if (cycleN == 0) {
            cycleFeatures = rowFeatures;
            cycleValues = new double[cycleFeatures.size()][cycleHours.length];
        }
        if (cycleN == MAX_CYCLE_POINTS) {
            // Keep every other point: a long cycle keeps its shape at half the resolution.
            int k = 0;
            for (int i = 0; i < cycleN; i += 2) {
                cycleHours[k] = cycleHours[i];
                for (double[] v : cycleValues) v[k] = v[i];
                cycleIndex[k++] = cycleIndex[i];
            }
            cycleN = k;
        }
        if (cycleN == cycleHours.length) {
            cycleHours = Arrays.copyOf(cycleHours, cycleN * 2);
            cycleIndex = Arrays.copyOf(cycleIndex, cycleN * 2);
        }
        for (int j = 0; j < cycleValues.length; j++) {
            if (cycleValues[j].length < cycleHours.length) cycleValues[j] = Arrays.copyOf(cycleValues[j], cycleHours.length);
            // A model fitted from history mid-cycle may have other features: matched by signal.
            int r = rowFeatures == cycleFeatures ? j : rowFeatures.indexOf(cycleFeatures.get(j));
            cycleValues[j][cycleN] = r < 0 || rowCount[r] == 0 ? Double.NaN : rowSum[r] / rowCount[r];
        }
        Arrays.fill(rowSum, 0);
        Arrays.fill(rowCount, 0);
        cycleHours[cycleN] = hours;
        cycleIndex[cycleN++] = index;
    }

    /**
     * A wear-out failure: the cycle of health index ends; with it the RUL model is (re)fitted. The anomaly model that
     * scored the cycle is judged: when it scored fewer than {@link #SUSPECT_WINDOWS} learning windows of running before
     * the failure, its window was the last stretch of a part's life (a machine first monitored with a part near wear-out):
     * what it learned as normal was already wear, so it could not lead the failure by much. The model learned after the
     * repair records this (its {@code learningTrigger.previousModel}). Known only at the failure, so it changes nothing
     * before it: no look-ahead.
     */
    private void endCycle(long t, List<ModelFile> fitted) {
        if (anomaly != null && anomalyFile != null && !Double.isNaN(scoringFromSeconds)) {
            double scored = (runningSeconds - scoringFromSeconds) / 3600.0;
            double limit = SUSPECT_WINDOWS * settings.training().toSeconds() / 3600.0;
            // A model learned right after a wear-out repair learned a new part: a short life is not a worn window.
            boolean newPart = anomalyFile.validation().get("learningTrigger") instanceof Map<?, ?> tr
                    && ("wear-out repair".equals(tr.get("reason")) || "renewing repair".equals(tr.get("reason")));
            boolean suspect = scored < limit && !newPart;
            endedModel = new LinkedHashMap<>();
            endedModel.put("version", anomalyFile.version());
            endedModel.put("trainingTo", anomalyFile.training().to());
            endedModel.put("wearOutAt", iso(t));
            endedModel.put("scoredRunningHours", Math.round(scored * 100) / 100.0);
            endedModel.put("suspect", suspect);
            endedModel.put("why", suspect
                    ? "the wear-out came " + String.format(java.util.Locale.ROOT, "%.2f", scored) + " running hours after the model began scoring"
                    + " (under " + SUSPECT_WINDOWS + " learning windows): it learned a part near wear-out, wear was its normal"
                    : "the model scored " + String.format(java.util.Locale.ROOT, "%.2f", scored) + " running hours before the wear-out");
        }
        if (cycleN >= 8) {
            double offset = cycleOffsetHours();
            double[][] values = new double[cycleValues.length][];
            for (int j = 0; j < values.length; j++) values[j] = Arrays.copyOf(cycleValues[j], cycleN);
            completed.add(new DegradationRul.Cycle(Arrays.copyOf(cycleHours, cycleN), Arrays.copyOf(cycleIndex, cycleN), cycleAfterRepair,
                    Double.isNaN(offset) ? 0 : offset, cycleFeatures, values));
            if (completed.size() > MAX_CYCLES) completed.removeFirst();
            try {
                fitted.add(fitRul(t));
            } catch (IllegalArgumentException e) {
                // kept without a RUL model; the API shows none
            }
        }
        cycleN = 0;
        cycleStartSeconds = Double.NaN;
        lastCyclePointSeconds = Double.NEGATIVE_INFINITY;
        lastRul = null;
    }

    private static Map<String, Object> firstHoursTrigger() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("reason", "first running hours");
        m.put("why", "no saved model: the machine's first hours of running are taken as its normal");
        return m;
    }

    /** Learns the anomaly model again (a new part) and begins a new repair-begun cycle at {@code repairAt}. */
    private void relearn(Map<String, Object> trigger, double repairAt) {
        learnTrigger = trigger;
        cycleAfterRepair = true;
        repairSeconds = repairAt;
        cycleN = 0;
        cycleStartSeconds = Double.NaN;
        lastCyclePointSeconds = Double.NEGATIVE_INFINITY;
        lastRul = null;
        anomaly = null;
        scorer = null;
        level = null;
        renewalCheck = null;
        stopCheck = null;
        levelBefore = null;
        lastScore = Double.NaN;
        lastContributions = null;
        resetLearning();
        message = null;
    }

    /** Exponential mean of each feature's standardised value (time constant: the smoothing), signed. */
    private double[] level;

    private void updateLevel(double[] row, double dt) {
        if (level == null || level.length != row.length) {
            level = new double[row.length];
            Arrays.fill(level, Double.NaN);
        }
        double a = 1 - Math.exp(-dt / settings.smoothing().toSeconds());
        for (int j = 0; j < row.length; j++) {
            if (Double.isNaN(row[j])) continue;
            double z = (row[j] - anomaly.center()[j]) / anomaly.scale()[j];
            level[j] = Double.isNaN(level[j]) ? z : level[j] + a * (z - level[j]);
        }
    }

    /**
     * {@link #RENEWAL_CHECK_SECONDS} of running after a breakdown repair: when the features' standardised levels (an
     * exponential mean, time constant the smoothing) fell by {@link #RENEWAL_MIN_DROP} robust spreads or more in total
     * from just before the stop and none is left above {@link #RENEWAL_MAX_LEVEL}, the repair renewed the wearing part
     * (the wear they showed is gone). The cycle so far is
     * then censored: its part was removed before it wore out, so it is not a run to failure and is dropped rather than
     * taught to the RUL model as one (its failure time is unknown, only bounded below; counted as a failure it would make
     * lives look short, ignored it makes the next cycle's age and ratios long). A new cycle begins at the stop, with the
     * part's age counted from it; a model that had not learned a new part learns again. No look-ahead: the verdict
     * comes after the restart and only changes what follows.
     */
    private void checkRenewal(long t) {
        double stopSeconds = renewalCheck[0];
        double before = renewalCheck[1];
        renewalCheck = null;
        int from = cycleN;
        while (from > 0 && cycleHours[from - 1] > (stopSeconds - cycleStartSeconds) / 3600.0) from--;
        if (cycleN - from < 5) return;
        double after = DegradationRul.meanOfLast(cycleHours, cycleIndex, cycleN, RENEWAL_MEAN_SECONDS / 3600.0);
        double[] was = levelBefore;
        levelBefore = null;
        if (was == null || level == null || was.length != level.length) return;
        double drop = 0;
        for (int j = 0; j < level.length; j++) if (!Double.isNaN(was[j]) && !Double.isNaN(level[j])) drop += was[j] - level[j];
        if (!(drop >= RENEWAL_MIN_DROP)) return;
        double highest = Double.NEGATIVE_INFINITY;
        for (double l : level) if (!Double.isNaN(l)) highest = Math.max(highest, l);
        if (highest > RENEWAL_MAX_LEVEL) return;
        renewals++;
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("judgedAt", iso(t));
        c.put("featureDrop", Math.round(drop * 10) / 10.0);
        c.put("highestLevelAfter", Math.round(highest * 10) / 10.0);
        c.put("scoreBefore", Math.round(before * 1000) / 1000.0);
        c.put("scoreAfter", Math.round(after * 1000) / 1000.0);
        c.put("censoredCycleRunningHours", Math.round((stopSeconds - cycleStartSeconds) / 36.0) / 100.0);
        censored.add(c);
        if (censored.size() > MAX_CENSORED_KEPT) censored.removeFirst();
        // The points since the restart belong to the new cycle.
        double base = (stopSeconds - cycleStartSeconds) / 3600.0;
        int k = 0;
        for (int i = from; i < cycleN; i++) {
            cycleHours[k] = cycleHours[i] - base;
            for (double[] v : cycleValues) v[k] = v[i];
            cycleIndex[k++] = cycleIndex[i];
        }
        cycleN = k;
        cycleStartSeconds = stopSeconds;
        cycleAfterRepair = true;
        repairSeconds = stopSeconds;
        lastRul = null;
        // A model that did not learn a new part (the first running hours, or a period an engineer chose) knows the old
        // part's wear as normal, and the new part's lower readings look abnormal to it: it learns again from the new part.
        boolean newPart = anomalyFile != null && anomalyFile.validation().get("learningTrigger") instanceof Map<?, ?> tr
                && ("wear-out repair".equals(tr.get("reason")) || "renewing repair".equals(tr.get("reason")));
        if (!newPart) {
            Map<String, Object> previous = new LinkedHashMap<>();
            previous.put("version", anomalyFile == null ? null : anomalyFile.version());
            previous.put("trainingTo", anomalyFile == null ? null : anomalyFile.training().to());
            previous.put("suspect", false);
            previous.put("why", "the part it learned was replaced in a breakdown repair before it wore out");
            Map<String, Object> trigger = new LinkedHashMap<>();
            trigger.put("reason", "renewing repair");
            trigger.put("at", iso(t));
            trigger.put("why", "a breakdown repair renewed the wearing part (its condition features fell by " + String.format(java.util.Locale.ROOT,
                    "%.1f", drop) + " robust spreads in total): its normal is learned again from the new part");
            trigger.put("previousModel", previous);
            relearn(trigger, stopSeconds);
        }
    }

    /** Running hours from the repair to the current cycle's first score; NaN when it did not begin with a repair. */
    private double cycleOffsetHours() {
        return cycleAfterRepair && !Double.isNaN(repairSeconds) && !Double.isNaN(cycleStartSeconds)
                ? (cycleStartSeconds - repairSeconds) / 3600.0 : Double.NaN;
    }

    /** A cycle as saved in the RUL model file. */
    record SavedCycle(double[] hours, double[] index, boolean afterRepair, double offset, List<String> features, double[][] values) {}

    /** Fits the RUL model on the completed cycles, installs it and returns its file. */
    ModelFile fitRul(long t) {
        if (completed.isEmpty()) {
            throw new IllegalArgumentException("no run-to-failure cycle [machine=" + binding.machine() + "]: the RUL model needs at least one"
                    + " wear-out failure (reasons " + binding.failureReasons() + ") after scoring began");
        }
        DegradationRul m = DegradationRul.fit(completed);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("capHours", m.capHours());
        params.put("levelHours", DegradationRul.LEVEL_HOURS);
        List<Double> lengths = new ArrayList<>();
        List<SavedCycle> saved = new ArrayList<>();
        for (DegradationRul.Cycle c : m.cycles()) {
            lengths.add(c.length());
            saved.add(new SavedCycle(c.hours(), c.index(), c.afterRepair(), c.offset(), c.features(), c.values()));
        }
        params.put("cycleRunningHours", lengths);
        // Breakdown repairs judged to have renewed the wearing part: their cycles were censored (dropped), see checkRenewal.
        params.put("censoredCycles", renewals);
        params.put("censored", List.copyOf(censored));
        // The learned paths, for reading: the model is derived from the cycles again when loaded.
        params.put("paths", m.paths());
        params.put("cycles", saved);
        // The inputs: the anomaly score (the fallback estimate) and each condition signal a learned path follows, as is
        // (per-minute means of its raw values, so centre 0 and scale 1), named as the anomaly model names them.
        List<ModelFile.Feature> inputs = new ArrayList<>();
        inputs.add(new ModelFile.Feature(binding.machine() + ".anomaly-score", "Anomaly Score", "", 0, 1));
        Map<String, ModelFile.Feature> named = new LinkedHashMap<>();
        if (anomalyFile != null) for (ModelFile.Feature f : anomalyFile.features()) named.put(f.signal(), f);
        for (DegradationRul.Path path : m.paths()) {
            ModelFile.Feature f = named.get(path.feature());
            // A past cycle may follow a signal the current anomaly model dropped: named as the machine's signal then.
            Held h = f == null ? held.get(path.feature()) : null;
            String name = f != null ? f.name() : h != null ? h.signal.name() : path.feature();
            String unit = f != null ? f.unit() : h != null && h.signal.unit() != null ? h.signal.unit() : "";
            inputs.add(new ModelFile.Feature(path.feature(), name, unit, 0, 1));
        }
        ModelFile file = new ModelFile(ModelFile.idOf(binding.machine(), ModelFile.RUL), ModelFile.RUL,
                m.paths().isEmpty() ? "degradation-index-trend" : "degradation-path",
                ModelFile.FORMAT_VERSION, rulVersion + 1, binding.machine(), Instant.now().toString(),
                new ModelFile.TrainingWindow(null, iso(t), lengths.stream().mapToDouble(Double::doubleValue).sum(), completed.size(), "live"),
                inputs, params,
                DegradationRul.validate(completed, 8.0));
        installRul(file);
        return file;
    }

    DegradationRul rul() {
        return rul;
    }

    List<DegradationRul.Cycle> completedCycles() {
        return List.copyOf(completed);
    }

    void addCompletedCycles(List<DegradationRul.Cycle> cycles) {
        completed.addAll(cycles);
    }

    // --- views ---

    ModelFile anomalyFile() {
        return anomalyFile;
    }

    ModelFile rulFile() {
        return rulFile;
    }

    boolean learning() {
        return anomaly == null;
    }

    boolean runningNow() {
        return lastRunning;
    }

    String message() {
        return message;
    }

    double lastScore() {
        return lastScore;
    }

    long lastScoreMicros() {
        return lastScoreMicros;
    }

    List<String> features() {
        return anomaly == null ? List.of() : anomaly.features();
    }

    double[] lastContributions() {
        return lastContributions;
    }

    /** True when the last written score is the vibration severity's (zone C or D, at least the model's score). */
    boolean severityDecides() {
        return severityDecides && severityTop != null;
    }

    /** The vibration signal whose zone decided the last score, or null. */
    Signal severitySignal() {
        return severityDecides() ? severityTop.signal : null;
    }

    /** The zone of that signal's level, e.g. {@code zone C (ISO 10816 class I, >1.8 mm/s)}, or null. */
    String severityZone() {
        return severityDecides() ? severityTop.limits.zone(severityTop.level, severityTop.signal.unit()) : null;
    }

    DegradationRul.Estimate lastRul() {
        return lastRul;
    }

    long lastRulMicros() {
        return lastRulMicros;
    }

    static String iso(long micros) {
        if (micros == Long.MIN_VALUE) return null;
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000).toString();
    }
}
