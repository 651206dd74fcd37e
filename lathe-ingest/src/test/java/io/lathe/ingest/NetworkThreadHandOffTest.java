package io.lathe.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import io.lathe.model.DataType;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 item 8 against a real broker (the local Mosquitto). The HiveMQ client runs publish callbacks on its
 * application scheduler (RxJava's computation pool: one thread per core, shared by every client in the JVM) and keeps
 * reading the socket meanwhile: a callback that waits for a stuck store makes the client queue up to 65,535 QoS 0
 * messages and then drop the oldest, and Lathe counts none of it. Behind an {@link IngestQueue} the callback waits at
 * most {@code max-block} once, every message reaches it, the connection stays up, and what does not fit is rejected
 * and counted.
 *
 * <p>Whether the broker kept the subscriber is read from the subscriber's Will: Mosquitto publishes it when it closes
 * the connection, for example for a missed keep-alive (MQTT 3.1.1, 3.1.2.5 and 3.1.2.10).
 */
class NetworkThreadHandOffTest {
    private static final String HOST = "127.0.0.1";
    private static final int PORT = 1883;
    private static final int KEEP_ALIVE_SECONDS = 1;
    /** More than the client's QoS 0 queue (its receive maximum, 65,535). */
    private static final int MESSAGES = 70_000;

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String dataTopic = "lathe-test/" + run + "/data";
    private final String willTopic = "lathe-test/" + run + "/will";
    private final List<Mqtt3AsyncClient> clients = new ArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final Signal signal = new Signal("m.count", "Count", "m", DataType.LONG, "", "", "");
    private Mqtt3AsyncClient observer;
    private final java.util.concurrent.ExecutorService testCallbacks = java.util.concurrent.Executors.newSingleThreadExecutor();
    private final CountDownLatch willSeen = new CountDownLatch(1);

    /** The simulated store: takes a point only once the test releases it, as a WAL waiting on a dead disk would. */
    private final class StuckStore implements PointSink {
        final List<Long> stored = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch entered = new CountDownLatch(1);

        @Override
        public void accept(Signal s, long ts, Value value, Quality quality, boolean historical) {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stored.add(((Value.LongValue) value).value());
        }

        @Override
        public void markStale(Signal s, long ts) {}
    }

    @BeforeEach
    void broker() throws Exception {
        Assumptions.assumeTrue(reachable(), "Mosquitto is not listening on " + HOST + ":" + PORT + "; skipping the hand-off test");
        // The test's own client gets its own callback thread: with the shared pool, the stuck subscriber of the first
        // test also froze this client's futures (one of the two pool threads of a 2-core machine was the stuck one).
        observer = client("observer-" + run, 30, null, testCallbacks);
        observer.subscribeWith().topicFilter(willTopic).qos(MqttQos.AT_LEAST_ONCE).callback(p -> willSeen.countDown()).send()
                .get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void close() {
        release.countDown();
        for (Mqtt3AsyncClient c : clients) {
            try {
                c.disconnect().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // already gone; nothing to clean up
            }
        }
        testCallbacks.shutdown();
    }

    // Reproduction of the report: the store's wait on the client's callback thread loses messages and counts nothing.
    @Test
    void aSinkThatWaitsOnTheCallbackThreadLosesMessagesUncounted() throws Exception {
        StuckStore store = new StuckStore();
        AtomicInteger received = new AtomicInteger();
        subscriber(payload -> {
            received.incrementAndGet();
            store.accept(signal, payload, Value.of(payload), Quality.GOOD, false);
        });
        // A second subscriber on its own thread tells when the broker has sent everything.
        AtomicInteger probe = new AtomicInteger();
        client("probe-" + run, 30, null, testCallbacks).subscribeWith().topicFilter(dataTopic).qos(MqttQos.AT_MOST_ONCE)
                .callback(p -> probe.incrementAndGet()).send().get(10, TimeUnit.SECONDS);
        publish(0);
        assertThat(store.entered.await(30, TimeUnit.SECONDS)).isTrue();
        publishRest();
        Await.until(() -> probe.get() == MESSAGES, Duration.ofSeconds(120), "the broker has sent every message");
        Thread.sleep(500);
        // What the client could still hold arrives once the store moves again; the oldest of the rest are gone.
        release.countDown();
        Await.until(() -> received.get() >= MESSAGES - 65_535, Duration.ofSeconds(120), "the client's queue drains");
        Thread.sleep(1_000);
        assertThat(received.get()).as("messages the callback saw").isLessThan(MESSAGES);
    }

    @Test
    void behindAnIngestQueueTheConnectionStaysUpAndEveryPointIsStoredOrCounted() throws Exception {
        StuckStore store = new StuckStore();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TimestampCheck check = new TimestampCheck(Duration.ofMinutes(5), InstantSource.system(), registry);
        int capacity = 20;
        long now = System.currentTimeMillis() * 1000;
        AtomicInteger received = new AtomicInteger();
        try (IngestQueue queue = new IngestQueue("mqtt-test", store, capacity, Duration.ofMillis(300), check, registry)) {
            Mqtt3AsyncClient sub = subscriber(payload -> {
                queue.accept(signal, now + payload, Value.of(payload), Quality.GOOD, false);
                received.incrementAndGet();
            });
            publish(0);
            assertThat(store.entered.await(30, TimeUnit.SECONDS)).isTrue();
            publishRest();
            Await.until(() -> received.get() == MESSAGES, Duration.ofSeconds(120), "every message reaches the callback");
            // Several keep-alive periods more with the store still stuck: the broker must not drop the subscriber.
            Thread.sleep(4_000L * KEEP_ALIVE_SECONDS);
            assertThat(willSeen.getCount()).as("the broker never dropped the subscriber").isEqualTo(1);
            assertThat(sub.getState().isConnected()).isTrue();
            // One point went to the store and waits there, `capacity` wait in the ring; the rest was rejected and counted.
            assertThat(queue.accepted()).isEqualTo(capacity + 1);
            assertThat(queue.rejectedFull()).isEqualTo(MESSAGES - capacity - 1);
            assertThat(registry.get("lathe.ingest.queue.rejected").tag("connection", "mqtt-test").tag("reason", "queue-full")
                    .counter().count()).isEqualTo(MESSAGES - capacity - 1);
            assertThat(registry.get("lathe.ingest.queue.depth").tag("connection", "mqtt-test").gauge().value()).isEqualTo(capacity + 1);
            assertThat(registry.get("lathe.ingest.queue.lag").tag("connection", "mqtt-test").timeGauge()
                    .value(TimeUnit.NANOSECONDS)).isPositive();

            release.countDown();
            assertThat(queue.awaitDelivered(Duration.ofSeconds(30))).isTrue();
        }
        List<Long> expected = new ArrayList<>();
        for (long i = 0; i <= capacity; i++) expected.add(i);
        assertThat(store.stored).containsExactlyElementsOf(expected);
    }

    private void publishRest() throws Exception {
        java.util.concurrent.CompletableFuture<?> last = null;
        for (int i = 1; i < MESSAGES; i++) {
            last = publish(i);
            // Paced in bursts so the broker itself never has to drop QoS 0 messages for the publisher.
            if (i % 1000 == 0) last.get(30, TimeUnit.SECONDS);
        }
        if (last != null) last.get(30, TimeUnit.SECONDS);
    }

    private Mqtt3AsyncClient subscriber(Consumer<Long> onPayload) throws Exception {
        Mqtt3AsyncClient c = client("sub-" + run, KEEP_ALIVE_SECONDS, willTopic, null);
        c.publishes(MqttGlobalPublishFilter.SUBSCRIBED, p -> onPayload.accept(Long.parseLong(
                StandardCharsets.UTF_8.decode(p.getPayload().orElse(ByteBuffer.allocate(0))).toString())));
        c.subscribeWith().topicFilter(dataTopic).qos(MqttQos.AT_MOST_ONCE).send().get(10, TimeUnit.SECONDS);
        return c;
    }

    private java.util.concurrent.CompletableFuture<?> publish(long value) {
        return observer.publishWith().topic(dataTopic).qos(MqttQos.AT_MOST_ONCE)
                .payload(Long.toString(value).getBytes(StandardCharsets.UTF_8)).send();
    }

    /** @param callbacks the thread for callbacks and futures; null keeps the client's default, as Lathe's connectors do */
    private Mqtt3AsyncClient client(String id, int keepAlive, String will, java.util.concurrent.Executor callbacks) throws Exception {
        var b = MqttClient.builder().useMqttVersion3().identifier(id).serverHost(HOST).serverPort(PORT);
        if (callbacks != null) b = b.executorConfig().applicationScheduler(io.reactivex.schedulers.Schedulers.from(callbacks)).applyExecutorConfig();
        Mqtt3AsyncClient c = b.buildAsync();
        var connect = c.connectWith().cleanSession(true).keepAlive(keepAlive);
        if (will != null) connect = connect.willPublish().topic(will).qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {1}).applyWillPublish();
        connect.send().get(10, TimeUnit.SECONDS);
        clients.add(c);
        return c;
    }

    private static boolean reachable() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(HOST, PORT), 1000);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** Waits for a condition with a generous timeout; never asserts on how long it took. */
    static final class Await {
        static void until(java.util.function.BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
                Thread.sleep(20);
            }
        }
    }
}
