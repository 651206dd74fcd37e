package io.lathe.predict.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.ingest.PointSink;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.lathe.predict.model.ModelFile;
import io.lathe.predict.model.ModelRepository;
import io.lathe.simulator.MachineSnapshot;
import io.lathe.simulator.ReasonCode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;

/**
 * The lead of the anomaly score over every bearing wear-out of the virtual factory (2 lines × 4 machines, a sample per
 * simulated minute, 60 simulated hours, states mapped as in the demo) on several seeds, with the demo's absolute vibration
 * zones ({@link #DEMO_ZONES}, as demo.yaml sets them): every wear-out is crossed over an hour before the fault, also those
 * of models the monitor flags afterwards (in the next model's {@code learningTrigger.previousModel}) as having learned in
 * the first running hours a part near wear-out. A crossing counts from the start of the part's cycle as the monitor
 * sees it: the run's start for a first model (the zones score while it still learns), the previous wear-out for a model
 * learned after that repair, the fit for one learned after a renewing repair (the renewal's stop is not known here, so
 * that lead is counted short). With {@code -Dlathe.lead.zones=off} the learned model alone: the flagged ones are then
 * exempt, since what they learned was already wear (docs/MODELS.md).
 */
class WearOutLeadSeedsTest {
    @TempDir
    Path dir;

    /** A wear-out fault and the model that scored it. */
    private record Fault(String machine, int modelVersion, String reason, double wearAtFit, long faultAt, double leadHours, double wearAtCrossing) {}

    /**
     * The zones demo.yaml gives the virtual factory's machines: all class I by power (saw 3.6, CNC lathe 11.5, washer 6.0
     * kW cutting), the band saw class II since its new part already reads 1.72 mm/s, at class I's B/C limit.
     */
    static final List<String> DEMO_ZONES = List.of("*.cnc-lathe-*=I", "*.parts-washer=I", "*.band-saw=II");

