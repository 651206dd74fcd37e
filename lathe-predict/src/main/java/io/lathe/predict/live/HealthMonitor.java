package io.lathe.predict.live;

import io.lathe.ingest.PointSink;
import io.lathe.kpi.KpiConfig;
import io.lathe.model.Asset;
import io.lathe.model.AssetLevel;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.lathe.predict.model.ModelFile;
import io.lathe.predict.model.ModelRepository;
import io.lathe.store.SeriesData;
import io.lathe.store.TelemetryStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streaming machine health, a {@link PointSink} in the server's fan-out after the store: per machine an anomaly score
 * (and, once a wear-out failure has been seen, a remaining-useful-life estimate with its band) computed from the
 * machine's own signals as they arrive, written back as ordinary signals of the machine ({@code Anomaly Score},
 * {@code RUL}, {@code RUL Lower}, {@code RUL Upper}) through {@code output} (the store and the live view), so they have
 * history, live updates and alarms like any signal. Models are saved in the data folder and used again after a
 * restart.
 *
 * <p>Thread-safe: connections call from their own threads; each machine is handled under its own lock, and the
 * points it produces are written after the lock is released.
 */
public final class HealthMonitor implements PointSink {
    private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);
    public static final String SCORE_SIGNAL = "Anomaly Score";
    public static final String RUL_SIGNAL = "RUL";
    public static final String RUL_LOWER_SIGNAL = "RUL Lower";
    public static final String RUL_UPPER_SIGNAL = "RUL Upper";
    /** Longest history a fit from the store reads, so one request cannot read the whole store into memory. */
    public static final long MAX_FIT_POINTS = 20_000_000;

    private final PlantModel model;
    private final KpiConfig kpi;
    private final ModelRepository repository;
    private final PointSink output;
    private final HealthSettings settings;
    private final Map<String, MachineMonitor> machines = new ConcurrentHashMap<>();
    /** Machines without a way to tell whether they run (no state signal, no KPI mapping): never monitored. */
    private final Map<String, Long> unmonitored = new ConcurrentHashMap<>();
    private final Counter scores;
    private final Counter fits;
    private final Counter failures;

    /** Racy on purpose: any thread may replace it, each entry is immutable and a stale one only costs a lookup. */
    private volatile LastMachine last;

    /**
     * @param output where scores go: the store and the live view (not this monitor)
     * @param kpi    the KPI configuration (state mapping, reasons), or null
     */
    public HealthMonitor(PlantModel model, KpiConfig kpi, ModelRepository repository, PointSink output, HealthSettings settings,
                         MeterRegistry metrics) {
        this.model = Objects.requireNonNull(model, "model");
        this.kpi = kpi;
        this.repository = Objects.requireNonNull(repository, "repository");
        this.output = Objects.requireNonNull(output, "output");
        this.settings = Objects.requireNonNull(settings, "settings");
        scores = Counter.builder("lathe.predict.scores").description("Anomaly scores computed (one per machine and step while running)").register(metrics);
        fits = Counter.builder("lathe.predict.fits").description("Models fitted (anomaly and RUL)").register(metrics);
        failures = Counter.builder("lathe.predict.errors").description("Fits or model files that failed (logged with the machine)").register(metrics);
        io.micrometer.core.instrument.Gauge.builder("lathe.predict.model.files.unreadable", repository, ModelRepository::unreadableFiles)
                .description("Model files skipped at start because they could not be read (logged with their path)").register(metrics);
        // Saved models first: a restarted server scores right away.
        for (ModelFile f : repository.all()) {
            MachineMonitor m = monitor(f.machine());
            if (m == null) continue;
            try {
                synchronized (m) {
                    if (f.type().equals(ModelFile.ANOMALY)) m.install(f);
                    else if (f.type().equals(ModelFile.RUL)) m.installRul(f);
                }
            } catch (RuntimeException e) {
                failures.increment();
                log.warn("Model not usable, the machine learns again [model={}, file={}]: {}", f.id(), repository.folder(), e.toString());
            }
        }
    }

    public HealthSettings settings() {
        return settings;
    }

    public ModelRepository repository() {
        return repository;
    }

    private MachineMonitor monitor(String machine) {
        // A message's points are of one machine: the answer for the previous point usually holds, without map lookups.
        LastMachine last = this.last;
        if (last != null && (last.machine == machine || last.machine.equals(machine))) {
            if (last.monitor != null) return last.monitor;
            if (last.version == model.version()) return null;
        }
        MachineMonitor m = machines.get(machine);
        if (m != null) {
            this.last = new LastMachine(machine, m, 0);
            return m;
        }
        // The plant may still grow (a device announcing its State later): look again when it has changed.
        long version = model.version();
        Long seen = unmonitored.get(machine);
        if (seen != null && seen == version) {
            this.last = new LastMachine(machine, null, version);
            return null;
        }
        if (!model.contains(machine)) return null;
        MachineBinding b = MachineBinding.of(machine, model, kpi);
        if (b == null) {
            unmonitored.put(machine, version);
            this.last = new LastMachine(machine, null, version);
            return null;
        }
        return machines.computeIfAbsent(machine, k -> new MachineMonitor(b, settings));
    }

    /** The machine {@link #monitor} answered last: its monitor, or null when unmonitored at plant {@code version}. */
    private record LastMachine(String machine, MachineMonitor monitor, long version) {}

    /** Signals of machines that are not monitored: nothing to do with their points or stale marks. */
    @Override
    public boolean wants(Signal signal) {
        return monitor(signal.machineId()) != null;
    }

    /** Whether a machine is monitored changes only with the plant model (see {@link #monitor}). */
    @Override
    public long wantsVersion() {
        return model.version();
    }

    @Override
    public void accept(Signal signal, long timestampMicros, Value value, Quality quality, boolean historical) {
        // Back-filled history is old: scoring it now would mix times; bad-quality values are not measurements.
        if (historical || quality == Quality.BAD) return;
        MachineMonitor m = monitor(signal.machineId());
        if (m == null || signal.source().startsWith(MachineBinding.OUTPUT_SOURCE) || MachineBinding.OUTPUT_NAMES.contains(signal.name())) return;
        List<MachineMonitor.Emit> out = new ArrayList<>(0);
        List<ModelFile> fitted = new ArrayList<>(0);
        synchronized (m) {
            m.accept(signal, timestampMicros, value, out, fitted);
        }
        write(m.binding.machine(), out);
        save(fitted);
    }

    @Override
    public void markStale(Signal signal, long timestampMicros) {
        MachineMonitor m = machines.get(signal.machineId());
        if (m == null) return;
        synchronized (m) {
            m.stale(signal);
        }
    }

    private void write(String machine, List<MachineMonitor.Emit> out) {
        for (MachineMonitor.Emit e : out) {
            Signal s = switch (e.kind()) {
                case "anomaly" -> outputSignal(machine, SCORE_SIGNAL, "", "Anomaly score of the machine's running behaviour: "
                        + "0.5 = top of normal, 1 = threshold (lathe-predict)");
                case "rul" -> outputSignal(machine, RUL_SIGNAL, "h", "Remaining useful life in running hours (lathe-predict)");
                case "rul-lower" -> outputSignal(machine, RUL_LOWER_SIGNAL, "h", "Lower end of the RUL band (lathe-predict)");
                default -> outputSignal(machine, RUL_UPPER_SIGNAL, "h", "Upper end of the RUL band (lathe-predict)");
            };
            if (e.kind().equals("anomaly")) scores.increment();
            output.accept(s, e.timestampMicros(), Value.of(e.value()), Quality.GOOD, false);
        }
    }

    private Signal outputSignal(String machine, String name, String unit, String description) {
        Signal s = model.signalByName(machine, name);
        if (s != null) return s;
        return model.addSignal(machine, name, DataType.DOUBLE, unit, description, MachineBinding.OUTPUT_SOURCE + io.lathe.model.Ids.slug(name));
    }

    private void save(List<ModelFile> fitted) {
        for (ModelFile f : fitted) {
            fits.increment();
            try {
                repository.save(f);
                log.info("Model fitted [model={}, type={}, version={}, features={}, trainingRunningHours={}, validation={}]", f.id(), f.type(),
                        f.version(), f.features().stream().map(ModelFile.Feature::name).toList(),
                        String.format(java.util.Locale.ROOT, "%.2f", f.training().runningHours()), f.validation());
            } catch (IOException e) {
                failures.increment();
                log.warn("Model fitted but not saved; it is used until the server stops [model={}, folder={}]: {}", f.id(),
                        repository.folder(), e.toString());
            }
        }
    }

    /**
     * Fits a machine's model from a period of the store's history and puts it to work: for {@code anomaly} the period
     * is marked normal (its running data is learned from); for {@code rul} the period's wear-out failures are the
     * run-to-failure cycles, scored with the machine's current anomaly model.
     *
     * @throws IllegalArgumentException naming what is missing (unknown machine, no state, too little running data, no
     *                                  failure in the period)
     */
    public ModelFile fitFromHistory(String machine, String type, long fromMicros, long toMicros, TelemetryStore store) throws IOException {
        if (!model.contains(machine) || machineAsset(machine) == null) {
            throw new IllegalArgumentException("no such machine [machine=" + machine + "]");
        }
        MachineBinding b = MachineBinding.of(machine, model, kpi);
        if (b == null) {
            throw new IllegalArgumentException("cannot tell when the machine runs [machine=" + machine + "]: it needs a text signal "
                    + "'State' with the value 'running', or a kpi: state mapping");
        }
        if (toMicros <= fromMicros) throw new IllegalArgumentException("'to' must be after 'from'");
        List<Signal> signals = new ArrayList<>();
        for (Signal s : model.signals()) {
            if (s.machineId().equals(machine) && !s.source().startsWith(MachineBinding.OUTPUT_SOURCE)) signals.add(s);
        }
        ModelFile f;
        if (type.equals(ModelFile.ANOMALY)) {
            MachineMonitor c = MachineMonitor.collector(b, settings);
            replay(c, signals, fromMicros, toMicros, store);
            f = c.fitCollected("history");
            MachineMonitor live = monitor(machine);
            if (live != null) {
                synchronized (live) {
                    live.install(bump(f, live.anomalyFile()));
                    f = live.anomalyFile();
                }
            }
        } else if (type.equals(ModelFile.RUL)) {
            MachineMonitor live = monitor(machine);
            ModelFile anomalyModel = live == null ? null : live.anomalyFile();
            if (anomalyModel == null) {
                throw new IllegalArgumentException("the machine has no anomaly model yet [machine=" + machine + "]: its score is the "
                        + "health index the RUL model learns from. Fit the anomaly model first.");
            }
            // Replayed as live runs: scored with the current model, learning again after each repair.
            MachineMonitor replayer = new MachineMonitor(b, settings);
            replayer.install(anomalyModel);
            replay(replayer, signals, fromMicros, toMicros, store);
            if (replayer.completedCycles().isEmpty()) {
                throw new IllegalArgumentException("no wear-out failure in the period [machine=" + machine + ", reasons="
                        + b.failureReasons() + "]: the RUL model learns from cycles that ended in one");
            }
            synchronized (live) {
                ModelFile r = replayer.rulFile();
                live.installRul(bump(r, live.rulFile()));
                f = live.rulFile();
            }
        } else {
            throw new IllegalArgumentException("type must be anomaly or rul, but was " + type);
        }
        fits.increment();
        repository.save(f);
        log.info("Model fitted from history [model={}, version={}, from={}, to={}]", f.id(), f.version(), MachineMonitor.iso(fromMicros),
                MachineMonitor.iso(toMicros));
        return f;
    }

    /** The same file with the version after {@code previous}'s. */
    private static ModelFile bump(ModelFile f, ModelFile previous) {
        int v = previous == null ? Math.max(1, f.version()) : previous.version() + 1;
        return new ModelFile(f.id(), f.type(), f.algorithm(), f.formatVersion(), v, f.machine(), f.createdAt(), f.training(), f.features(),
                f.parameters(), f.validation());
    }

    /** Feeds a period of stored history, in time order, to a monitor (no output: replays write nothing). */
    private static void replay(MachineMonitor m, List<Signal> signals, long from, long to, TelemetryStore store) throws IOException {
        List<String> ids = signals.stream().map(Signal::id).toList();
        Map<String, SeriesData> data = store.raw(ids, from, to);
        long total = 0;
        for (SeriesData d : data.values()) total += d.size();
        if (total > MAX_FIT_POINTS) {
            throw new IllegalArgumentException("the period holds too many points to fit from [points=" + total + ", limit=" + MAX_FIT_POINTS
                    + "]: choose a shorter period");
        }
        int[] pos = new int[signals.size()];
        SeriesData[] series = new SeriesData[signals.size()];
        for (int i = 0; i < series.length; i++) series[i] = data.get(ids.get(i));
        List<MachineMonitor.Emit> sink = new ArrayList<>();
        List<ModelFile> fitted = new ArrayList<>();
        while (true) {
            int best = -1;
            long bt = Long.MAX_VALUE;
            for (int i = 0; i < series.length; i++) {
                SeriesData d = series[i];
                if (d != null && pos[i] < d.size() && d.timestampAt(pos[i]) < bt) {
                    bt = d.timestampAt(pos[i]);
                    best = i;
                }
            }
            if (best < 0) break;
            SeriesData d = series[best];
            m.accept(signals.get(best), bt, d.valueAt(pos[best]), sink, fitted);
            pos[best]++;
            sink.clear();
        }
    }

    /** Machines of the plant (every asset at machine level), in plant order. */
    public List<String> machineIds() {
        List<String> out = new ArrayList<>();
        collect(model.snapshot(), out);
        return out;
    }

    private static void collect(Asset a, List<String> out) {
        if (a.level() == AssetLevel.MACHINE) out.add(a.id());
        for (Asset c : a.children()) collect(c, out);
    }

    private Asset machineAsset(String id) {
        Asset a = model.snapshot().find(id);
        return a != null && a.level() == AssetLevel.MACHINE ? a : null;
    }

    /** True when {@code id} is a machine of the plant. */
    public boolean isMachine(String id) {
        return machineAsset(id) != null;
    }

    /** The health of a machine now (never null for a machine; the status says what is known). */
    public MachineHealth health(String machine) {
        MachineMonitor m = monitor(machine);
        double trainingHours = settings.training().toSeconds() / 3600.0;
        Signal scoreSignal = model.signalByName(machine, SCORE_SIGNAL);
        String scoreId = scoreSignal == null ? null : scoreSignal.id();
        if (m == null) {
            return new MachineHealth(machine, new MachineHealth.Anomaly(null, RobustMahalanobis.THRESHOLD, false, null, scoreId, List.of(), null,
                    "no-model", 0, trainingHours, "no state signal tells when this machine runs (a text signal 'State' with value"
                    + " 'running', or a kpi: state mapping): it is not monitored"), null);
        }
        synchronized (m) {
            double score = m.lastScore();
            boolean has = !Double.isNaN(score);
            String status = m.learning() ? (m.message() != null && m.learnedHours() == 0 ? "no-model" : "learning")
                    : m.runningNow() ? "scoring" : "stopped";
            List<MachineHealth.Contributor> top = new ArrayList<>();
            double[] c = m.lastContributions();
            if (has && m.severityDecides()) {
                Signal s = m.severitySignal();
                top.add(new MachineHealth.Contributor(s.id(), s.name(), 1.0, m.severityZone()));
            } else if (c != null && has) {
                Integer[] order = new Integer[c.length];
                for (int i = 0; i < order.length; i++) order[i] = i;
                Arrays.sort(order, (a, b) -> Double.compare(c[b], c[a]));
                for (int i = 0; i < Math.min(3, order.length); i++) {
                    String id = m.features().get(order[i]);
                    Signal s = model.signal(id);
                    top.add(new MachineHealth.Contributor(id, s == null ? id : s.name(), round(c[order[i]]), null));
                }
            }
            ModelFile af = m.anomalyFile();
            MachineHealth.Anomaly a = new MachineHealth.Anomaly(has ? round(score) : null, RobustMahalanobis.THRESHOLD,
                    has && score >= RobustMahalanobis.THRESHOLD, has ? MachineMonitor.iso(m.lastScoreMicros()) : null, scoreId, top,
                    m.learning() ? null : af == null ? null : af.id(), status, round(m.learnedHours()), trainingHours, m.message());
            MachineHealth.Rul r = null;
            DegradationRul.Estimate e = m.lastRul();
            if (e != null && m.rulFile() != null) {
                Signal rs = model.signalByName(machine, RUL_SIGNAL);
                r = new MachineHealth.Rul(round(e.value()), round(e.lower()), round(e.upper()), "h", MachineMonitor.iso(m.lastRulMicros()),
                        rs == null ? null : rs.id(), m.rulFile().id(), e.rising() ? "rising" : "flat");
            }
            return new MachineHealth(machine, a, r);
        }
    }

    public Collection<ModelFile> models() {
        return repository.all();
    }

    private static double round(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }
}
