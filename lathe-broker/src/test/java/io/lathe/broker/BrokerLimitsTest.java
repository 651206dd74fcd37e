package io.lathe.broker;

import static io.lathe.broker.MqttTestClients.connect;
import static io.lathe.broker.MqttTestClients.connectInternal;
import static io.lathe.broker.MqttTestClients.next;
import static io.lathe.broker.MqttTestClients.publish;
import static io.lathe.broker.MqttTestClients.subscribe;
import static io.lathe.broker.MqttTestClients.text;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hivemq.client.mqtt.MqttClientState;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Issue 10: retained-message and topic limits of the embedded broker, and anonymous access when it is switched on. */
class BrokerLimitsTest {

    // Seen: 300 MB of retained messages accepted into Lathe's heap. Retained PUBLISHes over the payload or count limit
    // are delivered live but not stored, and counted; clearing a topic frees its place; Lathe's own are exempt.
    @Test
    void retainedMessagesOverTheLimitsAreDeliveredButNotStored() throws Exception {
        BrokerLimits limits = BrokerLimits.defaults().withRetained(100, 2, 1 << 20);
        try (EmbeddedBroker broker = EmbeddedBroker.start(BrokerSettings.ephemeral()
                .withAccess(BrokerAccess.internalOnly().withAnonymous(TopicRights.everything())).withLimits(limits))) {
            Mqtt5BlockingClient device = connect(broker, "retainer", null, null);
            Mqtt5BlockingClient live = connectInternal(broker, "lathe-live");
            try (Mqtt5BlockingClient.Mqtt5Publishes liveSeen = subscribe(live, "r/#")) {
                publish(device, "r/big", "x".repeat(101), true);
                publish(device, "r/a", "A", true);
                publish(device, "r/b", "B", true);
                publish(device, "r/c", "C", true);
                // Everything was delivered live, in order, including what was not stored.
                assertThat(List.of(text(next(liveSeen)).length(), text(next(liveSeen)).length())).containsExactly(101, 1);
                assertThat(text(next(liveSeen))).isEqualTo("B");
                assertThat(text(next(liveSeen))).isEqualTo("C");
            }
            assertThat(broker.count(BrokerCounter.RETAINED_DROPPED_PAYLOAD)).isEqualTo(1);
            assertThat(broker.count(BrokerCounter.RETAINED_DROPPED_COUNT)).isEqualTo(1);
            assertThat(broker.retainedMessages()).isEqualTo(2);
            assertThat(broker.retainedBytes()).isEqualTo(2 + "r/a".length() + "r/b".length());
            assertThat(retainedTopics(broker, "late-1")).containsExactly("r/a", "r/b");

            // Clearing r/a (an empty retained PUBLISH) makes room for r/c; replacing r/b keeps the count.
            device.publishWith().topic("r/a").retain(true).qos(MqttQos.AT_LEAST_ONCE).send();
            publish(device, "r/c", "C2", true);
            publish(device, "r/b", "B2", true);
            assertThat(retainedTopics(broker, "late-2")).containsExactly("r/b", "r/c");
            assertThat(broker.retainedMessages()).isEqualTo(2);

            // Lathe's own connections are not limited (its STATE must always be stored).
            Mqtt5BlockingClient lathe = connectInternal(broker, "lathe-host");
            publish(lathe, "r/lathe", "y".repeat(500), true);
            assertThat(retainedTopics(broker, "late-3")).containsExactly("r/b", "r/c", "r/lathe");
            assertThat(broker.count(BrokerCounter.RETAINED_DROPPED_PAYLOAD)).isEqualTo(1);
            lathe.disconnect();
            device.disconnect();
            live.disconnect();
        }
    }

