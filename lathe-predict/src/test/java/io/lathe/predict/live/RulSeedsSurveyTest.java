package io.lathe.predict.live;

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
 * Measurement, not a check: the live RUL against the naive constant 4 h over long runs of the virtual factory, within
 * 8 running hours of a wear-out (as HealthMonitorSimulationTest). Skipped unless {@code -Dlathe.rul.seeds=42,7,99}
 * ({@code -Dlathe.rul.hours=120}); prints one line per seed and the pooled figures.
 */
class RulSeedsSurveyTest {
    private record Written(long micros, double value) {}

    @Test
    void rulAgainstNaiveOverLongRuns() throws Exception {
        String seeds = System.getProperty("lathe.rul.seeds");
        Assumptions.assumeTrue(seeds != null, "measurement only: run with -Dlathe.rul.seeds=42,7,99 [-Dlathe.rul.hours=120]");
        int hours = Integer.getInteger("lathe.rul.hours", 120);
        double seAll = 0, seNaiveAll = 0;
        int nAll = 0;
        for (String ss : seeds.split(",")) {
            long seed = Long.parseLong(ss.trim());
            FactoryFeed feed = new FactoryFeed(seed, Instant.parse("2026-01-05T06:00:00Z"));
            Map<String, List<Written>> written = new HashMap<>();
            PointSink output = new PointSink() {
                @Override
                public void accept(Signal s, long micros, Value v, Quality q, boolean historical) {
                    written.computeIfAbsent(s.id(), x -> new ArrayList<>()).add(new Written(micros, v.asDouble()));
                }

                @Override
                public void markStale(Signal s, long micros) {}
            };
            HealthMonitor monitor = new HealthMonitor(feed.model, feed.kpi, ModelRepository.open(Files.createTempDirectory("rul")), output,
                    HealthSettings.DEFAULTS, new SimpleMeterRegistry());
            int n = feed.machines.size();
            int steps = hours * 60;
            int[][] runMinutes = new int[n][steps];
            List<List<Integer>> faultSteps = new ArrayList<>();
            for (int k = 0; k < n; k++) faultSteps.add(new ArrayList<>());
            ReasonCode[] lastReason = new ReasonCode[n];
            long start = feed.sim.now().getEpochSecond();
            for (int step = 0; step < steps; step++) {
                feed.step(Duration.ofMinutes(1), monitor);
                for (int k = 0; k < n; k++) {
                    MachineSnapshot s = feed.snapshot(k);
                    runMinutes[k][step] = (step == 0 ? 0 : runMinutes[k][step - 1]) + (s.state() == MachineState.RUNNING ? 1 : 0);
                    if (s.reason() == ReasonCode.BEARING_WEAR_OUT && lastReason[k] != ReasonCode.BEARING_WEAR_OUT) faultSteps.get(k).add(step);
                    lastReason[k] = s.reason();
                }
            }
            double se = 0, seNaive = 0;
            int cnt = 0;
            for (int k = 0; k < n; k++) {
                for (Written w : written.getOrDefault(feed.machines.get(k) + ".rul", List.of())) {
                    int step = (int) ((w.micros() / 1_000_000L - start) / 60) - 1;
                    Integer faultStep = null;
                    for (int f : faultSteps.get(k)) if (f > step) { faultStep = f; break; }
                    if (faultStep == null || step < 0) continue;
                    double truth = (runMinutes[k][faultStep] - runMinutes[k][step]) / 60.0;
                    if (truth > 8) continue;
                    se += (w.value() - truth) * (w.value() - truth);
                    seNaive += (4 - truth) * (4 - truth);
                    cnt++;
                }
            }
            System.out.printf(Locale.ROOT, "RUL seed=%d hours=%d estimates=%d rmseHours=%.2f naiveRmseHours=%.2f%n", seed, hours, cnt,
                    Math.sqrt(se / Math.max(1, cnt)), Math.sqrt(seNaive / Math.max(1, cnt)));
            seAll += se;
            seNaiveAll += seNaive;
            nAll += cnt;
        }
        System.out.printf(Locale.ROOT, "RUL pooled estimates=%d rmseHours=%.2f naiveRmseHours=%.2f%n", nAll, Math.sqrt(seAll / Math.max(1, nAll)),
                Math.sqrt(seNaiveAll / Math.max(1, nAll)));
    }
}
