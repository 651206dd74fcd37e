package io.lathe.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.lathe.server.LatheServer;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.Keys;
import io.lathe.server.config.LatheConfig;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// Issue 3, HTTP: the demo's history is kept across restarts and served by /api/signals/{id}/history.
class HistoryAcrossRestartTest {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void historyWrittenBeforeARestartIsServedAfterIt() throws Exception {
        // Operators restart Lathe; charts must still show what was recorded before.
        LatheConfig cfg = demoConfig();
        Instant t0 = Instant.now().minusSeconds(600);
        long t0Micros = t0.toEpochMilli() * 1000;
        String signalId;
        try (LatheServer first = LatheServer.start(cfg, false, InstantSource.system())) {
            Signal temperature = first.model().signals().stream()
                    .filter(s -> s.name().equals("Temperature")).findFirst().orElseThrow();
            signalId = temperature.id();
            for (int i = 0; i < 300; i++) {
                first.store().accept(temperature, t0Micros + i * 1_000_000L, Value.of(40.0 + i * 0.1), Quality.GOOD, false);
            }
            first.store().sync();
        }
        try (LatheServer second = LatheServer.start(cfg, false, InstantSource.system())) {
            String base = "http://127.0.0.1:" + second.httpPort() + "/api/signals/" + signalId + "/history";
            JsonNode raw = get(base);
            assertThat(raw.get("points")).hasSize(300);
            assertThat(raw.get("points").get(0).get("tMicros").asLong()).isEqualTo(t0Micros);
            assertThat(raw.get("points").get(299).get("v").asDouble()).isEqualTo(40.0 + 299 * 0.1);
            JsonNode bucketed = get(base + "?from=" + t0.toEpochMilli() + "&to=" + (t0.toEpochMilli() + 300_000) + "&buckets=3&agg=count");
            assertThat(bucketed.get("points").findValuesAsText("v")).containsExactly("100", "100", "100");
        }
    }

    private LatheConfig demoConfig() throws Exception {
        LatheConfig cfg;
        try (InputStream in = LatheServer.class.getResourceAsStream("/io/lathe/server/demo.yaml")) {
            cfg = ConfigLoader.load(new String(in.readAllBytes(), StandardCharsets.UTF_8), "demo.yaml", Map.of());
        }
        // No broker and no Sparkplug host: this test is about the store and the HTTP API only.
        return cfg.withSettings(cfg.settings()
                .with(Keys.HTTP_PORT, 0, "test").with(Keys.AUTH_ANONYMOUS_READ, true, "test") /* reads without login: this test is not about access */
                .with(Keys.HTTP_HOST, "127.0.0.1", "test")
                .with(Keys.MQTT_BROKER, "tcp://127.0.0.1:1", "test")
                .with(Keys.SPARKPLUG_ENABLED, false, "test")
                .with(Keys.DATA_DIR, dir.toString(), "test"));
    }

    private JsonNode get(String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json.readTree(r.body());
    }
}