    // A Will is stored by the broker when its client dies, without passing the publish interceptor: a retained Will
    // over the limits refuses the CONNECT instead.
    @Test
    void retainedWillOverTheLimitRefusesTheConnect() throws Exception {
        try (EmbeddedBroker broker = EmbeddedBroker.start(BrokerSettings.ephemeral()
                .withAccess(BrokerAccess.internalOnly().withAnonymous(TopicRights.everything()))
                .withLimits(BrokerLimits.defaults().withRetained(10, 100, 1 << 20)))) {
            Mqtt5BlockingClient c = MqttTestClients.client(broker, "will-big");
            assertThatThrownBy(() -> c.connectWith().willPublish().topic("status/will-big").payload("offline-with-a-long-text".getBytes(StandardCharsets.UTF_8))
                    .retain(true).applyWillPublish().send())
                    .isInstanceOfSatisfying(Mqtt5ConnAckException.class,
                            e -> assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.QUOTA_EXCEEDED));
            assertThat(broker.count(BrokerCounter.CONNECT_REFUSED_WILL)).isEqualTo(1);
            Mqtt5BlockingClient small = MqttTestClients.client(broker, "will-small");
            small.connectWith().willPublish().topic("status/will-small").payload("offline".getBytes(StandardCharsets.UTF_8)).retain(true).applyWillPublish().send();
            assertThat(small.getState()).isEqualTo(MqttClientState.CONNECTED);
            small.disconnect();
        }
    }

    // Anonymous clients, when switched on, get only the rights configured for them, and never Sparkplug STATE or
    // Lathe's client ids. Deep topics are denied by the level limit.
    @Test
    void anonymousClientsGetOnlyTheirRightsWhenAllowed() throws Exception {
        TopicRights anonymousRights = new TopicRights(List.of("sensors/#", "spBv1.0/#"), List.of("sensors/#"));
        try (EmbeddedBroker broker = EmbeddedBroker.start(BrokerSettings.ephemeral()
                .withAccess(BrokerAccess.internalOnly().withAnonymous(anonymousRights).withReservedClientIds(Set.of("json-feed")))
                .withLimits(BrokerLimits.defaults().withTopics(1024, 4)))) {
            Mqtt5BlockingClient anon = connect(broker, "anon-sensor", null, null);
            publish(anon, "sensors/hall/t1", "21.5", false);
            anon.subscribeWith().topicFilter("sensors/+/t1").send();
            assertThatThrownBy(() -> anon.subscribeWith().topicFilter("spBv1.0/#").send()).isInstanceOf(Mqtt5SubAckException.class);
            assertThatThrownBy(() -> anon.subscribeWith().topicFilter("sensors/a/b/c/d").send()).isInstanceOf(Mqtt5SubAckException.class);
            assertThat(broker.count(BrokerCounter.SUBSCRIBE_DENIED_TOPIC_LEVELS)).isEqualTo(1);
            assertThatThrownBy(() -> publish(anon, "sensors/a/b/c/d", "deep", false))
                    .isInstanceOfSatisfying(Mqtt5PubAckException.class,
                            e -> assertThat(e.getMqttMessage().getReasonCode()).isEqualTo(Mqtt5PubAckReasonCode.TOPIC_NAME_INVALID));
            assertThat(broker.count(BrokerCounter.PUBLISH_DENIED_TOPIC_LEVELS)).isEqualTo(1);

            Mqtt5BlockingClient forger = connect(broker, "anon-forger", null, null);
            assertThatThrownBy(() -> publish(forger, "spBv1.0/STATE/lathe", "{\"online\":false}", true)).isInstanceOf(Mqtt5PubAckException.class);
            assertThat(broker.count(BrokerCounter.PUBLISH_DENIED_STATE)).isEqualTo(1);
            assertThat(MqttTestClients.refusal(broker, "lathe-lathe", null, null)).isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
            assertThat(MqttTestClients.refusal(broker, "json-feed", null, null)).isEqualTo(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID);
        }
    }

    /** Topics of the retained messages a new subscriber to {@code r/#} gets, read up to a marker published after. */
    private static List<String> retainedTopics(EmbeddedBroker broker, String clientId) throws InterruptedException {
        Mqtt5BlockingClient reader = connectInternal(broker, "lathe-reader-" + clientId);
        List<String> topics = new ArrayList<>();
        try (Mqtt5BlockingClient.Mqtt5Publishes seen = subscribe(reader, "r/#", "marker/" + clientId)) {
            publish(reader, "marker/" + clientId, "end", false);
            while (true) {
                Mqtt5Publish p = next(seen);
                if (p.getTopic().toString().startsWith("marker/")) break;
                assertThat(p.isRetain()).isTrue();
                topics.add(p.getTopic().toString());
            }
        } finally {
            reader.disconnect();
        }
        topics.sort(null);
        return topics;
    }
}
