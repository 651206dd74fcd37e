package io.lathe.server.config;

import io.lathe.kpi.KpiConfig;
import java.util.List;

/**
 * The validated configuration: settings, the declared plant, the file it came from (for messages), the
 * connections of the {@code connections:} section as the connectors' configuration records
 * ({@code OpcUaConfig}, {@code ModbusConfig}, {@code MqttJsonConfig}), in file order, and the KPI configuration of the
 * {@code kpi:} section (null when there is none).
 */
public record LatheConfig(Settings settings, PlantSpec plant, String file, List<Record> connections, KpiConfig kpi) {
    public LatheConfig {
        connections = connections == null ? List.of() : List.copyOf(connections);
    }

    /** A configuration without a {@code kpi:} section. */
    public LatheConfig(Settings settings, PlantSpec plant, String file, List<Record> connections) {
        this(settings, plant, file, connections, null);
    }

    /** A configuration without connections (as before the {@code connections:} section existed). */
    public LatheConfig(Settings settings, PlantSpec plant, String file) {
        this(settings, plant, file, List.of(), null);
    }

    public LatheConfig withSettings(Settings s) {
        return new LatheConfig(s, plant, file, connections, kpi);
    }
}