    /** Seeds 42, 7, 99, 3, 5; another list with {@code -Dlathe.lead.seeds=1,2,3}. */
    static java.util.stream.LongStream seeds() {
        return java.util.Arrays.stream(System.getProperty("lathe.lead.seeds", "42,7,99,3,5,4").split(",")).mapToLong(x -> Long.parseLong(x.trim()));
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.MethodSource("seeds")
    void everyWearOutNotFlaggedByTheMonitorIsLedByOverAnHour(long seed) throws Exception {
        // States mapped as in the demo: jams and tool changes are unplanned stops too (many an hour).
        FactoryFeed feed = new FactoryFeed(seed, Instant.parse("2026-01-05T06:00:00Z"), true);
        Map<String, List<Long>> crossings = new HashMap<>();
        Map<String, List<Long>> fallsBelow = new HashMap<>();
        Map<String, Double> lastScore = new HashMap<>();
        PointSink output = new PointSink() {
            @Override
            public void accept(Signal s, long micros, Value v, Quality q, boolean historical) {
                if (!s.name().equals(HealthMonitor.SCORE_SIGNAL)) return;
                if (v.asDouble() >= 1.0 && lastScore.getOrDefault(s.machineId(), 0.0) < 1.0) {
                    crossings.computeIfAbsent(s.machineId(), x -> new ArrayList<>()).add(micros);
                } else if (v.asDouble() < 1.0 && lastScore.getOrDefault(s.machineId(), 0.0) >= 1.0) {
                    fallsBelow.computeIfAbsent(s.machineId(), x -> new ArrayList<>()).add(micros);
                }
                lastScore.put(s.machineId(), v.asDouble());
            }

            @Override
            public void markStale(Signal s, long micros) {}
        };
        ModelRepository repo = ModelRepository.open(dir);
        boolean zones = !"off".equals(System.getProperty("lathe.lead.zones"));
        HealthSettings settings = zones ? HealthSettings.DEFAULTS.withVibrationZones(VibrationZones.parse(DEMO_ZONES)) : HealthSettings.DEFAULTS;
        HealthMonitor monitor = new HealthMonitor(feed.model, feed.kpi, repo, output, settings, new SimpleMeterRegistry());
        int n = feed.machines.size();
        int[] version = new int[n];
        long[] fitAt = new long[n];
        Map<String, List<Double>> crossWear = new HashMap<>();
        long runStart = feed.sim.now().getEpochSecond() * 1_000_000L;
        /** Start of each machine's current cycle for counting crossings: the run's start, then its last wear-out. */
        long[] cycleFrom = new long[n];
        java.util.Arrays.fill(cycleFrom, runStart);
        double[] wearAtFit = new double[n];
        String[] reasonOf = new String[n];
        ReasonCode[] lastReason = new ReasonCode[n];
        List<Fault> faults = new ArrayList<>();
        /** What later models said of the model that scored a wear-out, by machine and that model's version. */
        Map<String, Map<String, Object>> verdicts = new HashMap<>();
        for (int step = 0; step < Integer.getInteger("lathe.lead.hours", 60) * 60; step++) {
            feed.step(Duration.ofMinutes(1), monitor);
            long t = feed.sim.now().getEpochSecond() * 1_000_000L;
            for (int k = 0; k < n; k++) {
                String m = feed.machines.get(k);
                MachineSnapshot s = feed.snapshot(k);
                // The simulator's hidden wear when the score crossed (written during this step): printed, never used.
                List<Long> cs = crossings.getOrDefault(m, List.of());
                for (int i = crossWear.computeIfAbsent(m, x -> new ArrayList<>()).size(); i < cs.size(); i++) {
                    crossWear.get(m).add(s.wear());
                    // Crossed through the absolute zones (the top contributor names a zone) or through the learned model.
                    MachineHealth.Anomaly a = monitor.health(m).anomaly();
                    if (!a.topContributors().isEmpty() && a.topContributors().getFirst().zone() != null) {
                        String kind = m.substring(m.lastIndexOf('.') + 1).replaceAll("-\\d+$", "");
                        System.out.printf(Locale.ROOT, "ZONE CROSSING seed=%d machine=%s kind=%s wear=%.2f %s%n", seed, m.substring(m.indexOf("line-")), kind,
                                s.wear(), a.topContributors().getFirst().zone());
                        // New parts read zone A/B (CNC 1.32, washer 0.92 mm/s against class I's 1.8; saw 1.72 against class
                        // II's 2.8): the zones never alarm on a part in the first quarter of its life.
                        assertThat(s.wear()).as("wear when " + m + " crossed into zone C (seed " + seed + ")").isGreaterThan(0.25);
                    }
                }
                ModelFile f = repo.get(m + ".anomaly");
                if (f != null && f.version() != version[k]) {
                    version[k] = f.version();
                    fitAt[k] = t;
                    wearAtFit[k] = s.wear(); // the simulator's hidden wear: printed for the reader, never used by the monitor
                    // What each machine learned as normal, to compare peers (same kind on the other line, the other CNC):
                    // whether a fleet baseline could tell a worn first model from its peers' at learning time.
                    StringBuilder learned = new StringBuilder();
                    for (ModelFile.Feature ft : f.features()) {
                        learned.append(String.format(Locale.ROOT, " %s=%.3f±%.3f", ft.name().replace(' ', '_'), ft.center(), ft.scale()));
                    }
                    System.out.printf(Locale.ROOT, "LEARNED seed=%d machine=%s v%d hour=%.1f wear=%.2f%s%n", seed,
                            m.substring(m.indexOf("line-")), f.version(), (t / 1e6 - Instant.parse("2026-01-05T06:00:00Z").getEpochSecond()) / 3600.0,
                            s.wear(), learned);
                    @SuppressWarnings("unchecked")
                    Map<String, Object> trigger = (Map<String, Object>) f.validation().get("learningTrigger");
                    reasonOf[k] = trigger == null ? null : (String) trigger.get("reason");
                    assertThat(trigger).as("learning trigger of " + f.id() + " v" + f.version()).isNotNull();
                    if (f.version() == 1) assertThat(trigger.get("reason")).isEqualTo("first running hours");
                    else assertThat(trigger.get("reason")).isIn("wear-out repair", "renewing repair");
                    @SuppressWarnings("unchecked")
                    Map<String, Object> previous = (Map<String, Object>) trigger.get("previousModel");
                    if (f.version() > 1) {
                        assertThat(previous).as("what " + f.id() + " v" + f.version() + " says of the model before").isNotNull();
                        verdicts.put(m + "#" + previous.get("version"), previous);
                    }
                }
                boolean wearOut = s.reason() == ReasonCode.BEARING_WEAR_OUT && lastReason[k] != ReasonCode.BEARING_WEAR_OUT;
                long cycleStart = cycleFrom[k];
                if (wearOut) cycleFrom[k] = t;
                if (wearOut && fitAt[k] > 0) {
                    // Without zones nothing is written before the fit; a model after a renewing repair counts from its fit.
                    long since = !zones || "renewing repair".equals(reasonOf[k]) ? fitAt[k] : cycleStart;
                    long cross = crossings.getOrDefault(m, List.of()).stream().filter(c -> c > since).findFirst().orElse(-1L);
                    if (zones && since == fitAt[k]) {
                        // After a renewing repair the zones may have scored the part above the threshold already while the
                        // new model learned (a part renewed early wears into zone C again): then the lead counts from the fit.
                        long up = crossings.getOrDefault(m, List.of()).stream().filter(c -> c <= since).reduce((a, b) -> b).orElse(-1L);
                        long down = fallsBelow.getOrDefault(m, List.of()).stream().filter(c -> c <= since).reduce((a, b) -> b).orElse(-1L);
                        if (up > down) cross = since;
                    }
                    int ci = crossings.getOrDefault(m, List.of()).indexOf(cross);
                    faults.add(new Fault(m, version[k], reasonOf[k], wearAtFit[k], t, cross < 0 ? -1 : (t - cross) / 3.6e9,
                            ci < 0 ? Double.NaN : crossWear.get(m).get(ci)));
                    fitAt[k] = 0;
                }
                lastReason[k] = s.reason();
            }
        }
        int asserted = 0;
        for (Fault f : faults) {
            Map<String, Object> verdict = verdicts.get(f.machine() + "#" + f.modelVersion());
            String m = f.machine().substring(f.machine().indexOf("line-"));
            System.out.printf(Locale.ROOT, "WEAR-OUT seed=%d machine=%s model=v%d (%s) wearAtFit=%.2f leadHours=%.2f wearAtCrossing=%.2f verdict=%s%n", seed, m,
                    f.modelVersion(), f.reason(), f.wearAtFit(), f.leadHours(), f.wearAtCrossing(), verdict == null ? "none (no model learned after it within the run)"
                            : "suspect=" + verdict.get("suspect") + " scoredRunningHours=" + verdict.get("scoredRunningHours"));
            // A model learned after a repair learned a new part; a first model with no verdict yet is not judged.
            if (verdict == null && f.modelVersion() == 1) continue;
            if (verdict != null && Boolean.TRUE.equals(verdict.get("suspect"))) {
                assertThat(f.modelVersion()).as("only a model learned in the first running hours learns a part near wear-out").isEqualTo(1);
                if (!zones) continue;
            }
            assertThat(f.leadHours()).as("simulated hours between the first crossing and the wear-out of " + m + " (model v" + f.modelVersion()
                    + ", seed " + seed + ")").isGreaterThan(1.0);
            asserted++;
        }
        assertThat(asserted).as("wear-outs with a lead asserted, seed " + seed).isGreaterThanOrEqualTo(5);
    }
}
