package io.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.Keys;
import io.lathe.server.config.LatheConfig;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// Issue 2, test 1: virtual factory -> embedded broker -> Sparkplug host -> /api/assets and /api/live.
class DemoEndToEndTest {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void demoPlantAppearsInTheApiAndItsValuesChangeOnTheLiveStream() throws Exception {
        LatheConfig cfg;
        try (InputStream in = getClass().getResourceAsStream("/io/lathe/server/demo.yaml")) {
            cfg = ConfigLoader.load(new String(in.readAllBytes(), StandardCharsets.UTF_8), "demo.yaml", Map.of());
        }
        cfg = cfg.withSettings(cfg.settings()
                .with(Keys.HTTP_PORT, 0, "test")
                .with(Keys.MQTT_EMBEDDED_HOST, "127.0.0.1", "test")
                .with(Keys.MQTT_EMBEDDED_PORT, freePort(), "test")
                .with(Keys.DATA_DIR, dir.toString(), "test")
                .with(Keys.SIM_SPEED, 30.0, "test"));
        try (LatheServer server = LatheServer.start(cfg, true, InstantSource.system())) {
            String base = "http://127.0.0.1:" + server.httpPort();

            JsonNode tree = json.readTree(get(base + "/api/assets"));
            assertThat(tree.get("level").asText()).isEqualTo("enterprise");
            List<JsonNode> machines = new ArrayList<>();
            collect(tree, "machine", machines);
            assertThat(machines).hasSizeGreaterThanOrEqualTo(8);
            // Every device of the demo is declared in demo.yaml, so nothing should land in the discovery site.
            List<String> sites = new ArrayList<>();
            tree.get("children").forEach(site -> sites.add(site.get("name").asText()));
            assertThat(sites).containsExactly("Springfield");
            JsonNode first = machines.get(0);
            assertThat(first.get("signals")).isNotEmpty();
            assertThat(json.readTree(get(base + "/api/assets/" + first.get("id").asText())).get("id").asText())
                    .isEqualTo(first.get("id").asText());

            // Read the live stream until some signal has shown two different values.
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + "/api/live")).build();
            HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            Map<String, Set<String>> valuesBySignal = new HashMap<>();
            String changed = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(resp.body(), StandardCharsets.UTF_8))) {
                String line;
                while (changed == null && System.nanoTime() < deadline && (line = r.readLine()) != null) {
                    if (!line.startsWith("data:")) continue;
                    JsonNode ev = json.readTree(line.substring(5));
                    if (!ev.has("signal")) continue; // the "ready" event that ends the snapshot
                    String sig = ev.get("signal").asText();
                    Set<String> seen = valuesBySignal.computeIfAbsent(sig, k -> new TreeSet<>());
                    seen.add(ev.get("value").toString());
                    if (seen.size() >= 2) changed = sig;
                }
            }
            assertThat(changed).as("a signal whose value changed on /api/live").isNotNull();
            JsonNode latest = json.readTree(get(base + "/api/signals/" + changed + "/latest"));
            assertThat(latest.get("quality").asText()).isEqualTo("good");
            assertThat(get(base + "/metrics")).contains("lathe_ingest_messages_total");
        }
    }

    private String get(String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url).isEqualTo(200);
        return r.body();
    }

    private static void collect(JsonNode n, String level, List<JsonNode> out) {
        if (n.get("level").asText().equals(level)) out.add(n);
        for (JsonNode c : n.get("children")) collect(c, level, out);
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
