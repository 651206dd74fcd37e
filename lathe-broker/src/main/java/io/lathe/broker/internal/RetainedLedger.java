package io.lathe.broker.internal;

import io.lathe.broker.BrokerLimits;
import java.util.HashMap;
import java.util.Map;

/**
 * Retained messages clients have stored, by topic, against the {@link BrokerLimits}. Only retained PUBLISHes and Wills
 * pass through here, so one lock is cheap. Memory is bounded by {@link BrokerLimits#maxRetainedMessages()}.
 */
final class RetainedLedger {

    enum Verdict { STORE, PAYLOAD_TOO_LARGE, TOO_MANY, TOO_MANY_BYTES }

    private final BrokerLimits limits;
    private final Map<String, Integer> payloadBytes = new HashMap<>();
    private long bytes;

    RetainedLedger(BrokerLimits limits) {
        this.limits = limits;
    }

    /**
     * Decides whether a retained message of {@code size} payload bytes on {@code topic} may be stored and, when it may,
     * books it. An empty payload clears the topic (MQTT 5.0 section 3.3.1.3) and is always stored. Calling again for
     * the same topic and size changes nothing, so the interceptor and the authorizer may both ask.
     */
    synchronized Verdict admit(String topic, int size) {
        Integer old = payloadBytes.get(topic);
        if (size == 0) {
            if (old != null) {
                payloadBytes.remove(topic);
                bytes -= old + topic.length();
            }
            return Verdict.STORE;
        }
        if (size > limits.maxRetainedPayloadBytes()) return Verdict.PAYLOAD_TOO_LARGE;
        long newBytes = old == null ? bytes + size + topic.length() : bytes - old + size;
        if (old == null && payloadBytes.size() >= limits.maxRetainedMessages()) return Verdict.TOO_MANY;
        if (newBytes > limits.maxRetainedTotalBytes()) return Verdict.TOO_MANY_BYTES;
        payloadBytes.put(topic, size);
        bytes = newBytes;
        return Verdict.STORE;
    }

    synchronized int messages() {
        return payloadBytes.size();
    }

    synchronized long bytes() {
        return bytes;
    }
}
