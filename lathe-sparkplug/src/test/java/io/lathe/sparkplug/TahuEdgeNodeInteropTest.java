package io.lathe.sparkplug;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import io.lathe.broker.BrokerPortInUseException;
import io.lathe.broker.BrokerSettings;
import io.lathe.broker.EmbeddedBroker;
import io.lathe.ingest.Latest;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.tahu.message.SparkplugBPayloadDecoder;
import org.eclipse.tahu.message.model.Metric;
import org.eclipse.tahu.message.model.MetricDataType;
import org.eclipse.tahu.message.model.SparkplugBPayload;
import org.eclipse.tahu.model.MetricDataTypeMap;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Interoperability with the Eclipse Tahu reference edge node ({@code tahu-edge-compat}), run as a child JVM. It is
 * hard-wired to tcp://localhost:1883 (admin/changeme), group G2, node E2, device D2, primary host IamHost.
 */
class TahuEdgeNodeInteropTest {

    private static final String NODE = "sparkplug:G2/E2";
    private static final String DEVICE = "sparkplug:G2/E2/D2";

    // Sparkplug B 3.0 end to end with an independent implementation: STATE, births, data without datatypes, death by Will.
    @Test
    void tahuReferenceEdgeNodeIsIngestedAndGoesStaleWhenItDies() throws Exception {
        EmbeddedBroker embedded = null;
        if (!mqttAnswers()) {
            try {
                embedded = EmbeddedBroker.start(new BrokerSettings("127.0.0.1", 1883, null, false));
            } catch (BrokerPortInUseException e) {
                Assumptions.abort("port 1883 is taken by something that is not an MQTT broker accepting admin/changeme; "
                        + "the Tahu edge node can only use localhost:1883");
            }
        }
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        PlantModel model = new PlantModel("Acme");
        RecordingSink sink = new RecordingSink();
        SparkplugHostConfig cfg = new SparkplugHostConfig("IamHost", "tcp://127.0.0.1:1883", "admin", "changeme", null, true,
                List.of("G2"), Duration.ofSeconds(2), "Discovered", "Sparkplug");
        Map<String, byte[]> firstByType = new ConcurrentHashMap<>();
        Mqtt3BlockingClient raw = MqttClient.builder().useMqttVersion3().identifier("lathe-interop-raw")
                .serverHost("127.0.0.1").serverPort(1883).simpleAuth().username("admin").password("changeme".getBytes()).applySimpleAuth()
                .buildBlocking();
        Process edge = null;
        SparkplugHost host = new SparkplugHost(cfg, model, sink, metrics, InstantSource.system());
        try {
            raw.connect();
            raw.toAsync().publishes(MqttGlobalPublishFilter.ALL, p -> {
                String[] t = p.getTopic().toString().split("/");
                if (t.length >= 4) firstByType.putIfAbsent(t[2], p.getPayloadAsBytes());
            });
            raw.subscribeWith().topicFilter("spBv1.0/G2/#").qos(MqttQos.AT_LEAST_ONCE).send();
            host.start();
            Await.until("IamHost online", () -> host.status().state() == io.lathe.ingest.ConnectionState.CONNECTED);

            Path log = Path.of("target", "tahu-edge-node.log");
            Files.createDirectories(log.getParent());
            String java = ProcessHandle.current().info().command().orElse("java");
            edge = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "org.eclipse.tahu.edge.SparkplugEdgeNode")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();

            Await.until("NDATA and DDATA from the Tahu edge node (log: " + log.toAbsolutePath() + ")", Duration.ofSeconds(60),
                    () -> firstByType.containsKey("NDATA") && firstByType.containsKey("DDATA"));
            Await.until("NDATA and DDATA ingested", () -> count(metrics, "lathe.ingest.messages", "type", "NDATA") >= 1
                    && count(metrics, "lathe.ingest.messages", "type", "DDATA") >= 1);

            // Names and types as the Tahu node announces them: NT-0..NT-9 are Int8..UInt64, Float, Double.
            String[] nodeTypes = {"Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "Float", "Double"};
            for (int i = 0; i < nodeTypes.length; i++) {
                // UInt64 (NT-7, DT-7) spans [0, 2^64): exact decimal text, since a signed long cannot hold it all.
                DataType expected = i == 7 ? DataType.TEXT : i < 8 ? DataType.LONG : DataType.DOUBLE;
                assertThat(signal(model, NODE, "NT-" + i)).as("NT-" + i + " (" + nodeTypes[i] + ")")
                        .isNotNull().extracting(Signal::dataType).isEqualTo(expected);
                assertThat(signal(model, DEVICE, "DT-" + i)).as("DT-" + i).isNotNull().extracting(Signal::dataType).isEqualTo(expected);
            }
            assertThat(signal(model, DEVICE, "DT-10").dataType()).isEqualTo(DataType.BOOLEAN);
            assertThat(signal(model, DEVICE, "DT-11").dataType()).isEqualTo(DataType.TEXT);   // String
            assertThat(signal(model, DEVICE, "DT-12").dataType()).isEqualTo(DataType.LONG);   // DateTime
            assertThat(signal(model, DEVICE, "DT-13").dataType()).isEqualTo(DataType.TEXT);   // Text
            assertThat(signal(model, DEVICE, "DT-14").dataType()).isEqualTo(DataType.TEXT);   // UUID
            // DataSet, Bytes, File, Template and arrays are not ingested; neither are control metrics.
            for (String skipped : List.of("DT-15", "DT-16", "DT-17", "DT-18", "DT-21", "DT-33")) {
                assertThat(signal(model, DEVICE, skipped)).as(skipped).isNull();
            }
            assertThat(signal(model, NODE, "bdSeq")).isNull();
            assertThat(signal(model, NODE, "Node Control/Rebirth")).isNull();
            assertThat(count(metrics, "lathe.ingest.rejects", "reason", "unsupported_type")).isPositive();
            assertThat(count(metrics, "lathe.ingest.rejects", "reason", "decode_error")).isZero();
            assertThat(count(metrics, "lathe.ingest.rejects", "reason", "seq_gap")).isZero();

            // Values: decode the same messages independently and compare point by point (same timestamp, same value).
            MetricDataTypeMap nodeTypesMap = typesOf(firstByType.get("NBIRTH"));
            MetricDataTypeMap deviceTypesMap = typesOf(firstByType.get("DBIRTH"));
            assertSameValues(sink, model, NODE, firstByType.get("NBIRTH"), null);
            assertSameValues(sink, model, DEVICE, firstByType.get("DBIRTH"), null);
            assertSameValues(sink, model, NODE, firstByType.get("NDATA"), nodeTypesMap);
            assertSameValues(sink, model, DEVICE, firstByType.get("DDATA"), deviceTypesMap);

            // The node dies: its Will (NDEATH with the NBIRTH's bdSeq) makes every signal stale.
            edge.destroy();
            edge.waitFor(20, TimeUnit.SECONDS);
            Signal nt0 = signal(model, NODE, "NT-0");
            Signal dt0 = signal(model, DEVICE, "DT-0");
            Await.until("NT-0 and DT-0 stale after the edge node died", Duration.ofSeconds(60),
                    () -> quality(sink, nt0) == Quality.STALE && quality(sink, dt0) == Quality.STALE);
            assertThat(count(metrics, "lathe.ingest.messages", "type", "NDEATH")).isEqualTo(1);
            assertThat(count(metrics, "lathe.ingest.rejects", "reason", "stale_death")).isZero();
        } finally {
            if (edge != null && edge.isAlive()) {
                edge.destroyForcibly();
                edge.waitFor(20, TimeUnit.SECONDS);
            }
            host.close();
            try {
                // Leave no retained STATE behind for other tests and tools.
                raw.publishWith().topic("spBv1.0/STATE/IamHost").retain(true).qos(MqttQos.AT_LEAST_ONCE).payload(new byte[0]).send();
                raw.disconnect();
            } catch (RuntimeException ignored) {
                // The raw client may never have connected.
            }
            if (embedded != null) embedded.close();
        }
    }

