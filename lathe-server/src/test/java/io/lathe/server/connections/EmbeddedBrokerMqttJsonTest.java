package io.lathe.server.connections;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.lathe.broker.BrokerCounter;
import io.lathe.broker.DevicePasswords;
import io.lathe.model.Signal;
import io.lathe.server.LatheServer;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.Keys;
import io.lathe.server.config.LatheConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An MQTT JSON connection to the embedded broker logs in with Lathe's internal credential (anonymous access is off),
 * and its client id is reserved: a device of the clients file cannot take it over.
 */
class EmbeddedBrokerMqttJsonTest {
    private static final String MACHINE = "acme.nord.machining.line-1.press";

    @TempDir
    Path dir;

    @Test
    void mqttJsonOnTheEmbeddedBrokerGetsDataAndItsClientIdIsReserved() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path clients = dir.resolve("clients.yaml");
        Files.writeString(clients, """
                devices:
                  - username: hall2-sensor
                    password-hash: '%s'
                    publish: [sensors/hall2/#]
                    subscribe: []
                """.formatted(DevicePasswords.hash("hall2-secret")));
        LatheConfig cfg = ConfigLoader.load(ConnectionsConfigTest.PLANT + """
                connections:
                  - name: json
                    type: mqtt-json
                    broker: tcp://127.0.0.1:%d
                    client-id: plant-json-reader
                    machine: Acme/Nord/Machining/Line 1/Press
                    topics:
                      - topic: sensors/hall2/+/data
                        timestamp-field: ts
                        fields:
                          - { field: n, signal: "{1} N", type: long }
                """.formatted(port), "plant.yaml", Map.of());
        cfg = cfg.withSettings(cfg.settings()
                .with(Keys.HTTP_PORT, 0, "test")
                .with(Keys.DATA_DIR, dir.resolve("data").toString(), "test")
                .with(Keys.SPARKPLUG_ENABLED, false, "test")
                .with(Keys.MQTT_EMBEDDED_PORT, port, "test")
                .with(Keys.MQTT_EMBEDDED_CLIENTS_FILE, clients.toString(), "test"));
        try (LatheServer server = LatheServer.start(cfg, false, InstantSource.system())) {
            Mqtt5BlockingClient thief = MqttClient.builder().useMqttVersion5().identifier("plant-json-reader")
                    .serverHost("127.0.0.1").serverPort(port).buildBlocking();
            assertThatThrownBy(() -> thief.connectWith().simpleAuth().username("hall2-sensor")
                    .password("hall2-secret".getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send())
                    .as("the MQTT JSON connection's client id is Lathe's").isInstanceOf(Exception.class);
            assertThat(server.embeddedBroker().count(BrokerCounter.CONNECT_REFUSED_CLIENT_ID)).isEqualTo(1);

            Mqtt5BlockingClient sensor = MqttClient.builder().useMqttVersion5().identifier("hall2-sensor-1")
                    .serverHost("127.0.0.1").serverPort(port).buildBlocking();
            sensor.connectWith().simpleAuth().username("hall2-sensor")
                    .password("hall2-secret".getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send();
            long now = System.currentTimeMillis();
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            Signal n = null;
            // The connection subscribes after its connect: repeat until a value is live.
            while (n == null || server.live().latest(n.id()) == null) {
                if (System.nanoTime() > end) throw new AssertionError("no MQTT JSON value reached Lathe through the embedded broker");
                sensor.publishWith().topic("sensors/hall2/m1/data").qos(MqttQos.AT_LEAST_ONCE)
                        .payload(("{\"ts\":" + now + ",\"n\":7}").getBytes(StandardCharsets.UTF_8)).send();
                Thread.sleep(100);
                n = server.model().signalByName(MACHINE, "m1 N");
            }
            assertThat(server.connectionStatuses()).anySatisfy(s -> assertThat(s.name()).isEqualTo("json"));
            sensor.disconnect();
        }
    }
}
