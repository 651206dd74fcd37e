package io.lathe.model;

import java.util.Objects;

/**
 * One measured or computed quantity of a machine: a series in the store.
 *
 * @param id          unique, URL-safe id ({@code <machine id>.<slug of name>})
 * @param name        name as the source knows it (a Sparkplug metric name such as {@code Process/Temperature})
 * @param machineId   id of the owning machine asset
 * @param dataType    value kind
 * @param unit        engineering unit, empty when none
 * @param description free text, empty when none
 * @param source      where values come from, for example {@code sparkplug:G1/E1/D1#Process/Temperature}
 */
public record Signal(String id, String name, String machineId, DataType dataType, String unit, String description, String source) {
    public Signal {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(machineId, "machineId");
        Objects.requireNonNull(dataType, "dataType");
        unit = unit == null ? "" : unit;
        description = description == null ? "" : description;
        source = source == null ? "" : source;
    }

    public Signal withDataType(DataType type) {
        return new Signal(id, name, machineId, type, unit, description, source);
    }
}
