package io.lathe.sparkplug;

import static io.lathe.sparkplug.TestEdgeNode.metric;
import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.ingest.Latest;
import io.lathe.model.DataType;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.UUID;
import org.eclipse.tahu.message.model.MetricDataType;
import org.junit.jupiter.api.Test;

/** Births cannot grow the plant model beyond the discovery quotas, nor at all with discovery off. */
class DiscoveryLimitsTest extends EmbeddedBrokerFixture {
    DiscoveryLimitsTest() {
        super("G");
    }

    private void host(DiscoveryLimits limits) {
        SparkplugHostConfig cfg = new SparkplugHostConfig("lathe-test-" + UUID.randomUUID().toString().substring(0, 8), broker.url(),
                null, null, null, true, List.of(group), Duration.ofSeconds(2), "Discovered", "Sparkplug").withDiscovery(limits);
        SparkplugHost host = new SparkplugHost(cfg, model, sink, metrics, InstantSource.system());
        closeLater.add(host);
        host.start();
        Await.until("host connected", () -> host.status().state() == io.lathe.ingest.ConnectionState.CONNECTED);
    }

    private TestEdgeNode edge(String node) {
        TestEdgeNode e = new TestEdgeNode(broker.port(), group, node);
        closeLater.add(e);
        return e;
    }

    private double rejected(String kind) {
        Counter c = metrics.find("lathe.sparkplug.discovery.rejected").tags("kind", kind).counter();
        return c == null ? -1 : c.count();
    }

    private Signal signal(String source, String name) {
        String machine = model.machineBySource(source);
        return machine == null ? null : model.signalByName(machine, name);
    }

    private void awaitValue(String source, String name, double v) {
        Await.until(source + "#" + name + " = " + v, () -> {
            Signal s = signal(source, name);
            Latest l = s == null ? null : sink.latest(s);
            return l != null && l.value().equals(Value.of(v));
        });
    }

    @Test
    void configurationMasksThePassword() {
        SparkplugHostConfig cfg = new SparkplugHostConfig("h", "tcp://127.0.0.1:1883", "lathe-internal", "s3cret-token", null, true,
                List.of(), Duration.ZERO, "Discovered", "Sparkplug");
        assertThat(cfg.toString()).doesNotContain("s3cret-token").contains("password=****").contains("enabled=true");
    }

