package io.lathe.opcua;

import io.lathe.model.DataType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One monitored variable mapped to one signal.
 *
 * @param nodeId           the variable's NodeId in the standard text form, for example {@code ns=2;s=Line1/Temp} or
 *                         {@code nsu=urn:acme:plc;i=1001} (YAML {@code node-id})
 * @param signal           signal name under the machine (YAML {@code signal}); not blank
 * @param machineId        machine asset the signal belongs to (YAML {@code machine}); null means the connection's
 * @param type             the stored type (YAML {@code type}); null means double. The first value from the server
 *                         decides when it differs, since the server is the authority on what it sends
 * @param samplingInterval how often the server samples the variable (YAML {@code sampling-interval}, default 1 s);
 *                         zero asks for the fastest rate the server supports
 * @param queueSize        values the server keeps between two publishes (YAML {@code queue-size}, default 10), in
 *                         [1, 10000]; with 1 only the newest value of each publishing interval arrives
 * @param deadbandType     data change filter (YAML {@code deadband-type}: none, absolute, percent; default none)
 * @param deadband         deadband value, in the variable's unit for absolute or in percent of its EURange
 *                         (YAML {@code deadband}, default 0); at least 0, at most 100 for percent
 * @param unit             engineering unit (YAML {@code unit}); empty when none
 * @param description      free text (YAML {@code description}); empty when none
 */
public record OpcUaNode(String nodeId, String signal, String machineId, DataType type, Duration samplingInterval,
                        int queueSize, DeadbandType deadbandType, double deadband, String unit, String description) {

    public OpcUaNode {
        List<String> problems = new ArrayList<>();
        if (nodeId == null || nodeId.isBlank()) problems.add("node-id must not be blank");
        else if (org.eclipse.milo.opcua.stack.core.types.builtin.NodeId.parseOrNull(nodeId) == null
                && !nodeId.startsWith("nsu=")) {
            problems.add("node-id must be like ns=2;s=Name or ns=2;i=1001, but was " + nodeId);
        }
        if (signal == null || signal.isBlank()) problems.add("signal must not be blank");
        type = type == null ? DataType.DOUBLE : type;
        samplingInterval = samplingInterval == null ? Duration.ofSeconds(1) : samplingInterval;
        if (samplingInterval.isNegative()) problems.add("sampling-interval must not be negative, but was " + samplingInterval);
        if (queueSize < 1 || queueSize > 10_000) problems.add("queue-size must be in [1, 10000], but was " + queueSize);
        deadbandType = deadbandType == null ? DeadbandType.NONE : deadbandType;
        if (!(deadband >= 0) || Double.isInfinite(deadband)) problems.add("deadband must be finite and at least 0, but was " + deadband);
        if (deadbandType == DeadbandType.PERCENT && deadband > 100) problems.add("deadband must be at most 100 for percent, but was " + deadband);
        unit = unit == null ? "" : unit;
        description = description == null ? "" : description;
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid OPC UA node [node-id=" + nodeId + ", signal=" + signal + "]: "
                    + String.join("; ", problems) + ". Fix the node in the connection's nodes list.");
        }
    }

    /** A node with the defaults: double, 1 s sampling, queue of 10, no deadband. */
    public static OpcUaNode of(String nodeId, String signal) {
        return new OpcUaNode(nodeId, signal, null, DataType.DOUBLE, Duration.ofSeconds(1), 10, DeadbandType.NONE, 0, "", "");
    }

    public OpcUaNode withType(DataType t) {
        return new OpcUaNode(nodeId, signal, machineId, t, samplingInterval, queueSize, deadbandType, deadband, unit, description);
    }

    public OpcUaNode withSampling(Duration interval, int queue) {
        return new OpcUaNode(nodeId, signal, machineId, type, interval, queue, deadbandType, deadband, unit, description);
    }

    public OpcUaNode withDeadband(DeadbandType t, double value) {
        return new OpcUaNode(nodeId, signal, machineId, type, samplingInterval, queueSize, t, value, unit, description);
    }

    public OpcUaNode withMachine(String machine) {
        return new OpcUaNode(nodeId, signal, machine, type, samplingInterval, queueSize, deadbandType, deadband, unit, description);
    }
}
