package io.lathe.mqttjson;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.lathe.ingest.ConnectionState;
import io.lathe.ingest.IngestQueue;
import io.lathe.ingest.PointSink;
import io.lathe.ingest.TimestampCheck;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Issue 9 item 8 on the MQTT JSON path, against the local Mosquitto: with the store stuck, the connection keeps taking
 * messages, one message is one hand-off, the points that do not fit in the queue are rejected and counted after
 * {@code max-block}, and those accepted reach the store in order once it moves again.
 */
class MqttJsonHandOffTest {
    private final CountDownLatch release = new CountDownLatch(1);
    private MqttJsonConnection connection;
    private IngestQueue queue;

    @AfterEach
    void tearDown() {
        release.countDown();
        if (connection != null) connection.close();
        if (queue != null) queue.close();
    }

    /** A store waiting on a dead disk: takes nothing until released. */
    private final class StuckStore implements PointSink {
        final List<String> stored = Collections.synchronizedList(new ArrayList<>());
        final CountDownLatch entered = new CountDownLatch(1);

        @Override
        public void accept(Signal s, long ts, Value value, Quality quality, boolean historical) {
            entered.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stored.add(s.name() + "=" + value.toJson());
        }

        @Override
        public void markStale(Signal s, long ts) {}
    }

    /** Between the connection and the queue: remembers the newest message handed over, then passes the batch on. */
    private static final class Tap implements PointSink {
        final PointSink next;
        volatile long lastA = -1;

        Tap(PointSink next) {
            this.next = next;
        }

        @Override
        public void accept(io.lathe.ingest.PointBatch batch) {
            long a = -1;
            for (int i = 0; i < batch.size(); i++) {
                if (batch.signal(i).name().equals("a")) a = ((Value.LongValue) batch.value(i)).value();
            }
            next.accept(batch);
            if (a >= 0) lastA = a;
        }

        @Override
        public void accept(Signal s, long ts, Value value, Quality quality, boolean historical) {
            throw new AssertionError("the connection hands over whole messages");
        }

        @Override
        public void markStale(Signal s, long ts) {
            next.markStale(s, ts);
        }
    }

    @Test
    void withTheStoreStuckTheConnectionKeepsReceivingAndRejectsAndCountsWhatDoesNotFit() throws Exception {
        Assumptions.assumeTrue(reachable(), "Mosquitto is not listening on 127.0.0.1:1883; skipping the hand-off test");
        PlantModel model = new PlantModel("Acme");
        String line = model.addChild(model.addChild(model.addChild(model.rootId(), "Plant", "", ""), "Area", "", ""), "Line", "", "");
        String oven = model.addChild(line, "Oven", "", "");
        String topic = "lathe-test/" + UUID.randomUUID() + "/oven";
        MqttJsonConfig config = MqttJsonConfig.builder("oven-json", "tcp://127.0.0.1:1883").machine(oven)
                .topic(new MqttJsonTopic(topic, null, null, List.of(
                        MqttJsonField.of("a", "a", DataType.LONG),
                        MqttJsonField.of("b", "b", DataType.LONG),
                        MqttJsonField.of("c", "c", DataType.LONG))))
                .build();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        StuckStore store = new StuckStore();
        int capacity = 10;
        queue = new IngestQueue("oven-json", store, capacity, Duration.ofMillis(300),
                new TimestampCheck(Duration.ofMinutes(5), InstantSource.system(), registry), registry);
        Tap tap = new Tap(queue);
        connection = new MqttJsonConnection(config, model, tap);
        connection.start();
        await(() -> connection.status().state() == ConnectionState.CONNECTED);

        Mqtt5BlockingClient pub = MqttClient.builder().useMqttVersion5().serverHost("127.0.0.1").serverPort(1883).buildBlocking();
        pub.connect();
        int messages = 2_000;
        try {
            // The subscription follows the connect; repeat the first message until it lands (and the store is stuck on it).
            await(() -> {
                pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(json(0)).send();
                return store.entered.getCount() == 0;
            });
            // In steps of 200: Mosquitto drops QoS 1 messages beyond its per-client queue (max_queued_messages, 1000 by
            // default) when a subscriber falls that far behind, and that is the broker's limit, not the connection's.
            for (int i = 1; i <= messages; i++) {
                pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(json(i)).send();
                int sent = i;
                if (i % 200 == 0) await(() -> tap.lastA == sent);
            }
            // Message `messages` is the last one sent; the connection takes every message although the store does not move.
            await(() -> tap.lastA == messages);
        } finally {
            pub.disconnect();
        }
        assertThat(connection.status().state()).isEqualTo(ConnectionState.CONNECTED);
        assertThat(connection.status().errors()).as("no lost connection, no bad message").isZero();
        // The store holds the first message's points, the ring `capacity` more; the rest was rejected and counted.
        long points = 3 * connection.status().messages();
        long accepted = queue.accepted();
        assertThat(accepted).isBetween(3L + capacity, 3L + capacity + 3 * 20);
        assertThat(queue.rejectedFull()).isEqualTo(points - accepted).isPositive();
        assertThat(registry.get("lathe.ingest.queue.rejected").tag("connection", "oven-json").tag("reason", "queue-full")
                .counter().count()).isEqualTo(points - accepted);
        assertThat(registry.get("lathe.ingest.queue.depth").tag("connection", "oven-json").gauge().value()).isEqualTo(accepted);

        release.countDown();
        assertThat(queue.awaitDelivered(Duration.ofSeconds(30))).isTrue();
        // Everything accepted is stored, each signal in the order sent, and each message's fields together.
        assertThat(store.stored).hasSize((int) accepted);
        for (String field : List.of("a", "b", "c")) {
            List<Long> values = store.stored.stream().filter(p -> p.startsWith(field + "="))
                    .map(p -> Long.parseLong(p.substring(2))).toList();
            assertThat(values).isSorted();
        }
        for (int i = 0; i + 2 < store.stored.size(); i += 3) {
            assertThat(store.stored.subList(i, i + 3)).extracting(p -> p.substring(0, 1)).containsExactly("a", "b", "c");
        }
    }

    private static byte[] json(long i) {
        return ("{\"a\":" + i + ",\"b\":" + i + ",\"c\":" + i + "}").getBytes(StandardCharsets.UTF_8);
    }

    private static boolean reachable() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", 1883), 1000);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within 60 s");
            Thread.sleep(50);
        }
    }
}
