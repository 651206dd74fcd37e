package io.lathe.broker;

/**
 * Limits the embedded broker enforces on clients, so that no client can grow Lathe's heap without bound (seen: a
 * 100 MB PUBLISH and 300 MB of retained messages accepted).
 *
 * <p>Retained-message limits apply to every client except Lathe's own (the internal credential): a retained PUBLISH
 * over a limit is still delivered to current subscribers but not stored (its retain flag is dropped) and counted; a
 * retained Will over a limit refuses the CONNECT. Retained messages are counted from the PUBLISHes the broker accepted;
 * one that expires (MQTT 5 message expiry) still counts until its topic is cleared with an empty retained PUBLISH.
 *
 * @param maxPacketBytes          largest MQTT packet accepted, in bytes, in [1024, 268435460]; a client that sends a
 *                                larger one is disconnected (MQTT 5 clients learn the limit in CONNACK)
 * @param maxTopicLength          longest topic name or filter, in characters, in [1, 65535]; longer ones disconnect
 * @param maxTopicLevels          most levels (parts between '/') in a topic name or filter, in [1, 1024]; a PUBLISH or
 *                                SUBSCRIBE with more is denied
 * @param maxRetainedPayloadBytes largest payload stored as a retained message, in bytes, ≥ 0
 * @param maxRetainedMessages     most retained messages stored, ≥ 0
 * @param maxRetainedTotalBytes   most bytes (payloads plus topic names) of retained messages stored, ≥ 0
 */
public record BrokerLimits(int maxPacketBytes, int maxTopicLength, int maxTopicLevels, int maxRetainedPayloadBytes,
                           int maxRetainedMessages, long maxRetainedTotalBytes) {

    /** HiveMQ's own ceiling for {@code max-packet-size}: the MQTT maximum of 256 MiB plus the fixed header. */
    public static final int MAX_PACKET_BYTES_CEILING = 268_435_460;

    public BrokerLimits {
        if (maxPacketBytes < 1024 || maxPacketBytes > MAX_PACKET_BYTES_CEILING) {
            throw new IllegalArgumentException("maxPacketBytes must be in [1024, " + MAX_PACKET_BYTES_CEILING + "], but was " + maxPacketBytes);
        }
        if (maxTopicLength < 1 || maxTopicLength > 65535) {
            throw new IllegalArgumentException("maxTopicLength must be in [1, 65535], but was " + maxTopicLength);
        }
        if (maxTopicLevels < 1 || maxTopicLevels > 1024) {
            throw new IllegalArgumentException("maxTopicLevels must be in [1, 1024], but was " + maxTopicLevels);
        }
        if (maxRetainedPayloadBytes < 0) {
            throw new IllegalArgumentException("maxRetainedPayloadBytes must be ≥ 0, but was " + maxRetainedPayloadBytes);
        }
        if (maxRetainedMessages < 0) {
            throw new IllegalArgumentException("maxRetainedMessages must be ≥ 0, but was " + maxRetainedMessages);
        }
        if (maxRetainedTotalBytes < 0) {
            throw new IllegalArgumentException("maxRetainedTotalBytes must be ≥ 0, but was " + maxRetainedTotalBytes);
        }
    }

    /**
     * 1 MiB packets (a Sparkplug birth of about 10,000 metrics fits), topics of at most 1024 characters and 32 levels,
     * retained messages of at most 64 KiB, 10,000 of them and 16 MiB in all.
     */
    public static BrokerLimits defaults() {
        return new BrokerLimits(1 << 20, 1024, 32, 64 << 10, 10_000, 16L << 20);
    }

    public BrokerLimits withMaxPacketBytes(int v) {
        return new BrokerLimits(v, maxTopicLength, maxTopicLevels, maxRetainedPayloadBytes, maxRetainedMessages, maxRetainedTotalBytes);
    }

    public BrokerLimits withRetained(int payloadBytes, int messages, long totalBytes) {
        return new BrokerLimits(maxPacketBytes, maxTopicLength, maxTopicLevels, payloadBytes, messages, totalBytes);
    }

    public BrokerLimits withTopics(int length, int levels) {
        return new BrokerLimits(maxPacketBytes, length, levels, maxRetainedPayloadBytes, maxRetainedMessages, maxRetainedTotalBytes);
    }
}
