package io.lathe.model;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

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
 * @param ordinal     a small number for {@link SignalSlots}, given once per signal in this process and kept by
 *                    {@link #withDataType}; not part of the signal's identity ({@link #equals} ignores it)
 */
public record Signal(String id, String name, String machineId, DataType dataType, String unit, String description, String source, int ordinal) {
    /** Dense, so that per-signal arrays on the ingest path stay small and the signals of one device sit together. */
    private static final AtomicInteger ORDINALS = new AtomicInteger();

    public Signal(String id, String name, String machineId, DataType dataType, String unit, String description, String source) {
        this(id, name, machineId, dataType, unit, description, source, ORDINALS.getAndIncrement());
    }

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
        return new Signal(id, name, machineId, type, unit, description, source, ordinal);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Signal s && id.equals(s.id) && name.equals(s.name) && machineId.equals(s.machineId) && dataType == s.dataType
                && unit.equals(s.unit) && description.equals(s.description) && source.equals(s.source);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, name, machineId, dataType, unit, description, source);
    }
}
