package io.lathe.simulator;

import java.util.List;
import java.util.Objects;

/**
 * One simulated machine: a Sparkplug device of its line's edge node.
 *
 * @param deviceId Sparkplug device id, for example {@code CNC-1}
 * @param name     human name, for example {@code CNC Lathe 1}
 * @param kind     machine kind: {@code saw}, {@code cnc} or {@code washer}
 * @param metrics  the device metrics in DBIRTH order
 */
public record MachineLayout(String deviceId, String name, String kind, List<MetricLayout> metrics) {
    public MachineLayout {
        Objects.requireNonNull(deviceId, "deviceId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        metrics = List.copyOf(metrics);
    }
}
