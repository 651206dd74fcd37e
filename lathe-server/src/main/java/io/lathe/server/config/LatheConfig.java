package io.lathe.server.config;

import io.lathe.kpi.KpiConfig;
import java.util.List;

/**
 * The validated configuration: settings, the declared plant, the file it came from (for messages), the
 * connections of the {@code connections:} section as the connectors' configuration records
 * ({@code OpcUaConfig}, {@code ModbusConfig}, {@code MqttJsonConfig}), in file order, and the KPI configuration of the
 * {@code kpi:} section (null when there is none), and the alarm definitions of the {@code alarms:} section (never null).
 */
public record LatheConfig(Settings settings, PlantSpec plant, String file, List<Record> connections, KpiConfig kpi, AlarmConfig alarms) {
    public LatheConfig {
        connections = connections == null ? List.of() : List.copyOf(connections);
        alarms = alarms == null ? AlarmConfig.NONE : alarms;
    }

    /** A configuration without an {@code alarms:} section. */
    public LatheConfig(Settings settings, PlantSpec plant, String file, List<Record> connections, KpiConfig kpi) {
        this(settings, plant, file, connections, kpi, AlarmConfig.NONE);
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
        return new LatheConfig(s, plant, file, connections, kpi, alarms);
    }
}
