package io.lathe.predict.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.ingest.PointSink;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.lathe.predict.model.ModelRepository;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streaming cost: 1,000 machines × (10 condition signals + a state) at 1 Hz, one thread, through the health monitor
 * (learning the first minute, then scoring). Prints points per second; the figure goes to docs/PERFORMANCE.md (no
 * timing assertion here). Run: {@code lmvn lathe-predict test -Dtest=HealthThroughputTest}.
 */
class HealthThroughputTest {
    @TempDir
    Path dir;

    @Test
    void scoresTenThousandSignalsAtOneHertz() throws Exception {
        int machines = 1000, features = 10, seconds = 300;
        PlantModel model = new PlantModel("Bench");
        String site = model.addChild(model.rootId(), "Site", "", "");
        String line = model.addChild(model.addChild(site, "Area", "", ""), "Line", "", "");
        Signal[][] sig = new Signal[machines][features];
        Signal[] state = new Signal[machines];
        for (int m = 0; m < machines; m++) {
            String id = model.addChild(line, "M" + m, "", "");
            state[m] = model.addSignal(id, "State", DataType.TEXT, "", "", "");
            for (int f = 0; f < features; f++) sig[m][f] = model.addSignal(id, "S" + f, DataType.DOUBLE, "mm/s", "", "");
        }
        AtomicLong written = new AtomicLong();
        PointSink out = new PointSink() {
            @Override
            public void accept(Signal s, long t, Value v, Quality q, boolean h) {
                written.incrementAndGet();
            }

            @Override
            public void markStale(Signal s, long t) {}
        };
        // -Dlathe.throughput.zones='*@S0=I' measures the cost of the vibration zones (one zoned signal per machine).
        String zones = System.getProperty("lathe.throughput.zones", "");
        HealthMonitor monitor = new HealthMonitor(model, null, ModelRepository.open(dir), out, HealthSettings.DEFAULTS.withTraining(Duration.ofMinutes(1))
                .withVibrationZones(VibrationZones.parse(zones.isBlank() ? java.util.List.of() : java.util.List.of(zones.split(",")))),
                new SimpleMeterRegistry());
        SplittableRandom rng = new SplittableRandom(1);
        Value running = Value.of("running");
        long t0 = 1_767_600_000_000_000L;
        long points = 0;
        long start = System.nanoTime();
        for (int s = 0; s < seconds; s++) {
            long t = t0 + s * 1_000_000L;
            for (int m = 0; m < machines; m++) {
                if (s == 0) monitor.accept(state[m], t, running, Quality.GOOD, false);
                for (int f = 0; f < features; f++) {
                    monitor.accept(sig[m][f], t, Value.of(10 + f + rng.nextGaussian()), Quality.GOOD, false);
                    points++;
                }
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        System.out.printf(java.util.Locale.ROOT, "Health monitor: %d machines x %d signals, %d s of data at 1 Hz: %d points in %.2f s = %.0f points/s"
                + " (%.1f x real time for 10,000 signals at 1 Hz), %d scores written%n", machines, features, seconds, points, secs, points / secs,
                points / secs / (machines * features), written.get());
        assertThat(written.get()).isGreaterThan((long) machines * (seconds - 70));
    }
}
