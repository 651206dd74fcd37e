package io.lathe.predict.live;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

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
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The absolute vibration severity floor under the anomaly score: zone limits, the rules, and the monitor using them. */
class VibrationZonesTest {
    @TempDir
    Path dir;

    @Test
    void scoreIsZeroBelowBcTheThresholdAtBcTwiceItAtCdAndRisesBeyond() {
        VibrationZones.Limits classI = VibrationZones.isoClass("I");
        assertThat(classI.bc()).isEqualTo(1.8);
        assertThat(classI.cd()).isEqualTo(4.5);
        assertThat(classI.score(0.5, 1.0)).isZero();
        assertThat(classI.score(1.7999, 1.0)).isZero();
        assertThat(classI.score(1.8, 1.0)).isEqualTo(1.0);
        assertThat(classI.score(3.15, 1.0)).isCloseTo(1.5, within(1e-12));
        assertThat(classI.score(4.5, 1.0)).isCloseTo(2.0, within(1e-12));
        assertThat(classI.score(5.85, 1.0)).isCloseTo(2.5, within(1e-12));
        assertThat(classI.score(Double.NaN, 1.0)).isZero();
        assertThat(classI.zone(1.0, "mm/s")).isEqualTo("zone A/B (ISO 10816 class I, <1.8 mm/s)");
        assertThat(classI.zone(2.0, "mm/s")).isEqualTo("zone C (ISO 10816 class I, >1.8 mm/s)");
        assertThat(classI.zone(4.6, "mm/s")).isEqualTo("zone D (ISO 10816 class I, >4.5 mm/s)");
        assertThat(List.of("I", "II", "III", "IV")).extracting(c -> VibrationZones.isoClass(c).bc() + "/" + VibrationZones.isoClass(c).cd())
                .containsExactly("1.8/4.5", "2.8/7.1", "4.5/11.2", "7.1/18.0");
    }

    @Test
    void rulesMatchMachinesByGlobAndVibrationSignalsByUnitAndNameTheLastOneWinning() {
        VibrationZones z = VibrationZones.parse(List.of("*=I", "*.band-saw=II", "site.line-a.press@Spindle Z=2.0:5.0", " "));
        PlantModel model = new PlantModel("Works");
        String line = model.addChild(model.addChild(model.addChild(model.rootId(), "Site", "", ""), "Area", "", ""), "Line", "", "");
        String saw = model.addChild(line, "Band Saw", "", "");
        String lathe = model.addChild(line, "Lathe", "", "");
        Signal sawVib = model.addSignal(saw, "Vibration RMS", DataType.DOUBLE, "mm/s", "", "");
        Signal latheVib = model.addSignal(lathe, "Vibration RMS", DataType.DOUBLE, "mm/s", "", "");
        Signal inches = model.addSignal(lathe, "Vibration", DataType.DOUBLE, "in/s", "", "");
        Signal speed = model.addSignal(lathe, "Spindle Speed", DataType.DOUBLE, "mm/s", "", "");
        assertThat(saw).endsWith(".band-saw");
        assertThat(z.limitsOf(saw, sawVib).label()).isEqualTo("ISO 10816 class II");
        assertThat(z.limitsOf(lathe, latheVib).label()).isEqualTo("ISO 10816 class I");
        assertThat(z.limitsOf(lathe, inches)).as("not in mm/s").isNull();
        assertThat(z.limitsOf(lathe, speed)).as("mm/s but not a vibration").isNull();
        Signal z2 = new Signal("site.line-a.press.spindle-z", "Spindle Z", "site.line-a.press", DataType.DOUBLE, "", "", "");
        assertThat(z.limitsOf("site.line-a.press", z2)).isEqualTo(new VibrationZones.Limits(2.0, 5.0, "configured limits"));
        assertThat(VibrationZones.parse(List.of()).isEmpty()).isTrue();
        assertThat(VibrationZones.NONE.limitsOf(lathe, latheVib)).as("off unless configured").isNull();
    }

    @Test
    void badRulesNameTheKeyTheRuleAndHowToWriteIt() {
        assertThatThrownBy(() -> VibrationZones.parse(List.of("*=V"))).hasMessageContaining("predict.vibration-zones")
                .hasMessageContaining("'*=V'").hasMessageContaining("class I, II, III or IV").hasMessageContaining("1.8:4.5");
        assertThatThrownBy(() -> VibrationZones.parse(List.of("*.saw"))).hasMessageContaining("'*.saw'").hasMessageContaining("MACHINES=ZONES");
        assertThatThrownBy(() -> VibrationZones.parse(List.of("*=4.5:1.8"))).hasMessageContaining("0 < B/C < C/D")
                .hasMessageContaining("B/C=4.5, C/D=1.8");
        assertThatThrownBy(() -> VibrationZones.parse(List.of("*=a:b"))).hasMessageContaining("two numbers");
        assertThatThrownBy(() -> VibrationZones.parse(List.of("*@=I"))).hasMessageContaining("no signal after '@'");
        assertThatThrownBy(() -> VibrationZones.parse(List.of("=I"))).hasMessageContaining("MACHINES=ZONES");
    }

