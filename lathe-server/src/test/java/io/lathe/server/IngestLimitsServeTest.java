package io.lathe.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lathe.api.IngestLimits;
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
import java.time.InstantSource;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code server.ingest.*} limits as {@code serve} reads them from its configuration. */
class IngestLimitsServeTest {
    private static final String TOKEN = "ingest-limits-serve-token";

    @TempDir
    Path dir;

    @Test
    void theDefaultsOfTheSettingsAreTheApiDefaults() {
        assertThat(Long.parseLong(Keys.INGEST_MAX_BODY_BYTES.defaultValue())).isEqualTo(IngestLimits.DEFAULT_MAX_BODY_BYTES);
        assertThat(Integer.parseInt(Keys.INGEST_MAX_LINE_BYTES.defaultValue())).isEqualTo(IngestLimits.DEFAULT_MAX_LINE_BYTES);
        assertThat(Integer.parseInt(Keys.INGEST_MAX_NEW_SERIES.defaultValue())).isEqualTo(IngestLimits.DEFAULT_MAX_NEW_SERIES);
        assertThat(Keys.INGEST_MAX_BODY_BYTES.name()).isEqualTo(IngestLimits.MAX_BODY_KEY);
        assertThat(Keys.INGEST_MAX_LINE_BYTES.name()).isEqualTo(IngestLimits.MAX_LINE_KEY);
        assertThat(Keys.INGEST_MAX_NEW_SERIES.name()).isEqualTo(IngestLimits.MAX_NEW_SERIES_KEY);
    }

    @Test
    void aConfiguredBodyLimitIsEnforcedAndNamedInThe413() throws Exception {
        LatheConfig cfg = config();
        cfg = cfg.withSettings(cfg.settings().with(Keys.INGEST_MAX_BODY_BYTES, 4096L, "test"));
        try (LatheServer server = LatheServer.start(cfg, false, InstantSource.system())) {
            String body = "limited,1767250800000,1\n".repeat(200); // 4800 bytes
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + server.httpPort() + "/api/ingest"))
                    .header("Content-Type", "text/csv").header("Authorization", "Bearer " + TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(413);
            JsonNode a = new ObjectMapper().readTree(r.body());
            assertThat(a.get("code").asText()).isEqualTo("body_too_large");
            assertThat(a.get("message").asText()).contains("limit=4096").contains("server.ingest.max-body-bytes");
        }
    }

    @Test
    void anImpossibleLineLimitStopsTheStartWithExitCode2() throws Exception {
        LatheConfig cfg = config();
        LatheConfig bad = cfg.withSettings(cfg.settings().with(Keys.INGEST_MAX_LINE_BYTES, 10, "test"));
        try {
            LatheServer.start(bad, false, InstantSource.system()).close();
            throw new AssertionError("started with a 10-byte line limit");
        } catch (StartupException e) {
            assertThat(e.exitCode()).isEqualTo(2);
            assertThat(e.getMessage()).contains("server.ingest.max-line-bytes").contains("1024");
        }
    }

    private LatheConfig config() throws Exception {
        LatheConfig cfg;
        try (InputStream in = LatheServer.class.getResourceAsStream("/io/lathe/server/demo.yaml")) {
            cfg = ConfigLoader.load(new String(in.readAllBytes(), StandardCharsets.UTF_8), "demo.yaml", Map.of());
        }
        return cfg.withSettings(cfg.settings()
                .with(Keys.HTTP_PORT, 0, "test")
                .with(Keys.MQTT_BROKER, "tcp://127.0.0.1:1", "test")
                .with(Keys.SPARKPLUG_ENABLED, false, "test")
                .with(Keys.INGEST_TOKEN, TOKEN, "test")
                .with(Keys.DATA_DIR, dir.toString(), "test"));
    }
}
