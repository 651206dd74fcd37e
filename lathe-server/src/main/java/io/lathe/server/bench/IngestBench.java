package io.lathe.server.bench;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import io.lathe.model.Signal;
import io.lathe.server.LatheServer;
import io.lathe.server.cli.Progress;
import io.lathe.server.config.ConfigLoader;
import io.lathe.store.LatestPoint;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.eclipse.tahu.message.SparkplugBPayloadDecoder;
import org.eclipse.tahu.message.model.Metric;
import org.eclipse.tahu.message.model.SparkplugBPayload;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lathe bench ingest}: metrics per second from a publisher into Lathe's store, end to end.
 *
 * <p>Paths: Sparkplug B through the embedded broker and through Mosquitto (127.0.0.1:1883), plain MQTT JSON, and HTTP
 * ingest (CSV, answered after fsync); and the ceiling: the same Sparkplug stream taken by a bare MQTT subscriber that
 * only decodes the payloads with Tahu. The publisher runs in a child JVM ({@link LoadProcess}) and publishes only what
 * this process grants (a window of messages not yet in the store), so no broker drops anything and the figure is what
 * Lathe takes, not what a queue lost. Latency is publish time (carried in each message's last metric) to the moment
 * the value is queryable ({@code TelemetryStore.latest}); CPU is this process's CPU time (OperatingSystemMXBean), which
 * holds Lathe and, on the embedded paths, the broker, but not the publisher.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measure ingest end to end: Sparkplug B (embedded broker and Mosquitto), MQTT JSON, HTTP, and a bare decoding subscriber as the ceiling.")
public final class IngestBench implements Callable<Integer> {
    static final List<String> PATHS = List.of("sparkplug-embedded", "bare-embedded", "decode-embedded", "sparkplug-mosquitto", "bare-mosquitto",
            "decode-mosquitto", "mqtt-json", "http");

    @Spec
    CommandSpec spec;

    @Option(names = "--paths", split = ",", paramLabel = "PATH", description = "Paths to measure, comma-separated (default all): ${COMPLETION-CANDIDATES}",
            completionCandidates = PathNames.class)
    List<String> paths = new ArrayList<>(PATHS);

    @Option(names = "--nodes", defaultValue = "10", description = "Edge nodes (MQTT clients) publishing (default ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--metrics", defaultValue = "1000", description = "Metrics per message: per NDATA, JSON object (default ${DEFAULT-VALUE}).")
    int metrics;

    @Option(names = "--seconds", defaultValue = "10", description = "Measured time per run (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--warmup", defaultValue = "20", description = "Seconds of the same load before each measured run of the MQTT paths, not counted, "
            + "so that the figures are of a warmed-up server (compiled code, a store past its first flushes) as in a plant: the JIT compiler "
            + "works for about 20 s after start (a third of a core at first); 0 measures from the first message (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--window", defaultValue = "100", description = "Messages published but not yet in the store, at most (default ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--rate", defaultValue = "0", description = "Offered metrics/s (0: as fast as Lathe takes them, default). Latency at a fixed rate below the ceiling.")
    long rate;

    @Option(names = "--repeat", defaultValue = "3", description = "Runs per path; the median is reported (default ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--mosquitto", defaultValue = "tcp://127.0.0.1:1883", description = "External broker for the Mosquitto paths (default ${DEFAULT-VALUE}).")
    String mosquitto;

    @Option(names = "--http-lines", defaultValue = "50000", description = "CSV lines per HTTP request (default ${DEFAULT-VALUE}).")
    int httpLines;

    @Option(names = "--http-concurrency", defaultValue = "4", description = "HTTP requests in flight (default ${DEFAULT-VALUE}).")
    int httpConcurrency;

    @Option(names = "--alarms", defaultValue = "-1", paramLabel = "N",
            description = "Define N limit alarms (H far above every value, so they stay normal): one on each ingested signal, the rest on signals "
                    + "that get no points, so the engine's index holds N. 0: the same set-up without alarms (the 'off' run). On the http path the "
                    + "series become plant signals, so points reach the ingest fan-out. Default: not set (as without the option).")
    int alarms;

    @Option(names = "--work-dir", description = "Scratch folder (default: a new temporary folder, deleted afterwards).")
    Path workDir;

    @Option(names = "--update-docs", description = "Write the table into docs/PERFORMANCE.md (a tracked file); without it the table is only printed.")
    boolean updateDocs;

    @Option(names = "--doc", defaultValue = "docs/PERFORMANCE.md", description = "File --update-docs writes (default ${DEFAULT-VALUE}).")
    Path doc;

    static final class PathNames extends ArrayList<String> {
        PathNames() {
            super(PATHS);
        }
    }

    /** One run's figures. */
    record Run(String path, long metrics, double seconds, double cpuSeconds, long[] latencyMicros, String note) {
        double perSecond() {
            return metrics / seconds;
        }

        double cpuPerMillion() {
            return metrics == 0 ? 0 : cpuSeconds / (metrics / 1e6);
        }

        long percentile(double q) {
            if (latencyMicros.length == 0) return -1;
            return latencyMicros[Math.min(latencyMicros.length - 1, (int) Math.floor(q * latencyMicros.length))];
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        for (String p : paths) {
            if (!PATHS.contains(p)) {
                err.println("lathe bench ingest: unknown path " + p + "; one of " + String.join(", ", PATHS));
                return 2;
            }
        }
        Path work = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("lathe-bench-ingest-");
        List<String> rows = new ArrayList<>();
        String load = loadAverage();
        try {
            for (String p : paths) {
                List<Run> runs = new ArrayList<>();
                for (int r = 1; r <= repeat; r++) {
                    err.printf(Locale.ROOT, "%s, run %d of %d (load average %s)%n", p, r, repeat, loadAverage());
                    err.flush();
                    Path dir = Files.createDirectories(work.resolve(p + "-" + r));
                    Run run = runPath(p, dir, err);
                    runs.add(run);
                    deleteRecursively(dir);
                    err.printf(Locale.ROOT, "  %,.0f metrics/s, latency p50 %.1f ms p99 %.1f ms, %.2f CPU s per million%s%n", run.perSecond(),
                            run.percentile(0.5) / 1000.0, run.percentile(0.99) / 1000.0, run.cpuPerMillion(), run.note().isEmpty() ? "" : ", " + run.note());
                }
                runs.sort(Comparator.comparingDouble(Run::perSecond));
                Run median = runs.get(runs.size() / 2);
                String all = String.join(", ", runs.stream().map(x -> String.format(Locale.ROOT, "%,.0f", x.perSecond())).toList());
                rows.add(String.format(Locale.ROOT, "| %s%s | %,.0f | %s | %.1f | %.1f | %.1f | %.2f |", p, alarms >= 0 ? ", " + alarms + " alarms" : "", median.perSecond(), all,
                        median.percentile(0.5) / 1000.0, median.percentile(0.99) / 1000.0, median.percentile(1.0) / 1000.0, median.cpuPerMillion()));
            }
        } finally {
            if (workDir == null) deleteRecursively(work);
        }
        String table = table(rows, load);
        out.print(table);
        out.flush();
        if (updateDocs) writeDoc(doc, table);
        return 0;
    }

    private String table(List<String> rows, String loadBefore) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "Command: `./lathe bench ingest --nodes %d --metrics %d --seconds %d --warmup %d --window %d%s%s --repeat %d --update-docs` "
                        + "(%s, %d cores, Java %s, load average before %s, after %s).%n%n", nodes, metrics, seconds, warmup, window,
                rate > 0 ? " --rate " + rate : "", alarms >= 0 ? " --alarms " + alarms : "", repeat, LocalDate.now(), Runtime.getRuntime().availableProcessors(), Runtime.version(),
                loadBefore, loadAverage()));
        b.append("| path | metrics/s (median) | runs | latency p50 ms | p99 ms | max ms | CPU s per million metrics |\n");
        b.append("|---|---:|---|---:|---:|---:|---:|\n");
        for (String r : rows) b.append(r).append('\n');
        return b.toString();
    }

    private Run runPath(String path, Path dir, PrintWriter err) throws Exception {
        return switch (path) {
            case "sparkplug-embedded" -> sparkplugThroughLathe(dir, true, err);
            case "sparkplug-mosquitto" -> sparkplugThroughLathe(dir, false, err);
            case "bare-embedded" -> bare(dir, true, err);
            case "bare-mosquitto" -> bare(dir, false, err);
            case "decode-embedded" -> decodeOnly(dir, true, err);
            case "decode-mosquitto" -> decodeOnly(dir, false, err);
            case "mqtt-json" -> mqttJson(dir, err);
            case "http" -> http(dir, err);
            default -> throw new IllegalArgumentException(path);
        };
    }

    // ---- Lathe's side ----

    private String config(Path dir, String broker, boolean sparkplug, String extra) {
        String group = "Bench" + ProcessHandle.current().pid();
        return """
                server:
                  http-port: 0
                  data-dir: "%s"
                  ingest-token: bench-token
                mqtt:
                  broker: %s
                  embedded:
                    port: 0
                    anonymous: true
                sparkplug:
                  enabled: %s
                  host-id: lathe-bench-%d
                  groups: [ %s ]
                  discovery:
                    max-new-nodes-per-hour: 100000
                    max-new-signals-per-hour: 10000000
                    max-new-devices-per-hour: 100000
                """.formatted(dir.resolve("data").toString().replace("\\", "/"), broker, sparkplug, ProcessHandle.current().pid(), group) + extra;
    }

    private String group() {
        return "Bench" + ProcessHandle.current().pid();
    }

    private LatheServer start(String yaml) throws Exception {
        return LatheServer.start(ConfigLoader.load(yaml, "bench.yaml", storeEnvironment()), false, InstantSource.system());
    }

    /** The store's settings from the environment ({@code LATHE_STORE_MEMORY_BUDGET_MB=256}, ...), to measure them; nothing else. */
    private static Map<String, String> storeEnvironment() {
        Map<String, String> env = new java.util.TreeMap<>();
        System.getenv().forEach((k, v) -> {
            if (k.startsWith("LATHE_STORE_")) env.put(k, v);
        });
        return env;
    }

    private static void awaitConnected(LatheServer server) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (!server.connectionStatuses().isEmpty() && server.connectionStatuses().stream().allMatch(s -> s.state().toString().equals("CONNECTED"))) return;
            Thread.sleep(20);
        }
        throw new IllegalStateException("Lathe's connections did not connect within 30 s: " + server.connectionStatuses());
    }

    private Run sparkplugThroughLathe(Path dir, boolean embedded, PrintWriter err) throws Exception {
        try (LatheServer server = start(config(dir, embedded ? "embedded" : mosquitto, true, plantYaml()))) {
            awaitConnected(server);
            String broker = embedded ? "tcp://127.0.0.1:" + server.mqttPort() : mosquitto;
            long t0 = System.currentTimeMillis() - 60_000;
            try (Child child = Child.start(List.of("--mode", "sparkplug", "--broker", broker, "--group", group(), "--nodes", "" + nodes,
                    "--metrics", "" + metrics, "--t0", "" + t0), dir)) {
                String probe = LoadProcess.metricName(metrics - 1);
                String[] ids = new String[nodes];
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (Arrays.stream(ids).anyMatch(x -> x == null)) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("the edge nodes' births did not reach the plant model within 60 s [signals="
                                + server.model().signals().size() + ", first=" + server.model().signals().stream().limit(3).map(x -> x.name() + "@" + x.source()).toList()
                                + ", connections=" + server.connectionStatuses() + "]");
                    }
                    for (Signal s : server.model().signals()) {
                        if (!s.name().equals(probe)) continue;
                        for (int n = 0; n < nodes; n++) if (s.source() != null && s.source().contains("/" + LoadProcess.nodeId(n) + "#")) ids[n] = s.id();
                    }
                    Thread.sleep(20);
                }
                defineAlarms(server, server.model().signals().stream().map(Signal::id).toList(), err);
                return measure("sparkplug", child, new StoreProbe(server, ids, t0), err);
            }
        }
    }

    private Run mqttJson(Path dir, PrintWriter err) throws Exception {
        StringBuilder fields = new StringBuilder();
        for (int m = 0; m < metrics; m++) {
            fields.append("          - { field: ").append(LoadProcess.metricName(m)).append(", signal: \"{1} ").append(LoadProcess.metricName(m)).append("\" }\n");
        }
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        String extra = plantYaml() + """
                connections:
                  - name: bench-json
                    type: mqtt-json
                    broker: tcp://127.0.0.1:%d
                    machine: bench.bench.area.line.machine
                    topics:
                      - topic: bench/+/data
                        timestamp-field: ts
                        fields:
                """.formatted(port) + fields;
        try (LatheServer server = start(config(dir, "embedded", false, extra).replace("    port: 0\n", "    port: " + port + "\n"))) {
            awaitConnected(server);
            long t0 = System.currentTimeMillis() - 60_000;
            try (Child child = Child.start(List.of("--mode", "json", "--broker", "tcp://127.0.0.1:" + server.mqttPort(), "--nodes", "" + nodes,
                    "--metrics", "" + metrics, "--t0", "" + t0), dir)) {
                String probe = LoadProcess.metricName(metrics - 1);
                String[] ids = new String[nodes];
                // signals of a topic level appear with its first message: grant one message per node first
                child.grant(nodes);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (Arrays.stream(ids).anyMatch(x -> x == null)) {
                    if (System.nanoTime() > deadline) throw new IllegalStateException("the JSON signals did not appear within 60 s: " + server.connectionStatuses());
                    for (Signal s : server.model().signals()) {
                        for (int n = 0; n < nodes; n++) if (s.name().equals(LoadProcess.nodeId(n) + " " + probe)) ids[n] = s.id();
                    }
                    Thread.sleep(20);
                }
                StoreProbe p = new StoreProbe(server, ids, t0);
                long firstDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (p.stored() < nodes) {
                    if (System.nanoTime() > firstDeadline) throw new IllegalStateException("the first JSON messages did not reach the store within 60 s");
                    p.readAll();
                    Thread.sleep(5);
                }
                p.reset();
                return measure("json", child, p, err);
            }
        }
    }

    /** The machine of {@link #plantYaml()}. */
    static final String MACHINE = "bench.bench.area.line.machine";

    /**
     * With {@code --alarms N}: N limit alarms, first one per ingested signal, the rest on signals that get no points.
     * The limit is far above every value the load sends (the Sparkplug probe carries epoch micros, about 1.8e15), so no
     * alarm changes state: the figure is the evaluation, not the journal.
     */
    private void defineAlarms(LatheServer server, List<String> ingested, PrintWriter err) {
        if (alarms <= 0) return;
        List<io.lathe.alarm.AlarmRule> rules = new ArrayList<>(alarms);
        for (int i = 0; i < alarms; i++) {
            String signal = i < ingested.size() ? ingested.get(i) : MACHINE + ".idle" + i;
            rules.add(new io.lathe.alarm.AlarmRule("bench.alarm.a" + i, "A" + i + " high", MACHINE,
                    new io.lathe.alarm.LimitKind(signal, io.lathe.alarm.LimitKind.Type.H, 1e18, 1), io.lathe.alarm.Priority.MEDIUM,
                    null, null, null, null, false, false, "config"));
        }
        server.alarms().engine().setRules(rules);
        err.printf(Locale.ROOT, "  %,d limit alarms, %,d of them on ingested signals%n", alarms, Math.min(alarms, ingested.size()));
    }

    private static String plantYaml() {
        return """
                plant:
                  enterprise: Bench
                  sites:
                    - name: Bench
                      areas:
                        - name: Area
                          lines:
                            - name: Line
                              machines:
                                - name: Machine
                """;
    }

    private Run bare(Path dir, boolean embedded, PrintWriter err) throws Exception {
        LatheServer server = embedded ? start(config(dir, "embedded", false, "")) : null;
        try {
            String broker = embedded ? "tcp://127.0.0.1:" + server.mqttPort() : mosquitto;
            java.net.URI u = java.net.URI.create(broker);
            BareSubscriber sub = new BareSubscriber(nodes);
            Mqtt3AsyncClient client = MqttClient.builder().useMqttVersion3().identifier("bench-bare-" + ProcessHandle.current().pid())
                    .serverHost(u.getHost()).serverPort(u.getPort()).buildAsync();
            client.connectWith().cleanSession(true).send().get(30, TimeUnit.SECONDS);
            client.subscribeWith().topicFilter("spBv1.0/" + group() + "/NDATA/+").qos(MqttQos.AT_MOST_ONCE)
                    .callback(m -> sub.take(m.getPayloadAsBytes())).send().get(30, TimeUnit.SECONDS);
            long t0 = System.currentTimeMillis() - 60_000;
            try (Child child = Child.start(List.of("--mode", "sparkplug", "--broker", broker, "--group", group(), "--nodes", "" + nodes,
                    "--metrics", "" + metrics, "--t0", "" + t0), dir)) {
                return measure("sparkplug", child, sub, err);
            } finally {
                client.disconnect().get(10, TimeUnit.SECONDS);
            }
        } finally {
            if (server != null) server.close();
        }
    }

    /**
     * The second ceiling: Lathe's own Sparkplug host (its births, aliases, seq checks and fast data reader) into a sink
     * that only counts, so nothing is queued, stored, shown or evaluated. Lathe's path decodes with this reader, which
     * is faster than Tahu's, so this is the ceiling with the same decoder.
     */
    private Run decodeOnly(Path dir, boolean embedded, PrintWriter err) throws Exception {
        LatheServer server = embedded ? start(config(dir, "embedded", false, "")) : null;
        try {
            String broker = embedded ? "tcp://127.0.0.1:" + server.mqttPort() : mosquitto;
            CountingSink sink = new CountingSink(metrics);
            // Lathe's host connects to its embedded broker as Lathe's internal user, whose client ids are reserved
            var internal = embedded ? server.embeddedBroker().internalCredential() : null;
            io.lathe.sparkplug.SparkplugHostConfig cfg = new io.lathe.sparkplug.SparkplugHostConfig("bench-decode-" + ProcessHandle.current().pid(),
                    broker, internal == null ? null : internal.username(), internal == null ? null : internal.password(), null, false, List.of(group()), java.time.Duration.ofSeconds(5), "Site", "Area")
                    .withDiscovery(new io.lathe.sparkplug.DiscoveryLimits(true, 100_000, 100_000, 10_000_000));
            try (io.lathe.sparkplug.SparkplugHost host = new io.lathe.sparkplug.SparkplugHost(cfg, new io.lathe.model.PlantModel("Bench"), sink,
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), InstantSource.system())) {
                host.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (host.status().state() != io.lathe.ingest.ConnectionState.CONNECTED) {
                    if (System.nanoTime() > deadline) throw new IllegalStateException("the decode-only host did not connect within 30 s: " + host.status());
                    Thread.sleep(20);
                }
                long t0 = System.currentTimeMillis() - 60_000;
                try (Child child = Child.start(List.of("--mode", "sparkplug", "--broker", broker, "--group", group(), "--nodes", "" + nodes,
                        "--metrics", "" + metrics, "--t0", "" + t0), dir)) {
                    // the births reach the sink as one batch of points per node: not part of the measured stream
                    long birthDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (sink.stored() < nodes) {
                        if (System.nanoTime() > birthDeadline) throw new IllegalStateException("the edge nodes' births did not reach the host within 60 s: " + host.status());
                        Thread.sleep(5);
                    }
                    sink.reset();
                    return measure("sparkplug", child, sink, err);
                }
            }
        } finally {
            if (server != null) server.close();
        }
    }

    /** Counts whole messages (a message's points arrive as one batch) and takes the latency from each one's last point. */
    static final class CountingSink implements io.lathe.ingest.PointSink, Sink {
        private final int metricsPerMessage;
        private final AtomicLong points = new AtomicLong();
        private final List<Long> latencies = new ArrayList<>();

        CountingSink(int metricsPerMessage) {
            this.metricsPerMessage = metricsPerMessage;
        }

        @Override
        public void accept(io.lathe.ingest.PointBatch batch) {
            int n = batch.size();
            if (n == 0) return;
            if (n == metricsPerMessage && !batch.historical(n - 1)) {
                long now = (long) LoadProcess.epochMicros();
                synchronized (latencies) {
                    latencies.add(now - (long) batch.value(n - 1).asDouble());
                }
            }
            points.addAndGet(n);
        }

        @Override
        public void accept(Signal signal, long timestampMicros, io.lathe.model.Value value, io.lathe.model.Quality quality, boolean historical) {
            points.incrementAndGet();
        }

        @Override
        public void markStale(Signal signal, long timestampMicros) {
        }

        private long base;

        void reset() {
            base = points.get();
            synchronized (latencies) {
                latencies.clear();
            }
        }

        @Override
        public long stored() {
            return (points.get() - base) / metricsPerMessage;
        }

        @Override
        public void drainLatencies(List<Long> into) {
            synchronized (latencies) {
                into.addAll(latencies);
                latencies.clear();
            }
        }
    }

    private Run http(Path dir, PrintWriter err) throws Exception {
        try (LatheServer server = start(config(dir, "embedded", false, alarms >= 0 ? plantYaml() : ""))) {
            String prefix = "http.s";
            if (alarms >= 0) {
                // the 1,000 series as plant signals of the bench machine, so the route passes their points to the fan-out
                List<String> ids = new ArrayList<>();
                for (int k = 0; k < 1000; k++) ids.add(server.model().addSignal(MACHINE, "s" + k, io.lathe.model.DataType.DOUBLE, "", "", "").id());
                prefix = MACHINE + ".s";
                if (!ids.get(999).equals(prefix + 999)) throw new IllegalStateException("unexpected signal id " + ids.get(999));
                defineAlarms(server, ids, err);
            }
            long t0 = System.currentTimeMillis() - 3_600_000;
            try (Child child = Child.start(List.of("--mode", "http", "--http", "http://127.0.0.1:" + server.httpPort(), "--token", "bench-token",
                    "--lines", "" + httpLines, "--concurrency", "" + httpConcurrency, "--t0", "" + t0, "--series-prefix", prefix), dir)) {
                var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
                long cpu0 = os.getProcessCpuTime();
                long start = System.nanoTime();
                long end = start + TimeUnit.SECONDS.toNanos(seconds);
                child.grant(httpConcurrency);
                long granted = httpConcurrency;
                long points = 0;
                List<Long> latencies = new ArrayList<>();
                try (Progress progress = Progress.start("  http", 0, "points", err, System.console() != null)) {
                    while (latencies.size() < granted) {
                        String line = child.line(120);
                        if (line.startsWith("error")) throw new IOException("HTTP ingest failed: " + line);
                        if (!line.startsWith("ack ")) continue;
                        String[] f = line.split(" ");
                        points += Long.parseLong(f[1]);
                        latencies.add(Long.parseLong(f[2]));
                        progress.set(points);
                        if (System.nanoTime() < end) {
                            child.grant(1);
                            granted++;
                        }
                    }
                }
                double secs = (System.nanoTime() - start) / 1e9;
                double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
                long[] lat = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
                return new Run("http", points, secs, cpu, lat, "latency = request until its durable answer, " + httpLines + " lines each");
            }
        }
    }

    // ---- measuring ----

    /** What the consumer has taken so far: messages per node, and latency samples. */
    interface Sink {
        /** Messages taken (all nodes). */
        long stored();

        /** Latency samples (micros) since the last call. */
        void drainLatencies(List<Long> into);

        /** Called every millisecond or so by the measuring loop. */
        default void poll() {}
    }

    /** Lathe's store as the sink: the latest point of each node's probe signal tells its message index and publish time. */
    static final class StoreProbe implements Sink {
        private final LatheServer server;
        private final String[] ids;
        private final long t0;
        private final long[] index;
        private final double[] lastValue;
        private final List<Long> latencies = new ArrayList<>();
        private long base;

        StoreProbe(LatheServer server, String[] ids, long t0) {
            this.server = server;
            this.ids = ids;
            this.t0 = t0;
            this.index = new long[ids.length];
            this.lastValue = new double[ids.length];
            Arrays.fill(index, -1);
        }

        void reset() {
            readAll();
            base = rawStored();
            latencies.clear();
        }

        private int next;

        /**
         * One node per call (round-robin): the store's {@code latest} takes the store's lock, and polling every node
         * each time would contend with the ingest it measures. {@link #reset()} reads them all.
         */
        @Override
        public void poll() {
            read(next);
            next = (next + 1) % ids.length;
        }

        private void readAll() {
            for (int n = 0; n < ids.length; n++) read(n);
        }

        private void read(int n) {
            long now = (long) LoadProcess.epochMicros();
            {
                Optional<LatestPoint> p = server.store().latest(ids[n]);
                if (p.isEmpty()) return;
                long i = p.get().timestampMicros() / 1000 - t0;
                if (i > index[n]) {
                    index[n] = i;
                    double v = p.get().value().asDouble();
                    if (v != lastValue[n]) {
                        lastValue[n] = v;
                        latencies.add(now - (long) v);
                    }
                }
            }
        }

        private long rawStored() {
            long s = 0;
            for (long i : index) s += i + 1;
            return s;
        }

        @Override
        public long stored() {
            return rawStored() - base;
        }

        @Override
        public void drainLatencies(List<Long> into) {
            into.addAll(latencies);
            latencies.clear();
        }
    }

    /** The ceiling: an MQTT subscriber that decodes each NDATA with Tahu and counts its metrics, nothing else. */
    static final class BareSubscriber implements Sink {
        private final SparkplugBPayloadDecoder decoder = new SparkplugBPayloadDecoder();
        private final AtomicLong messages = new AtomicLong();
        private final AtomicLong metricCount = new AtomicLong();
        private final List<Long> latencies = new ArrayList<>();

        BareSubscriber(int nodes) {
        }

        void take(byte[] payload) {
            try {
                SparkplugBPayload p = decoder.buildFromByteArray(payload, null);
                List<Metric> ms = p.getMetrics();
                metricCount.addAndGet(ms.size());
                Object v = ms.get(ms.size() - 1).getValue();
                long now = (long) LoadProcess.epochMicros();
                synchronized (latencies) {
                    latencies.add(now - (long) ((Double) v).doubleValue());
                }
                messages.incrementAndGet();
            } catch (Exception e) {
                throw new IllegalStateException("undecodable NDATA", e);
            }
        }

        @Override
        public long stored() {
            return messages.get();
        }

        @Override
        public void drainLatencies(List<Long> into) {
            synchronized (latencies) {
                into.addAll(latencies);
                latencies.clear();
            }
        }
    }

    /**
     * Grants messages to the child while keeping at most {@code window} of them unconsumed (and, with {@code --rate}, no
     * more than the rate), for {@code seconds}; then waits until everything granted is consumed.
     */
    private Run measure(String kind, Child child, Sink sink, PrintWriter err) throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        List<Long> latencies = new ArrayList<>();
        sink.poll();
        long cpu0 = os.getProcessCpuTime();
        long start = System.nanoTime();
        // The warm-up is the same loop with the clock, counters and latencies started again when it ends.
        boolean warming = warmup > 0;
        long end = start + TimeUnit.SECONDS.toNanos(warming ? warmup : seconds);
        long stored0 = 0;
        long paceBase = 0;
        long granted = 0;
        double messagesPerSecond = rate > 0 ? rate / (double) metrics : Double.MAX_VALUE;
        long lastProgressNanos = start;
        long lastStored = 0;
        try (Progress progress = Progress.start("  " + kind + (warming ? " (warm-up " + warmup + " s, then measured)" : ""), 0, "metrics", err,
                System.console() != null)) {
            while (true) {
                long now = System.nanoTime();
                sink.poll();
                long stored = sink.stored();
                if (stored != lastStored) {
                    lastStored = stored;
                    lastProgressNanos = now;
                }
                if (warming && now >= end) {
                    warming = false;
                    stored0 = stored;
                    sink.drainLatencies(new ArrayList<>());
                    cpu0 = os.getProcessCpuTime();
                    start = now;
                    end = start + TimeUnit.SECONDS.toNanos(seconds);
                    // With --rate the pace restarts with the clock, on top of what the warm-up was granted.
                    paceBase = granted;
                }
                if (now < end) {
                    long allowedByRate = rate > 0 ? paceBase + (long) ((now - start) / 1e9 * messagesPerSecond) + 1 : Long.MAX_VALUE;
                    long target = Math.min(stored + window, allowedByRate);
                    if (target > granted) {
                        child.grant((int) (target - granted));
                        granted = target;
                    }
                } else if (!warming && stored >= granted) {
                    break;
                }
                if (now - lastProgressNanos > TimeUnit.SECONDS.toNanos(30)) {
                    throw new IllegalStateException("no progress for 30 s: " + stored + " of " + granted + " messages consumed (a broker dropped some?)");
                }
                progress.set((stored - stored0) * metrics);
                Thread.sleep(1);
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        sink.drainLatencies(latencies);
        long[] lat = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        return new Run(kind, (sink.stored() - stored0) * metrics, secs, cpu, lat, "");
    }

    /** The load process: {@code lathe bench ingest-load ...} in a child JVM on this JVM's class path. */
    static final class Child implements AutoCloseable {
        private final Process process;
        private final PrintWriter in;
        private final BufferedReader out;

        private Child(Process process) {
            this.process = process;
            this.in = new PrintWriter(process.outputWriter(StandardCharsets.UTF_8), true);
            this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        }

        static Child start(List<String> args, Path dir) throws Exception {
            String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-cp", System.getProperty("java.class.path"), "io.lathe.server.cli.Main", "bench", "ingest-load"));
            cmd.addAll(args);
            Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("load.err").toFile()).start();
            Child c = new Child(p);
            String first = c.line(60);
            if (!first.equals("ready")) throw new IOException("load process said " + first + "; see " + dir.resolve("load.err"));
            return c;
        }

        void grant(int messages) {
            in.println(messages);
        }

        String line(int timeoutSeconds) throws IOException {
            String l = out.readLine();
            if (l == null) throw new IOException("the load process ended (exit " + (process.isAlive() ? "?" : process.exitValue()) + ")");
            return l;
        }

        @Override
        public void close() throws Exception {
            in.println("stop");
            if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return String.format(Locale.ROOT, "%.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    private static void writeDoc(Path file, String table) throws IOException {
        String start = "<!-- ingest-bench:start -->", end = "<!-- ingest-bench:end -->";
        String text = Files.readString(file);
        int a = text.indexOf(start), b = text.indexOf(end);
        String block = start + "\n" + table + end;
        text = a >= 0 && b > a ? text.substring(0, a) + block + text.substring(b + end.length())
                : text + "\n## Ingest end to end: lathe bench ingest\n\n" + block + "\n";
        Files.writeString(file, text);
    }

    private static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path x : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }
}
