package io.lathe.browser;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lathe.auth.Actor;
import io.lathe.auth.RoleGrants;
import io.lathe.server.LatheServer;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.Keys;
import io.lathe.server.config.LatheConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code lathe demo} in the test JVM, exactly as the command starts it (the built-in demo.yaml, real embedded broker,
 * virtual factory, OPC UA and Modbus machines), on a free HTTP port and a throw-away data folder, with one operator
 * added the way {@code lathe user add} does it.
 */
final class DemoUnderTest implements AutoCloseable {
    static final String OPERATOR = "olga";
    static final String OPERATOR_PASSWORD = "tablet-at-the-lathe-42";
    static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final LatheServer server;
    final String base;

    private DemoUnderTest(LatheServer server) {
        this.server = server;
        this.base = "http://127.0.0.1:" + server.httpPort() + "/";
    }

    static DemoUnderTest start(Path dataDir) throws Exception {
        LatheConfig cfg;
        try (InputStream in = LatheServer.class.getResourceAsStream("/io/lathe/server/demo.yaml")) {
            cfg = ConfigLoader.load(new String(in.readAllBytes(), StandardCharsets.UTF_8), "demo.yaml", Map.of());
        }
        cfg = cfg.withSettings(cfg.settings()
                .with(Keys.HTTP_PORT, 0, "test")
                .with(Keys.MQTT_EMBEDDED_HOST, "127.0.0.1", "test")
                .with(Keys.MQTT_EMBEDDED_PORT, freePort(), "test")
                .with(Keys.DATA_DIR, dataDir.toString(), "test"));
        LatheServer server = LatheServer.start(cfg, true, InstantSource.system());
        try {
            server.accessControl().users().add(Actor.commandLine(), OPERATOR, OPERATOR_PASSWORD, RoleGrants.parse("operator"), false);
            return new DemoUnderTest(server);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    LatheServer server() {
        return server;
    }

    JsonNode get(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) throw new AssertionError("GET " + pathAndQuery + " answered " + r.statusCode() + ": " + r.body());
        return JSON.readTree(r.body());
    }

    /** Every asset of one level in the plant tree, depth first (the page's order). */
    List<JsonNode> assets(String level) throws IOException, InterruptedException {
        List<JsonNode> out = new ArrayList<>();
        collect(get("api/assets"), level, out);
        return out;
    }

    private static void collect(JsonNode a, String level, List<JsonNode> out) {
        if (a.path("level").asText().equals(level)) out.add(a);
        for (JsonNode c : a.path("children")) collect(c, level, out);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
