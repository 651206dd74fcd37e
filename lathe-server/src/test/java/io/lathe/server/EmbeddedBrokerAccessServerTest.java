package io.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import io.lathe.broker.BrokerCounter;
import io.lathe.broker.DevicePasswords;
import io.lathe.model.Signal;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.Keys;
import io.lathe.server.config.LatheConfig;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.tahu.message.SparkplugBPayloadEncoder;
import org.eclipse.tahu.message.model.Metric;
import org.eclipse.tahu.message.model.MetricDataType;
import org.eclipse.tahu.message.model.SparkplugBPayload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lathe serve} with its embedded broker: anonymous clients are refused, an edge node of the clients file
 * brings its data into the store, and it cannot publish under another edge node's topics.
 */
class EmbeddedBrokerAccessServerTest {
    @TempDir
    Path dir;

    @Test
    void anonymousRefusedEdgeNodeDataStoredOtherNodesTopicDenied() throws Exception {
        Path clients = dir.resolve("mqtt-clients.yaml");
        Files.writeString(clients, """
                edge-nodes:
                  - username: line9-gateway
                    password-hash: '%s'
                    group: G9
                    edge-node: E9
                """.formatted(DevicePasswords.hash("line9-secret")));
        try (LatheServer server = LatheServer.start(config(clients), false, InstantSource.system())) {
            int port = server.mqttPort();
            Mqtt5BlockingClient anonymous = MqttClient.builder().useMqttVersion5().identifier("anon-1")
                    .serverHost("127.0.0.1").serverPort(port).buildBlocking();
            assertThatThrownBy(anonymous::connect).as("anonymous access is off in serve").isInstanceOf(Exception.class);
            assertThat(server.embeddedBroker().count(BrokerCounter.CONNECT_REFUSED_ANONYMOUS)).isEqualTo(1);

            Mqtt5BlockingClient edge = MqttClient.builder().useMqttVersion5().identifier("line9-gateway")
                    .serverHost("127.0.0.1").serverPort(port).buildBlocking();
            edge.connectWith().simpleAuth().username("line9-gateway")
                    .password("line9-secret".getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send();
            waitFor(() -> server.connectionStatuses().get(0).state().toString().equals("CONNECTED"), "Sparkplug host connected");

            publish(edge, "spBv1.0/G9/NBIRTH/E9", 0, 1.5, true);
            publish(edge, "spBv1.0/G9/NDATA/E9", 1, 42.5, false);
            waitFor(() -> signal(server, "E9").isPresent(), "signal Temperature of E9 in the plant model");
            Signal temperature = signal(server, "E9").orElseThrow();
            waitFor(() -> server.store().latest(temperature.id()).map(p -> p.value().asDouble() == 42.5).orElse(false),
                    "NDATA value 42.5 in the store");

            long deniedBefore = server.embeddedBroker().count(BrokerCounter.PUBLISH_DENIED_RIGHTS);
            Mqtt5BlockingClient first = edge;
            assertThatThrownBy(() -> first.publishWith().topic("spBv1.0/G9/NBIRTH/E10").qos(MqttQos.AT_LEAST_ONCE)
                    .payload(birth(0, 7.0)).send())
                    .isInstanceOfSatisfying(Mqtt5PubAckException.class,
                            e -> assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED));
            assertThat(server.embeddedBroker().count(BrokerCounter.PUBLISH_DENIED_RIGHTS)).isEqualTo(deniedBefore + 1);
            // A later value of E9 is stored, so the host had its chance to see the denied birth: it never did.
            // (The broker may close the connection of a client that published where it must not: connect again.)
            try {
                edge.disconnect();
            } catch (RuntimeException alreadyClosed) {
                // closed by the broker
            }
            edge = MqttClient.builder().useMqttVersion5().identifier("line9-gateway")
                    .serverHost("127.0.0.1").serverPort(port).buildBlocking();
            edge.connectWith().simpleAuth().username("line9-gateway")
                    .password("line9-secret".getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send();
            publish(edge, "spBv1.0/G9/NDATA/E9", 2, 43.5, false);
            waitFor(() -> server.store().latest(temperature.id()).map(p -> p.value().asDouble() == 43.5).orElse(false),
                    "NDATA value 43.5 in the store");
            assertThat(signal(server, "E10")).as("nothing of E10 in the plant model").isEmpty();
            edge.disconnect();
        }
    }

    @Test
    void withDiscoveryOffAnUndeclaredEdgeNodeAddsNothingAndIsCounted() throws Exception {
        Path clients = dir.resolve("mqtt-clients.yaml");
        Files.writeString(clients, """
                edge-nodes:
                  - username: line9-gateway
                    password-hash: '%s'
                    group: G9
                    edge-node: E9
                """.formatted(DevicePasswords.hash("line9-secret")));
        LatheConfig cfg = config(clients);
        cfg = cfg.withSettings(cfg.settings().with(Keys.DISCOVERY_ENABLED, false, "test"));
        try (LatheServer server = LatheServer.start(cfg, false, InstantSource.system())) {
            int assets = server.model().signals().size();
            Mqtt5BlockingClient edge = MqttClient.builder().useMqttVersion5().identifier("line9-gateway")
                    .serverHost("127.0.0.1").serverPort(server.mqttPort()).buildBlocking();
            edge.connectWith().simpleAuth().username("line9-gateway")
                    .password("line9-secret".getBytes(StandardCharsets.UTF_8)).applySimpleAuth().send();
            waitFor(() -> server.connectionStatuses().get(0).state().toString().equals("CONNECTED"), "Sparkplug host connected");
            publish(edge, "spBv1.0/G9/NBIRTH/E9", 0, 1.5, true);
            waitFor(() -> {
                var c = server.metrics().find("lathe.sparkplug.discovery.rejected").tags("kind", "edge_node").counter();
                return c != null && c.count() == 1;
            }, "the refused birth counted");
            assertThat(signal(server, "E9")).isEmpty();
            assertThat(server.model().signals()).hasSize(assets);
            assertThat(server.metrics().scrape()).contains("lathe_sparkplug_discovery_rejected_total{kind=\"edge_node\"} 1.0");
            edge.disconnect();
        }
    }

    @Test
    void invalidClientsFileStopsTheStartWithExitCode2NamingFileAndLine() throws Exception {
        Path clients = dir.resolve("bad-clients.yaml");
        Files.writeString(clients, """
                edge-nodes:
                  - username: line9-gateway
                    password-hash: plain-text-password
                    group: G9
                    edge-node: E9
                """);
        assertThatThrownBy(() -> LatheServer.start(config(clients), false, InstantSource.system()))
                .isInstanceOfSatisfying(StartupException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(2);
                    assertThat(e.getMessage()).contains(clients.toString() + ":").contains("mqtt.embedded.clients-file");
                });
    }