    @Test
    void birthsBeyondTheHourlyQuotasAddNothingAndAreCounted() {
        host(new DiscoveryLimits(true, 2, 3, 4));
        assertThat(rejected("edge_node")).as("the counter exists before any refusal").isZero();
        String src = "sparkplug:" + group + "/";
        TestEdgeNode e1 = edge("E1");
        TestEdgeNode e2 = edge("E2");
        e1.publish("NBIRTH", null, 0L, t0, List.of(metric("bdSeq", MetricDataType.Int64, 0L), metric("A", MetricDataType.Double, 1.0)));
        awaitValue(src + "E1", "A", 1.0);
        e2.publish("NBIRTH", null, 0L, t0, List.of(metric("bdSeq", MetricDataType.Int64, 0L), metric("A", MetricDataType.Double, 2.0)));
        awaitValue(src + "E2", "A", 2.0);
        int signalsAfterTwoNodes = model.signals().size();

        TestEdgeNode e3 = edge("E3"); // a third edge node: over max-new-nodes 2
        e3.publish("NBIRTH", null, 0L, t0, List.of(metric("bdSeq", MetricDataType.Int64, 0L), metric("A", MetricDataType.Double, 3.0),
                metric("B", MetricDataType.Double, 3.5)));
        Await.until("E3's birth refused", () -> rejected("edge_node") == 1);
        // A device of a known node uses the device quota (3: E1, E2, D1), its two signals the signal quota (4).
        e1.publish("DBIRTH", "D1", 1L, t0, List.of(metric("B", MetricDataType.Double, 4.0), metric("C", MetricDataType.Double, 5.0)));
        e1.publish("DBIRTH", "D2", 2L, t0, List.of(metric("X", MetricDataType.Double, 6.0))); // fourth device: refused
        e1.publish("NDATA", null, 3L, t0 + 1, List.of(metric("Z", MetricDataType.Double, 7.0))); // fifth signal: refused
        e1.publish("NDATA", null, 4L, t0 + 2, List.of(metric("A", MetricDataType.Double, 8.0)));
        awaitValue(src + "E1", "A", 8.0); // E1's messages are handled in order: the refusals before it are done

        assertThat(signal(src + "E1/D1", "C")).isNotNull();
        assertThat(model.machineBySource(src + "E3")).as("no asset for the refused edge node").isNull();
        assertThat(model.machineBySource(src + "E1/D2")).as("no asset for the refused device").isNull();
        assertThat(signal(src + "E1", "Z")).as("no signal beyond the signal quota").isNull();
        assertThat(model.signals()).hasSize(signalsAfterTwoNodes + 2);
        assertThat(model.snapshot().toString()).doesNotContain("E3");
        assertThat(rejected("edge_node")).isEqualTo(1);
        assertThat(rejected("device")).isEqualTo(1);
        assertThat(rejected("signal")).isEqualTo(1);
        assertThat(sink.pointsOf(signal(src + "E1", "A"))).hasSize(2);

        // The refused device's data is dropped and counted; a rebirth does not count it twice per metric.
        e1.publish("DDATA", "D2", 5L, t0 + 3, List.of(metric("X", MetricDataType.Double, 9.0)));
        e1.publish("NDATA", null, 6L, t0 + 4, List.of(metric("A", MetricDataType.Double, 10.0)));
        awaitValue(src + "E1", "A", 10.0);
        Counter notDiscovered = metrics.find("lathe.ingest.rejects").tags("reason", "not_discovered").counter();
        assertThat(notDiscovered).isNotNull();
        assertThat(notDiscovered.count()).isGreaterThanOrEqualTo(1);
        assertThat(rejected("device")).isEqualTo(1);
    }

    @Test
    void discoveryOffAddsNothingForAnUndeclaredDeviceWhileDeclaredSignalsFlow() {
        String src = "sparkplug:" + group + "/E1";
        String site = model.addChild(model.rootId(), "Plant", "", "");
        String area = model.addChild(site, "Hall", "", "");
        String line = model.addChild(area, "Line 1", "", "");
        String machine = model.addChild(line, "Press", "", src);
        model.addSignal(machine, "A", DataType.DOUBLE, "", "", src + "#A");
        long version = model.version();
        int signals = model.signals().size();
        host(DiscoveryLimits.off());

        TestEdgeNode e1 = edge("E1");
        e1.publish("NBIRTH", null, 0L, t0, List.of(metric("bdSeq", MetricDataType.Int64, 0L), metric("A", MetricDataType.Double, 1.0),
                metric("Undeclared", MetricDataType.Double, 2.0)));
        e1.publish("DBIRTH", "D9", 1L, t0, List.of(metric("C", MetricDataType.Double, 3.0)));
        e1.publish("DDATA", "D9", 2L, t0 + 1, List.of(metric("C", MetricDataType.Double, 4.0)));
        e1.publish("NDATA", null, 3L, t0 + 2, List.of(metric("A", MetricDataType.Double, 5.0)));
        awaitValue(src, "A", 5.0);

        assertThat(model.machineBySource(src + "/D9")).as("undeclared device").isNull();
        assertThat(signal(src, "Undeclared")).isNull();
        assertThat(model.signals()).hasSize(signals);
        assertThat(model.version()).as("the plant model did not change").isEqualTo(version);
        assertThat(model.snapshot().toString()).doesNotContain("Discovered");
        assertThat(rejected("device")).isEqualTo(1);
        assertThat(rejected("signal")).isEqualTo(1);
        assertThat(rejected("edge_node")).isZero();
    }
}
