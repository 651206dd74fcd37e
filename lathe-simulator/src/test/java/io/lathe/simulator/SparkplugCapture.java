package io.lathe.simulator;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import io.lathe.simulator.internal.BrokerAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.eclipse.tahu.message.SparkplugBPayloadDecoder;
import org.eclipse.tahu.message.model.Metric;
import org.eclipse.tahu.message.model.SparkplugBPayload;

/** A plain MQTT subscriber that decodes every Sparkplug message of one group, in arrival order. */
final class SparkplugCapture implements AutoCloseable {
    /** One received message: topic parts and the decoded payload. */
    record Message(String topic, String type, String edgeNode, String device, SparkplugBPayload payload) {
        Long seq() {
            return payload.getSeq();
        }

        Metric metric(String name) {
            return payload.getMetrics().stream().filter(m -> name.equals(m.getName())).findFirst()
                    .orElseThrow(() -> new AssertionError("no metric '" + name + "' in " + topic));
        }
    }

    private final Mqtt3AsyncClient client;
    private final LinkedBlockingQueue<Message> queue = new LinkedBlockingQueue<>();
    private final List<Message> seen = new ArrayList<>();

    SparkplugCapture(String brokerUrl, String group) throws Exception {
        var broker = BrokerAddress.parse(brokerUrl);
        client = MqttClient.builder().useMqttVersion3().identifier("capture-" + UUID.randomUUID())
                .serverHost(broker.host()).serverPort(broker.port()).buildAsync();
        client.publishes(MqttGlobalPublishFilter.ALL, p -> {
            String topic = p.getTopic().toString();
            String[] parts = topic.split("/");
            try {
                var payload = new SparkplugBPayloadDecoder().buildFromByteArray(p.getPayloadAsBytes(), null);
                queue.add(new Message(topic, parts[2], parts[3], parts.length > 4 ? parts[4] : null, payload));
            } catch (Exception e) {
                queue.add(new Message(topic, "UNDECODABLE", parts.length > 3 ? parts[3] : "", null, new SparkplugBPayload()));
            }
        });
        client.connectWith().cleanSession(true).send().get(10, TimeUnit.SECONDS);
        client.subscribeWith().topicFilter("spBv1.0/" + group + "/#").qos(MqttQos.AT_LEAST_ONCE).send().get(10, TimeUnit.SECONDS);
    }

    /** Waits for the next message matching {@code p} (messages before it stay in {@link #seen()}). */
    Message await(Predicate<Message> p, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            Message m = left <= 0 ? null : queue.poll(left, TimeUnit.NANOSECONDS);
            if (m == null) throw new AssertionError("no matching Sparkplug message within " + timeout + "; seen " + seen.size()
                    + " messages, last: " + (seen.isEmpty() ? "none" : seen.get(seen.size() - 1).topic()));
            seen.add(m);
            if (p.test(m)) return m;
        }
    }

    Message await(String type, String edgeNode, Duration timeout) throws InterruptedException {
        return await(m -> m.type().equals(type) && m.edgeNode().equals(edgeNode), timeout);
    }

    List<Message> seen() {
        return seen;
    }

    void publish(String topic, byte[] payload, boolean retain) throws Exception {
        client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(retain).payload(payload).send().get(10, TimeUnit.SECONDS);
    }

    void publish(String topic, String payload, boolean retain) throws Exception {
        publish(topic, payload.getBytes(StandardCharsets.UTF_8), retain);
    }

    @Override
    public void close() throws Exception {
        client.disconnect().get(10, TimeUnit.SECONDS);
    }
}