    /** A machine's worn part read in zone C from the start: the floor scores it while the first model still learns. */
    @Test
    void theMonitorScoresTheZoneFromTheFirstMinutesOnlyWhileRunningAndNamesIt() throws Exception {
        PlantModel model = new PlantModel("Works");
        String line = model.addChild(model.addChild(model.addChild(model.rootId(), "Site", "", ""), "Area", "", ""), "Line", "", "");
        String press = model.addChild(line, "Press", "", "");
        Signal state = model.addSignal(press, "State", DataType.TEXT, "", "", "");
        Signal vib = model.addSignal(press, "Vibration RMS", DataType.DOUBLE, "mm/s", "", "");
        Signal temp = model.addSignal(press, "Temperature", DataType.DOUBLE, "degC", "", "");
        List<Double> scores = new ArrayList<>();
        PointSink out = new PointSink() {
            @Override
            public void accept(Signal s, long t, Value v, Quality q, boolean h) {
                if (s.name().equals(HealthMonitor.SCORE_SIGNAL)) scores.add(v.asDouble());
            }

            @Override
            public void markStale(Signal s, long t) {}
        };
        HealthSettings settings = HealthSettings.DEFAULTS.withTraining(Duration.ofMinutes(30))
                .withVibrationZones(VibrationZones.parse(List.of("*=I")));
        HealthMonitor m = new HealthMonitor(model, null, ModelRepository.open(dir.resolve("on")), out, settings, new SimpleMeterRegistry());
        HealthMonitor off = new HealthMonitor(model, null, ModelRepository.open(dir.resolve("off")), new PointSink() {
            @Override
            public void accept(Signal s, long t, Value v, Quality q, boolean h) {
                throw new AssertionError("no score while learning without zones");
            }

            @Override
            public void markStale(Signal s, long t) {}
        }, HealthSettings.DEFAULTS.withTraining(Duration.ofMinutes(30)), new SimpleMeterRegistry());
        SplittableRandom rng = new SplittableRandom(3);
        long t = 1_767_600_000_000_000L;
        for (HealthMonitor h : List.of(m, off)) h.accept(state, t, Value.of("running"), Quality.GOOD, false);
        // 10 min at 2.25 mm/s (zone C, a sixth of the way to D), one reading a second, every seventh an idle reading
        // between cuts: the median reads the cutting level.
        for (int s = 0; s < 600; s++, t += 1_000_000L) {
            double v = s % 7 == 0 ? 0.12 : 2.25 * (1 + 0.02 * rng.nextGaussian());
            for (HealthMonitor h : List.of(m, off)) {
                h.accept(vib, t, Value.of(v), Quality.GOOD, false);
                h.accept(temp, t, Value.of(40 + 0.3 * rng.nextGaussian()), Quality.GOOD, false);
            }
        }
        MachineHealth h = m.health(press);
        assertThat(h.anomaly().status()).isEqualTo("learning");
        assertThat(scores).as("a score from the first instants").hasSizeGreaterThan(500);
        assertThat(h.anomaly().score()).isCloseTo(1.0 + 0.45 / 2.7, within(0.03));
        assertThat(h.anomaly().high()).isTrue();
        assertThat(h.anomaly().topContributors()).singleElement().satisfies(c -> {
            assertThat(c.name()).isEqualTo("Vibration RMS");
            assertThat(c.contribution()).isEqualTo(1.0);
            assertThat(c.zone()).isEqualTo("zone C (ISO 10816 class I, >1.8 mm/s)");
        });
        assertThat(off.health(press).anomaly().score()).as("off unless configured").isNull();

        // A planned stop with the vibration reading wild: nothing written, the last score stays.
        int before = scores.size();
        m.accept(state, t, Value.of("planned-stop"), Quality.GOOD, false);
        for (int s = 0; s < 1200; s++, t += 1_000_000L) m.accept(vib, t, Value.of(9.0), Quality.GOOD, false);
        assertThat(scores.size() - before).as("scores written while stopped (the instant of the change at most)").isLessThanOrEqualTo(1);
        assertThat(scores.getLast()).isLessThan(1.3);

        // Running again in zone A/B: the floor falls to 0 within the median's window, the model still learning.
        m.accept(state, t, Value.of("running"), Quality.GOOD, false);
        for (int s = 0; s < 1200; s++, t += 1_000_000L) {
            m.accept(vib, t, Value.of(1.2 * (1 + 0.02 * rng.nextGaussian())), Quality.GOOD, false);
            m.accept(temp, t, Value.of(40 + 0.3 * rng.nextGaussian()), Quality.GOOD, false);
        }
        assertThat(m.health(press).anomaly().score()).isZero();
        assertThat(m.health(press).anomaly().topContributors()).isEmpty();
    }
}
