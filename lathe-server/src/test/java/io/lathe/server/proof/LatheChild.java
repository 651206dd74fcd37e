package io.lathe.server.proof;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Lathe ({@code io.lathe.server.cli.Main}) in a child JVM, so a test can SIGKILL it as an operator's {@code kill -9}
 * or a power cut would, and start it again on the same data folder. The child runs on this JVM's own class path and
 * java binary, with {@code --http-port 0} and {@code LATHE_AUTH_ANONYMOUS_READ=true}; its HTTP port is read from the
 * start-up banner. stdout and stderr of every
 * start go to one log file per child (appended), which failures point to.
 */
final class LatheChild implements AutoCloseable {
    private static final Pattern DASHBOARD = Pattern.compile("Dashboard\\s+http://[^:/]+:(\\d+)/");
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final Path stdout;
    private final Path log;
    private final long startedMillis;
    /** Length of the (appended) log before this start, so a start reads only its own lines. */
    private final long logOffset;
    private volatile int port = -1;

    private LatheChild(Process process, Path stdout, Path log, long startedMillis, long logOffset) {
        this.process = process;
        this.stdout = stdout;
        this.log = log;
        this.startedMillis = startedMillis;
        this.logOffset = logOffset;
    }

    /**
     * Starts {@code lathe <args> --http-port 0} without waiting for it.
     *
     * @param logDir folder for {@code <name>.out} (this start's stdout, for the banner) and {@code <name>.log} (everything)
     */
    static LatheChild launch(String name, Path logDir, List<String> args) throws IOException {
        return launch(name, logDir, args, java.util.Map.of());
    }

