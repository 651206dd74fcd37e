package io.lathe.server.connections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lathe.modbus.ModbusConfig;
import io.lathe.modbus.ModbusDataType;
import io.lathe.modbus.ModbusTable;
import io.lathe.mqttjson.MqttJsonConfig;
import io.lathe.opcua.OpcUaConfig;
import io.lathe.opcua.SecurityPolicyName;
import io.lathe.server.config.ConfigException;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.ConfigProblem;
import io.lathe.server.config.ConnectionsParser;
import io.lathe.server.config.LatheConfig;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConnectionsConfigTest {

    static final String PLANT = """
            plant:
              enterprise: Acme
              sites:
                - name: Nord
                  areas:
                    - name: Machining
                      lines:
                        - name: Line 1
                          machines:
                            - name: Press
                            - name: Meter
            """;

    @Test
    void readsEveryConnectionTypeWithMachinesByPathOrId() throws Exception {
        // The connections section maps onto the connectors' records; machines resolve by path and by asset id.
        LatheConfig cfg = ConfigLoader.load(PLANT + """
                connections:
                  - name: press-plc
                    type: opcua
                    endpoint: opc.tcp://10.0.0.7:4840
                    security-policy: basic256sha256
                    username: lathe
                    password: ${PLC_PASSWORD}
                    machine: Nord/Machining/Line 1/Press
                    publishing-interval: 500ms
                    nodes:
                      - { node-id: "ns=2;s=Press/Temp", signal: Temperature, unit: degC, deadband-type: absolute, deadband: 0.5 }
                      - { node-id: "ns=2;s=Press/State", signal: State, type: text }
                  - name: meter
                    type: modbus
                    host: 10.0.0.8
                    port: 5020
                    devices:
                      - unit-id: 3
                        machine: acme.nord.machining.line-1.meter
                        poll-interval: 2s
                        points:
                          - { signal: Power, table: input-register, address: 0, type: float32, word-order: little, unit: kW }
                          - { signal: Alarm, table: coil, address: 7 }
                  - name: sensors
                    type: mqtt-json
                    broker: tcp://127.0.0.1:1883
                    machine: Acme/Nord/Machining/Line 1/Press
                    topics:
                      - topic: sensors/+/data
                        timestamp-field: ts
                        fields:
                          - { field: temp, signal: "{1} Temperature" }
                """, "plant.yaml", Map.of("PLC_PASSWORD", "from-env"));

        assertThat(cfg.connections()).hasSize(3);
        OpcUaConfig ua = (OpcUaConfig) cfg.connections().get(0);
        assertThat(ua.machineId()).isEqualTo("acme.nord.machining.line-1.press");
        assertThat(ua.securityPolicy()).isEqualTo(SecurityPolicyName.BASIC256SHA256);
        assertThat(ua.password()).isEqualTo("from-env");
        assertThat(ua.publishingInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(ua.dataDir()).isEqualTo(ConnectionsParser.SERVER_DATA_DIR);
        assertThat(ua.nodes()).hasSize(2);
        assertThat(ua.nodes().get(0).deadband()).isEqualTo(0.5);
        ModbusConfig mb = (ModbusConfig) cfg.connections().get(1);
        assertThat(mb.port()).isEqualTo(5020);
        assertThat(mb.devices().get(0).unitId()).isEqualTo(3);
        assertThat(mb.devices().get(0).machineId()).isEqualTo("acme.nord.machining.line-1.meter");
        assertThat(mb.devices().get(0).points().get(0).type()).isEqualTo(ModbusDataType.FLOAT32);
        assertThat(mb.devices().get(0).points().get(1).table()).isEqualTo(ModbusTable.COIL);
        assertThat(mb.devices().get(0).points().get(1).type()).isEqualTo(ModbusDataType.BOOL);
        MqttJsonConfig mq = (MqttJsonConfig) cfg.connections().get(2);
        assertThat(mq.machineId()).isEqualTo("acme.nord.machining.line-1.press");
        assertThat(mq.topics().get(0).timestampField()).isEqualTo("ts");
        assertThat(cfg.withSettings(cfg.settings()).connections()).hasSize(3);
    }

    @Test
    void reportsEveryConnectionProblemWithItsLineAndKey() {
        // A user fixes all mistakes in one go: unknown keys with a suggestion, unknown machines, bad values, record rules.
        String yaml = PLANT + """
                connections:
                  - name: press-plc
                    type: opcua
                    endpoint: http://10.0.0.7
                    machine: Nord/Machining/Line 1/Pres
                    nodes:
                      - { node-id: "ns=2;s=T", signal: T, queue-sise: 5 }
                  - name: meter
                    type: modbus
                    host: ${METER_HOST}
                    devices:
                      - machine: Nord/Machining/Line 1/Meter
                        points:
                          - { signal: Power, table: input-register, address: 0, type: float33 }
                          - { signal: Volt, table: holding-register, address: 65535, type: float32 }
                  - name: meter
                    type: mqtt
                """;
        assertThatThrownBy(() -> ConfigLoader.load(yaml, "plant.yaml", Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.problems()).extracting(ConfigProblem::toString).containsExactlyInAnyOrder(
                            "plant.yaml:16: connections[press-plc].machine: no machine 'Nord/Machining/Line 1/Pres' in plant; give a "
                                    + "machine's id or its path like Site/Area/Line/Machine; did you mean 'Nord/Machining/Line 1/Press'?",
                            "plant.yaml:18: connections[press-plc].nodes[].queue-sise: unknown key; did you mean 'queue-size'?",
                            "plant.yaml:25: connections[meter].devices[].points[].type: must be bool, int16, uint16, int32, uint32, "
                                    + "int64, float32 or float64, but was 'float33'",
                            "plant.yaml:26: connections[meter].devices[].points[]: invalid Modbus point [signal=Volt, address=65535]: "
                                    + "address must be in [0, 65534] for float32, but was 65535. Fix the point in the connection's points list.",
                            "plant.yaml:27: connections[meter].name: 'meter' is used twice; connection names must be unique",
                            "plant.yaml:21: connections[meter].host: environment variable METER_HOST is not set. Set it, or write the value in the file",
                            "plant.yaml:28: connections[meter].type: must be one of opcua, modbus, mqtt-json, but was 'mqtt'; known types: "
                                    + "modbus, mqtt-json, opcua");
                });
    }

    @Test
    void readmeConnectionsExampleLoads() throws Exception {
        // The README's example is what users copy; it must stay valid as the connectors' keys evolve.
        java.nio.file.Path readme = java.nio.file.Path.of("..", "README.md");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(readme), "README.md not found at " + readme.toAbsolutePath());
        String text = java.nio.file.Files.readString(readme);
        int start = text.indexOf("```yaml\nconnections:\n");
        assertThat(start).as("connections example in README").isNotNegative();
        String example = text.substring(start + 8, text.indexOf("```", start + 8));
        String plant = """
                plant:
                  enterprise: Acme
                  sites:
                    - name: Springfield
                      areas:
                        - name: Machining
                          lines:
                            - name: Line 1
                              machines: [ { name: CNC 1 }, { name: CNC 2 } ]
                        - name: Utilities
                          lines:
                            - name: Power
                              machines: [ { name: Main Meter } ]
                """;
        LatheConfig cfg = ConfigLoader.load(plant + example, "README.md", Map.of());
        assertThat(cfg.connections()).hasSize(3);
    }

    @Test
    void reportsARecordRuleAtTheLineOfItsConnection() {
        // The records validate themselves; their message must still point at the YAML entry.
        String yaml = PLANT + """
                connections:
                  - name: press-plc
                    type: opcua
                    endpoint: http://10.0.0.7
                    machine: Nord/Machining/Line 1/Press
                    nodes:
                      - { node-id: "ns=2;s=T", signal: T }
                """;
        assertThatThrownBy(() -> ConfigLoader.load(yaml, "plant.yaml", Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
                        .hasToString("plant.yaml:13: connections[press-plc]: invalid OPC UA connection [name=press-plc, "
                                + "endpoint=http://10.0.0.7]: endpoint must start with opc.tcp://, but was http://10.0.0.7. "
                                + "Fix connections.press-plc in the plant configuration."));
    }
}
