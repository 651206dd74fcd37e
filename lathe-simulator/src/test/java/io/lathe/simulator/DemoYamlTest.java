package io.lathe.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class DemoYamlTest {

    @Test
    void demoPlantDeclaresEveryMachineAndMetricTheDemoFactoryPublishes() throws Exception {
        // lathe-server's demo.yaml is written by hand; this catches drift from the simulator's layout (text checks,
        // as this module has no YAML parser).
        Path yaml = Path.of("..", "lathe-server", "src", "main", "resources", "io", "lathe", "server", "demo.yaml");
        Assumptions.assumeTrue(Files.exists(yaml), "demo.yaml not found at " + yaml.toAbsolutePath() + " (module built outside the repository)");
        // The Sparkplug machines come first; the OPC UA machine and the Modbus meter (areas Assembly, Utilities) follow.
        String text = Files.readString(yaml).split("\n        - name: Assembly\n", 2)[0];
        var demo = FactoryConfig.demo("tcp://127.0.0.1:1883");
        var layout = new FactorySimulation(demo.group(), demo.lines(), demo.machinesPerLine(), demo.seed(), Instant.EPOCH).layout();
        for (LineLayout line : layout) {
            assertThat(text).contains("- name: " + line.name() + "\n");
            for (MachineLayout m : line.machines()) {
                assertThat(text).contains("- name: " + m.name() + "\n                  source: " + line.source(m) + "\n");
            }
        }
        for (MetricLayout metric : SimulatorMetrics.deviceMetrics()) {
            String decl = "{ name: " + metric.name() + ", type: " + metric.type().label()
                    + (metric.unit().isEmpty() ? "," : ", unit: " + metric.unit() + ",");
            assertThat(text.split(java.util.regex.Pattern.quote(decl), -1)).as(decl).hasSize(layout.size() * layout.get(0).machines().size() + 1);
        }
    }
}
