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
 * @param fallbackToFreePort when a port (plain or TLS) is taken: true listens on a free port instead, false fails with
 *                           {@link BrokerPortInUseException}
 * @param limits             packet, topic and retained-message limits
 * @param access             who may connect and what each client may do
 * @param tls                the TLS listener, or null for none
 */
public record BrokerSettings(String bindAddress, int port, Path dataDir, boolean fallbackToFreePort, BrokerLimits limits,
                             BrokerAccess access, BrokerTls tls) {
    public BrokerSettings {
        Objects.requireNonNull(bindAddress, "bindAddress");
        if (bindAddress.isBlank()) {
            throw new IllegalArgumentException("bindAddress must not be blank, but was '" + bindAddress + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in [0, 65535], but was " + port);
        }
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(access, "access");
    }

    /**
     * Open access ({@link BrokerAccess#open()}), default limits, no TLS: the broker as it was before access control.
     * Kept for tests and callers that run the broker for trusted programs only.
     */
    public BrokerSettings(String bindAddress, int port, Path dataDir, boolean fallbackToFreePort) {
        this(bindAddress, port, dataDir, fallbackToFreePort, BrokerLimits.defaults(), BrokerAccess.open(), null);
    }

    /** Loopback only, a free port, a temporary folder, open access: what tests want. */
    public static BrokerSettings ephemeral() {
        return new BrokerSettings("127.0.0.1", 0, null, true);
    }

    public BrokerSettings withAccess(BrokerAccess v) {
        return new BrokerSettings(bindAddress, port, dataDir, fallbackToFreePort, limits, v, tls);
    }

    public BrokerSettings withLimits(BrokerLimits v) {
        return new BrokerSettings(bindAddress, port, dataDir, fallbackToFreePort, v, access, tls);
    }

    /** {@code v} as the TLS listener; null for none. */
    public BrokerSettings withTls(BrokerTls v) {
        return new BrokerSettings(bindAddress, port, dataDir, fallbackToFreePort, limits, access, v);
    }
}
