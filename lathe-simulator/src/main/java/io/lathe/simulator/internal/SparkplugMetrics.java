package io.lathe.simulator.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Date;
import java.util.List;
import org.eclipse.tahu.SparkplugInvalidTypeException;
import org.eclipse.tahu.message.SparkplugBPayloadEncoder;
import org.eclipse.tahu.message.model.Metric;
import org.eclipse.tahu.message.model.MetricDataType;
import org.eclipse.tahu.message.model.PropertyDataType;
import org.eclipse.tahu.message.model.PropertySet;
import org.eclipse.tahu.message.model.PropertyValue;
import org.eclipse.tahu.message.model.SparkplugBPayload;

/** Builds Tahu metrics and encodes payloads; wraps Tahu's checked exceptions. */
public final class SparkplugMetrics {
    private SparkplugMetrics() {}

    /** A birth metric: name, alias, datatype, value and, when {@code unit} is not empty, the property {@code engUnit}. */
    public static Metric birth(String name, Long alias, MetricDataType type, Object value, Date timestamp, String unit) {
        try {
            var b = new Metric.MetricBuilder(name, type, value).timestamp(timestamp);
            if (alias != null) b.alias(alias);
            if (unit != null && !unit.isEmpty()) {
                b.properties(new PropertySet.PropertySetBuilder()
                        .addProperty("engUnit", new PropertyValue<>(PropertyDataType.String, unit))
                        .createPropertySet());
            }
            return b.createMetric();
        } catch (SparkplugInvalidTypeException e) {
            throw new IllegalStateException("Sparkplug metric could not be built [name=" + name + ", type=" + type
                    + ", value=" + value + "]: " + e.getMessage() + ". This is a bug in the simulator.", e);
        }
    }

    /** A data metric: alias, datatype and value, no name. */
    public static Metric data(long alias, MetricDataType type, Object value, Date timestamp) {
        try {
            return new Metric.MetricBuilder(alias, type, value).timestamp(timestamp).createMetric();
        } catch (SparkplugInvalidTypeException e) {
            throw new IllegalStateException("Sparkplug metric could not be built [alias=" + alias + ", type=" + type
                    + ", value=" + value + "]: " + e.getMessage() + ". This is a bug in the simulator.", e);
        }
    }

    /** Encodes a payload with datatypes kept on every metric (decoders need no alias-to-type map). */
    public static byte[] encode(Date timestamp, Long seq, List<Metric> metrics) {
        var payload = new SparkplugBPayload.SparkplugBPayloadBuilder().setTimestamp(timestamp).addMetrics(metrics);
        if (seq != null) payload.setSeq(seq);
        try {
            return new SparkplugBPayloadEncoder().getBytes(payload.createPayload(), false);
        } catch (IOException e) {
            throw new UncheckedIOException("Sparkplug payload could not be encoded: " + e.getMessage(), e);
        }
    }
}
