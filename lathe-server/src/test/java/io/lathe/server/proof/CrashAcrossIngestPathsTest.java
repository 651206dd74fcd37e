package io.lathe.server.proof;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import io.lathe.server.proof.LatheChild.Point;
import io.lathe.server.proof.ProofPeers.CountingModbusServer;
import io.lathe.server.proof.ProofPeers.CountingOpcUaServer;
import io.lathe.server.proof.ProofPeers.SparkplugRecorder;
import io.lathe.simulator.FactoryConfig;
import io.lathe.simulator.LineLayout;
import io.lathe.simulator.MachineLayout;
import io.lathe.simulator.MetricLayout;
import io.lathe.simulator.VirtualFactory;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, proof 1: Lathe is SIGKILLed at random moments (seed printed; rerun one with {@code -Dlathe.crash.seed=N})
 * while five ingest paths feed it at once, restarted on the same data folder each time, and afterwards every point
 * each source sent is looked up in the restarted server's history.
 *
 * <p>The promise checked: a point whose source timestamp is older than {@link Source#bound()} before the kill is
 * stored, and no series holds two points with one timestamp. The bound is {@code store.wal-sync-interval}
 * ({@link #WAL_SYNC}) plus {@link #HANDOFF} for the way from the source's socket through the connector and the
 * ingest hand-off to the write-ahead log, plus the source's own reporting lag (a Sparkplug simulation tick, an OPC UA
 * sampling and publishing interval). HTTP ingest promises more: its 200 comes after the points are durable, so every
 * acknowledged point must survive, bound 0.
 *
 * <p>A point counts as expected in a round from the first point of its source that the store kept in that round on:
 * before it, the source was still connecting (Lathe cannot lose what it never received). What Lathe missed while it
 * was down is not expected either; MQTT JSON runs with a clean session, Sparkplug edge nodes wait for the host's STATE.
 *
 * <p>HTTP ingest makes the store sync, which also writes every connector point buffered so far; so in some rounds
 * HTTP falls quiet for a few seconds before the kill, and the connectors' points have to reach the disk on their own.
 * Each round's worst loss window is printed: kill time minus the newest point recovered, and kill time minus the
 * oldest point missing. docs/PERFORMANCE.md ("Crash safety across ingest paths") keeps the figures.
 */
class CrashAcrossIngestPathsTest {
    /** store.wal-sync-interval of the child. */
    static final Duration WAL_SYNC = Duration.ofMillis(100);
    /** From a source's socket to the WAL writer: network, broker, connector thread, ingest hand-off; on 2 busy cores. */
    static final Duration HANDOFF = Duration.ofSeconds(2);
    /** Kills of a running server (plus one during start-up). */
    static final int ROUNDS = 4;
    static final String TOKEN = "crash-test-token";

    @TempDir
    Path dir;

    /** The five ingest paths and how old a point may be at its source's send. */
    enum Source {
        // Whole-second simulated clock from a truncated start: a value's timestamp trails its publication by < 2 s.
        SPARKPLUG(Duration.ofSeconds(2)),
        MQTT_JSON(Duration.ZERO),
        OPC_UA(Duration.ofMillis(300)), // sampling 100 ms + publishing 200 ms
        MODBUS(Duration.ZERO), // Lathe stamps the poll
        HTTP(null); // acknowledged means durable

        final Duration lag;

        Source(Duration lag) {
            this.lag = lag;
        }

        /** Points older than this before a kill must survive it; null: every acknowledged point must. */
        Duration bound() {
            return lag == null ? null : WAL_SYNC.plus(HANDOFF).plus(lag);
        }
    }

    record Round(int n, long startMillis, long killMillis, boolean duringStart, boolean httpQuiet) {}

    @Test
    void noPointOlderThanTheBoundIsLostAndNoneIsDuplicatedWhenLatheIsKilledWhileEveryIngestPathFeedsIt() throws Exception {
        Assumptions.assumeTrue(ProofPeers.reachable("127.0.0.1", 1883),
                "Mosquitto is not reachable at 127.0.0.1:1883: the crash test needs it for Sparkplug and MQTT JSON. Start it (apt install mosquitto).");
        long seed = Long.getLong("lathe.crash.seed", System.nanoTime());
        Random rnd = new Random(seed);
        String id = UUID.randomUUID().toString().substring(0, 8);
        log("seed %d (rerun with -Dlathe.crash.seed=%d), run id %s, bound: %s", seed, seed, id, bounds());
        String group = "Crash" + id, hostId = "lathe-crash-" + id, topic = "lathe-crash/" + id + "/rig";
        Path data = dir.resolve("data"), logs = dir.resolve("logs"), config = dir.resolve("crash.yaml");
        long testStart = System.currentTimeMillis();

        try (CountingOpcUaServer opcua = new CountingOpcUaServer(200);
             CountingModbusServer modbus = new CountingModbusServer();
             SparkplugRecorder recorder = new SparkplugRecorder("127.0.0.1", 1883, group);
             VirtualFactory factory = new VirtualFactory(new FactoryConfig("tcp://127.0.0.1:1883", null, null, group, 2, 2,
                     seed, 1.0, Duration.ofMillis(500), hostId), InstantSource.system());
             JsonPublisher json = new JsonPublisher(topic);
             HttpFeeder http = new HttpFeeder()) {
            Files.writeString(config, config(factory.layout(), hostId, group, topic, id, opcua, modbus));
            factory.start();
            json.start();
            http.start();

            int duringStartRound = 1 + rnd.nextInt(ROUNDS);
            List<Round> rounds = new ArrayList<>();
            Map<String, String> ids = null;
            LatheChild child = null;
            try {
                for (int r = 0; r <= ROUNDS; r++) {
                    child = LatheChild.launch("lathe", logs, List.of("serve", "--config", config.toString(), "--data-dir", data.toString()));
                    long start = child.startedMillis();
                    if (r == duringStartRound) {
                        Thread.sleep(300 + rnd.nextInt(3_500));
                        long kill = child.kill();
                        rounds.add(new Round(r, start, kill, true, false));
                        log("round %d: killed during start-up %d ms after launch", r, kill - start);
                        continue;
                    }
                    child.awaitReady(Duration.ofMinutes(2));
                    if (ids == null) ids = child.signalIds();
                    http.target(child.base());
                    awaitEverySource(child, ids, factory.layout(), start);
                    boolean quiet = r == 0 || rnd.nextBoolean();
                    long runMillis = 3_000 + rnd.nextInt(12_000);
                    long quietMillis = quiet ? Math.min(runMillis, 3_000 + rnd.nextInt(4_000)) : 0;
                    Thread.sleep(runMillis - quietMillis);
                    if (quiet) http.pause(true);
                    Thread.sleep(quietMillis);
                    long kill = child.kill();
                    http.target(null);
                    http.pause(false);
                    rounds.add(new Round(r, start, kill, false, quiet));
                    log("round %d: killed %d ms after launch%s", r, kill - start, quiet ? " (HTTP quiet for the last " + quietMillis + " ms)" : "");
                }
                child = LatheChild.launch("lathe", logs, List.of("serve", "--config", config.toString(), "--data-dir", data.toString()));
                child.awaitReady(Duration.ofMinutes(2));
                if (ids == null) ids = child.signalIds();
                http.target(child.base());
                awaitEverySource(child, ids, factory.layout(), child.startedMillis());
                http.stopAndDrain();
                json.stop();
                log("final restart up; %d HTTP points acknowledged, %d MQTT JSON messages, %d OPC UA values, %d Modbus reads",
                        http.acked.size(), json.sent.size(), opcua.sent().size(), modbus.answered().size());

                Map<Source, List<Feed>> feeds = feeds(child, ids, recorder, opcua, modbus, json, http, testStart);
                report(rounds, feeds);
            } finally {
                if (child != null) child.close();
                clearRetainedState(hostId);
            }
        }
    }

    // ---- evaluation ----

    /** One oracle entry: a key that identifies the point and the time the promise is measured from (µs). */
    record Entry(String key, long micros) {}

    /**
     * What one source sent (the oracle) and what the store holds of it after the last restart. {@code storedMicros}
     * maps stored oracle keys to their time; {@code duplicates} lists series and timestamps stored twice.
     */
    record Feed(Source source, String name, List<Entry> oracle, Map<String, Long> storedMicros, List<String> duplicates,
                List<String> wrongValues) {}

    private Map<Source, List<Feed>> feeds(LatheChild child, Map<String, String> ids, SparkplugRecorder recorder,
                                          CountingOpcUaServer opcua, CountingModbusServer modbus, JsonPublisher json,
                                          HttpFeeder http, long testStart) throws Exception {
        long from = testStart - 3_600_000, to = System.currentTimeMillis() + 3_600_000;
        Map<Source, List<Feed>> out = new LinkedHashMap<>();

        // Sparkplug: one feed per edge node, keyed by series and timestamp.
        Map<String, List<Entry>> oracleByNode = new TreeMap<>();
        Map<String, Map<String, Long>> storedByNode = new HashMap<>();
        Map<String, List<String>> dupsByNode = new HashMap<>();
        for (Map.Entry<String, NavigableMap<Long, String>> e : recorder.values().entrySet()) {
            String source = e.getKey();
            String node = nodeOf(source);
            String series = ids.get(source);
            assertThat(series).as("a Lathe signal for Sparkplug metric %s", source).isNotNull();
            List<Entry> oracle = oracleByNode.computeIfAbsent(node, k -> new ArrayList<>());
            for (long ts : e.getValue().keySet()) oracle.add(new Entry(series + "@" + ts, ts));
            Map<String, Long> stored = storedByNode.computeIfAbsent(node, k -> new HashMap<>());
            List<String> dups = dupsByNode.computeIfAbsent(node, k -> new ArrayList<>());
            for (Point p : storedPoints(child, series, from, to, dups)) stored.put(series + "@" + p.micros(), p.micros());
        }
        List<Feed> sp = new ArrayList<>();
        for (String node : oracleByNode.keySet()) {
            sp.add(new Feed(Source.SPARKPLUG, node.substring(node.lastIndexOf('/') + 1), oracleByNode.get(node),
                    storedByNode.get(node), dupsByNode.get(node), List.of()));
        }
        out.put(Source.SPARKPLUG, sp);

        out.put(Source.MQTT_JSON, List.of(byTimestamp(Source.MQTT_JSON, "rig", child, ids.get("Site/Rig/Bench/MQTT Rig/Sequence"), json.sent, from, to)));
        out.put(Source.OPC_UA, List.of(byTimestamp(Source.OPC_UA, "rig", child, ids.get("Site/Rig/Bench/OPC UA Rig/Sequence"), opcua.sent(), from, to)));

        // Modbus: keyed by the value, which the server never repeats; measured from the time the server answered.
        String mbSeries = ids.get("Site/Rig/Bench/Modbus Rig/Sequence");
        List<String> mbDups = new ArrayList<>();
        Map<String, Long> mbStored = new HashMap<>();
        NavigableMap<Long, Long> answered = modbus.answered();
        for (Point p : storedPoints(child, mbSeries, from, to, mbDups)) {
            long k = p.value().asLong();
            Long at = answered.get(k);
            if (at != null) mbStored.put("k" + k, at);
        }
        List<Entry> mbOracle = new ArrayList<>();
        answered.forEach((k, at) -> mbOracle.add(new Entry("k" + k, at)));
        out.put(Source.MODBUS, List.of(new Feed(Source.MODBUS, "rig", mbOracle, mbStored, mbDups, List.of())));

        List<Feed> httpFeeds = new ArrayList<>();
        for (int s = 0; s < HttpFeeder.SERIES.length; s++) {
            NavigableMap<Long, Long> acked = new TreeMap<>();
            for (long[] a : http.acked) if (a[0] == s) acked.put(a[1], a[2]);
            httpFeeds.add(byTimestamp(Source.HTTP, HttpFeeder.SERIES[s], child, HttpFeeder.SERIES[s], acked, from, to));
        }
        out.put(Source.HTTP, httpFeeds);
        return out;
    }

    /** {@code sparkplug:G/Node} of {@code sparkplug:G/Node[/Device]#Metric}. */
    private static String nodeOf(String source) {
        String scope = source.substring(0, source.indexOf('#'));
        int afterNode = scope.indexOf('/', scope.indexOf('/') + 1);
        return afterNode < 0 ? scope : scope.substring(0, afterNode);
    }

    private static Feed byTimestamp(Source source, String name, LatheChild child, String series, NavigableMap<Long, Long> sent,
                                    long from, long to) throws Exception {
        assertThat(series).as("series of %s", source).isNotNull();
        List<String> dups = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        Map<String, Long> stored = new HashMap<>();
        for (Point p : storedPoints(child, series, from, to, dups)) {
            Long expected = sent.get(p.micros());
            if (expected == null) continue;
            stored.put(series + "@" + p.micros(), p.micros());
            if (p.value().asLong() != expected) wrong.add(series + "@" + p.micros() + ": " + p.value() + " instead of " + expected);
        }
        List<Entry> oracle = new ArrayList<>();
        for (long ts : sent.keySet()) oracle.add(new Entry(series + "@" + ts, ts));
        return new Feed(source, name, oracle, stored, dups, wrong);
    }

    /** The raw history of a series; timestamps seen twice are added to {@code dups}. */
    private static List<Point> storedPoints(LatheChild child, String series, long from, long to, List<String> dups) throws Exception {
        List<Point> points = child.history(series, from, to);
        Set<Long> seen = new HashSet<>();
        for (Point p : points) if (!seen.add(p.micros())) dups.add(series + "@" + p.micros());
        return points;
    }

    private void report(List<Round> rounds, Map<Source, List<Feed>> feeds) {
        SoftAssertions soft = new SoftAssertions();
        StringBuilder table = new StringBuilder();
        table.append(String.format(Locale.ROOT, "%-10s %-8s %9s %9s %8s %13s %14s %5s%n", "source", "feed", "checked", "missing",
                "dups", "newest gap ms", "oldest miss ms", "bound"));
        for (Map.Entry<Source, List<Feed>> e : feeds.entrySet()) {
            Source source = e.getKey();
            for (Feed f : e.getValue()) {
                long checked = 0, worstNewest = 0, worstOldest = 0;
                List<String> missing = new ArrayList<>();
                for (Round r : rounds) {
                    long killMicros = r.killMillis() * 1000, startMicros = r.startMillis() * 1000;
                    long windowStart = Long.MAX_VALUE, newest = Long.MIN_VALUE;
                    for (Entry x : f.oracle()) {
                        if (x.micros() < startMicros || x.micros() > killMicros) continue;
                        Long at = f.storedMicros().get(x.key());
                        if (at == null) continue;
                        windowStart = Math.min(windowStart, x.micros());
                        newest = Math.max(newest, x.micros());
                    }
                    if (windowStart == Long.MAX_VALUE) continue; // nothing of this source reached the store in this round
                    long limit = source.bound() == null ? killMicros : killMicros - source.bound().toNanos() / 1000;
                    long oldestMissing = Long.MAX_VALUE;
                    for (Entry x : f.oracle()) {
                        if (x.micros() < windowStart || x.micros() > killMicros) continue;
                        boolean kept = f.storedMicros().containsKey(x.key());
                        if (!kept) oldestMissing = Math.min(oldestMissing, x.micros());
                        if (x.micros() <= limit && source != Source.HTTP) {
                            checked++;
                            if (!kept) missing.add("round " + r.n() + ": " + x.key() + " (" + (killMicros - x.micros()) / 1000 + " ms before the kill)");
                        }
                    }
                    if (newest != Long.MIN_VALUE) worstNewest = Math.max(worstNewest, (killMicros - newest) / 1000);
                    if (oldestMissing != Long.MAX_VALUE) worstOldest = Math.max(worstOldest, (killMicros - oldestMissing) / 1000);
                }
                if (source == Source.HTTP) {
                    // Acknowledged means durable: every acknowledged point, whenever it was sent.
                    for (Entry x : f.oracle()) {
                        checked++;
                        if (!f.storedMicros().containsKey(x.key())) missing.add("acknowledged but missing: " + x.key());
                    }
                }
                table.append(String.format(Locale.ROOT, "%-10s %-8s %9d %9d %8d %13d %14d %5s%n", source.name().toLowerCase(Locale.ROOT),
                        f.name(), checked, missing.size(), f.duplicates().size(), worstNewest, worstOldest,
                        source.bound() == null ? "ack" : source.bound().toMillis() + "ms"));
                soft.assertThat(checked).as("points of %s/%s checked against the bound", source, f.name()).isPositive();
                soft.assertThat(missing.size()).as("%s/%s: points older than the bound before a kill that are missing after restart,"
                        + " the first of them: %s", source, f.name(), missing.subList(0, Math.min(20, missing.size()))).isZero();
                soft.assertThat(f.duplicates()).as("%s/%s: series and timestamps stored more than once", source, f.name()).isEmpty();
                soft.assertThat(f.wrongValues()).as("%s/%s: stored values that differ from what the source sent", source, f.name()).isEmpty();
            }
        }
        log("results over %d kills (newest gap: kill minus the newest point recovered; oldest miss: kill minus the oldest point"
                + " lost, 0 when none was lost):%n%s", rounds.size(), table);
        soft.assertAll();
    }

    // ---- set-up helpers ----

    private static String bounds() {
        StringBuilder b = new StringBuilder();
        for (Source s : Source.values()) {
            b.append(s.name().toLowerCase(Locale.ROOT)).append(' ').append(s.bound() == null ? "0 (acknowledged = durable)"
                    : WAL_SYNC.toMillis() + "+" + HANDOFF.toMillis() + "+" + s.lag.toMillis() + " ms").append("; ");
        }
        return b.toString();
    }

    /** Waits until every source has a value newer than the launch: each round then exercises all five. */
    private static void awaitEverySource(LatheChild child, Map<String, String> ids, List<LineLayout> layout, long sinceMillis)
            throws Exception {
        List<String> watch = new ArrayList<>(List.of("Site/Rig/Bench/MQTT Rig/Sequence", "Site/Rig/Bench/OPC UA Rig/Sequence",
                "Site/Rig/Bench/Modbus Rig/Sequence"));
        for (LineLayout l : layout) watch.add("sparkplug:" + l.group() + "/" + l.edgeNodeId() + "#" + l.nodeMetrics().getFirst().name());
        for (String w : watch) {
            String series = ids.get(w);
            assertThat(series).as("signal %s", w).isNotNull();
            LatheChild.await(w + " to reach Lathe after its start (see " + child.log() + ")", Duration.ofSeconds(90), () -> {
                try {
                    HttpResponse<String> r = child.get("/api/signals/" + series + "/latest", Duration.ofSeconds(10));
                    if (r.statusCode() != 200) return false;
                    JsonNode n = LatheChild.JSON.readTree(r.body());
                    return n.path("timestampMicros").asLong() >= sinceMillis * 1000 - 1_000_000;
                } catch (Exception e) {
                    return false;
                }
            });
        }
    }

    private static String config(List<LineLayout> layout, String hostId, String group, String topic, String id,
                                 CountingOpcUaServer opcua, CountingModbusServer modbus) {
        StringBuilder y = new StringBuilder();
        y.append("""
                server:
                  http-host: 127.0.0.1
                  ingest-token: %s
                mqtt:
                  broker: tcp://127.0.0.1:1883
                sparkplug:
                  host-id: %s
                  groups: %s
                store:
                  wal-sync-interval: %dms
                  flush-interval: 10s
                plant:
                  enterprise: Crash Works
                  sites:
                    - name: Site
                      areas:
                        - name: Sparkplug
                          lines:
                """.formatted(TOKEN, hostId, group, WAL_SYNC.toMillis()));
        for (LineLayout l : layout) {
            y.append("            - name: ").append(l.name()).append("\n              machines:\n");
            for (MachineLayout m : l.machines()) {
                y.append("                - name: ").append(m.name()).append("\n                  source: ").append(l.source(m)).append('\n');
                signals(y, m.metrics());
            }
            y.append("                - name: ").append(l.name()).append(" Controller\n                  source: sparkplug:")
                    .append(l.group()).append('/').append(l.edgeNodeId()).append('\n');
            signals(y, l.nodeMetrics());
        }
        y.append("""
                        - name: Rig
                          lines:
                            - name: Bench
                              machines:
                                - { name: OPC UA Rig, signals: [ { name: Sequence, type: long } ] }
                                - { name: Modbus Rig, signals: [ { name: Sequence, type: long } ] }
                                - { name: MQTT Rig, signals: [ { name: Sequence, type: long } ] }
                connections:
                  - name: rig-opcua
                    type: opcua
                    endpoint: %s
                    machine: Site/Rig/Bench/OPC UA Rig
                    publishing-interval: 200ms
                    nodes:
                      - { node-id: "%s", signal: Sequence, type: long, sampling-interval: 100ms, queue-size: 10 }
                  - name: rig-modbus
                    type: modbus
                    host: 127.0.0.1
                    port: %d
                    devices:
                      - unit-id: %d
                        machine: Site/Rig/Bench/Modbus Rig
                        poll-interval: 200ms
                        points:
                          - { signal: Sequence, table: input-register, address: 0, type: uint32 }
                  - name: rig-json
                    type: mqtt-json
                    broker: tcp://127.0.0.1:1883
                    client-id: lathe-crash-json-%s
                    qos: 1
                    machine: Site/Rig/Bench/MQTT Rig
                    topics:
                      - topic: %s
                        timestamp-field: ts
                        fields:
                          - { field: seq, signal: Sequence, type: long }
                """.formatted(opcua.endpointUrl(), CountingOpcUaServer.NODE_ID, modbus.port(), CountingModbusServer.UNIT_ID, id, topic));
        return y.toString();
    }

    private static void signals(StringBuilder y, List<MetricLayout> metrics) {
        y.append("                  signals:\n");
        for (MetricLayout m : metrics) {
            y.append("                    - { name: \"").append(m.name()).append("\", type: ")
                    .append(m.type().label()).append(" }\n");
        }
    }

    /** Removes the retained STATE this run's host id leaves on the shared broker. */
    private static void clearRetainedState(String hostId) {
        try {
            Mqtt5AsyncClient c = MqttClient.builder().useMqttVersion5().identifier("proof-cleanup-" + UUID.randomUUID())
                    .serverHost("127.0.0.1").serverPort(1883).buildAsync();
            c.connect().get(10, TimeUnit.SECONDS);
            c.publishWith().topic("spBv1.0/STATE/" + hostId).retain(true).qos(MqttQos.AT_LEAST_ONCE).payload(new byte[0]).send()
                    .get(10, TimeUnit.SECONDS);
            c.disconnect().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            log("could not clear the retained STATE of %s: %s", hostId, e);
        }
    }

    static void log(String format, Object... args) {
        System.out.printf(Locale.ROOT, "[crash] " + format + "%n", args);
        System.out.flush();
    }

    // ---- feeders ----

    /** Publishes {"ts": epoch ms, "seq": n} with QoS 1 every 100 ms; {@link #sent} maps ts (µs) to n for every PUBACK. */
    static final class JsonPublisher implements AutoCloseable {
        final NavigableMap<Long, Long> sent = new ConcurrentSkipListMap<>();
        private final Mqtt5AsyncClient client;
        private final String topic;
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        private long seq;
        private long lastMillis;

        JsonPublisher(String topic) throws Exception {
            this.topic = topic;
            client = MqttClient.builder().useMqttVersion5().identifier("proof-json-" + UUID.randomUUID())
                    .serverHost("127.0.0.1").serverPort(1883).automaticReconnectWithDefaultConfig().buildAsync();
            client.connect().get(10, TimeUnit.SECONDS);
        }

        void start() {
            timer.scheduleAtFixedRate(this::publish, 100, 100, TimeUnit.MILLISECONDS);
        }

        private void publish() {
            long ms = Math.max(System.currentTimeMillis(), lastMillis + 1);
            lastMillis = ms;
            long n = ++seq;
            client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                    .payload(("{\"ts\":" + ms + ",\"seq\":" + n + "}").getBytes(StandardCharsets.UTF_8)).send()
                    .whenComplete((ack, e) -> {
                        if (e == null) sent.put(ms * 1000, n);
                    });
        }

        void stop() throws InterruptedException {
            timer.shutdown();
            timer.awaitTermination(10, TimeUnit.SECONDS);
            Thread.sleep(500); // the last PUBACKs
        }

        @Override
        public void close() throws Exception {
            timer.shutdownNow();
            client.disconnect().get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * A client of POST /api/ingest that sends a batch of 5 points to each of two series every 100 ms and, like a
     * careful client, resends a batch whose answer it did not get (the server was killed) until it gets a 200.
     * {@link #acked} holds (series index, timestamp µs, value) of every acknowledged point.
     */
    static final class HttpFeeder implements AutoCloseable {
        static final String[] SERIES = {"crash.http.a", "crash.http.b"};
        final List<long[]> acked = java.util.Collections.synchronizedList(new ArrayList<>());
        final List<String> refused = java.util.Collections.synchronizedList(new ArrayList<>());
        private final Thread thread = new Thread(this::run, "proof-http-feeder");
        private volatile String base;
        private volatile boolean paused;
        private volatile boolean stopped;
        private long value;
        private long lastMillis;

        void start() {
            thread.setDaemon(true);
            thread.start();
        }

        void target(String newBase) {
            base = newBase;
        }

        void pause(boolean p) {
            paused = p;
        }

        /** Sends nothing new, waits until the batch in hand is acknowledged. */
        void stopAndDrain() throws InterruptedException {
            stopped = true;
            thread.join(120_000);
            assertThat(refused).as("HTTP batches refused by the server").isEmpty();
        }

        private void run() {
            while (!stopped) {
                if (paused || base == null) {
                    sleep(50);
                    continue;
                }
                StringBuilder body = new StringBuilder();
                List<long[]> batch = new ArrayList<>();
                long ms = Math.max(System.currentTimeMillis(), lastMillis + 1);
                for (int i = 0; i < 5; i++, ms++) {
                    for (int s = 0; s < SERIES.length; s++) {
                        long v = ++value;
                        batch.add(new long[] {s, ms * 1000, v});
                        body.append("{\"series\":\"").append(SERIES[s]).append("\",\"timestamp\":").append(ms)
                                .append(",\"value\":").append(v).append("}\n");
                    }
                }
                lastMillis = ms;
                // Resend until acknowledged: a lost answer is not a lost batch.
                while (true) {
                    String b = base;
                    if (b == null) {
                        sleep(50);
                        continue;
                    }
                    try {
                        HttpResponse<String> r = LatheChild.HTTP.send(HttpRequest.newBuilder(URI.create(b + "/api/ingest"))
                                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + TOKEN)
                                .header("Content-Type", "application/x-ndjson").POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                                .build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 200) {
                            acked.addAll(batch);
                            break;
                        }
                        if (r.statusCode() < 500) {
                            refused.add(r.statusCode() + " " + r.body());
                            break;
                        }
                    } catch (java.io.IOException e) {
                        // killed mid-request: resend to the next server
                    } catch (InterruptedException e) {
                        return;
                    }
                    sleep(100);
                }
                sleep(100);
            }
        }

        private static void sleep(long ms) {
            try {
                Thread.sleep(ms);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            stopped = true;
            thread.interrupt();
        }
    }
}
