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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The health monitor on synthetic machines: statuses, contributors, stops, missing values, bad model files. */
class HealthMonitorTest {
    @TempDir
    Path dir;

    private final PlantModel model = new PlantModel("Works");
    private final List<long[]> scoreTimes = new ArrayList<>();
    private final List<Double> scores = new ArrayList<>();
    private final PointSink out = new PointSink() {
        @Override
        public void accept(Signal s, long t, Value v, Quality q, boolean h) {
            if (s.name().equals(HealthMonitor.SCORE_SIGNAL)) {
                scoreTimes.add(new long[] {t});
                scores.add(v.asDouble());
            }
        }

        @Override
        public void markStale(Signal s, long t) {}
    };

    @Test
    void learnsThenNamesTheDriftingSignalAndNeverScoresAStoppedMachine() throws Exception {
        String line = model.addChild(model.addChild(model.addChild(model.rootId(), "Site", "", ""), "Area", "", ""), "Line", "", "");
        String press = model.addChild(line, "Press", "", "");
        String meter = model.addChild(line, "Meter", "", "");
        Signal state = model.addSignal(press, "State", DataType.TEXT, "", "", "");
        Signal a = model.addSignal(press, "Vibration", DataType.DOUBLE, "mm/s", "", "");
        Signal b = model.addSignal(press, "Temperature", DataType.DOUBLE, "degC", "", "");
        Signal c = model.addSignal(press, "Pressure", DataType.DOUBLE, "bar", "", "");
        Signal speed = model.addSignal(press, "Speed", DataType.DOUBLE, "rpm", "", "");
        Signal power = model.addSignal(meter, "Power", DataType.DOUBLE, "kW", "", "");
        HealthMonitor m = new HealthMonitor(model, null, ModelRepository.open(dir), out,
                HealthSettings.DEFAULTS.withTraining(Duration.ofMinutes(30)), new SimpleMeterRegistry());
        assertThat(m.health(press).anomaly().status()).isEqualTo("learning");
        assertThat(m.health(meter).anomaly().status()).isEqualTo("no-model");
        assertThat(m.health(meter).anomaly().message()).contains("State");

        SplittableRandom rng = new SplittableRandom(7);
        long t = 1_767_600_000_000_000L;
        m.accept(state, t, Value.of("running"), Quality.GOOD, false);
        for (int s = 0; s < 3600; s++, t += 1_000_000L) {
            m.accept(a, t, Value.of(1.0 + 0.05 * rng.nextGaussian()), Quality.GOOD, false);
            // Temperature reports only every 10 s and sometimes not at all: held, then missing.
            if (s % 10 == 0 && (s < 1000 || s > 1100)) m.accept(b, t, Value.of(40 + 0.5 * rng.nextGaussian()), Quality.GOOD, false);
            m.accept(c, t, Value.of(200 + 2 * rng.nextGaussian()), Quality.GOOD, false);
            m.accept(speed, t, Value.of(s < 2400 ? 1500 : 1800), Quality.GOOD, false); // a product change: not a feature
            m.accept(power, t, Value.of(5.0), Quality.GOOD, false);
        }
        MachineHealth h = m.health(press);
        assertThat(h.anomaly().status()).isEqualTo("scoring");
        assertThat(h.anomaly().model()).isEqualTo(press + ".anomaly");
        assertThat(h.anomaly().high()).as("normal running after learning, and after a change of speed").isFalse();
        assertThat(m.repository().get(press + ".anomaly").features()).extracting(f -> f.name())
                .containsExactlyInAnyOrder("Vibration", "Temperature", "Pressure");

        // The temperature drifts up: the score rises above the threshold and names it first.
        for (int s = 0; s < 1800; s++, t += 1_000_000L) {
            m.accept(a, t, Value.of(1.0 + 0.05 * rng.nextGaussian()), Quality.GOOD, false);
            m.accept(b, t, Value.of(40 + s * 0.01 + 0.5 * rng.nextGaussian()), Quality.GOOD, false);
            m.accept(c, t, Value.of(200 + 2 * rng.nextGaussian()), Quality.GOOD, false);
        }
        h = m.health(press);
        assertThat(h.anomaly().high()).isTrue();
        assertThat(h.anomaly().topContributors().getFirst().name()).isEqualTo("Temperature");
        assertThat(h.anomaly().signal()).isEqualTo(press + ".anomaly-score");

        // Stopped: signals go flat or wild, nothing is scored, the last score stays.
        int before = scores.size();
        m.accept(state, t, Value.of("planned-stop"), Quality.GOOD, false);
        for (int s = 0; s < 600; s++, t += 1_000_000L) {
            m.accept(a, t, Value.of(0.0), Quality.GOOD, false);
            m.accept(b, t, Value.of(20.0), Quality.GOOD, false);
        }
        assertThat(scores.size() - before).as("scores written while stopped (the instant of the change at most)").isLessThanOrEqualTo(1);
        assertThat(m.health(press).anomaly().status()).isEqualTo("stopped");

        // A damaged model file next to a good one: reported and skipped, the good one still loads.
        Files.writeString(dir.resolve("models").resolve(meter + ".anomaly.json"), "{ not json");
        ModelRepository again = ModelRepository.open(dir);
        assertThat(again.problems()).singleElement().asString().contains(meter + ".anomaly.json");
        HealthMonitor restarted = new HealthMonitor(model, null, again, out, HealthSettings.DEFAULTS, new SimpleMeterRegistry());
        restarted.accept(state, t, Value.of("running"), Quality.GOOD, false);
        for (int s = 0; s < 5; s++, t += 1_000_000L) restarted.accept(a, t, Value.of(1.0), Quality.GOOD, false);
        assertThat(restarted.health(press).anomaly().status()).isEqualTo("scoring");
    }
}
