package io.lathe.simulator.internal;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Host, port and transport of an MQTT broker parsed from a URL such as {@code tcp://127.0.0.1:1883}.
 *
 * @param host host name or address
 * @param port TCP port
 * @param tls  true for {@code ssl://}, {@code tls://} or {@code mqtts://}
 */
public record BrokerAddress(String host, int port, boolean tls) {

    public static BrokerAddress parse(String url) {
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw invalid(url, e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        boolean tls = switch (scheme) {
            case "tcp", "mqtt" -> false;
            case "ssl", "tls", "mqtts" -> true;
            default -> throw invalid(url, "the scheme must be tcp, mqtt, ssl, tls or mqtts");
        };
        if (uri.getHost() == null) throw invalid(url, "it has no host");
        int port = uri.getPort() < 0 ? (tls ? 8883 : 1883) : uri.getPort();
        return new BrokerAddress(uri.getHost(), port, tls);
    }

    private static IllegalArgumentException invalid(String url, String why) {
        return new IllegalArgumentException("Invalid MQTT broker URL [url=" + url + "]: " + why
                + ". Use tcp://host:port, for example tcp://127.0.0.1:1883.");
    }

    @Override
    public String toString() {
        return (tls ? "ssl://" : "tcp://") + host + ":" + port;
    }
}