    // A forged retained offline STATE for Lathe's host id, stamped a few seconds ahead as a forger's clock may be: the
    // Tahu edge node, which orders STATE messages by timestamp, goes offline. Lathe answers with a new session whose
    // Will and online STATE are newer, so the node comes back with a new birth. An online STATE repeating the old
    // session's timestamp would be ignored by it as older than the forged one.
    @Test
    void tahuEdgeNodeComesBackAfterAForgedOfflineState() throws Exception {
        EmbeddedBroker embedded = null;
        if (!mqttAnswers()) {
            try {
                embedded = EmbeddedBroker.start(new BrokerSettings("127.0.0.1", 1883, null, false));
            } catch (BrokerPortInUseException e) {
                Assumptions.abort("port 1883 is taken by something that is not an MQTT broker accepting admin/changeme; "
                        + "the Tahu edge node can only use localhost:1883");
            }
        }
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        PlantModel model = new PlantModel("Acme");
        SparkplugHostConfig cfg = new SparkplugHostConfig("IamHost", "tcp://127.0.0.1:1883", "admin", "changeme", null, true,
                List.of("G2"), Duration.ofSeconds(2), "Discovered", "Sparkplug");
        AtomicInteger births = new AtomicInteger();
        List<String> states = new java.util.concurrent.CopyOnWriteArrayList<>();
        Mqtt3BlockingClient raw = MqttClient.builder().useMqttVersion3().identifier("lathe-interop-forger")
                .serverHost("127.0.0.1").serverPort(1883).simpleAuth().username("admin").password("changeme".getBytes()).applySimpleAuth()
                .buildBlocking();
        Process edge = null;
        SparkplugHost host = new SparkplugHost(cfg, model, new RecordingSink(), metrics, InstantSource.system());
        try {
            raw.connect();
            raw.toAsync().publishes(MqttGlobalPublishFilter.ALL, p -> {
                if (p.getTopic().toString().contains("/NBIRTH/")) births.incrementAndGet();
                else states.add(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8));
            });
            raw.subscribeWith().topicFilter("spBv1.0/G2/NBIRTH/E2").qos(MqttQos.AT_LEAST_ONCE).send();
            raw.subscribeWith().topicFilter("spBv1.0/STATE/IamHost").qos(MqttQos.AT_LEAST_ONCE).send();
            host.start();
            Await.until("IamHost online", () -> host.status().state() == io.lathe.ingest.ConnectionState.CONNECTED);
            Path log = Path.of("target", "tahu-edge-node-forged-state.log");
            Files.createDirectories(log.getParent());
            String java = ProcessHandle.current().info().command().orElse("java");
            edge = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "org.eclipse.tahu.edge.SparkplugEdgeNode")
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Await.until("first NBIRTH of the Tahu edge node (log: " + log.toAbsolutePath() + ")", Duration.ofSeconds(60),
                    () -> births.get() >= 1);

