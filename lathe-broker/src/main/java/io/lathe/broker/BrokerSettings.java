package io.lathe.broker;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How to run the embedded MQTT broker.
 *
 * @param bindAddress        address to listen on, for example {@code 127.0.0.1} or {@code 0.0.0.0} for all interfaces
 * @param port               TCP port in [0, 65535]; 0 takes a free port
 * @param dataDir            folder for the broker's configuration, data and extensions folders; null uses a temporary
 *                           folder that is deleted on close
 * @param fallbackToFreePort when the port is taken: true listens on a free port instead, false fails with
 *                           {@link BrokerPortInUseException}
 */
public record BrokerSettings(String bindAddress, int port, Path dataDir, boolean fallbackToFreePort) {
    public BrokerSettings {
        Objects.requireNonNull(bindAddress, "bindAddress");
        if (bindAddress.isBlank()) {
            throw new IllegalArgumentException("bindAddress must not be blank, but was '" + bindAddress + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535], but was " + port);
        }
    }

    /** Loopback only, a free port, a temporary folder: what tests want. */
    public static BrokerSettings ephemeral() {
        return new BrokerSettings("127.0.0.1", 0, null, true);
    }
}
