package io.lathe.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedBrokerTest {

    @TempDir
    Path dir;

    // Lathe starts its broker on 1883 by default; a second instance (or Mosquitto) there must not stop Lathe from starting.
    @Test
    void secondBrokerOnTakenPortFallsBackToFreePortOrFailsWhenFallbackIsOff() throws Exception {
        try (EmbeddedBroker first = EmbeddedBroker.start(new BrokerSettings("127.0.0.1", 0, dir.resolve("a"), false))) {
            assertThat(first.fellBack()).isFalse();
            try (EmbeddedBroker second = EmbeddedBroker.start(new BrokerSettings("127.0.0.1", first.port(), dir.resolve("b"), true))) {
                assertThat(second.fellBack()).isTrue();
                assertThat(second.port()).isNotEqualTo(first.port()).isPositive();
                assertThat(second.url()).isEqualTo("tcp://127.0.0.1:" + second.port());
            }
            assertThatThrownBy(() -> EmbeddedBroker.start(new BrokerSettings("127.0.0.1", first.port(), dir.resolve("c"), false)))
                    .isInstanceOfSatisfying(BrokerPortInUseException.class, e -> assertThat(e.port()).isEqualTo(first.port()))
                    .hasMessageContaining("port=" + first.port())
                    .hasMessageContaining("port is in use");
        }
    }

    // A port taken by something that is not a broker at all is detected the same way.
    @Test
    void portTakenByAnotherProcessIsReportedWithThePort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> EmbeddedBroker.start(new BrokerSettings("127.0.0.1", taken.getLocalPort(), dir, false)))
                    .isInstanceOf(BrokerPortInUseException.class);
        }
    }

    // The broker is only useful if real MQTT clients can exchange messages through it.
    @Test
    void clientsPublishAndSubscribeThroughTheBroker() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(BrokerSettings.ephemeral())) {
            Mqtt5BlockingClient sub = MqttClient.builder().useMqttVersion5().identifier("sub")
                    .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
            Mqtt5BlockingClient pub = MqttClient.builder().useMqttVersion5().identifier("pub")
                    .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
            sub.connect();
            pub.connect();
            try (Mqtt5BlockingClient.Mqtt5Publishes publishes = sub.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
                sub.subscribeWith().topicFilter("lathe/test/#").qos(MqttQos.AT_LEAST_ONCE).send();
                pub.publishWith().topic("lathe/test/a").qos(MqttQos.AT_LEAST_ONCE).payload("hello".getBytes(StandardCharsets.UTF_8)).send();
                Optional<Mqtt5Publish> got = publishes.receive(10, TimeUnit.SECONDS);
                assertThat(got).isPresent();
                assertThat(got.get().getTopic().toString()).isEqualTo("lathe/test/a");
                assertThat(new String(got.get().getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("hello");
            } finally {
                pub.disconnect();
                sub.disconnect();
            }
        }
    }

    // The generated configuration must select in-memory persistence, which decides the broker's throughput.
    @Test
    void generatedConfigurationUsesInMemoryPersistenceAndTheChosenListener() {
        String xml = EmbeddedBroker.configXml("0.0.0.0", 18830, BrokerLimits.defaults(), "");
        assertThat(xml).contains("<mode>in-memory</mode>").contains("<port>18830</port>").contains("<bind-address>0.0.0.0</bind-address>")
                .contains("<max-packet-size>1048576</max-packet-size>").contains("<max-topic-length>1024</max-topic-length>");
    }
}
