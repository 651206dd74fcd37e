package io.lathe.sparkplug;

import static io.lathe.sparkplug.TestEdgeNode.aliasOnly;
import static io.lathe.sparkplug.TestEdgeNode.aliased;
import static io.lathe.sparkplug.TestEdgeNode.metric;
import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import io.lathe.ingest.ConnectionState;
import io.lathe.ingest.Latest;
import io.lathe.model.DataType;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.micrometer.core.instrument.Counter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.eclipse.tahu.message.SparkplugBPayloadDecoder;
import org.eclipse.tahu.message.model.Metric;
import org.eclipse.tahu.message.model.MetricDataType;
import org.eclipse.tahu.message.model.PropertyDataType;
import org.eclipse.tahu.message.model.PropertySet;
import org.eclipse.tahu.message.model.PropertyValue;
import org.eclipse.tahu.message.model.SparkplugBPayload;
import org.junit.jupiter.api.Test;

/** Lathe's primary host against scripted edge nodes through the embedded broker (Sparkplug B 3.0). */
class SparkplugHostTest extends EmbeddedBrokerFixture {

    SparkplugHostTest() {
        super("G");
    }

    private SparkplugHost host(Duration reorderTimeout) {
        String hostId = "lathe-test-" + UUID.randomUUID().toString().substring(0, 8);
        SparkplugHostConfig cfg = new SparkplugHostConfig(hostId, broker.url(), null, null, null, true, List.of(group),
                reorderTimeout, "Discovered", "Sparkplug");
        SparkplugHost host = new SparkplugHost(cfg, model, sink, metrics, InstantSource.system());
        closeLater.add(host);
        Mqtt3BlockingClient watcher = client();
        try (Mqtt3BlockingClient.Mqtt3Publishes states = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
            watcher.subscribeWith().topicFilter("spBv1.0/STATE/" + hostId).qos(MqttQos.AT_LEAST_ONCE).send();
            host.start();
            // The online STATE is published after the host's subscriptions are in place.
            Optional<Mqtt3Publish> state = states.receive(15, TimeUnit.SECONDS);
            assertThat(state).as("online STATE of the host").isPresent();
            String json = new String(state.get().getPayloadAsBytes(), StandardCharsets.UTF_8);
            assertThat(json).matches("\\{\"online\":true,\"timestamp\":\\d+}");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertThat(host.status().state()).isEqualTo(ConnectionState.CONNECTED);
        return host;
    }

    private Mqtt3BlockingClient client() {
        Mqtt3BlockingClient c = MqttClient.builder().useMqttVersion3().identifier("t-" + UUID.randomUUID())
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        c.connect();
        closeLater.add(c::disconnect);
        return c;
    }

    private TestEdgeNode edge(String node) {
        TestEdgeNode e = new TestEdgeNode(broker.port(), group, node);
        closeLater.add(e);
        return e;
    }

    private double count(String name, String... tags) {
        Counter c = metrics.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    private Signal signal(String source, String name) {
        String machine = model.machineBySource(source);
        return machine == null ? null : model.signalByName(machine, name);
    }

    private static PropertySet unit(String unit) throws Exception {
        PropertySet ps = new PropertySet();
        ps.setProperty("engUnit", new PropertyValue<>(PropertyDataType.String, unit));
        return ps;
    }

    // Spec 3.0 NBIRTH/DBIRTH/NDATA/DDATA: births define names and types, data updates values; control metrics are not data.
    @Test
    void birthsThenDataBecomeSignalsWithTypesUnitsAndValues() throws Exception {
        host(Duration.ofSeconds(2));
        TestEdgeNode e = edge("E1");
        Metric temp = metric("Temperature", MetricDataType.Double, 21.5);
        temp.setProperties(unit("degC"));
        e.publish("NBIRTH", null, 0L, t0, List.of(
                metric("bdSeq", MetricDataType.Int64, 3L),
                metric("Node Control/Rebirth", MetricDataType.Boolean, false),
                temp,
                metric("Count", MetricDataType.UInt64, BigInteger.valueOf(5)),
                metric("Running", MetricDataType.Boolean, true),
                metric("Mode", MetricDataType.String, "auto"),
                metric("Blob", MetricDataType.Bytes, new byte[] {1, 2})));
        e.publish("DBIRTH", "D1", 1L, t0 + 1, List.of(
                metric("Speed", MetricDataType.Float, 1.5f),
                metric("Parts", MetricDataType.Int32, 7),
                metric("Finished", MetricDataType.DateTime, new Date(1234))));
        Metric newTemp = metric("Temperature", MetricDataType.Double, 22.25);
        newTemp.setTimestamp(new Date(t0 + 500));
        e.publish("NDATA", null, 2L, t0 + 10, List.of(newTemp));
        e.publish("DDATA", "D1", 3L, t0 + 20, List.of(metric("Parts", MetricDataType.Int32, 8)));

        String nodeSource = "sparkplug:" + group + "/E1";
        String deviceSource = nodeSource + "/D1";
        Await.until("DDATA Parts=8", () -> {
            Latest l = sink.latest(signal(deviceSource, "Parts"));
            return l != null && l.value().equals(Value.of(8L));
        });
        Signal temperature = signal(nodeSource, "Temperature");
        assertThat(temperature.dataType()).isEqualTo(DataType.DOUBLE);
        assertThat(temperature.unit()).isEqualTo("degC");
        assertThat(temperature.source()).isEqualTo(nodeSource + "#Temperature");
        assertThat(sink.latest(temperature).value()).isEqualTo(Value.of(22.25));
        assertThat(sink.latest(temperature).timestampMicros()).isEqualTo((t0 + 500) * 1000);
        assertThat(sink.pointsOf(temperature)).extracting(RecordingSink.Point::timestampMicros).containsExactly(t0 * 1000, (t0 + 500) * 1000);
        // UInt64 may exceed a signed long: discovered UInt64 metrics are exact decimal text (UnsignedMetricTest).
        assertThat(signal(nodeSource, "Count").dataType()).isEqualTo(DataType.TEXT);
        assertThat(sink.latest(signal(nodeSource, "Count")).value()).isEqualTo(Value.of("5"));
        assertThat(sink.latest(signal(nodeSource, "Running")).value()).isEqualTo(Value.of(true));
        assertThat(sink.latest(signal(nodeSource, "Mode")).value()).isEqualTo(Value.of("auto"));
        assertThat(sink.latest(signal(deviceSource, "Speed")).value()).isEqualTo(Value.of(1.5));
        assertThat(sink.latest(signal(deviceSource, "Finished")).value()).isEqualTo(Value.of(1234L));
        assertThat(sink.latest(signal(deviceSource, "Parts")).timestampMicros()).isEqualTo((t0 + 20) * 1000);
        // Control metrics and unsupported types make no signals.
        assertThat(signal(nodeSource, "bdSeq")).isNull();
        assertThat(signal(nodeSource, "Node Control/Rebirth")).isNull();
        assertThat(signal(nodeSource, "Blob")).isNull();
        assertThat(count("lathe.ingest.rejects", "protocol", "sparkplug", "reason", "unsupported_type")).isEqualTo(1);
        // Discovered machines sit under the configured site and area, on a line named after the edge node.
        String machine = model.machineBySource(deviceSource);
        assertThat(machine).isEqualTo("acme.discovered.sparkplug." + io.lathe.model.Ids.slug(group + "/E1") + ".d1");
        assertThat(count("lathe.ingest.messages", "protocol", "sparkplug", "type", "NBIRTH")).isEqualTo(1);
        assertThat(count("lathe.ingest.messages", "protocol", "sparkplug", "type", "DDATA")).isEqualTo(1);
        assertThat(count("lathe.ingest.metrics", "protocol", "sparkplug")).isEqualTo(9);
    }

    // Spec 3.0 seq: a missing message that never arrives leads to an NCMD Node Control/Rebirth.
    @Test
    void sequenceGapThatIsNotFilledRequestsRebirth() throws Exception {
        host(Duration.ofMillis(300));
        Mqtt3BlockingClient cmd = client();
        try (Mqtt3BlockingClient.Mqtt3Publishes ncmd = cmd.publishes(MqttGlobalPublishFilter.ALL)) {
            cmd.subscribeWith().topicFilter("spBv1.0/" + group + "/NCMD/E1").qos(MqttQos.AT_LEAST_ONCE).send();
            TestEdgeNode e = edge("E1");
            e.publish("NBIRTH", null, 0L, t0, List.of(metric("bdSeq", MetricDataType.Int64, 0L), metric("A", MetricDataType.Int32, 1)));
            e.publish("NDATA", null, 2L, t0 + 2, List.of(metric("A", MetricDataType.Int32, 3)));

            Optional<Mqtt3Publish> got = ncmd.receive(15, TimeUnit.SECONDS);
            assertThat(got).as("NCMD after the gap").isPresent();
            SparkplugBPayload p = new SparkplugBPayloadDecoder().buildFromByteArray(got.get().getPayloadAsBytes(), null);
            assertThat(p.getMetrics()).singleElement().satisfies(m -> {
                assertThat(m.getName()).isEqualTo("Node Control/Rebirth");
                assertThat(m.getDataType()).isEqualTo(MetricDataType.Boolean);
                assertThat(m.getValue()).isEqualTo(true);
            });
        }
        assertThat(count("lathe.sparkplug.rebirth.requests")).isEqualTo(1);
        assertThat(count("lathe.ingest.rejects", "protocol", "sparkplug", "reason", "seq_gap")).isEqualTo(1);
        // The held message was discarded with the session: only the birth value is there.
        assertThat(sink.latest(signal("sparkplug:" + group + "/E1", "A")).value()).isEqualTo(Value.of(1L));
    }

    // Spec 3.0 seq: messages overtaken by later ones are put back in order when the missing one arrives in time.
    @Test
    void outOfOrderMessagesAreAppliedInSequenceWhenTheGapFills() {
        host(Duration.ofSeconds(10));
        TestEdgeNode e = edge("E1");
        e.publish("NBIRTH", null, 0L, t0, List.of(metric("bdSeq", MetricDataType.Int64, 0L), metric("A", MetricDataType.Int32, 1)));
        e.publish("NDATA", null, 2L, t0 + 2, List.of(metric("A", MetricDataType.Int32, 3)));
        e.publish("NDATA", null, 1L, t0 + 1, List.of(metric("A", MetricDataType.Int32, 2)));
        e.publish("NDATA", null, 3L, t0 + 3, List.of(metric("A", MetricDataType.Int32, 4)));
        Await.until("signal A", () -> signal("sparkplug:" + group + "/E1", "A") != null);
        Signal a = signal("sparkplug:" + group + "/E1", "A");
        Await.until("A=4", () -> sink.latest(a) != null && sink.latest(a).value().equals(Value.of(4L)));
        assertThat(sink.pointsOf(a)).extracting(RecordingSink.Point::value)
                .containsExactly(Value.of(1L), Value.of(2L), Value.of(3L), Value.of(4L));
        assertThat(count("lathe.sparkplug.rebirth.requests")).isZero();
    }

    // Spec 3.0 bdSeq: a late Will from an older session must not mark the current session stale; the right one must.
    @Test
    void nodeDeathWithMatchingBdSeqMarksNodeAndDeviceSignalsStaleAndOtherDeathsAreIgnored() {
        host(Duration.ofSeconds(2));
        TestEdgeNode e = edge("E1");
        e.publish("NBIRTH", null, 0L, t0, List.of(metric("bdSeq", MetricDataType.Int64, 7L), metric("A", MetricDataType.Double, 1.0)));
        e.publish("DBIRTH", "D1", 1L, t0, List.of(metric("B", MetricDataType.Double, 2.0)));
        String nodeSource = "sparkplug:" + group + "/E1";
        Await.until("device signal B", () -> sink.latest(signal(nodeSource + "/D1", "B")) != null);
        Signal a = signal(nodeSource, "A");
        Signal b = signal(nodeSource + "/D1", "B");

        e.publish("NDEATH", null, null, t0 + 5, List.of(metric("bdSeq", MetricDataType.Int64, 6L)));
        Await.until("stale death counted", () -> count("lathe.ingest.rejects", "protocol", "sparkplug", "reason", "stale_death") == 1);
        assertThat(sink.latest(a).quality()).isEqualTo(Quality.GOOD);
        assertThat(sink.latest(b).quality()).isEqualTo(Quality.GOOD);

        e.publish("NDEATH", null, null, t0 + 6, List.of(metric("bdSeq", MetricDataType.Int64, 7L)));
        Await.until("A and B stale", () -> sink.latest(a).quality() == Quality.STALE && sink.latest(b).quality() == Quality.STALE);
        // Values are kept, only their quality changes.
        assertThat(sink.latest(a).value()).isEqualTo(Value.of(1.0));
        assertThat(sink.latest(b).value()).isEqualTo(Value.of(2.0));
    }

    // Spec 3.0 DDEATH: only the device's signals go stale, the node's stay good.
    @Test
    void deviceDeathMarksOnlyThatDevicesSignalsStale() {
        host(Duration.ofSeconds(2));
        TestEdgeNode e = edge("E1");
        e.publish("NBIRTH", null, 0L, t0, List.of(metric("bdSeq", MetricDataType.Int64, 1L), metric("A", MetricDataType.Double, 1.0)));
        e.publish("DBIRTH", "D1", 1L, t0, List.of(metric("B", MetricDataType.Double, 2.0)));
        e.publish("DDEATH", "D1", 2L, t0 + 1, List.of());
        String nodeSource = "sparkplug:" + group + "/E1";
        Await.until("B stale", () -> {
            Latest l = sink.latest(signal(nodeSource + "/D1", "B"));
            return l != null && l.quality() == Quality.STALE;
        });
        assertThat(sink.latest(signal(nodeSource, "A")).quality()).isEqualTo(Quality.GOOD);
    }

    // A broken payload must be counted and must not stop ingestion of the good messages after it.
    @Test
    void undecodablePayloadIsCountedAndLaterMessagesAreStillIngested() {
        SparkplugHost host = host(Duration.ofSeconds(2));
        TestEdgeNode e = edge("E1");
        e.publish("NBIRTH", null, 0L, t0, List.of(metric("bdSeq", MetricDataType.Int64, 0L), metric("A", MetricDataType.Int32, 1)));
        long seed = 42;
        byte[] garbage = new byte[64];
        new Random(seed).nextBytes(garbage);
        garbage[0] = 0x07; // field 0 with wire type 7: never valid protobuf, whatever the random bytes after it
        e.publishRaw("NDATA", null, garbage);
        e.publish("NDATA", null, 1L, t0 + 1, List.of(metric("A", MetricDataType.Int32, 2)));
        Await.until("A=2 after the broken message (seed " + seed + ")", () -> {
            Latest l = sink.latest(signal("sparkplug:" + group + "/E1", "A"));
            return l != null && l.value().equals(Value.of(2L));
        });
        assertThat(count("lathe.ingest.rejects", "protocol", "sparkplug", "reason", "decode_error")).isEqualTo(1);
        assertThat(host.status().errors()).isGreaterThanOrEqualTo(1);
        assertThat(host.status().lastError()).contains("NDATA/E1");
    }

    // Spec 3.0 aliases: data may carry only the alias announced in the birth; is_historical values never become current.
    @Test
    void aliasesResolveThroughTheBirthAndHistoricalValuesGoToHistoryOnly() {
        host(Duration.ofSeconds(2));
        TestEdgeNode e = edge("E1");
        e.publish("NBIRTH", null, 0L, t0, List.of(
                aliased("bdSeq", 0, MetricDataType.Int64, 0L),
                aliased("Pressure", 10, MetricDataType.Double, 1.0),
                // beyond the array that indexes small aliases: looked up in the map
                aliased("Flow", 5_000_000_000L, MetricDataType.Double, 2.0)));
        Metric historical = aliasOnly(10, MetricDataType.Double, 9.9);
        historical.setHistorical(true);
        historical.setTimestamp(new Date(t0 + 100));
        e.publish("NDATA", null, 1L, t0 + 10, List.of(aliasOnly(10, MetricDataType.Double, 3.5), aliasOnly(99, MetricDataType.Double, 0.0),
                aliasOnly(5_000_000_000L, MetricDataType.Double, 4.5)));
        e.publish("NDATA", null, 2L, t0 + 20, List.of(historical));
        String nodeSource = "sparkplug:" + group + "/E1";
        Await.until("historical point recorded", () -> {
            Signal p = signal(nodeSource, "Pressure");
            return p != null && sink.pointsOf(p).size() == 3;
        });
        Signal pressure = signal(nodeSource, "Pressure");
        assertThat(sink.latest(pressure).value()).isEqualTo(Value.of(3.5));
        assertThat(sink.pointsOf(pressure)).extracting(RecordingSink.Point::value, RecordingSink.Point::historical)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Value.of(1.0), false),
                        org.assertj.core.groups.Tuple.tuple(Value.of(3.5), false),
                        org.assertj.core.groups.Tuple.tuple(Value.of(9.9), true));
        assertThat(count("lathe.ingest.rejects", "protocol", "sparkplug", "reason", "unknown_alias")).isEqualTo(1);
        assertThat(sink.latest(signal(nodeSource, "Flow")).value()).isEqualTo(Value.of(4.5));
        // counted once per message now: births 2, data 2 + 1
        assertThat(count("lathe.ingest.metrics", "protocol", "sparkplug")).isEqualTo(5);
    }

