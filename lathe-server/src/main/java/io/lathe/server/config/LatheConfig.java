package io.lathe.server.config;

import java.util.List;

/**
 * The validated configuration: settings, the declared plant, the file it came from (for messages), and the
 * connections of the {@code connections:} section as the connectors' configuration records
 * ({@code OpcUaConfig}, {@code ModbusConfig}, {@code MqttJsonConfig}), in file order.
 */
public record LatheConfig(Settings settings, PlantSpec plant, String file, List<Record> connections) {
    public LatheConfig {
        connections = connections == null ? List.of() : List.copyOf(connections);
    }

    /** A configuration without connections (as before the {@code connections:} section existed). */
    public LatheConfig(Settings settings, PlantSpec plant, String file) {
        this(settings, plant, file, List.of());
    }

    public LatheConfig withSettings(Settings s) {
        return new LatheConfig(s, plant, file, connections);
    }
}
