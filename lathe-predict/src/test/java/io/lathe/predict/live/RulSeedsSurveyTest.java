package io.lathe.predict.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.ingest.PointSink;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.lathe.predict.model.ModelRepository;
import io.lathe.simulator.MachineSnapshot;
import io.lathe.simulator.MachineState;
import io.lathe.simulator.ReasonCode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Part-renewing repairs as the RUL sees them, and (a measurement, not a check) the live RUL against the naive constant 4 h over long runs of the virtual factory, within
 * 8 running hours of a wear-out (as HealthMonitorSimulationTest), with the share of true values inside the band. Skipped unless {@code -Dlathe.rul.seeds=42,7,99}
 * ({@code -Dlathe.rul.hours=120}); prints one line per seed and the pooled figures.
 */
class RulSeedsSurveyTest {
    private record Written(long micros, double value) {}

    /**
     * Seeds 42, 7, 99 and 2, 13 (where hydraulic or drive repairs were taken for renewals, 3 in all, before the features
     * had to be back within the learned normal), 120 simulated hours each, states mapped as in the demo (with jams and
     * tool changes judged too, all five seeds failed): the simulator replaces the bearing at spindle-overheat repairs
     * (hidden from the monitor) but not at hydraulic or drive-fault repairs. Every cycle the monitor censored as renewed
     * follows a replacement of the bearing in the simulator, and most overheat repairs are seen.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(longs = {42, 7, 99, 2, 13})
    void onlyRepairsThatRenewedThePartEndACycle(long seed) throws Exception {
        // States mapped as in the demo: jams and tool changes are unplanned stops too, and must not pass for renewals.
        FactoryFeed feed = new FactoryFeed(seed, Instant.parse("2026-01-05T06:00:00Z"), true);
        PointSink none = new PointSink() {
            @Override
            public void accept(Signal s, long micros, Value v, Quality q, boolean historical) {}

            @Override
            public void markStale(Signal s, long micros) {}
        };
        ModelRepository repo = ModelRepository.open(Files.createTempDirectory("renew"));
        HealthMonitor monitor = new HealthMonitor(feed.model, feed.kpi, repo, none, HealthSettings.DEFAULTS, new SimpleMeterRegistry());
        int n = feed.machines.size();
        ReasonCode[] lastReason = new ReasonCode[n];
        /** Breakdown onsets by machine: time and reason. */
        Map<String, List<Object[]>> breakdowns = new HashMap<>();
        /** When the simulator's hidden wear fell (the bearing was replaced), by machine. */
        Map<String, List<Instant>> replaced = new HashMap<>();
        double[] lastWear = new double[n];
        int overheats = 0;
        for (int step = 0; step < 120 * 60; step++) {
            feed.step(Duration.ofMinutes(1), monitor);
            for (int k = 0; k < n; k++) {
                MachineSnapshot s = feed.snapshot(k);
                if (s.state() == MachineState.FAULT && s.reason() != lastReason[k]) {
                    breakdowns.computeIfAbsent(feed.machines.get(k), x -> new ArrayList<>()).add(new Object[] {feed.sim.now(), s.reason()});
                    if (s.reason() == ReasonCode.SPINDLE_OVERHEAT) overheats++;
                }
                lastReason[k] = s.reason();
                if (s.wear() < lastWear[k]) replaced.computeIfAbsent(feed.machines.get(k), x -> new ArrayList<>()).add(feed.sim.now());
                lastWear[k] = s.wear();
            }
        }
        int seen = 0;
        for (var f : repo.all()) {
            if (!(f.parameters().get("censored") instanceof List<?> list)) continue;
            for (Object o : list) {
                Instant judged = Instant.parse((String) ((Map<?, ?>) o).get("judgedAt"));
                // The judgement comes 45 running minutes after the restart; the repair took at most 3 h (and breaks may
                // come between): the part was replaced within the 5 h before it. (Not "the last breakdown was an
                // overheat": a hydraulic fault soon after an overhaul may be the stop the monitor compares across.)
                List<String> before = new ArrayList<>();
                for (Object[] b : breakdowns.getOrDefault(f.machine(), List.of())) {
                    if (((Instant) b[0]).isBefore(judged) && ((Instant) b[0]).isAfter(judged.minus(Duration.ofHours(5)))) before.add(b[0] + " " + b[1]);
                }
                assertThat(replaced.getOrDefault(f.machine(), List.of())).as("bearing replaced within 5 h before the renewal judged at " + judged
                        + " on " + f.machine() + ": " + o + "; breakdowns " + before)
                        .anyMatch(r -> r.isBefore(judged) && r.isAfter(judged.minus(Duration.ofHours(5))));
                seen++;
            }
        }
        System.out.println("Renewals censored (in saved RUL models), seed " + seed + ": " + seen + " of " + overheats + " spindle-overheat repairs");
        assertThat(overheats).isGreaterThanOrEqualTo(5);
        assertThat(seen).as("overheat repairs seen as renewals").isGreaterThanOrEqualTo(3);
    }

    @Test
    void rulAgainstNaiveOverLongRuns() throws Exception {
        String seeds = System.getProperty("lathe.rul.seeds");
        if (seeds == null) System.out.println("RulSeedsSurveyTest measurement skipped: run with -Dlathe.rul.seeds=42,7,99 [-Dlathe.rul.hours=120]");
        Assumptions.assumeTrue(seeds != null, "measurement only: run with -Dlathe.rul.seeds=42,7,99 [-Dlathe.rul.hours=120]");
        int hours = Integer.getInteger("lathe.rul.hours", 120);
        double seAll = 0, seNaiveAll = 0;
        int nAll = 0, insideAll = 0;
        for (String ss : seeds.split(",")) {
            long seed = Long.parseLong(ss.trim());
            // -Dlathe.rul.demoStates=true: states mapped as in the demo (jams and tool changes are unplanned stops).
            FactoryFeed feed = new FactoryFeed(seed, Instant.parse("2026-01-05T06:00:00Z"), Boolean.getBoolean("lathe.rul.demoStates"));
            Map<String, List<Written>> written = new HashMap<>();
            PointSink output = new PointSink() {
                @Override
                public void accept(Signal s, long micros, Value v, Quality q, boolean historical) {
                    written.computeIfAbsent(s.id(), x -> new ArrayList<>()).add(new Written(micros, v.asDouble()));
                }

                @Override
                public void markStale(Signal s, long micros) {}
            };
            ModelRepository repo = ModelRepository.open(Files.createTempDirectory("rul"));
            HealthMonitor monitor = new HealthMonitor(feed.model, feed.kpi, repo, output,
                    HealthSettings.DEFAULTS, new SimpleMeterRegistry());
            int n = feed.machines.size();
            int steps = hours * 60;
            int[][] runMinutes = new int[n][steps];
            List<List<Integer>> faultSteps = new ArrayList<>();
            for (int k = 0; k < n; k++) faultSteps.add(new ArrayList<>());
            ReasonCode[] lastReason = new ReasonCode[n];
            long start = feed.sim.now().getEpochSecond();
            int overheats = 0;
            for (int step = 0; step < steps; step++) {
                feed.step(Duration.ofMinutes(1), monitor);
                for (int k = 0; k < n; k++) {
                    MachineSnapshot s = feed.snapshot(k);
                    runMinutes[k][step] = (step == 0 ? 0 : runMinutes[k][step - 1]) + (s.state() == MachineState.RUNNING ? 1 : 0);
                    if (s.reason() == ReasonCode.BEARING_WEAR_OUT && lastReason[k] != ReasonCode.BEARING_WEAR_OUT) faultSteps.get(k).add(step);
                    if (s.reason() == ReasonCode.SPINDLE_OVERHEAT && lastReason[k] != ReasonCode.SPINDLE_OVERHEAT) overheats++;
                    lastReason[k] = s.reason();
                }
            }
            double se = 0, seNaive = 0;
            int cnt = 0, inside = 0;
            int censored = 0;
            for (var f : repo.all()) if (f.parameters().get("censoredCycles") instanceof Number c) censored += c.intValue();
            for (int k = 0; k < n; k++) {
                double seM = 0;
                int cntM = 0;
                List<Written> lo = written.getOrDefault(feed.machines.get(k) + ".rul-lower", List.of());
                List<Written> hi = written.getOrDefault(feed.machines.get(k) + ".rul-upper", List.of());
                List<Written> ruls = written.getOrDefault(feed.machines.get(k) + ".rul", List.of());
                for (int i = 0; i < ruls.size(); i++) {
                    Written w = ruls.get(i);
                    int step = (int) ((w.micros() / 1_000_000L - start) / 60) - 1;
                    Integer faultStep = null;
                    for (int f : faultSteps.get(k)) if (f > step) { faultStep = f; break; }
                    if (faultStep == null || step < 0) continue;
                    double truth = (runMinutes[k][faultStep] - runMinutes[k][step]) / 60.0;
                    if (truth > 8) continue;
                    se += (w.value() - truth) * (w.value() - truth);
                    seNaive += (4 - truth) * (4 - truth);
                    if (truth >= lo.get(i).value() && truth <= hi.get(i).value()) inside++;
                    cnt++;
                    seM += (w.value() - truth) * (w.value() - truth);
                    cntM++;
                }
                System.out.printf(Locale.ROOT, "RUL seed=%d machine=%s estimates=%d rmseHours=%.2f wearOuts=%d%n", seed, feed.machines.get(k),
                        cntM, Math.sqrt(seM / Math.max(1, cntM)), faultSteps.get(k).size());
            }
            System.out.printf(Locale.ROOT, "RUL seed=%d spindleOverheats=%d censoredByTheMonitor=%d%n", seed, overheats, censored);
            System.out.printf(Locale.ROOT, "RUL seed=%d hours=%d estimates=%d rmseHours=%.2f naiveRmseHours=%.2f bandCoverage=%.2f%n", seed, hours, cnt,
                    Math.sqrt(se / Math.max(1, cnt)), Math.sqrt(seNaive / Math.max(1, cnt)), (double) inside / Math.max(1, cnt));
            seAll += se;
            seNaiveAll += seNaive;
            nAll += cnt;
            insideAll += inside;
        }
        System.out.printf(Locale.ROOT, "RUL pooled estimates=%d rmseHours=%.2f naiveRmseHours=%.2f bandCoverage=%.2f%n", nAll,
                Math.sqrt(seAll / Math.max(1, nAll)), Math.sqrt(seNaiveAll / Math.max(1, nAll)), (double) insideAll / Math.max(1, nAll));
    }
}
