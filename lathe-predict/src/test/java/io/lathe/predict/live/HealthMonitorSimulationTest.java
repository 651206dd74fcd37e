package io.lathe.predict.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.ingest.PointSink;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.lathe.predict.model.ModelFile;
import io.lathe.predict.model.ModelRepository;
import io.lathe.simulator.MachineSnapshot;
import io.lathe.simulator.MachineState;
import io.lathe.simulator.ReasonCode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The virtual factory's wear drift against the streaming health models, without network: 2 lines of 4 machines, a
 * sample every simulated minute (what {@code lathe demo --speed 600} publishes at 10 Hz), 60 simulated hours.
 */
class HealthMonitorSimulationTest {
    @TempDir
    Path dir;

    /** Scores written, by signal id, with the machine's true state at the time. */
    private record Scored(long micros, double value, MachineState state, double wear) {}

    @Test
    void wearDriftCrossesTheThresholdBeforeEveryWearOutFaultAndStopsAreNeverScored() throws Exception {
        FactoryFeed feed = new FactoryFeed(42, Instant.parse("2026-01-05T06:00:00Z"));
        Map<String, List<Scored>> written = new HashMap<>();
        MachineSnapshot[] now = new MachineSnapshot[feed.machines.size()];
        PointSink output = new PointSink() {
            @Override
            public void accept(Signal s, long micros, Value v, Quality q, boolean historical) {
                int k = feed.machines.indexOf(s.machineId());
                written.computeIfAbsent(s.id(), x -> new ArrayList<>()).add(new Scored(micros, v.asDouble(), now[k].state(), now[k].wear()));
            }

            @Override
            public void markStale(Signal s, long micros) {}
        };
        ModelRepository repo = ModelRepository.open(dir);
        HealthMonitor monitor = new HealthMonitor(feed.model, feed.kpi, repo, output, HealthSettings.DEFAULTS, new SimpleMeterRegistry());
        assertThat(monitor.health(feed.machines.get(0)).anomaly().status()).isEqualTo("learning");

        long[] faultAt = new long[feed.machines.size()];
        List<String> leads = new ArrayList<>();
        List<Double> leadHours = new ArrayList<>();
        ReasonCode[] lastReason = new ReasonCode[feed.machines.size()];
        int steps = 60 * 60;
        int[][] runMinutes = new int[now.length][steps];
        List<List<Integer>> faultSteps = new ArrayList<>();
        for (int k = 0; k < now.length; k++) faultSteps.add(new ArrayList<>());
        for (int step = 0; step < steps; step++) {
            for (int k = 0; k < now.length; k++) now[k] = feed.snapshot(k);
            feed.step(Duration.ofMinutes(1), monitor);
            for (int k = 0; k < now.length; k++) {
                MachineSnapshot s = feed.snapshot(k);
                runMinutes[k][step] = (step == 0 ? 0 : runMinutes[k][step - 1]) + (s.state() == MachineState.RUNNING ? 1 : 0);
                if (s.reason() == ReasonCode.BEARING_WEAR_OUT && lastReason[k] != ReasonCode.BEARING_WEAR_OUT) faultSteps.get(k).add(step);
                if (s.reason() == ReasonCode.BEARING_WEAR_OUT && lastReason[k] != ReasonCode.BEARING_WEAR_OUT) {
                    long t = feed.sim.now().getEpochSecond() * 1_000_000L;
                    String scoreId = feed.machines.get(k) + ".anomaly-score";
                    List<Scored> scores = written.getOrDefault(scoreId, List.of());
                    // The first crossing after the last time the machine was learning or repaired.
                    long since = faultAt[k];
                    Long cross = null;
                    for (Scored sc : scores) {
                        if (sc.micros() <= since) continue;
                        if (sc.value() >= 1.0) {
                            cross = sc.micros();
                            break;
                        }
                    }
                    if (cross != null || scores.stream().anyMatch(sc -> sc.micros() > since)) {
                        double lead = cross == null ? -1 : (t - cross) / 3.6e9;
                        leads.add(feed.machines.get(k) + " fault@" + (t / 1_000_000L - 1767592800L) / 3600.0 + "h lead=" + lead + "h");
                        leadHours.add(lead);
                    }
                    faultAt[k] = t;
                }
                lastReason[k] = s.reason();
            }
        }
        System.out.println("Wear-out faults with a scored run before them: " + leads);
        assertThat(leadHours).as("wear-out faults of machines that were being scored").hasSizeGreaterThanOrEqualTo(4);
        // Crossed before every fault; well before (over half an hour of running) for most. The exception is a machine
        // whose model learned when its bearing was already 80 % worn, 3 h before the fault.
        for (double l : leadHours) assertThat(l).as("hours between the first threshold crossing and the fault").isGreaterThan(0);
        assertThat(leadHours.stream().filter(l -> l > 0.5).count()).isGreaterThanOrEqualTo(leadHours.size() * 8 / 10);

        // Never a score while the machine was not running: stops (planned or not) write nothing.
        for (var e : written.entrySet()) {
            if (!e.getKey().endsWith(".anomaly-score")) continue;
            for (Scored s : e.getValue()) assertThat(s.state()).as("state at a score of " + e.getKey()).isEqualTo(MachineState.RUNNING);
        }
        // Every machine ended up with a saved anomaly model, some with a RUL model after their wear-out failure.
        assertThat(repo.all().stream().filter(m -> m.type().equals(ModelFile.ANOMALY))).hasSize(8);
        assertThat(repo.all().stream().filter(m -> m.type().equals(ModelFile.RUL))).isNotEmpty();
        ModelFile a = repo.get(feed.machines.get(1) + ".anomaly");
        assertThat(a.features()).extracting(ModelFile.Feature::name).containsExactlyInAnyOrder("Vibration RMS", "Temperature", "Power");
        assertThat(a.training().runningHours()).isGreaterThanOrEqualTo(2.0);

        // RUL written after the first wear-out of a machine, against the running hours truly left to its next one.
        double se = 0, ae = 0, bias = 0, seNaive = 0, aeNaive = 0;
        int n = 0, inside = 0;
        for (int k = 0; k < now.length; k++) {
            String m = feed.machines.get(k);
            List<Scored> rul = written.getOrDefault(m + ".rul", List.of());
            List<Scored> lo = written.getOrDefault(m + ".rul-lower", List.of());
            List<Scored> hi = written.getOrDefault(m + ".rul-upper", List.of());
            for (int i = 0; i < rul.size(); i++) {
                long t = rul.get(i).micros();
                int step = (int) ((t / 1_000_000L - feed.sim.now().getEpochSecond()) / 60 + runMinutes[k].length - 1);
                Integer faultStep = null;
                for (int f : faultSteps.get(k)) if (f > step) { faultStep = f; break; }
                if (faultStep == null || step < 0) continue;
                double truth = (runMinutes[k][faultStep] - runMinutes[k][step]) / 60.0;
                if (truth > 8) continue; // the horizon that matters for planning maintenance
                double e = rul.get(i).value() - truth;
                se += e * e;
                ae += Math.abs(e);
                bias += e;
                // Baseline: a constant 4 h, the middle of the 8 h horizon (it knows the horizon, the model does not).
                seNaive += (4 - truth) * (4 - truth);
                aeNaive += Math.abs(4 - truth);
                if (truth >= lo.get(i).value() && truth <= hi.get(i).value()) inside++;
                n++;
            }
        }
        System.out.printf(java.util.Locale.ROOT, "RUL within 8 running hours of a wear-out: estimates=%d rmseHours=%.2f maeHours=%.2f biasHours=%.2f bandCoverage=%.2f%n",
                n, Math.sqrt(se / Math.max(1, n)), ae / Math.max(1, n), bias / Math.max(1, n), (double) inside / Math.max(1, n));
        System.out.printf(java.util.Locale.ROOT, "RUL naive baseline (constant 4 h) on the same instants: rmseHours=%.2f maeHours=%.2f%n",
                Math.sqrt(seNaive / Math.max(1, n)), aeNaive / Math.max(1, n));
        for (ModelFile r : repo.all()) if (r.type().equals(ModelFile.RUL)) System.out.println("RUL model " + r.id() + " v" + r.version() + " " + r.validation());
        assertThat(n).as("RUL estimates before a wear-out").isPositive();
        // Every estimate here comes from a model fitted on the machine's earlier cycles only (refitted at each wear-out),
        // so each is on a cycle not used for fitting. Deterministic: seed 42, no threads.
        assertThat(Math.sqrt(se / n)).as("RUL RMSE against the naive constant 4 h").isLessThan(Math.sqrt(seNaive / n));
        assertThat(ae / n).as("RUL MAE against the naive constant 4 h").isLessThan(aeNaive / n);
        assertThat((double) inside / n).as("share of true values inside the nominal 80 % band").isBetween(0.70, 0.90);

        // Reloaded from the folder, the models score at once.
        ModelRepository again = ModelRepository.open(dir);
        SimpleMeterRegistry restartMetrics = new SimpleMeterRegistry();
        HealthMonitor restarted = new HealthMonitor(feed.model, feed.kpi, again, output, HealthSettings.DEFAULTS, restartMetrics);
        assertThat(restartMetrics.counter("lathe.predict.errors").count()).as("saved models not usable after the restart").isZero();

        // Each saved RUL model names what it reads, as its anomaly model names those signals: the anomaly score (the
        // index of the fallback and of the trend) and every condition signal a learned degradation path follows.
        int withPaths = 0;
        for (ModelFile r : again.all()) {
            if (!r.type().equals(ModelFile.RUL)) continue;
            ModelFile an = again.get(ModelFile.idOf(r.machine(), ModelFile.ANOMALY));
            MachineMonitor reloaded = new MachineMonitor(MachineBinding.of(r.machine(), feed.model, feed.kpi), HealthSettings.DEFAULTS);
            reloaded.install(an);
            reloaded.installRul(r);
            List<String> used = reloaded.rul().paths().stream().map(DegradationRul.Path::feature).toList();
            assertThat(r.features().getFirst()).isEqualTo(new ModelFile.Feature(r.machine() + ".anomaly-score", "Anomaly Score", "", 0, 1));
            assertThat(r.features().subList(1, r.features().size())).extracting(ModelFile.Feature::signal).as(r.id()).containsExactlyElementsOf(used);
            for (ModelFile.Feature f : r.features().subList(1, r.features().size())) {
                ModelFile.Feature same = an.features().stream().filter(x -> x.signal().equals(f.signal())).findFirst().orElseThrow();
                assertThat(List.of(f.name(), f.unit())).as(r.id() + " " + f.signal()).isEqualTo(List.of(same.name(), same.unit()));
            }
            if (!used.isEmpty()) withPaths++;
        }
        assertThat(withPaths).as("RUL models that learned degradation paths").isPositive();
        ModelFile lathe = again.all().stream().filter(r -> r.type().equals(ModelFile.RUL) && r.features().size() > 1).findFirst().orElseThrow();
        System.out.println("RUL model " + lathe.id() + " features: " + lathe.features());
        for (int step = 0; step < 30; step++) feed.step(Duration.ofMinutes(1), restarted);
        long scoring = feed.machines.stream().map(restarted::health).filter(h -> h.anomaly().status().equals("scoring")).count();
        assertThat(scoring).isGreaterThan(0);
    }
}
