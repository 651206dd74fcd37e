package io.lathe.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lathe.ingest.LiveState;
import io.lathe.model.PlantModel;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 9.6 over HTTP: the store on a 4 MB tmpfs that is filled up and freed again. /health said "up" while the store
 * refused every point, and the refusals were exported nowhere. Needs root to mount; skipped with the reason otherwise.
 */
class StoreDownTest {
    private static final String TOKEN = "store-down-token";
    private static final long T0_MS = 1_767_250_800_000L; // 2026-01-01T07:00:00Z

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private Path mount;
    private Path filler;
    private TelemetryStore store;
    private ApiServer server;
    private String base;

    @BeforeEach
    void start() throws Exception {
        mount = Files.createTempDirectory("lathe-api-diskfull");
        String out = run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount.toString());
        if (out != null) {
            Files.deleteIfExists(mount);
            mount = null;
            Assumptions.abort("cannot mount a 4 MB tmpfs to fill up (needs root): " + out);
        }
        store = TelemetryStore.open(StoreSettings.defaults(mount.resolve("store")).withFlushInterval(Duration.ofHours(1))
                .withWalSyncInterval(Duration.ofMillis(5)));
        server = ApiServer.create(new ApiSettings("127.0.0.1", 0, TOKEN), new PlantModel("Acme"), new LiveState(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List::of, store);
        base = "http://127.0.0.1:" + server.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) server.close();
        if (filler != null) Files.deleteIfExists(filler);
        if (store != null) store.close();
        if (mount == null) return;
        String out = run("umount", "-l", mount.toString());
        if (out != null) System.err.println("umount " + mount + " failed: " + out);
        Files.deleteIfExists(mount);
    }

    @Test
    void aFullDiskTurnsHealthDownWithTheReasonCountsTheRejectsAndAResentBatchIsStoredOnceAfterRecovery() throws Exception {
        assertThat(ingest(0, 10).statusCode()).isEqualTo(200);
        assertThat(get("/health").statusCode()).isEqualTo(200);
        assertThat(scrape()).contains("lathe_store_available 1.0").contains("lathe_store_rejected_points_total{reason=\"unavailable\"} 0.0");

        fill();
        // The log's last page may still take a few records: send small batches until the store refuses.
        HttpResponse<String> refused = null;
        int next = 10;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            HttpResponse<String> r = ingest(next, 10);
            if (r.statusCode() == 503) {
                refused = r;
                break;
            }
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            next += 10;
        }
        assertThat(refused).as("ingest is refused on a full disk").isNotNull();
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        JsonNode error = json.readTree(refused.body());
        assertThat(error.get("code").asText()).isEqualTo("unavailable");
        assertThat(error.get("message").asText()).contains("No space left on device").contains("send all of it again");

        // The batch that met the full disk may already be in the store's memory (not acknowledged: its log write
        // failed); the next one is refused whole, and its lines are counted.
        HttpResponse<String> again = ingest(next + 10, 10);
        assertThat(again.statusCode()).as(again.body()).isEqualTo(503);

        HttpResponse<String> health = get("/health");
        assertThat(health.statusCode()).isEqualTo(503);
        JsonNode h = json.readTree(health.body());
        assertThat(h.get("status").asText()).isEqualTo("down");
        assertThat(h.get("reasons").get(0).asText()).contains("No space left on device");
        String metrics = scrape();
        assertThat(metrics).contains("lathe_store_available 0.0");
        // The refused batch's 10 lines are counted: by HTTP ingest when it refused them before offering them to the
        // store, or by the store for the ones it refused itself.
        assertThat(counter(metrics, "lathe_ingest_http_rejects_total{reason=\"unavailable\"}")
                + counter(metrics, "lathe_store_rejected_points_total{reason=\"unavailable\"}")).isGreaterThanOrEqualTo(10);

        Files.delete(filler);
        filler = null;
        waitFor("GET /health answers 200 again", () -> get("/health").statusCode() == 200);
        // The client resends both refused batches (and, having lost count, the one before): each point is stored once.
        assertThat(ingest(next - 10, 30).statusCode()).isEqualTo(200);
        JsonNode points = json.readTree(get("/api/signals/flow/history?from=2026-01-01&to=2026-01-02").body()).get("points");
        assertThat(points.size()).isEqualTo(next + 20);
        for (int i = 0; i < points.size(); i++) assertThat(points.get(i).get("v").asDouble()).isEqualTo(i);
    }

    /** Posts points {@code from .. from+n-1} of series flow, one a second, value = index. */
    private HttpResponse<String> ingest(int from, int n) throws Exception {
        StringBuilder b = new StringBuilder("series,timestamp,value\n");
        for (int i = from; i < from + n; i++) b.append("flow,").append(T0_MS + i * 1000L).append(',').append(i).append('\n');
        return http.send(HttpRequest.newBuilder(URI.create(base + "/api/ingest")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "text/csv").header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString(b.toString())).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String scrape() {
        return get("/metrics").body();
    }

    private static double counter(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertThat(m.find()).as("%s in /metrics", series).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private void fill() throws IOException {
        filler = mount.resolve("filler");
        byte[] chunk = new byte[4096];
        try (OutputStream o = Files.newOutputStream(filler)) {
            while (true) o.write(chunk);
        } catch (IOException full) {
            // expected: No space left on device
        }
    }

    private static void waitFor(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting until " + what);
            Thread.sleep(50);
        }
    }

    /** Runs a command; null when it succeeded, else its output and exit code. */
    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "timed out: " + String.join(" ", cmd);
        }
        return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + text;
    }
}