    /** As {@link #launch(String, Path, List)}, with further environment variables (settings) for the child. */
    static LatheChild launch(String name, Path logDir, List<String> args, java.util.Map<String, String> env) throws IOException {
        Files.createDirectories(logDir);
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "--enable-native-access=ALL-UNNAMED", "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
                "-cp", classPath(), "io.lathe.server.cli.Main"));
        cmd.addAll(args);
        cmd.addAll(List.of("--http-port", "0"));
        Path out = logDir.resolve(name + ".out");
        Path log = logDir.resolve(name + ".log");
        Files.deleteIfExists(out);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // The proofs read history, KPIs, live values and metrics without logging in (auth.anonymous-read). Set in the
        // environment rather than the file, so the same configuration also starts builds that predate the key.
        pb.environment().put("LATHE_AUTH_ANONYMOUS_READ", "true");
        pb.environment().putAll(env);
        // More settings for a reproduction, e.g. -Dlathe.proof.child-env=LATHE_STORE_FLUSH_INTERVAL=20s (comma-separated).
        for (String kv : System.getProperty("lathe.proof.child-env", "").split(",")) {
            int eq = kv.indexOf('=');
            if (eq > 0) pb.environment().put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        long offset = Files.exists(log) ? Files.size(log) : 0;
        long t0 = System.currentTimeMillis();
        Process p = pb.start();
        // Should the test JVM itself be stopped, its children go with it.
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly, "lathe-child-reaper-" + p.pid()));
        return new LatheChild(p, out, log, t0, offset);
    }

    /**
     * This JVM's class path, after the jars of {@code -Dlathe.proof.child-classpath-prefix} (path-separated) if set: to
     * run the proofs against an older build of one module, as when checking that a proof fails without its fix.
     */
    static String classPath() {
        String prefix = System.getProperty("lathe.proof.child-classpath-prefix", "");
        String cp = System.getProperty("java.class.path");
        return prefix.isBlank() ? cp : prefix + java.io.File.pathSeparator + cp;
    }

    /** Epoch millis just before the process was started. */
    long startedMillis() {
        return startedMillis;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits for the start-up banner (the server is then up: store replayed, API listening, connections started). When
     * it does not come the child is killed, so a failed start leaves no process behind.
     */
    LatheChild awaitReady(Duration timeout) throws Exception {
        try {
            return waitForBanner(timeout);
        } catch (Exception | AssertionError e) {
            close();
            throw e;
        }
    }

    private LatheChild waitForBanner(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(stdout)) {
                Matcher m = DASHBOARD.matcher(Files.readString(stdout));
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                    return this;
                }
            }
            // A failed start can leave non-daemon threads running: the process lives on without ever serving.
            if (ownLog().contains("Exception in thread \"main\"")) {
                throw new AssertionError("Lathe failed to start; see " + log + "\n" + tail(log, 40));
            }
            if (!process.isAlive()) {
                throw new AssertionError("Lathe exited with " + process.exitValue() + " before it was ready; see " + log + " and " + stdout
                        + "\n" + tail(log, 40));
            }
            Thread.sleep(100);
        }
        throw new AssertionError("Lathe was not ready within " + timeout + "; see " + log + "\n" + tail(log, 40));
    }

    private String ownLog() throws IOException {
        if (!Files.exists(log)) return "";
        byte[] all = Files.readAllBytes(log);
        return new String(all, (int) Math.min(logOffset, all.length), (int) Math.max(0, all.length - logOffset), StandardCharsets.UTF_8);
    }

    String base() {
        if (port < 0) throw new IllegalStateException("not ready");
        return "http://127.0.0.1:" + port;
    }

    /** SIGKILL, as kill -9: no shutdown hook, no flush. Returns the epoch millis just before the signal. */
    long kill() throws InterruptedException {
        long t = System.currentTimeMillis();
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) throw new AssertionError("child " + process.pid() + " survived SIGKILL");
        return t;
    }

    /** SIGTERM and wait: the server closes its store and connections. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) kill();
    }

    // ---- HTTP helpers ----

    HttpResponse<String> get(String pathAndQuery, Duration timeout) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base() + pathAndQuery)).timeout(timeout).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    JsonNode getJson(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> r = get(pathAndQuery, Duration.ofSeconds(60));
        if (r.statusCode() != 200) throw new AssertionError("GET " + pathAndQuery + " answered " + r.statusCode() + ": " + r.body());
        return JSON.readTree(r.body());
    }

    /** Signal source ({@code sparkplug:G/N/D#Metric}) or {@code machine-path/signal name} to signal id, from /api/assets. */
    Map<String, String> signalIds() throws IOException, InterruptedException {
        Map<String, String> out = new HashMap<>();
        collect(getJson("/api/assets"), "", out);
        return out;
    }

    /** Asset path below the enterprise ({@code Site/Area/Line/Machine}) to asset id, from /api/assets. */
    Map<String, String> assetIds() throws IOException, InterruptedException {
        Map<String, String> out = new HashMap<>();
        collectAssets(getJson("/api/assets"), "", out);
        return out;
    }

    private static void collectAssets(JsonNode asset, String path, Map<String, String> out) {
        String p = path(asset, path);
        if (!p.isEmpty()) out.put(p, asset.get("id").asText());
        for (JsonNode c : asset.get("children")) collectAssets(c, p, out);
    }

    private static String path(JsonNode asset, String parent) {
        return asset.get("level").asText().equals("enterprise") ? "" : parent.isEmpty() ? asset.get("name").asText()
                : parent + "/" + asset.get("name").asText();
    }

    private static void collect(JsonNode asset, String path, Map<String, String> out) {
        String p = path(asset, path);
        JsonNode signals = asset.get("signals");
        if (signals != null) {
            for (JsonNode s : signals) {
                out.put(p + "/" + s.get("name").asText(), s.get("id").asText());
                String src = s.path("source").asText("");
                if (!src.isEmpty()) out.put(src, s.get("id").asText());
            }
        }
        for (JsonNode c : asset.get("children")) collect(c, p, out);
    }

    /** Raw points of a series between two epoch-millis bounds, as (µs timestamp, JSON value), in stored order. */
    List<Point> history(String series, long fromMillis, long toMillis) throws IOException, InterruptedException {
        JsonNode h = getJson("/api/signals/" + URLEncoder.encode(series, StandardCharsets.UTF_8).replace("+", "%20")
                + "/history?from=" + fromMillis + "&to=" + toMillis);
        List<Point> out = new ArrayList<>();
        for (JsonNode p : h.get("points")) out.add(new Point(p.get("tMicros").asLong(), p.get("v")));
        return out;
    }

    /** One stored point as the history API returns it. */
    record Point(long micros, JsonNode value) {}

    static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            Thread.sleep(200);
        }
    }

    static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
