package io.lathe.server.proof;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, proof 3 (items 7 and 8): ingest at a fixed rate goes on while KPI queries over absurd ranges and 200 live
 * (SSE) clients run against the same server. HTTP ingest (a batch every {@value #PERIOD_MILLIS} ms, sent on schedule
 * whatever the answers do) and, when Mosquitto runs, MQTT JSON (a message every {@value #PERIOD_MILLIS} ms) feed two
 * KPI machines, so every point also passes the KPI engine. Meanwhile {@code GET /api/kpi?...&from=0&to=9000000000000000
 * &by=hour} (billions of hours) is asked over and over, and must be refused with a 400 that names the limit.
 *
 * <p>Asserted are counts, never durations: every batch sent got its 200, every point sent is stored, every live client
 * got events and, in the end, the last value of each fed signal. Generous timeouts only keep a broken server from
 * hanging the build.
 */
class IngestUnderQueryLoadTest {
    static final int PERIOD_MILLIS = 50;
    static final int BATCHES = 400;
    static final int SSE_CLIENTS = 200;
    static final String TOKEN = "load-test-token";
    static final String HUGE = "&from=0&to=9000000000000000";

    @TempDir
    Path dir;

    @Test
    void ingestKeepsItsRateWhileHugeKpiQueriesAndTwoHundredLiveClientsRun() throws Exception {
        String id = UUID.randomUUID().toString().substring(0, 8);
        boolean mqtt = ProofPeers.reachable("127.0.0.1", 1883);
        if (!mqtt) log("Mosquitto is not reachable at 127.0.0.1:1883: the MQTT JSON part is skipped, HTTP ingest still runs");
        String topic = "lathe-load/" + id + "/oven";
        Path config = dir.resolve("load.yaml");
        Files.writeString(config, config(mqtt, id, topic));
        SoftAssertions soft = new SoftAssertions();
        HttpClient sseHttp = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        ExecutorService readers = Executors.newVirtualThreadPerTaskExecutor();
        try (LatheChild lathe = LatheChild.launch("lathe", dir.resolve("logs"),
                List.of("serve", "--config", config.toString(), "--data-dir", dir.resolve("data").toString())).awaitReady(Duration.ofMinutes(2))) {
            Map<String, String> ids = lathe.signalIds();
            Map<String, String> assets = lathe.assetIds();
            String press = assets.get("Site/Shop/Line 1/Press"), line = assets.get("Site/Shop/Line 1");
            String pressTemp = ids.get("Site/Shop/Line 1/Press/Temperature"), ovenTemp = ids.get("Site/Shop/Line 1/Oven/Temperature");
            log("server up (%s); connecting %d live clients", lathe.base(), SSE_CLIENTS);

            // 200 live clients, each counting its events and keeping the last value of the two watched signals.
            List<LiveClient> clients = new ArrayList<>();
            for (int i = 0; i < SSE_CLIENTS; i++) clients.add(new LiveClient(List.of(pressTemp, ovenTemp)));
            for (LiveClient c : clients) c.connect(sseHttp, lathe.base() + "/api/live", readers);
            LatheChild.await("every live client's ready event", Duration.ofSeconds(90), () -> clients.stream().allMatch(c -> c.ready.get()));
            log("%d live clients connected", SSE_CLIENTS);

            // Queries over absurd ranges, and ordinary ones, for as long as ingest runs.
            AtomicBoolean ingesting = new AtomicBoolean(true);
            Map<String, AtomicInteger> hugeAnswers = new ConcurrentHashMap<>(), normalAnswers = new ConcurrentHashMap<>();
            ConcurrentLinkedQueue<String> hugeBodies = new ConcurrentLinkedQueue<>();
            ExecutorService queries = Executors.newFixedThreadPool(3);
            Map<String, String> huge = Map.of("machine", "/api/kpi?asset=" + press + HUGE + "&by=hour", "line", "/api/kpi?asset=" + line + HUGE + "&by=hour");
            huge.forEach((label, q) -> queries.submit(() -> ask(lathe, label, q, ingesting, hugeAnswers, hugeBodies)));
            queries.submit(() -> ask(lathe, "line", "/api/kpi?asset=" + line + "&by=hour", ingesting, normalAnswers, null));

            // Fixed-rate ingest: HTTP batches on schedule (answers are awaited apart), MQTT JSON messages likewise.
            HttpIngest http = new HttpIngest(lathe.base(), ids);
            JsonFeed json = mqtt ? new JsonFeed(topic) : null;
            ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
            CountDownLatch done = new CountDownLatch(mqtt ? 2 : 1);
            long t0 = System.currentTimeMillis();
            timer.scheduleAtFixedRate(() -> {
                if (http.sent.get() < BATCHES) http.send(t0);
                else done.countDown();
            }, 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
            if (json != null) {
                timer.scheduleAtFixedRate(() -> {
                    if (json.sent.get() < BATCHES) json.send(t0);
                    else done.countDown();
                }, 0, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
            }
            done.await(5, TimeUnit.MINUTES);
            timer.shutdownNow();
            log("ingest sent %d HTTP batches%s; waiting for their answers", http.sent.get(), json == null ? "" : " and " + json.sent.get() + " MQTT messages");
            LatheChild.await("the answer to every HTTP batch", Duration.ofSeconds(90), () -> http.answered.get() >= http.sent.get());
            ingesting.set(false);
            queries.shutdown();
            queries.awaitTermination(2, TimeUnit.MINUTES);

            soft.assertThat(http.ok.get()).as("HTTP batches answered 200 (others: %s)", http.failures).isEqualTo(BATCHES);
            long pressStored = countStored(lathe, pressTemp, BATCHES);
            soft.assertThat(pressStored).as("Press temperature points stored (one per HTTP batch)").isEqualTo(BATCHES);
            long ovenStored = 0;
            if (json != null) {
                soft.assertThat(json.acked.get()).as("MQTT JSON messages acknowledged by the broker").isEqualTo(BATCHES);
                ovenStored = countStored(lathe, ovenTemp, json.acked.get());
                soft.assertThat(ovenStored).as("Oven temperature points stored (one per MQTT message)").isEqualTo(json.acked.get());
                json.close();
            }

            // Every live client ends on the last value of each fed signal.
            String lastPress = Double.toString(BATCHES - 1 + 0.5), lastOven = Double.toString(BATCHES - 1 + 0.25);
            try {
                LatheChild.await("the last values on every live client", Duration.ofSeconds(60), () -> clients.stream().allMatch(c ->
                        lastPress.equals(c.last.get(pressTemp)) && (json == null || lastOven.equals(c.last.get(ovenTemp)))));
            } catch (AssertionError e) {
                // counted below
            }
            long withEvents = clients.stream().filter(c -> c.values.get() > 0).count();
            long withLastPress = clients.stream().filter(c -> lastPress.equals(c.last.get(pressTemp))).count();
            long withLastOven = clients.stream().filter(c -> lastOven.equals(c.last.get(ovenTemp))).count();
            soft.assertThat(withEvents).as("live clients that received value events").isEqualTo(SSE_CLIENTS);
            soft.assertThat(withLastPress).as("live clients that received the last Press temperature %s", lastPress).isEqualTo(SSE_CLIENTS);
            if (json != null) soft.assertThat(withLastOven).as("live clients that received the last Oven temperature %s", lastOven).isEqualTo(SSE_CLIENTS);

            soft.assertThat(hugeAnswers.keySet()).as("answers to KPI queries over 0..9000000000000000 by hour (bodies: %s)",
                    hugeBodies.stream().limit(4).toList()).containsOnly("machine 400", "line 400");
            soft.assertThat(hugeBodies).as("bodies of the huge KPI queries: a 400 that names the limit")
                    .allSatisfy(b -> assertThat(b).startsWith(b.substring(0, b.indexOf(' ')) + " 400").containsPattern("(?i)(at most|limit|max)\\D{0,40}\\d"));
            soft.assertThat(normalAnswers.keySet()).as("answers to ordinary KPI queries during ingest").containsOnly("line 200");

            log("results: HTTP %d/%d batches 200, %d Press points stored; MQTT %s; huge KPI queries %s; ordinary %s;"
                            + " live clients with events %d, with the last Press value %d, with the last Oven value %d; events per client %d..%d",
                    http.ok.get(), BATCHES, pressStored, json == null ? "skipped" : json.acked.get() + " acked, " + ovenStored + " stored",
                    hugeAnswers, normalAnswers, withEvents, withLastPress, withLastOven,
                    clients.stream().mapToLong(c -> c.values.get()).min().orElse(0), clients.stream().mapToLong(c -> c.values.get()).max().orElse(0));
            readers.shutdownNow();
        }
        soft.assertAll();
    }

    /**
     * Asks {@code path} over and over while {@code running}; counts answers by {@code label} and status ("timeout" when
     * none came).
     */
    private static void ask(LatheChild lathe, String label, String path, AtomicBoolean running, Map<String, AtomicInteger> answers,
                            ConcurrentLinkedQueue<String> bodies) {
        while (running.get()) {
            String key;
            try {
                HttpResponse<String> r = lathe.get(path, Duration.ofSeconds(60));
                key = Integer.toString(r.statusCode());
                if (bodies != null && bodies.size() < 10) bodies.add(label + " " + r.statusCode() + " " + r.body());
            } catch (java.net.http.HttpTimeoutException e) {
                key = "timeout";
            } catch (Exception e) {
                key = e.getClass().getSimpleName();
            }
            answers.computeIfAbsent(label + " " + key, k -> new AtomicInteger()).incrementAndGet();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static long countStored(LatheChild lathe, String series, long expected) throws Exception {
        long now = System.currentTimeMillis();
        long[] n = {0};
        try {
            LatheChild.await(expected + " points of " + series + " in the store", Duration.ofSeconds(60), () -> {
                try {
                    n[0] = lathe.history(series, now - 3_600_000, now + 3_600_000).size();
                } catch (Exception e) {
                    return false;
                }
                return n[0] >= expected;
            });
        } catch (AssertionError e) {
            // the count is asserted by the caller
        }
        return n[0];
    }

    /** One /api/live client: counts value events, keeps the last value of watched signals. */
    static final class LiveClient {
        final AtomicBoolean ready = new AtomicBoolean();
        final AtomicLong values = new AtomicLong();
        final Map<String, String> last = new ConcurrentHashMap<>();
        private final List<String> watched;

        LiveClient(List<String> watched) {
            this.watched = watched;
        }

        void connect(HttpClient http, String url, ExecutorService readers) {
            http.sendAsync(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofLines())
                    .thenAccept(r -> readers.submit(() -> read(r.body())));
        }

        private void read(Stream<String> lines) {
            String[] event = {""};
            lines.forEach(l -> {
                if (l.startsWith("event: ")) event[0] = l.substring(7);
                else if (l.startsWith("data: ")) {
                    if (event[0].equals("ready")) ready.set(true);
                    else if (event[0].equals("value")) {
                        values.incrementAndGet();
                        for (String w : watched) {
                            if (l.contains("\"" + w + "\"")) {
                                try {
                                    JsonNode n = LatheChild.JSON.readTree(l.substring(6));
                                    last.put(n.get("signal").asText(), n.get("value").asText());
                                } catch (Exception e) {
                                    // not a value event after all
                                }
                            }
                        }
                    }
                }
            });
        }
    }

    /** HTTP ingest on schedule: batch i carries Press State, Good Count i/20 and Temperature i + 0.5 at t0 + i·period. */
    static final class HttpIngest {
        final AtomicInteger sent = new AtomicInteger(), answered = new AtomicInteger(), ok = new AtomicInteger();
        final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final String base;
        private final Map<String, String> ids;

        HttpIngest(String base, Map<String, String> ids) {
            this.base = base;
            this.ids = ids;
        }

        void send(long t0) {
            int i = sent.getAndIncrement();
            long ts = t0 + (long) i * PERIOD_MILLIS;
            String p = "Site/Shop/Line 1/Press/";
            String body = line(ids.get(p + "State"), ts, "\"running\"") + line(ids.get(p + "Good Count"), ts, Integer.toString(i / 20))
                    + line(ids.get(p + "Temperature"), ts, Double.toString(i + 0.5));
            LatheChild.HTTP.sendAsync(HttpRequest.newBuilder(URI.create(base + "/api/ingest")).timeout(Duration.ofSeconds(60))
                            .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/x-ndjson")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString())
                    .whenComplete((r, e) -> {
                        if (e == null && r.statusCode() == 200) ok.incrementAndGet();
                        else if (failures.size() < 10) failures.add(e != null ? e.toString() : r.statusCode() + " " + r.body());
                        answered.incrementAndGet();
                    });
        }

        private static String line(String series, long ts, String value) {
            return "{\"series\":\"" + series + "\",\"timestamp\":" + ts + ",\"value\":" + value + "}\n";
        }
    }

    /** MQTT JSON on schedule: message i carries Oven state, good count i/20 and temperature i + 0.25 at t0 + i·period. */
    static final class JsonFeed implements AutoCloseable {
        final AtomicInteger sent = new AtomicInteger(), acked = new AtomicInteger();
        private final Mqtt5AsyncClient client;
        private final String topic;

        JsonFeed(String topic) throws Exception {
            this.topic = topic;
            client = MqttClient.builder().useMqttVersion5().identifier("proof-load-" + UUID.randomUUID())
                    .serverHost("127.0.0.1").serverPort(1883).buildAsync();
            client.connect().get(10, TimeUnit.SECONDS);
        }

        void send(long t0) {
            int i = sent.getAndIncrement();
            String payload = "{\"ts\":" + (t0 + (long) i * PERIOD_MILLIS) + ",\"state\":\"running\",\"good\":" + (i / 20)
                    + ",\"temp\":" + (i + 0.25) + "}";
            client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload.getBytes(StandardCharsets.UTF_8)).send()
                    .whenComplete((a, e) -> {
                        if (e == null) acked.incrementAndGet();
                    });
        }

        @Override
        public void close() throws Exception {
            client.disconnect().get(10, TimeUnit.SECONDS);
        }
    }

    private static String config(boolean mqtt, String id, String topic) {
        String machine = String.join("\n",
                "                  signals:",
                "                    - { name: State, type: text }",
                "                    - { name: Good Count, type: long }",
                "                    - { name: Reject Count, type: long }",
                "                    - { name: Temperature, type: double, unit: degC }", "");
        StringBuilder y = new StringBuilder("""
                server:
                  http-host: 127.0.0.1
                  ingest-token: %s
                mqtt:
                  broker: %s
                sparkplug:
                  enabled: false
                plant:
                  enterprise: Load Works
                  sites:
                    - name: Site
                      areas:
                        - name: Shop
                          lines:
                            - name: Line 1
                              machines:
                                - name: Press
                """.formatted(TOKEN, mqtt ? "tcp://127.0.0.1:1883" : "tcp://127.0.0.1:1"));
        y.append(machine).append("                - name: Oven\n").append(machine);
        y.append("""
                kpi:
                  sites:
                    - site: Site
                      zone: UTC
                      calendar:
                        shifts:
                          - { name: early, days: [mon, tue, wed, thu, fri, sat, sun], start: "06:00", end: "14:00" }
                          - { name: late, days: [mon, tue, wed, thu, fri, sat, sun], start: "14:00", end: "22:00" }
                          - { name: night, days: [mon, tue, wed, thu, fri, sat, sun], start: "22:00", end: "06:00" }
                  machine-types:
                    - name: press
                      state:
                        signal: State
                        values: { running: running, idle: unplanned-down }
                        otherwise: unknown
                      counts:
                        good: { signal: Good Count, kind: cumulative }
                        reject: { signal: Reject Count, kind: cumulative }
                  machines:
                    - { machine: Site/Shop/Line 1/Press, type: press, ideal-cycle-time: 1s }
                    - { machine: Site/Shop/Line 1/Oven, type: press, ideal-cycle-time: 1s }
                """);
        if (mqtt) {
            y.append("""
                    connections:
                      - name: oven-json
                        type: mqtt-json
                        broker: tcp://127.0.0.1:1883
                        client-id: lathe-load-json-%s
                        qos: 1
                        machine: Site/Shop/Line 1/Oven
                        topics:
                          - topic: %s
                            timestamp-field: ts
                            fields:
                              - { field: state, signal: State, type: text }
                              - { field: good, signal: Good Count, type: long }
                              - { field: temp, signal: Temperature, type: double }
                    """.formatted(id, topic));
        }
        return y.toString();
    }

    static void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[load] " + format + "%n", args);
        System.out.flush();
    }
}
