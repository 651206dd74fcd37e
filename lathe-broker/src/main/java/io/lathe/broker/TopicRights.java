package io.lathe.broker;

import io.lathe.broker.internal.Topics;
import java.util.List;
import java.util.Objects;

/**
 * What a client may publish and subscribe to, as MQTT topic filters ({@code +} one level, {@code #} the rest).
 * A PUBLISH is allowed when its topic matches one of {@code publish}; a SUBSCRIBE is allowed when every topic its
 * filter can match also matches one of {@code subscribe} (so {@code sensors/#} allows subscribing to
 * {@code sensors/+/temp} but not {@code #}). Whatever the filters say, only Lathe itself may publish Sparkplug
 * {@code STATE} topics.
 *
 * @param publish   topic filters a client may publish to; empty for none
 * @param subscribe topic filters a client may subscribe to; empty for none
 */
public record TopicRights(List<String> publish, List<String> subscribe) {
    public TopicRights {
        publish = List.copyOf(Objects.requireNonNull(publish, "publish"));
        subscribe = List.copyOf(Objects.requireNonNull(subscribe, "subscribe"));
        for (String f : publish) Topics.checkFilter(f, "publish");
        for (String f : subscribe) Topics.checkFilter(f, "subscribe");
    }

    /** Publish and subscribe anywhere (except Sparkplug STATE, which stays Lathe's). */
    public static TopicRights everything() {
        return new TopicRights(List.of("#"), List.of("#"));
    }

    /** Neither publish nor subscribe. */
    public static TopicRights none() {
        return new TopicRights(List.of(), List.of());
    }
}
