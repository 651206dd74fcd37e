package io.lathe.simulator;

import java.util.List;
import java.util.Objects;

/**
 * One simulated production line: a Sparkplug edge node.
 *
 * @param group       Sparkplug group id, for example {@code Demo}
 * @param edgeNodeId  Sparkplug edge node id, for example {@code Line-A}
 * @param name        human name, for example {@code Line A}
 * @param nodeMetrics line-level metrics of the NBIRTH (without the protocol metrics {@code bdSeq} and
 *                    {@code Node Control/Rebirth})
 * @param machines    the line's machines in flow order (material goes from the first to the last)
 */
public record LineLayout(String group, String edgeNodeId, String name, List<MetricLayout> nodeMetrics,
                         List<MachineLayout> machines) {
    public LineLayout {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(edgeNodeId, "edgeNodeId");
        Objects.requireNonNull(name, "name");
        nodeMetrics = List.copyOf(nodeMetrics);
        machines = List.copyOf(machines);
    }

    /** The Lathe source reference of a machine, {@code sparkplug:<group>/<edgeNode>/<device>}. */
    public String source(MachineLayout machine) {
        return "sparkplug:" + group + "/" + edgeNodeId + "/" + machine.deviceId();
    }
}