            int before = births.get();
            long forged = System.currentTimeMillis() + 5_000;
            raw.publishWith().topic("spBv1.0/STATE/IamHost").retain(true).qos(MqttQos.AT_LEAST_ONCE)
                    .payload(("{\"online\":false,\"timestamp\":" + forged + "}").getBytes(StandardCharsets.UTF_8))
                    .send();
            // Tahu ignores any STATE older than the last one it saw ("Reveived a stale STATE message - ignoring").
            String online = "{\"online\":true,\"timestamp\":";
            Await.until("an online STATE newer than the forged one", () -> states.stream().anyMatch(x -> x.startsWith(online)
                    && Long.parseLong(x.substring(online.length(), x.length() - 1)) > forged));
            Await.until("a new NBIRTH after the forged offline STATE (log: " + log.toAbsolutePath() + ")", Duration.ofSeconds(90),
                    () -> births.get() > before);
            Counter newer = metrics.find("lathe.sparkplug.state.reasserted").tag("cause", "newer").counter();
            assertThat(newer).isNotNull();
            assertThat(newer.count()).isEqualTo(1);
        } finally {
            if (edge != null && edge.isAlive()) {
                edge.destroyForcibly();
                edge.waitFor(20, TimeUnit.SECONDS);
            }
            host.close();
            try {
                raw.publishWith().topic("spBv1.0/STATE/IamHost").retain(true).qos(MqttQos.AT_LEAST_ONCE).payload(new byte[0]).send();
                raw.disconnect();
            } catch (RuntimeException ignored) {
                // The raw client may never have connected.
            }
            if (embedded != null) embedded.close();
        }
    }

    private static boolean mqttAnswers() {
        try {
            Mqtt3BlockingClient c = MqttClient.builder().useMqttVersion3().identifier("lathe-interop-probe")
                    .serverHost("127.0.0.1").serverPort(1883).simpleAuth().username("admin").password("changeme".getBytes()).applySimpleAuth()
                    .buildBlocking();
            c.toAsync().connect().get(5, TimeUnit.SECONDS);
            c.disconnect();
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static MetricDataTypeMap typesOf(byte[] birth) throws Exception {
        MetricDataTypeMap types = new MetricDataTypeMap();
        for (Metric m : new SparkplugBPayloadDecoder().buildFromByteArray(birth, null).getMetrics()) {
            types.addMetricDataType(m.getName(), m.getDataType());
        }
        return types;
    }

    private static void assertSameValues(RecordingSink sink, PlantModel model, String source, byte[] payload, MetricDataTypeMap types) throws Exception {
        SparkplugBPayload p = new SparkplugBPayloadDecoder().buildFromByteArray(payload, types);
        int compared = 0;
        for (Metric m : p.getMetrics()) {
            Signal s = signal(model, source, m.getName());
            if (s == null) continue;
            Value expected = expectedValue(types == null ? m.getDataType() : types.getMetricDataType(m.getName()), m.getValue());
            long micros = (m.getTimestamp() != null ? m.getTimestamp().getTime() : p.getTimestamp().getTime()) * 1000;
            assertThat(sink.pointsOf(s)).as(source + "#" + m.getName())
                    .anySatisfy(pt -> {
                        assertThat(pt.timestampMicros()).isEqualTo(micros);
                        assertThat(pt.value()).isEqualTo(expected);
                    });
            compared++;
        }
        assertThat(compared).as("metrics compared in " + source).isGreaterThanOrEqualTo(10);
    }

    /**
     * What Lathe must store for a value as Tahu's own decoder gives it, written out here rather than taken from
     * Lathe's mapping so that the comparison is independent. UInt64 is compared digit for digit.
     */
    private static Value expectedValue(MetricDataType type, Object v) {
        return switch (type.getType()) {
            case "Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32" -> Value.of(((Number) v).longValue());
            case "UInt64" -> Value.of(((BigInteger) v).toString());
            case "DateTime" -> Value.of(((Date) v).getTime());
            case "Float", "Double" -> Value.of(((Number) v).doubleValue());
            case "Boolean" -> Value.of((Boolean) v);
            default -> Value.of(v.toString());
        };
    }

    private static Signal signal(PlantModel model, String source, String name) {
        String machine = model.machineBySource(source);
        return machine == null ? null : model.signalByName(machine, name);
    }

    private static Quality quality(RecordingSink sink, Signal s) {
        Latest l = sink.latest(s);
        return l == null ? null : l.quality();
    }

    private static double count(SimpleMeterRegistry metrics, String name, String tag, String value) {
        Counter c = metrics.find(name).tag("protocol", "sparkplug").tag(tag, value).counter();
        return c == null ? 0 : c.count();
    }
}