    // Data from a node whose birth Lathe never saw (Lathe started later) is refused and a rebirth is asked for.
    @Test
    void dataWithoutBirthIsCountedAndRequestsRebirth() {
        host(Duration.ofSeconds(2));
        TestEdgeNode e = edge("E9");
        e.publish("NDATA", null, 5L, t0, List.of(metric("A", MetricDataType.Int32, 1)));
        Await.until("no_birth counted", () -> count("lathe.ingest.rejects", "protocol", "sparkplug", "reason", "no_birth") == 1);
        Await.until("rebirth requested", () -> count("lathe.sparkplug.rebirth.requests") == 1);
    }

    // A machine declared in configuration with the device's source receives the data instead of a discovered one.
    @Test
    void declaredMachineIsUsedInsteadOfDiscovery() {
        String site = model.addChild(model.rootId(), "Plant 1", "", "");
        String area = model.addChild(site, "Press shop", "", "");
        String line = model.addChild(area, "Line 1", "", "");
        String press = model.addChild(line, "Press 7", "", "sparkplug:" + group + "/E1/D1");
        host(Duration.ofSeconds(2));
        TestEdgeNode e = edge("E1");
        e.publish("NBIRTH", null, 0L, t0, List.of(metric("bdSeq", MetricDataType.Int64, 0L)));
        e.publish("DBIRTH", "D1", 1L, t0, List.of(metric("Force", MetricDataType.Double, 12.0)));
        Await.until("Force on Press 7", () -> model.signalByName(press, "Force") != null && sink.latest(model.signalByName(press, "Force")) != null);
        assertThat(model.snapshot().children()).extracting(io.lathe.model.Asset::name).containsExactly("Plant 1");
    }
}
