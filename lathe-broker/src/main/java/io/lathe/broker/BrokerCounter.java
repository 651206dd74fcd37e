package io.lathe.broker;

/**
 * What the embedded broker refused or dropped, counted since start. {@link EmbeddedBroker#count} reads one;
 * {@link EmbeddedBroker#bindTo} publishes all as Micrometer counters named {@link #meter()} with tag
 * {@code reason=}{@link #reason()}.
 */
public enum BrokerCounter {
    /** CONNECT without user name while anonymous access is off. */
    CONNECT_REFUSED_ANONYMOUS("lathe.broker.connects.refused", "anonymous"),
    /** CONNECT with an unknown user name or a wrong password. */
    CONNECT_REFUSED_CREDENTIALS("lathe.broker.connects.refused", "credentials"),
    /** CONNECT with a client id reserved for Lathe, or in use by a connected client of another identity. */
    CONNECT_REFUSED_CLIENT_ID("lathe.broker.connects.refused", "client-id"),
    /** CONNECT refused without checking the password: too many recent failures for the user, or checks queued up. */
    CONNECT_REFUSED_THROTTLED("lathe.broker.connects.refused", "throttled"),
    /** CONNECT whose retained Will is over the retained-message limits (a Will outside the rights counts as a denied PUBLISH). */
    CONNECT_REFUSED_WILL("lathe.broker.connects.refused", "retained-will"),
    /** PUBLISH (or Will) outside the client's rights. */
    PUBLISH_DENIED_RIGHTS("lathe.broker.publishes.denied", "rights"),
    /** PUBLISH to a Sparkplug STATE topic by anyone but Lathe. */
    PUBLISH_DENIED_STATE("lathe.broker.publishes.denied", "state"),
    /** PUBLISH to a topic with more levels than allowed. */
    PUBLISH_DENIED_TOPIC_LEVELS("lathe.broker.publishes.denied", "topic-levels"),
    /** SUBSCRIBE to a filter outside the client's rights. */
    SUBSCRIBE_DENIED_RIGHTS("lathe.broker.subscriptions.denied", "rights"),
    /** SUBSCRIBE to a filter with more levels than allowed. */
    SUBSCRIBE_DENIED_TOPIC_LEVELS("lathe.broker.subscriptions.denied", "topic-levels"),
    /** Client disconnected by the broker for a packet larger than the maximum packet size. */
    PACKET_TOO_LARGE("lathe.broker.packets.too-large", "max-packet-size"),
    /** Retained PUBLISH delivered but not stored: its payload is larger than allowed. */
    RETAINED_DROPPED_PAYLOAD("lathe.broker.retained.dropped", "payload-size"),
    /** Retained PUBLISH delivered but not stored: the number of retained messages is at its limit. */
    RETAINED_DROPPED_COUNT("lathe.broker.retained.dropped", "count"),
    /** Retained PUBLISH delivered but not stored: the retained bytes are at their limit. */
    RETAINED_DROPPED_BYTES("lathe.broker.retained.dropped", "total-bytes");

    private final String meter;
    private final String reason;

    BrokerCounter(String meter, String reason) {
        this.meter = meter;
        this.reason = reason;
    }

    /** Micrometer meter name. */
    public String meter() {
        return meter;
    }

    /** Value of the meter's {@code reason} tag. */
    public String reason() {
        return reason;
    }
}
