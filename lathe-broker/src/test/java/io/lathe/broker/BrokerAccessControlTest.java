package io.lathe.broker;

import static io.lathe.broker.MqttTestClients.await;
import static io.lathe.broker.MqttTestClients.connect;
import static io.lathe.broker.MqttTestClients.connectInternal;
import static io.lathe.broker.MqttTestClients.next;
import static io.lathe.broker.MqttTestClients.publish;
import static io.lathe.broker.MqttTestClients.refusal;
import static io.lathe.broker.MqttTestClients.subscribe;
import static io.lathe.broker.MqttTestClients.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttClientState;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 10, "Devices": the embedded broker with access control, exercised by real MQTT clients. One broker serves
 * every test here; each test uses its own client ids and topics.
 */
class BrokerAccessControlTest {

    static final String GROUP = "Plant1";
    static final String N1_PASSWORD = "n1-secret";
    static final String N2_PASSWORD = "n2-secret";
    static final String SENSOR_PASSWORD = "sensor-secret";
    static final int MAX_PACKET = 8 * 1024;

    static EmbeddedBroker broker;

    @BeforeAll
    static void start() throws Exception {
        List<BrokerIdentity> identities = List.of(
                new BrokerIdentity.EdgeNode("node1", DevicePasswords.hash(N1_PASSWORD), GROUP, "Line1"),
                new BrokerIdentity.EdgeNode("node2", DevicePasswords.hash(N2_PASSWORD), GROUP, "Line2"),
                new BrokerIdentity.Device("sensor", DevicePasswords.hash(SENSOR_PASSWORD),
                        new TopicRights(List.of("sensors/hall2/#", "spBv1.0/#", "STATE/#"), List.of("sensors/hall2/commands/#"))));
        broker = EmbeddedBroker.start(BrokerSettings.ephemeral()
                .withAccess(new BrokerAccess.Controlled(identities, null, Set.of("plant-json-feed")))
                .withLimits(BrokerLimits.defaults().withMaxPacketBytes(MAX_PACKET)));
    }

    @AfterAll
    static void stop() {
        if (broker != null) broker.close();
    }

    // Anonymous access is off unless a setting allows it: a client without credentials is turned away at CONNECT, and
    // the refusal shows in the metrics.
    @Test
    void anonymousClientIsRefused() {
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        broker.bindTo(metrics);
        long before = broker.count(BrokerCounter.CONNECT_REFUSED_ANONYMOUS);
        assertThat(refusal(broker, "anon-1", null, null)).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
        assertThat(broker.count(BrokerCounter.CONNECT_REFUSED_ANONYMOUS)).isEqualTo(before + 1);
        assertThat(metrics.get("lathe.broker.connects.refused").tag("reason", "anonymous").functionCounter().count()).isEqualTo(before + 1);
        assertThat(metrics.get("lathe.broker.retained.messages").gauge().value()).isZero();
    }

    // Passwords are checked against the Argon2id hash; a wrong password or an unknown user name both fail the same way.
    @Test
    void wrongPasswordAndUnknownUserAreRefused() {
        long before = broker.count(BrokerCounter.CONNECT_REFUSED_CREDENTIALS);
        assertThat(refusal(broker, "n1-wrong", "node1", "not-the-password")).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(refusal(broker, "ghost", "ghost", "whatever")).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(refusal(broker, "n1-internal", BrokerIdentity.INTERNAL_USERNAME, "guess")).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(broker.count(BrokerCounter.CONNECT_REFUSED_CREDENTIALS)).isEqualTo(before + 3);
        // The right password still works afterwards (fewer failures than the lock-out threshold).
        Mqtt5BlockingClient ok = connect(broker, "n1-right", "node1", N1_PASSWORD);
        ok.disconnect();
    }

