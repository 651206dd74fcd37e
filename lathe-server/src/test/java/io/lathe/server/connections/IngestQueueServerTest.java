package io.lathe.server.connections;

import static org.assertj.core.api.Assertions.assertThat;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.lathe.ingest.ConnectionStatus;
import io.lathe.ingest.IngestQueue;
import io.lathe.model.Signal;
import io.lathe.server.LatheServer;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.Keys;
import io.lathe.server.config.LatheConfig;
import io.lathe.store.SeriesData;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 items 8 and 4 as the server wires them: each connection has its own ingest queue with metrics in /metrics,
 * points stamped an hour ahead are rejected and counted per connection, and a clean stop drains the queues before the
 * store closes, so every point the connection took is on disk (or counted as refused at the stop).
 */
class IngestQueueServerTest {
    private static final String MACHINE = "acme.nord.machining.line-1.press";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void queuesAreMeteredFutureTimestampsRejectedAndACleanStopLosesNothing() throws Exception {
        Assumptions.assumeTrue(reachable(), "Mosquitto is not listening on 127.0.0.1:1883; skipping the server ingest test");
        String prefix = "lathe-test/" + UUID.randomUUID();
        LatheConfig cfg = ConfigLoader.load(ConnectionsConfigTest.PLANT + """
                connections:
                  - name: json
                    type: mqtt-json
                    broker: tcp://127.0.0.1:1883
                    machine: Acme/Nord/Machining/Line 1/Press
                    topics:
                      - topic: %s/+/data
                        timestamp-field: ts
                        fields:
                          - { field: n, signal: "{1} N", type: long }
                """.formatted(prefix), "plant.yaml", Map.of());
        cfg = cfg.withSettings(cfg.settings()
                .with(Keys.HTTP_PORT, 0, "test").with(Keys.AUTH_ANONYMOUS_READ, true, "test") /* reads without login: this test is not about access */
                .with(Keys.DATA_DIR, dir.toString(), "test")
                .with(Keys.SPARKPLUG_ENABLED, false, "test")
                .with(Keys.MQTT_BROKER, "tcp://127.0.0.1:1883", "test"));
        long now = System.currentTimeMillis();
        int valid = 3_000;
        int future = 5;
        String metrics;
        IngestQueue queue;
        Signal n;
        LatheServer server = LatheServer.start(cfg, false, InstantSource.system());
        try {
            Mqtt5BlockingClient pub = MqttClient.builder().useMqttVersion5().serverHost("127.0.0.1").serverPort(1883).buildBlocking();
            pub.connect();
            try {
                // The subscription follows the connect: repeat a warm-up message on another signal until it is live.
                await(() -> {
                    pub.publishWith().topic(prefix + "/warm/data").qos(MqttQos.AT_LEAST_ONCE).payload(json(now, 0)).send();
                    Signal w = server.model().signalByName(MACHINE, "warm N");
                    return w != null && server.live().latest(w.id()) != null;
                });
                long before = status(server).messages();
                for (int i = 0; i < future; i++) {
                    pub.publishWith().topic(prefix + "/m1/data").qos(MqttQos.AT_LEAST_ONCE)
                            .payload(json(now + Duration.ofHours(1).toMillis() + i, -1)).send();
                }
                for (int i = 0; i < valid; i++) {
                    pub.publishWith().topic(prefix + "/m1/data").qos(MqttQos.AT_LEAST_ONCE)
                            .payload(json(now - Duration.ofMinutes(10).toMillis() + i, i)).send();
                }
                // Every message taken by the connection; the stop below comes while the queue may still hold some.
                await(() -> status(server).messages() >= before + future + valid);
            } finally {
                pub.disconnect();
            }
            metrics = get("http://127.0.0.1:" + server.httpPort() + "/metrics");
            queue = server.ingestQueues().stream().filter(q -> q.connection().equals("json")).findFirst().orElseThrow();
            n = server.model().signalByName(MACHINE, "m1 N");
        } finally {
            server.close();
        }

        assertThat(metrics).contains("lathe_ingest_queue_depth{connection=\"json\"}")
                .contains("lathe_ingest_queue_lag_seconds{connection=\"json\"}")
                .contains("lathe_ingest_queue_capacity{connection=\"json\"} 65536.0")
                .contains("lathe_ingest_queue_rejected_total{connection=\"json\",reason=\"queue-full\"} 0.0")
                .contains("lathe_ingest_rejected_total{connection=\"json\",reason=\"future-timestamp\"} " + future + ".0")
                .contains("lathe_ingest_sink_errors_total{sink=\"store\"} 0.0");
        try (TelemetryStore store = TelemetryStore.openReadOnly(StoreSettings.defaults(dir.resolve("store")))) {
            SeriesData data = store.raw(n.id(), (now - Duration.ofDays(1).toMillis()) * 1000, (now + Duration.ofDays(1).toMillis()) * 1000);
            // Accepted points were all stored; a message the connection took while stopping is refused and counted.
            assertThat(data.size() + queue.rejectedClosed()).isEqualTo(valid);
            assertThat(queue.rejectedClosed()).isLessThanOrEqualTo(1);
            for (int i = 0; i < data.size(); i++) {
                assertThat(data.timestampAt(i)).isEqualTo((now - Duration.ofMinutes(10).toMillis() + i) * 1000);
            }
        }
    }

    private static ConnectionStatus status(LatheServer server) {
        return server.connectionStatuses().stream().filter(s -> s.name().equals("json")).findFirst().orElseThrow();
    }

    private static byte[] json(long ts, long n) {
        return ("{\"ts\":" + ts + ",\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8);
    }

    private String get(String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url).isEqualTo(200);
        return r.body();
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
            Thread.sleep(20);
        }
    }
}
