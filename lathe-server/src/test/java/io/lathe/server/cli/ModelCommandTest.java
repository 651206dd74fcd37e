package io.lathe.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.LatheConfig;
import io.lathe.server.config.PlantBuilder;
import io.lathe.simulator.FactorySimulation;
import io.lathe.simulator.MachineSnapshot;
import io.lathe.simulator.SimulatorMetrics;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code lathe model fit|list|show} on a store holding 4 simulated hours of the demo plant's Line A. */
class ModelCommandTest {
    private static final Instant START = Instant.parse("2026-01-05T06:00:00Z");

    @TempDir
    Path dir;

    @Test
    void fitsFromAMarkedNormalPeriodThenListsAndShowsTheModel() throws Exception {
        LatheConfig cfg;
        try (InputStream in = getClass().getResourceAsStream(DemoCommand.DEMO_CONFIG)) {
            cfg = ConfigLoader.load(new String(in.readAllBytes(), StandardCharsets.UTF_8), "demo.yaml", Map.of());
        }
        PlantModel plant = PlantBuilder.build(cfg.plant());
        String machine = KpiCommand.resolveAsset(plant, "Springfield/Machining/Line A/CNC Lathe 1");
        FactorySimulation sim = new FactorySimulation("Demo", 2, 4, 42, START);
        String[] names = {SimulatorMetrics.STATE, SimulatorMetrics.REASON_CODE, SimulatorMetrics.GOOD_COUNT, SimulatorMetrics.REJECT_COUNT,
                SimulatorMetrics.CYCLE_TIME, SimulatorMetrics.IDEAL_CYCLE_TIME, SimulatorMetrics.SPINDLE_SPEED, SimulatorMetrics.VIBRATION_RMS,
                SimulatorMetrics.TEMPERATURE, SimulatorMetrics.POWER, SimulatorMetrics.ENERGY};
        try (TelemetryStore store = TelemetryStore.open(StoreSettings.defaults(dir.resolve("store")).withLateWindow(Duration.ofDays(400)))) {
            for (int step = 0; step < 4 * 60; step++) {
                sim.advance(Duration.ofMinutes(1));
                long t = sim.now().getEpochSecond() * 1_000_000L;
                MachineSnapshot s = sim.machine(0, 1); // Line A, CNC-1
                Object[] v = s.metricValues();
                for (int i = 0; i < names.length; i++) {
                    Signal sg = plant.signalByName(machine, names[i]);
                    Value value = switch (v[i]) {
                        case String x -> Value.of(x);
                        case Integer x -> Value.of((long) x);
                        case Long x -> Value.of(x);
                        default -> Value.of((Double) v[i]);
                    };
                    store.accept(sg, t, value, Quality.GOOD, false);
                }
            }
        }
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out), new PrintWriter(err), "model", "fit", "--data-dir", dir.toString(), "--config", "demo",
                "--machine", "Springfield/Machining/Line A/CNC Lathe 1", "--from", "2026-01-05T06:00:00Z", "--to", "2026-01-05T10:00:00Z");
        assertThat(code).as(err.toString()).isZero();
        assertThat(out.toString()).contains("Fitted " + machine + ".anomaly (version 1)").contains("Vibration RMS");

        out = new StringWriter();
        assertThat(Main.run(new PrintWriter(out), new PrintWriter(err), "model", "list", "--data-dir", dir.toString())).isZero();
        assertThat(out.toString()).contains(machine + ".anomaly").contains("anomaly");

        out = new StringWriter();
        assertThat(Main.run(new PrintWriter(out), new PrintWriter(err), "model", "show", "--data-dir", dir.toString(), machine + ".anomaly")).isZero();
        JsonNode m = new ObjectMapper().readTree(out.toString());
        assertThat(m.get("type").asText()).isEqualTo("anomaly");
        assertThat(m.at("/training/source").asText()).isEqualTo("history");
        assertThat(m.at("/training/runningHours").asDouble()).isGreaterThan(1.0);
        assertThat(m.at("/validation/heldOutRows").asInt()).isPositive();
        assertThat(m.at("/parameters/normalLevel").asDouble()).isPositive();

        // A period where the machine never runs: an error naming the machine, exit code 1.
        err = new StringWriter();
        assertThat(Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "model", "fit", "--data-dir", dir.toString(), "--config", "demo",
                "--machine", machine, "--from", "2025-01-01T00:00:00Z", "--to", "2025-01-02T00:00:00Z")).isEqualTo(1);
        assertThat(err.toString()).contains(machine);
        assertThat(Main.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "model", "show", "--data-dir", dir.toString(), "nope.anomaly")).isEqualTo(1);
    }
}