    private static Optional<Signal> signal(LatheServer server, String node) {
        return server.model().signals().stream()
                .filter(s -> s.name().equals("Temperature") && s.source().contains("/" + node)).findFirst();
    }

    private static void publish(Mqtt5BlockingClient c, String topic, long seq, double value, boolean birth) throws Exception {
        var ack = c.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(birth ? birth(seq, value) : data(seq, value)).send();
        assertThat(reason(ack)).as("publish to %s", topic).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
    }

    private static Mqtt5PubAckReasonCode reason(com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult r) {
        return ((com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult.Mqtt5Qos1Result) r).getPubAck().getReasonCode();
    }

    private static byte[] birth(long seq, double value) throws Exception {
        SparkplugBPayload p = new SparkplugBPayload(new Date(), List.of(
                new Metric.MetricBuilder("bdSeq", MetricDataType.Int64, 0L).createMetric(),
                new Metric.MetricBuilder("Temperature", MetricDataType.Double, value).createMetric()), seq, null, null);
        return new SparkplugBPayloadEncoder().getBytes(p, false);
    }

    private static byte[] data(long seq, double value) throws Exception {
        SparkplugBPayload p = new SparkplugBPayload(new Date(), List.of(
                new Metric.MetricBuilder("Temperature", MetricDataType.Double, value).createMetric()), seq, null, null);
        return new SparkplugBPayloadEncoder().getBytes(p, false);
    }

    private static void waitFor(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    private LatheConfig config(Path clients) throws Exception {
        LatheConfig cfg;
        try (InputStream in = LatheServer.class.getResourceAsStream("/io/lathe/server/demo.yaml")) {
            cfg = ConfigLoader.load(new String(in.readAllBytes(), StandardCharsets.UTF_8), "demo.yaml", Map.of());
        }
        return cfg.withSettings(cfg.settings()
                .with(Keys.HTTP_PORT, 0, "test")
                .with(Keys.MQTT_EMBEDDED_PORT, 0, "test")
                .with(Keys.MQTT_EMBEDDED_CLIENTS_FILE, clients.toString(), "test")
                .with(Keys.DATA_DIR, dir.resolve("data").toString(), "test"));
    }
}
