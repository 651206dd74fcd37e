package io.lathe.simulator;

import io.lathe.model.DataType;
import java.util.Objects;

/**
 * One metric an edge node or device publishes.
 *
 * @param name          Sparkplug metric name, for example {@code Spindle Speed} or {@code Line/Shift}
 * @param type          Lathe value kind the metric widens to
 * @param sparkplugType Sparkplug B datatype name as in the spec, for example {@code Int64}, {@code Double}, {@code Text}
 * @param unit          engineering unit (also sent as the metric property {@code engUnit}), empty when none
 * @param description   human text, never null
 */
public record MetricLayout(String name, DataType type, String sparkplugType, String unit, String description) {
    public MetricLayout {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(sparkplugType, "sparkplugType");
        unit = unit == null ? "" : unit;
        description = description == null ? "" : description;
    }
}
