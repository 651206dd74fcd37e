package io.lathe.broker;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Real HiveMQ MQTT clients against the embedded broker, and the waits the tests share. */
final class MqttTestClients {
    private MqttTestClients() {}

    static final long TIMEOUT_SECONDS = 20;

    static Mqtt5BlockingClient client(EmbeddedBroker broker, String clientId) {
        return MqttClient.builder().useMqttVersion5().identifier(clientId).serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
    }

    /** Connects {@code clientId} with {@code user}/{@code password} (null user: anonymous). */
    static Mqtt5BlockingClient connect(EmbeddedBroker broker, String clientId, String user, String password) {
        Mqtt5BlockingClient c = client(broker, clientId);
        var connect = c.connectWith();
        if (user != null) connect.simpleAuth().username(user).password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
        connect.send();
        return c;
    }

    static Mqtt5BlockingClient connectInternal(EmbeddedBroker broker, String clientId) {
        return connect(broker, clientId, broker.internalCredential().username(), broker.internalCredential().password());
    }

    /** The reason code with which the broker refuses the CONNECT; fails the test when the client gets in. */
    static Mqtt5ConnAckReasonCode refusal(EmbeddedBroker broker, String clientId, String user, String password) {
        try {
            Mqtt5BlockingClient c = connect(broker, clientId, user, password);
            c.disconnect();
            throw new AssertionError("connect of " + clientId + " as " + user + " was accepted, but should have been refused");
        } catch (Mqtt5ConnAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    static void publish(Mqtt5BlockingClient c, String topic, String payload, boolean retain) {
        c.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(retain).payload(payload.getBytes(StandardCharsets.UTF_8)).send();
    }

    /** Subscribes to {@code filters} and returns the stream of what arrives. */
    static Mqtt5BlockingClient.Mqtt5Publishes subscribe(Mqtt5BlockingClient c, String... filters) {
        Mqtt5BlockingClient.Mqtt5Publishes publishes = c.publishes(MqttGlobalPublishFilter.ALL);
        for (String f : filters) c.subscribeWith().topicFilter(f).qos(MqttQos.AT_LEAST_ONCE).send();
        return publishes;
    }

    /** The next message, failing when none arrives in time. */
    static Mqtt5Publish next(Mqtt5BlockingClient.Mqtt5Publishes publishes) throws InterruptedException {
        Optional<Mqtt5Publish> p = publishes.receive(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        assertThat(p).as("a message within %d s", TIMEOUT_SECONDS).isPresent();
        return p.get();
    }

    static String text(Mqtt5Publish p) {
        return new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
    }

    /** Waits (generously) until {@code condition} holds; fails with {@code what} otherwise. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            Thread.sleep(20);
        }
    }
}
