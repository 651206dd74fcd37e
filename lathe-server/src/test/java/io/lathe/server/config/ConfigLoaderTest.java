package io.lathe.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {

    private static final String GOOD = """
            server:
              http-port: 9090
            sparkplug:
              host-id: plant-host
              reorder-timeout: 500ms
            plant:
              enterprise: Acme
              sites:
                - name: Nord
                  areas:
                    - name: Machining
                      lines:
                        - name: Line 1
                          machines:
                            - name: CNC 1
                              source: sparkplug:G1/E1/D1
                              signals:
                                - { name: Temperature, type: double, unit: degC }
                                - { name: State, type: text }
            """;

    @Test
    void readsSettingsAndThePlant() throws Exception {
        LatheConfig c = ConfigLoader.load(GOOD, "plant.yaml", Map.of());
        assertThat(c.settings().integer(Keys.HTTP_PORT)).isEqualTo(9090);
        assertThat(c.settings().duration(Keys.SPARKPLUG_REORDER_TIMEOUT)).isEqualTo(Duration.ofMillis(500));
        assertThat(c.settings().string(Keys.MQTT_BROKER)).isEqualTo("embedded");
        assertThat(c.settings().origin(Keys.HTTP_PORT)).isEqualTo("plant.yaml:2");
        PlantModel m = PlantBuilder.build(c.plant());
        String machine = m.machineBySource("sparkplug:G1/E1/D1");
        assertThat(machine).isEqualTo("acme.nord.machining.line-1.cnc-1");
        assertThat(m.signalByName(machine, "State").dataType()).isEqualTo(DataType.TEXT);
        assertThat(m.signalBySource("sparkplug:G1/E1/D1#Temperature").unit()).isEqualTo("degC");
    }

    // An operator must be told which key on which line is wrong, and what was probably meant.
    @Test
    void unknownKeyNamesTheLineAndSuggestsTheRightKey() {
        String yaml = """
                server:
                  http-prot: 9090
                """;
        assertThatThrownBy(() -> ConfigLoader.load(yaml, "plant.yaml", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("plant.yaml:2: server.http-prot: unknown key; did you mean 'server.http-port'?");
    }

    @Test
    void reportsEveryProblemAtOnce() {
        String yaml = """
                server:
                  http-port: 70000
                sparkplug:
                  reorder-timeout: soon
                plant:
                  sites:
                    - name: S
                      areas:
                        - name: A
                          lines:
                            - name: L
                              machines:
                                - name: M
                                  signals:
                                    - { name: x, type: complex }
                """;
        assertThatThrownBy(() -> ConfigLoader.load(yaml, "p.yaml", Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).extracting(ConfigProblem::toString)
                        .containsExactlyInAnyOrder(
                                "p.yaml:2: server.http-port: must be a port number in [0, 65535], but was '70000'",
                                "p.yaml:4: sparkplug.reorder-timeout: must be a duration such as 500ms, 5s, 10m, 2h or 30d, but was 'soon'",
                                "p.yaml:6: plant.enterprise: is required: the name of the company at the top of the ISA-95 tree",
                                "p.yaml:15: machines[M].signals[].type: must be one of double, long, boolean, text, but was 'complex'"));
    }

    @Test
    void invalidYamlNamesTheLine() {
        assertThatThrownBy(() -> ConfigLoader.load("server:\n  http-port: [1,\n", "bad.yaml", Map.of()))
                .hasMessageContaining("bad.yaml:3: (yaml): not valid YAML");
    }

    @Test
    void environmentOverridesTheFileAndIsValidatedToo() throws Exception {
        LatheConfig c = ConfigLoader.load(GOOD, "plant.yaml", Map.of("LATHE_SERVER_HTTP_PORT", "7070"));
        assertThat(c.settings().integer(Keys.HTTP_PORT)).isEqualTo(7070);
        assertThat(c.settings().origin(Keys.HTTP_PORT)).isEqualTo("environment LATHE_SERVER_HTTP_PORT");
        assertThatThrownBy(() -> ConfigLoader.load(GOOD, "plant.yaml", Map.of("LATHE_SERVER_HTTP_PORT", "eighty")))
                .hasMessageContaining("environment: LATHE_SERVER_HTTP_PORT (server.http-port): must be a port number");
    }

    @Test
    void duplicateSiblingNamesAreRefused() {
        String yaml = """
                plant:
                  enterprise: E
                  sites:
                    - name: S
                    - name: S
                """;
        assertThatThrownBy(() -> ConfigLoader.load(yaml, "p.yaml", Map.of())).hasMessageContaining("name 'S' is used twice");
    }

    @Test
    void secretsAreMaskedInTheStartupBlock() throws Exception {
        LatheConfig c = ConfigLoader.load("mqtt:\n  password: hunter2\n", "p.yaml", Map.of());
        assertThat(String.join("\n", c.settings().describe())).contains("mqtt.password = ******").doesNotContain("hunter2");
    }

    @Test
    void vibrationZonesAreReadFromThePredictSectionAndBadRulesNameKeyLineValueAndFix() throws Exception {
        LatheConfig c = ConfigLoader.load("predict:\n  anomaly:\n    training: 1h\n  vibration-zones:\n    - \"*=I\"\n    - \"*.band-saw=2.0:5.0\"\n",
                "z.yaml", Map.of());
        assertThat(c.settings().list(Keys.PREDICT_VIBRATION_ZONES)).containsExactly("*=I", "*.band-saw=2.0:5.0");
        assertThat(c.settings().duration(Keys.PREDICT_TRAINING)).isEqualTo(Duration.ofHours(1));
        io.lathe.predict.live.HealthSettings h = io.lathe.server.LatheServer.healthSettings(c.settings());
        assertThat(h.vibrationZones().rules()).hasSize(2);
        assertThat(io.lathe.server.LatheServer.healthSettings(Settings.defaults()).vibrationZones().isEmpty()).as("off by default").isTrue();

        assertThatThrownBy(() -> ConfigLoader.load("predict:\n  vibration-zones:\n    - \"*=V\"\n", "z.yaml", Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().asString()
                        .startsWith("z.yaml:3: predict.vibration-zones: rule '*=V'").contains("class I, II, III or IV").contains("1.8:4.5"));
        assertThatThrownBy(() -> ConfigLoader.load("", "z.yaml", Map.of("LATHE_PREDICT_VIBRATION_ZONES", "*=3:1")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement().asString()
                        .contains("LATHE_PREDICT_VIBRATION_ZONES (predict.vibration-zones)").contains("0 < B/C < C/D").contains("B/C=3, C/D=1"));
    }

    // The configuration reference in README.md is generated from Keys; this fails when someone forgets to regenerate it.
    @Test
    void readmeConfigurationReferenceIsCurrent() throws IOException {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme);
        int a = text.indexOf(ConfigReference.START), b = text.indexOf(ConfigReference.END);
        assertThat(a).as("README.md has the config-reference markers").isNotNegative();
        String embedded = text.substring(a + ConfigReference.START.length(), b).strip();
        assertThat(embedded).as("README.md configuration reference; regenerate with ./lathe config-reference")
                .isEqualTo(ConfigReference.markdown().strip());
    }
}
