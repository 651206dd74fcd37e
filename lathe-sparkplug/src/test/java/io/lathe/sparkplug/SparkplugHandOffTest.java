package io.lathe.sparkplug;

import static io.lathe.sparkplug.TestEdgeNode.metric;
import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.broker.BrokerSettings;
import io.lathe.broker.EmbeddedBroker;
import io.lathe.ingest.FanOut;
import io.lathe.ingest.IngestQueue;
import io.lathe.ingest.PointBatch;
import io.lathe.ingest.PointSink;
import io.lathe.ingest.TimestampCheck;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.tahu.message.model.MetricDataType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 item 8 on the Sparkplug path: one payload is one hand-off, a sink that throws loses nothing for the other
 * sinks nor for the rest of the payload, and points of a signal reach the store in the order the edge node sent them.
 */
class SparkplugHandOffTest {
    private static EmbeddedBroker broker;

    private final List<AutoCloseable> closeLater = new ArrayList<>();
    private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    private final PlantModel model = new PlantModel("Acme");
    private final String group = "G" + UUID.randomUUID().toString().substring(0, 8);
    private final long t0 = System.currentTimeMillis() - 60_000;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = EmbeddedBroker.start(BrokerSettings.ephemeral());
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) broker.close();
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeLater.size() - 1; i >= 0; i--) closeLater.get(i).close();
    }

    /** Names of the points it got, in order; throws on the signal named {@code poison}. */
    static final class Names implements PointSink {
        final List<String> seen = new CopyOnWriteArrayList<>();
        final String poison;

        Names(String poison) {
            this.poison = poison;
        }

        @Override
        public void accept(Signal signal, long ts, Value value, Quality quality, boolean historical) {
            if (signal.name().equals(poison)) throw new IllegalStateException("sink broken on " + poison);
            seen.add(signal.name() + "=" + value.toJson());
        }

        @Override
        public void markStale(Signal signal, long ts) {
            seen.add(signal.name() + ":stale");
        }
    }

    /** Remembers the size of every batch the host hands over, then passes it on. */
    static final class Batches implements PointSink {
        final List<Integer> sizes = new CopyOnWriteArrayList<>();
        final PointSink next;

        Batches(PointSink next) {
            this.next = next;
        }

        @Override
        public void accept(PointBatch batch) {
            sizes.add(batch.size());
            next.accept(batch);
        }

        @Override
        public void accept(Signal signal, long ts, Value value, Quality quality, boolean historical) {
            sizes.add(1);
            next.accept(signal, ts, value, quality, historical);
        }

        @Override
        public void markStale(Signal signal, long ts) {
            sizes.add(1);
            next.markStale(signal, ts);
        }
    }

    private SparkplugHost host(PointSink sink) {
        String hostId = "lathe-test-" + UUID.randomUUID().toString().substring(0, 8);
        SparkplugHost host = new SparkplugHost(new SparkplugHostConfig(hostId, broker.url(), null, null, null, true, List.of(group),
                Duration.ofSeconds(2), "Discovered", "Sparkplug"), model, sink, metrics, InstantSource.system());
        closeLater.add(host);
        // The online STATE is published once the host's subscriptions are in place; births sent earlier would be lost.
        var watcher = com.hivemq.client.mqtt.MqttClient.builder().useMqttVersion3().identifier("w-" + UUID.randomUUID())
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        watcher.connect();
        closeLater.add(watcher::disconnect);
        try (var states = watcher.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            watcher.subscribeWith().topicFilter("spBv1.0/STATE/" + hostId).qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE).send();
            host.start();
            var online = states.receive(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(online).as("online STATE of the host").isPresent();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        return host;
    }

    private TestEdgeNode edge(String node) {
        TestEdgeNode e = new TestEdgeNode(broker.port(), group, node);
        closeLater.add(e);
        return e;
    }

    @Test
    void aThrowingSinkLosesNothingForTheOtherSinksNorTheRestOfThePayload() throws Exception {
        Names broken = new Names("B");
        Names store = new Names(null);
        FanOut fan = FanOut.builder(metrics).add("broken", broken).add("store", store).build();
        Batches batches = new Batches(fan);
        host(batches);
        TestEdgeNode e = edge("E1");
        e.publish("NBIRTH", null, 0L, t0, List.of(metric("bdSeq", MetricDataType.Int64, 0L),
                metric("A", MetricDataType.Int32, 1), metric("B", MetricDataType.Int32, 2), metric("C", MetricDataType.Int32, 3)));
        e.publish("NDATA", null, 1L, t0 + 1, List.of(metric("A", MetricDataType.Int32, 11),
                metric("B", MetricDataType.Int32, 12), metric("C", MetricDataType.Int32, 13)));
        Await.until("NDATA stored", () -> store.seen.contains("C=13"));

        assertThat(store.seen).containsExactly("A=1", "B=2", "C=3", "A=11", "B=12", "C=13");
        assertThat(broken.seen).containsExactly("A=1", "C=3", "A=11", "C=13");
        assertThat(metrics.get(FanOut.ERRORS_METRIC).tag("sink", "broken").counter().count()).isEqualTo(2);
        // One hand-off per payload: the birth's three data metrics (bdSeq is control), then the data message's three.
        assertThat(batches.sizes).containsExactly(3, 3);
    }

    // Through the real queue: per-signal order survives the hand-off, and a death's stale marks come after the data.
    @Test
    void pointsOfASignalReachTheStoreInTheOrderTheNodeSentThem() throws Exception {
        Names store = new Names(null);
        TimestampCheck check = new TimestampCheck(Duration.ofMinutes(5), InstantSource.system(), metrics);
        IngestQueue queue = new IngestQueue("sparkplug", FanOut.builder(metrics).add("store", store).build(), 64,
                Duration.ofSeconds(30), check, metrics);
        closeLater.add(queue);
        host(queue);
        TestEdgeNode e = edge("E2");
        e.publish("NBIRTH", null, 0L, t0, List.of(metric("bdSeq", MetricDataType.Int64, 7L), metric("N", MetricDataType.Int64, 0L)));
        int messages = 300;
        for (int i = 1; i <= messages; i++) {
            e.publish("NDATA", null, (long) (i & 0xFF), t0 + i, List.of(metric("N", MetricDataType.Int64, (long) i)));
        }
        e.publish("NDEATH", null, null, t0 + messages + 1, List.of(metric("bdSeq", MetricDataType.Int64, 7L)));
        Await.until("NDEATH applied", Duration.ofSeconds(30), () -> store.seen.contains("N:stale"));
        assertThat(queue.awaitDelivered(Duration.ofSeconds(30))).isTrue();

        List<String> expected = new ArrayList<>();
        for (int i = 0; i <= messages; i++) expected.add("N=" + i);
        expected.add("N:stale");
        assertThat(store.seen).containsExactlyElementsOf(expected);
        assertThat(queue.rejectedFull()).isZero();
        assertThat(metrics.get("lathe.ingest.queue.depth").tag("connection", "sparkplug").gauge()).isNotNull();
    }
}
