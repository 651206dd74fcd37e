package io.lathe.sparkplug;

/**
 * How far Sparkplug births may grow the plant model. Births that match declared machines and signals are never
 * limited; a name that matches nothing is discovered (added under the discovery site) only when {@code enabled}, and
 * then at most so many per hour, so a client sending births with ever new names cannot grow the model and the store
 * without end.
 *
 * @param enabled                   add edge nodes, devices and signals that match nothing declared
 * @param maxNewEdgeNodesPerHour    discovered edge nodes (lines) per clock hour
 * @param maxNewDevicesPerHour      discovered machines (an edge node's own metrics, or one device) per clock hour
 * @param maxNewSignalsPerHour      discovered signals, also on declared machines, per clock hour
 */
public record DiscoveryLimits(boolean enabled, int maxNewEdgeNodesPerHour, int maxNewDevicesPerHour, int maxNewSignalsPerHour) {

    public DiscoveryLimits {
        if (maxNewEdgeNodesPerHour < 0 || maxNewDevicesPerHour < 0 || maxNewSignalsPerHour < 0) {
            throw new IllegalArgumentException("discovery quotas must be zero or positive, but were [edge-nodes="
                    + maxNewEdgeNodesPerHour + ", devices=" + maxNewDevicesPerHour + ", signals=" + maxNewSignalsPerHour
                    + "]. Set sparkplug.discovery.max-new-nodes-per-hour, -devices- and -signals- to 0 or more.");
        }
    }

    /** On, with 100 edge nodes, 1,000 devices and 10,000 signals per hour. */
    public static DiscoveryLimits defaults() {
        return new DiscoveryLimits(true, 100, 1_000, 10_000);
    }

    /** Nothing is discovered: only declared machines and signals receive data. */
    public static DiscoveryLimits off() {
        return new DiscoveryLimits(false, 0, 0, 0);
    }
}
