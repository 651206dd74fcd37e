package io.lathe.sparkplug;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.eclipse.tahu.message.SparkplugBPayloadEncoder;
import org.eclipse.tahu.message.model.Metric;
import org.eclipse.tahu.message.model.MetricDataType;
import org.eclipse.tahu.message.model.SparkplugBPayload;

/** A scripted Sparkplug edge node: publishes exactly the payloads a test asks for, encoded by Eclipse Tahu. */
final class TestEdgeNode implements AutoCloseable {
    final String group;
    final String node;
    private final Mqtt3BlockingClient client;

    TestEdgeNode(int port, String group, String node) {
        this.group = group;
        this.node = node;
        client = MqttClient.builder().useMqttVersion3().identifier("edge-" + UUID.randomUUID())
                .serverHost("127.0.0.1").serverPort(port).buildBlocking();
        client.connect();
    }

    static Metric metric(String name, MetricDataType type, Object value) {
        try {
            Metric m = new Metric.MetricBuilder(name, type, value).createMetric();
            // Tahu stamps metrics with the current time; tests stamp them explicitly or use the payload's timestamp.
            m.setTimestamp(null);
            return m;
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Metric aliased(String name, long alias, MetricDataType type, Object value) {
        Metric m = metric(name, type, value);
        m.setAlias(alias);
        return m;
    }

    static Metric aliasOnly(long alias, MetricDataType type, Object value) {
        try {
            Metric m = new Metric.MetricBuilder(alias, type, value).createMetric();
            m.setTimestamp(null);
            return m;
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    void publish(String type, String device, Long seq, long timestampMillis, List<Metric> metrics) {
        SparkplugBPayload p = new SparkplugBPayload.SparkplugBPayloadBuilder()
                .setTimestamp(new Date(timestampMillis)).addMetrics(metrics).createPayload();
        if (seq != null) p.setSeq(seq);
        try {
            publishRaw(type, device, new SparkplugBPayloadEncoder().getBytes(p, false));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    void publishRaw(String type, String device, byte[] bytes) {
        String topic = "spBv1.0/" + group + "/" + type + "/" + node + (device == null ? "" : "/" + device);
        client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(bytes).send();
    }

    @Override
    public void close() {
        client.disconnect();
    }
}