    // An edge node publishes only under its own Sparkplug topics (Sparkplug 3.0 section 4.1): a forged NDATA/DDATA of
    // another node is denied (PUBACK NOT_AUTHORIZED, then HiveMQ disconnects the sender) and never reaches a subscriber;
    // the node's own data does.
    @Test
    void edgeNodeCannotPublishUnderAnotherNodesTopics() throws Exception {
        Mqtt5BlockingClient host = connectInternal(broker, "lathe-test-host-1");
        try (Mqtt5BlockingClient.Mqtt5Publishes seen = subscribe(host, "spBv1.0/#")) {
            long denied = broker.count(BrokerCounter.PUBLISH_DENIED_RIGHTS);
            for (String forged : List.of("spBv1.0/Plant1/NDATA/Line2", "spBv1.0/Plant1/DDATA/Line2/press", "spBv1.0/Plant2/NDATA/Line1",
                    "spBv1.0/Plant1/NCMD/Line2", "spBv1.0/Plant1/DDATA/Line1/press/extra")) {
                Mqtt5BlockingClient node1 = connect(broker, "edge-line1", "node1", N1_PASSWORD);
                assertThatThrownBy(() -> publish(node1, forged, "forged", false))
                        .as(forged).isInstanceOfSatisfying(Mqtt5PubAckException.class,
                                e -> assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.NOT_AUTHORIZED));
                await("the forging client is disconnected", () -> node1.getState() != MqttClientState.CONNECTED);
            }
            assertThat(broker.count(BrokerCounter.PUBLISH_DENIED_RIGHTS)).isEqualTo(denied + 5);
            Mqtt5BlockingClient node1 = connect(broker, "edge-line1", "node1", N1_PASSWORD);
            publish(node1, "spBv1.0/Plant1/NDATA/Line1", "own-node", false);
            publish(node1, "spBv1.0/Plant1/DDATA/Line1/press", "own-device", false);
            // Each forged PUBLISH was refused before its PUBACK, so had one been delivered it would have come first.
            assertThat(text(next(seen))).isEqualTo("own-node");
            Mqtt5Publish second = next(seen);
            assertThat(second.getTopic().toString()).isEqualTo("spBv1.0/Plant1/DDATA/Line1/press");
            node1.disconnect();
        } finally {
            host.disconnect();
        }
    }

    // An edge node reads its own commands and the host STATE, but not other nodes' data or commands.
    @Test
    void edgeNodeSubscribesOnlyToItsCommandsAndHostState() {
        Mqtt5BlockingClient node2 = connect(broker, "edge-line2", "node2", N2_PASSWORD);
        try {
            node2.subscribeWith().topicFilter("spBv1.0/Plant1/NCMD/Line2/#").send();
            node2.subscribeWith().topicFilter("spBv1.0/Plant1/DCMD/Line2/+").send();
            node2.subscribeWith().topicFilter("spBv1.0/STATE/lathe").send();
            long denied = broker.count(BrokerCounter.SUBSCRIBE_DENIED_RIGHTS);
            for (String filter : List.of("spBv1.0/#", "spBv1.0/Plant1/NDATA/+", "spBv1.0/Plant1/NCMD/Line1", "#")) {
                assertThatThrownBy(() -> node2.subscribeWith().topicFilter(filter).send())
                        .as(filter).isInstanceOfSatisfying(Mqtt5SubAckException.class,
                                e -> assertThat(e.getMqttMessage().getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED));
            }
            assertThat(broker.count(BrokerCounter.SUBSCRIBE_DENIED_RIGHTS)).isEqualTo(denied + 4);
        } finally {
            node2.disconnect();
        }
    }

    // Seen: one anonymous retained spBv1.0/STATE/<host> message stopped all Sparkplug data for 7 minutes. Even a client
    // whose rights cover spBv1.0/# may not publish STATE; Lathe's own session may.
    @Test
    void stateForgeryIsDeniedAndOnlyLathesSessionPublishesState() throws Exception {
        long denied = broker.count(BrokerCounter.PUBLISH_DENIED_STATE);
        for (String topic : List.of("spBv1.0/STATE/lathe", "STATE/lathe")) {
            Mqtt5BlockingClient forger = connect(broker, "sensor-1", "sensor", SENSOR_PASSWORD);
            assertThatThrownBy(() -> publish(forger, topic, "{\"online\":false,\"timestamp\":1}", true))
                    .as(topic).isInstanceOf(Mqtt5PubAckException.class);
        }
        assertThat(broker.count(BrokerCounter.PUBLISH_DENIED_STATE)).isEqualTo(denied + 2);
        Mqtt5BlockingClient sensor = connect(broker, "sensor-1", "sensor", SENSOR_PASSWORD);

        Mqtt5BlockingClient host = connectInternal(broker, "lathe-test-host-2");
        Mqtt5BlockingClient reader = connectInternal(broker, "lathe-test-reader-2");
        try (Mqtt5BlockingClient.Mqtt5Publishes seen = subscribe(reader, "spBv1.0/STATE/#", "STATE/#", "sensors/hall2/marker")) {
            publish(sensor, "sensors/hall2/marker", "after-forgery", false);
            // No retained STATE was stored: the marker is the first thing the new subscriber gets.
            assertThat(text(next(seen))).isEqualTo("after-forgery");
            publish(host, "spBv1.0/STATE/lathe", "{\"online\":true,\"timestamp\":2}", true);
            Mqtt5Publish state = next(seen);
            assertThat(state.getTopic().toString()).isEqualTo("spBv1.0/STATE/lathe");
            assertThat(text(state)).contains("\"online\":true");
        } finally {
            host.publishWith().topic("spBv1.0/STATE/lathe").retain(true).qos(MqttQos.AT_LEAST_ONCE).send(); // clear it for other tests
            sensor.disconnect();
            host.disconnect();
            reader.disconnect();
        }
    }

    // Seen: a client connecting as "lathe-lathe" kicked Lathe's host off five times in 8 s. Client ids starting with
    // "lathe-" and those of Lathe's connectors are refused to everyone but Lathe, and Lathe stays connected.
    @Test
    void clientCannotTakeOverLathesClientIds() throws Exception {
        Mqtt5BlockingClient lathe = connectInternal(broker, "lathe-lathe");
        try (Mqtt5BlockingClient.Mqtt5Publishes seen = subscribe(lathe, "sensors/hall2/takeover")) {
            long refused = broker.count(BrokerCounter.CONNECT_REFUSED_CLIENT_ID);
            for (int i = 0; i < 5; i++) {
                assertThat(refusal(broker, "lathe-lathe", "sensor", SENSOR_PASSWORD)).isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
            }
            assertThat(refusal(broker, "lathe-sim-Demo-Line1", "node1", N1_PASSWORD)).isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
            assertThat(refusal(broker, "plant-json-feed", "sensor", SENSOR_PASSWORD)).isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
            assertThat(broker.count(BrokerCounter.CONNECT_REFUSED_CLIENT_ID)).isEqualTo(refused + 7);
            // Lathe's session survived every attempt and still receives.
            assertThat(lathe.getState()).isEqualTo(MqttClientState.CONNECTED);
            Mqtt5BlockingClient sensor = connect(broker, "sensor-takeover", "sensor", SENSOR_PASSWORD);
            publish(sensor, "sensors/hall2/takeover", "still-here", false);
            assertThat(text(next(seen))).isEqualTo("still-here");
            sensor.disconnect();
        } finally {
            lathe.disconnect();
        }
    }

    // Not only Lathe's ids: while an edge node is connected, a client of another identity cannot take its session
    // over; the node itself may reconnect with its id (taking over its own stale session).
    @Test
    void connectedClientIdIsRefusedToOtherIdentitiesButNotToItsOwner() throws Exception {
        Mqtt5BlockingClient node1 = connect(broker, "gateway-7", "node1", N1_PASSWORD);
        assertThat(refusal(broker, "gateway-7", "node2", N2_PASSWORD)).isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
        assertThat(node1.getState()).isEqualTo(MqttClientState.CONNECTED);
        Mqtt5BlockingClient again = connect(broker, "gateway-7", "node1", N1_PASSWORD);
        await("the first connection of gateway-7 is taken over", () -> node1.getState() != MqttClientState.CONNECTED);
        again.disconnect();
        // Once it is gone, the id is free again.
        await("gateway-7 is free for another identity", () -> {
            try {
                connect(broker, "gateway-7", "node2", N2_PASSWORD).disconnect();
                return true;
            } catch (RuntimeException e) {
                return false;
            }
        });
    }

    // Lathe's own clients (Sparkplug host, MQTT JSON connections, the demo's simulator) use the internal credential:
    // every topic, any client id, and the credential never shows in toString.
    @Test
    void internalCredentialHasFullRights() throws Exception {
        BrokerCredential credential = broker.internalCredential();
        assertThat(credential.username()).isEqualTo(BrokerIdentity.INTERNAL_USERNAME);
        assertThat(credential.password()).hasSizeGreaterThanOrEqualTo(40);
        assertThat(credential.toString()).doesNotContain(credential.password()).contains("****");
        Mqtt5BlockingClient sim = connectInternal(broker, "lathe-sim-Demo-Line9");
        Mqtt5BlockingClient host = connectInternal(broker, "lathe-json-any");
        try (Mqtt5BlockingClient.Mqtt5Publishes seen = subscribe(host, "#")) {
            publish(sim, "spBv1.0/Demo/NBIRTH/Line9", "birth", false);
            publish(sim, "anything/at/all", "free", false);
            assertThat(text(next(seen))).isEqualTo("birth");
            assertThat(text(next(seen))).isEqualTo("free");
        } finally {
            sim.disconnect();
            host.disconnect();
        }
    }

    // Seen: a 100 MB PUBLISH was accepted into Lathe's heap. A packet over the maximum disconnects its sender, is never
    // delivered, and is counted. An MQTT 3.1.1 client is used: it cannot learn the limit, so it really sends the packet.
    @Test
    void oversizedPacketIsRefused() throws Exception {
        Mqtt5BlockingClient reader = connectInternal(broker, "lathe-test-reader-3");
        Mqtt3BlockingClient big = MqttClient.builder().useMqttVersion3().identifier("big-sender").serverHost("127.0.0.1").serverPort(broker.port())
                .buildBlocking();
        big.connectWith().simpleAuth().username("sensor").password(SENSOR_PASSWORD.getBytes()).applySimpleAuth().send();
        long before = broker.count(BrokerCounter.PACKET_TOO_LARGE);
        try (Mqtt5BlockingClient.Mqtt5Publishes seen = subscribe(reader, "sensors/hall2/big")) {
            try {
                big.publishWith().topic("sensors/hall2/big").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[MAX_PACKET * 4]).send();
            } catch (RuntimeException expected) {
                // The broker closes the connection instead of acknowledging.
            }
            await("the oversized sender is disconnected", () -> big.getState() != MqttClientState.CONNECTED);
            await("the oversized packet is counted", () -> broker.count(BrokerCounter.PACKET_TOO_LARGE) > before);
            Mqtt5BlockingClient small = connect(broker, "small-sender", "sensor", SENSOR_PASSWORD);
            publish(small, "sensors/hall2/big", "small", false);
            assertThat(text(next(seen))).isEqualTo("small");
            small.disconnect();
        } finally {
            reader.disconnect();
        }
    }
}
