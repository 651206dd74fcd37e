package io.lathe.modbus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A Modbus TCP connection: one TCP endpoint with one or more units, each polled on its own schedule.
 * Immutable; the compact constructor reports every problem in one exception.
 *
 * @param name                   connection name, unique among connections (YAML key of the connection)
 * @param host                   host name or IP address of the device or gateway (YAML {@code host})
 * @param port                   TCP port, in [1, 65535] (YAML {@code port}, default 502)
 * @param connectTimeout         time allowed to open the TCP connection (YAML {@code connect-timeout}, default 5 s)
 * @param requestTimeout         time allowed for one response (YAML {@code request-timeout}, default 2 s)
 * @param retries                extra attempts after a timeout or a transport error, not after an exception
 *                               response (YAML {@code retries}, default 1), in [0, 10]
 * @param maxGapRegisters        unused registers that may be read to join two points into one request
 *                               (YAML {@code max-gap-registers}, default 10), in [0, 124]
 * @param maxRegistersPerRequest largest register request (YAML {@code max-registers-per-request}, default and maximum
 *                               125); lower it for devices that refuse long reads
 * @param maxBitsPerRequest      largest coil/discrete input request (YAML {@code max-bits-per-request}, default and
 *                               maximum 2000)
 * @param devices                the units polled (YAML {@code devices}); at least one
 */
public record ModbusConfig(String name, String host, int port, Duration connectTimeout, Duration requestTimeout,
                           int retries, int maxGapRegisters, int maxRegistersPerRequest, int maxBitsPerRequest,
                           List<ModbusDevice> devices) {

    public ModbusConfig {
        List<String> problems = new ArrayList<>();
        if (name == null || name.isBlank()) problems.add("name must not be blank");
        if (host == null || host.isBlank()) problems.add("host must not be blank");
        if (port < 1 || port > 65535) problems.add("port must be in [1, 65535], but was " + port);
        connectTimeout = connectTimeout == null ? Duration.ofSeconds(5) : connectTimeout;
        requestTimeout = requestTimeout == null ? Duration.ofSeconds(2) : requestTimeout;
        if (connectTimeout.isNegative() || connectTimeout.isZero()) problems.add("connect-timeout must be positive, but was " + connectTimeout);
        if (requestTimeout.isNegative() || requestTimeout.isZero()) problems.add("request-timeout must be positive, but was " + requestTimeout);
        if (retries < 0 || retries > 10) problems.add("retries must be in [0, 10], but was " + retries);
        if (maxGapRegisters < 0 || maxGapRegisters > 124) problems.add("max-gap-registers must be in [0, 124], but was " + maxGapRegisters);
        if (maxRegistersPerRequest < 4 || maxRegistersPerRequest > 125) {
            problems.add("max-registers-per-request must be in [4, 125], but was " + maxRegistersPerRequest);
        }
        if (maxBitsPerRequest < 1 || maxBitsPerRequest > 2000) {
            problems.add("max-bits-per-request must be in [1, 2000], but was " + maxBitsPerRequest);
        }
        devices = devices == null ? List.of() : List.copyOf(devices);
        if (devices.isEmpty()) problems.add("devices must not be empty");
        Set<Integer> units = new HashSet<>();
        for (ModbusDevice d : devices) {
            if (!units.add(d.unitId())) problems.add("unit-id " + d.unitId() + " appears twice");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid Modbus connection [name=" + name + ", host=" + host + ", port=" + port
                    + "]: " + String.join("; ", problems) + ". Fix connections." + name + " in the plant configuration.");
        }
    }

    /** The endpoint as shown in status, {@code modbus-tcp://host:port}. */
    public String endpoint() {
        return "modbus-tcp://" + host + ":" + port;
    }

    public static Builder builder(String name, String host) {
        return new Builder(name, host);
    }

    /** Defaults as documented on the record components. */
    public static final class Builder {
        private final String name;
        private final String host;
        private int port = 502;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration requestTimeout = Duration.ofSeconds(2);
        private int retries = 1;
        private int maxGapRegisters = 10;
        private int maxRegistersPerRequest = 125;
        private int maxBitsPerRequest = 2000;
        private final List<ModbusDevice> devices = new ArrayList<>();

        private Builder(String name, String host) {
            this.name = name;
            this.host = host;
        }

        public Builder port(int v) { port = v; return this; }
        public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }
        public Builder requestTimeout(Duration v) { requestTimeout = v; return this; }
        public Builder retries(int v) { retries = v; return this; }
        public Builder maxGapRegisters(int v) { maxGapRegisters = v; return this; }
        public Builder maxRegistersPerRequest(int v) { maxRegistersPerRequest = v; return this; }
        public Builder maxBitsPerRequest(int v) { maxBitsPerRequest = v; return this; }
        public Builder device(ModbusDevice d) { devices.add(d); return this; }

        public ModbusConfig build() {
            return new ModbusConfig(name, host, port, connectTimeout, requestTimeout, retries, maxGapRegisters,
                    maxRegistersPerRequest, maxBitsPerRequest, devices);
        }
    }
}
