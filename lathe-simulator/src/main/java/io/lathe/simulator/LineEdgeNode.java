package io.lathe.simulator;

import io.lathe.simulator.internal.EdgeSession;
import io.lathe.simulator.internal.SparkplugMetrics;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import org.eclipse.tahu.message.model.Metric;
import org.eclipse.tahu.message.model.MetricDataType;

/**
 * Publishes one simulated line as a Sparkplug edge node: NBIRTH with the line metrics, one DBIRTH per machine, then
 * NDATA/DDATA with the metrics whose (rounded) value changed, by alias. Aliases are unique within the edge node:
 * {@code Node Control/Rebirth} is 1, line metrics 2.., machine {@code d} (zero-based) metric {@code k} is
 * {@code 100 * (d + 1) + k}. Executor-confined, like its {@link EdgeSession}.
 */
final class LineEdgeNode implements EdgeSession.Handler {
    private final FactorySimulation sim;
    private final int line;
    private final LineLayout layout;
    private final MetricDataType[] lineTypes;
    private final MetricDataType[] deviceTypes;
    private Object[] lastLine;
    private final Object[][] lastDevice;
    private EdgeSession session;

    LineEdgeNode(FactorySimulation sim, int line, LineLayout layout) {
        this.sim = sim;
        this.line = line;
        this.layout = layout;
        this.lineTypes = types(layout.nodeMetrics());
        this.deviceTypes = types(SimulatorMetrics.deviceMetrics());
        this.lastDevice = new Object[layout.machines().size()][];
    }

    void attach(EdgeSession session) {
        this.session = session;
    }

    static long lineAlias(int k) {
        return 2L + k;
    }

    static long deviceAlias(int device, int k) {
        return 100L * (device + 1) + k;
    }

    @Override
    public void online() {
        publishBirths();
    }

    @Override
    public void rebirth() {
        publishBirths();
    }

    private void publishBirths() {
        Date ts = Date.from(sim.now());
        Object[] lv = sim.line(line).metricValues();
        var nodeMetrics = new ArrayList<Metric>(lv.length);
        for (int k = 0; k < lv.length; k++) {
            MetricLayout m = layout.nodeMetrics().get(k);
            nodeMetrics.add(SparkplugMetrics.birth(m.name(), lineAlias(k), lineTypes[k], lv[k], ts, m.unit()));
        }
        session.publishNodeBirth(ts, nodeMetrics);
        lastLine = lv;
        for (int d = 0; d < layout.machines().size(); d++) {
            Object[] v = sim.machine(line, d).metricValues();
            var metrics = new ArrayList<Metric>(v.length);
            List<MetricLayout> defs = layout.machines().get(d).metrics();
            for (int k = 0; k < v.length; k++) {
                MetricLayout m = defs.get(k);
                metrics.add(SparkplugMetrics.birth(m.name(), deviceAlias(d, k), deviceTypes[k], v[k], ts, m.unit()));
            }
            session.publish("DBIRTH", layout.machines().get(d).deviceId(), ts, metrics);
            lastDevice[d] = v;
        }
    }

    /** Publishes NDATA/DDATA for what changed since the last publication; nothing while the session is not online. */
    void publishChanges() {
        if (session == null || !session.isOnline() || lastLine == null) return;
        Date ts = Date.from(sim.now());
        Object[] lv = sim.line(line).metricValues();
        List<Metric> changed = changed(lastLine, lv, lineTypes, ts, -1);
        if (!changed.isEmpty()) session.publish("NDATA", null, ts, changed);
        lastLine = lv;
        for (int d = 0; d < lastDevice.length; d++) {
            Object[] v = sim.machine(line, d).metricValues();
            List<Metric> dc = changed(lastDevice[d], v, deviceTypes, ts, d);
            if (!dc.isEmpty()) session.publish("DDATA", layout.machines().get(d).deviceId(), ts, dc);
            lastDevice[d] = v;
        }
    }

    private static List<Metric> changed(Object[] before, Object[] after, MetricDataType[] types, Date ts, int device) {
        if (Arrays.equals(before, after)) return List.of();
        var out = new ArrayList<Metric>();
        for (int k = 0; k < after.length; k++) {
            if (!Objects.equals(before[k], after[k])) {
                long alias = device < 0 ? lineAlias(k) : deviceAlias(device, k);
                out.add(SparkplugMetrics.data(alias, types[k], after[k], ts));
            }
        }
        return out;
    }

    private static MetricDataType[] types(List<MetricLayout> metrics) {
        var t = new MetricDataType[metrics.size()];
        for (int i = 0; i < t.length; i++) t[i] = sparkplugType(metrics.get(i).sparkplugType());
        return t;
    }

    static MetricDataType sparkplugType(String name) {
        return switch (name) {
            case "Text" -> MetricDataType.Text;
            case "String" -> MetricDataType.String;
            case "Int32" -> MetricDataType.Int32;
            case "Int64" -> MetricDataType.Int64;
            case "Double" -> MetricDataType.Double;
            case "Boolean" -> MetricDataType.Boolean;
            default -> throw new IllegalArgumentException("sparkplugType must be Text, String, Int32, Int64, Double or Boolean, but was " + name);
        };
    }
}
