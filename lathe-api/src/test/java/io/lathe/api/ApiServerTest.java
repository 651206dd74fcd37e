package io.lathe.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lathe.ingest.ConnectionState;
import io.lathe.ingest.ConnectionStatus;
import io.lathe.ingest.LiveState;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ApiServerTest {

    private static final long T0 = 1_767_250_800_000_000L; // 2026-01-01T07:00:00Z in microseconds
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(WAIT).build();
    private PlantModel model;
    private LiveState live;
    private PrometheusMeterRegistry metrics;
    private ApiServer server;
    private String base;
    private String pressId;
    private Signal pressState;
    private Signal pressTemperature;
    private Signal lathePower;

    @BeforeEach
    void start() throws Exception {
        model = new PlantModel("Acme");
        String site = model.addChild(model.rootId(), "Plant 1", "Main site", "");
        String area = model.addChild(site, "Stamping", "", "");
        String line = model.addChild(area, "Line A", "", "");
        pressId = model.addChild(line, "Press 3", "500 t press", "sparkplug:G1/E1/Press3");
        pressState = model.addSignal(pressId, "State", DataType.TEXT, "", "machine state", "sparkplug:G1/E1/Press3#State");
        pressTemperature = model.addSignal(pressId, "Temperature", DataType.DOUBLE, "°C", "oil temperature", "");
        String otherLine = model.addChild(area, "Line B", "", "");
        String lathe = model.addChild(otherLine, "Lathe 1", "", "");
        lathePower = model.addSignal(lathe, "Power", DataType.DOUBLE, "kW", "", "");
        live = new LiveState();
        metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        List<ConnectionStatus> connections = List.of(new ConnectionStatus("plant-broker", "sparkplug", "tcp://127.0.0.1:1883",
                ConnectionState.CONNECTED, null, Instant.parse("2026-01-01T07:00:00Z"), 42, 0, 3.5));
        server = ApiServer.create(new ApiSettings("127.0.0.1", 0), model, live, metrics, () -> connections);
        int port = server.start();
        base = "http://127.0.0.1:" + port;
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void assetsListsTheWholeTreeWithLevelsAndMachineDetails() throws Exception {
        // The dashboard builds its tree from this one call, so every level and the machine fields must be there.
        JsonNode root = getJson("/api/assets", 200);
        assertThat(root.get("id").asText()).isEqualTo("acme");
        assertThat(root.get("level").asText()).isEqualTo("enterprise");
        JsonNode site = root.get("children").get(0);
        JsonNode area = site.get("children").get(0);
        JsonNode line = area.get("children").get(0);
        JsonNode press = line.get("children").get(0);
        assertThat(List.of(site.get("level").asText(), area.get("level").asText(), line.get("level").asText(), press.get("level").asText()))
                .containsExactly("site", "area", "line", "machine");
        assertThat(site.get("description").asText()).isEqualTo("Main site");
        assertThat(site.has("signals")).isFalse();
        assertThat(press.get("id").asText()).isEqualTo(pressId);
        assertThat(press.get("source").asText()).isEqualTo("sparkplug:G1/E1/Press3");
        assertThat(press.get("stateSignal").asText()).isEqualTo(pressState.id());
        assertThat(press.get("children")).isEmpty();
        JsonNode temperature = press.get("signals").get(1);
        assertThat(temperature.get("id").asText()).isEqualTo(pressTemperature.id());
        assertThat(temperature.get("type").asText()).isEqualTo("double");
        assertThat(temperature.get("unit").asText()).isEqualTo("°C");
        assertThat(temperature.get("description").asText()).isEqualTo("oil temperature");
        JsonNode latheNode = area.get("children").get(1).get("children").get(0);
        assertThat(latheNode.get("stateSignal").isNull()).isTrue();
    }

    @Test
    void oneAssetIsServedWithItsSubtree() throws Exception {
        // Clients that show one line or machine fetch only that part of the tree.
        JsonNode press = getJson("/api/assets/" + pressId, 200);
        assertThat(press.get("name").asText()).isEqualTo("Press 3");
        assertThat(press.get("signals")).hasSize(2);
    }

    @Test
    void unknownAssetIsA404WithTheErrorShapeNamingTheId() throws Exception {
        // Every error shares one JSON shape so clients handle failures one way.
        JsonNode error = getJson("/api/assets/acme.nowhere", 404);
        assertThat(error.get("code").asText()).isEqualTo("not_found");
        assertThat(error.get("message").asText()).contains("acme.nowhere");
        assertThat(error.get("errors").isArray()).isTrue();
    }

    @Test
    void unknownPathIsA404InTheSameErrorShape() throws Exception {
        // Javalin's own 404 must not leak a different (HTML or text) shape.
        JsonNode error = getJson("/api/nothing-here", 404);
        assertThat(error.get("code").asText()).isEqualTo("not_found");
    }

    @Test
    void latestReturnsWhatLiveStateReceivedAndNoValueBefore() throws Exception {
        // The latest endpoint reads LiveState directly; before any point it must say why there is nothing.
        JsonNode none = getJson("/api/signals/" + pressTemperature.id() + "/latest", 404);
        assertThat(none.get("code").asText()).isEqualTo("no_value");
        assertThat(none.get("message").asText()).contains(pressTemperature.id());

        live.accept(pressTemperature, T0 + 123_456, Value.of(61.5), Quality.GOOD, false);

        JsonNode latest = getJson("/api/signals/" + pressTemperature.id() + "/latest", 200);
        assertThat(latest.get("signal").asText()).isEqualTo(pressTemperature.id());
        assertThat(latest.get("timestamp").asText()).isEqualTo("2026-01-01T07:00:00.123456Z");
        assertThat(latest.get("timestampMicros").asLong()).isEqualTo(T0 + 123_456);
        assertThat(latest.get("value").asDouble()).isEqualTo(61.5);
        assertThat(latest.get("quality").asText()).isEqualTo("good");
    }

    @Test
    void unknownSignalIsA404NotFound() throws Exception {
        // A typo in a signal id must be told apart from a signal that has no value yet.
        JsonNode error = getJson("/api/signals/acme.nope/latest", 404);
        assertThat(error.get("code").asText()).isEqualTo("not_found");
    }

    @Test
    void malformedAssetParameterOnLiveIsA400NamingParameterAndValue() throws Exception {
        // Validation errors name the parameter and the offending value (STYLE: REST errors).
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/live?asset=Bad%20Id!"))
                .header("Accept", "text/event-stream").timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode error = json.readTree(r.body());
        assertThat(error.get("code").asText()).isEqualTo("bad_request");
        assertThat(error.get("errors").get(0).get("parameter").asText()).isEqualTo("asset");
        assertThat(error.get("errors").get(0).get("value").asText()).isEqualTo("Bad Id!");
        assertThat(error.get("message").asText()).contains("asset=Bad Id!");

        JsonNode unknown = getJson("/api/live?asset=acme.nowhere", 404);
        assertThat(unknown.get("code").asText()).isEqualTo("not_found");
    }

    @Test
    void liveSendsTheSnapshotThenEveryNewValue() throws Exception {
        // The dashboard paints from the snapshot and then follows updates without polling.
        live.accept(pressState, T0, Value.of("running"), Quality.GOOD, false);
        try (SseStream sse = SseStream.open(http, URI.create(base + "/api/live"))) {
            SseEvent first = sse.next();
            assertThat(first.name()).isEqualTo("value");
            assertThat(json.readTree(first.data()).get("value").asText()).isEqualTo("running");
            SseEvent ready = sse.next();
            assertThat(ready.name()).isEqualTo("ready");
            assertThat(json.readTree(ready.data()).get("snapshot").asInt()).isEqualTo(1);

            live.accept(pressTemperature, T0 + 1, Value.of(70.25), Quality.GOOD, false);

            JsonNode update = json.readTree(sse.next().data());
            assertThat(update.get("signal").asText()).isEqualTo(pressTemperature.id());
            assertThat(update.get("value").asDouble()).isEqualTo(70.25);
            assertThat(update.get("timestamp").asText()).isEqualTo("2026-01-01T07:00:00.000001Z");
        }
    }

    @Test
    void liveForOneAssetSkipsSignalsOfOtherMachines() throws Exception {
        // ?asset= lets a line display follow only its own machines.
        live.accept(lathePower, T0, Value.of(5.0), Quality.GOOD, false);
        live.accept(pressState, T0, Value.of("idle"), Quality.GOOD, false);
        try (SseStream sse = SseStream.open(http, URI.create(base + "/api/live?asset=" + pressId))) {
            assertThat(json.readTree(sse.next().data()).get("signal").asText()).isEqualTo(pressState.id());
            assertThat(sse.next().name()).isEqualTo("ready");

            live.accept(lathePower, T0 + 1, Value.of(6.0), Quality.GOOD, false);
            live.accept(pressTemperature, T0 + 1, Value.of(55.0), Quality.GOOD, false);

            assertThat(json.readTree(sse.next().data()).get("signal").asText()).isEqualTo(pressTemperature.id());
        }
    }

    @Test
    void liveClientThatLeavesIsUnsubscribed() throws Exception {
        // A closed browser tab must not keep a listener on the ingest path forever.
        try (SseStream sse = SseStream.open(http, URI.create(base + "/api/live"))) {
            assertThat(sse.next().name()).isEqualTo("ready");
            assertThat(gauge("lathe_api_live_clients")).isEqualTo(1.0);
        }
        // The server notices on its next write; keep values flowing until it does (bounded wait, no timing claim).
        long deadline = System.nanoTime() + WAIT.toNanos();
        long t = T0;
        while (gauge("lathe_api_live_clients") > 0 && System.nanoTime() < deadline) {
            live.accept(pressTemperature, ++t, Value.of(1.0), Quality.GOOD, false);
            Thread.sleep(20);
        }
        assertThat(gauge("lathe_api_live_clients")).isEqualTo(0.0);
    }

    @Test
    void closingTheServerEndsOpenLiveStreams() throws Exception {
        // Shutdown must not hang on browsers that keep a live stream open.
        try (SseStream sse = SseStream.open(http, URI.create(base + "/api/live"))) {
            assertThat(sse.next().name()).isEqualTo("ready");
            server.close();
            assertThat(sse.next().name()).isEqualTo("end-of-stream");
        }
    }

    @Test
    void metricsServesPrometheusTextWithApiAndConnectionMeters() throws Exception {
        // Prometheus scrapes /metrics; the counters and connection gauges registered here must be in it.
        getJson("/api/assets", 200);
        HttpResponse<String> r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("text/plain; version=0.0.4"));
        assertThat(r.body())
                .contains("lathe_api_requests_total{method=\"GET\",status=\"2xx\"}")
                .contains("lathe_api_live_events_total")
                .contains("lathe_api_live_clients")
                .contains("lathe_connection_state{connection=\"plant-broker\",state=\"connected\"} 1.0")
                .contains("lathe_connection_state{connection=\"plant-broker\",state=\"failed\"} 0.0")
                .contains("plant-broker");
    }

    @Test
    void metricsAnswersOpenMetricsWhenAsked() throws Exception {
        // Prometheus asks for OpenMetrics first; the answer must match what it asked for.
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics"))
                .header("Accept", "application/openmetrics-text; version=1.0.0").timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/openmetrics-text"));
        assertThat(r.body()).endsWith("# EOF\n");
    }

    @Test
    void connectionsAreListedWithLowerCaseStateAndIsoTimes() throws Exception {
        // The dashboard's connection panel and scripts read these fields.
        JsonNode c = getJson("/api/connections", 200).get(0);
        assertThat(c.get("name").asText()).isEqualTo("plant-broker");
        assertThat(c.get("state").asText()).isEqualTo("connected");
        assertThat(c.get("lastMessage").asText()).isEqualTo("2026-01-01T07:00:00Z");
        assertThat(c.get("messages").asLong()).isEqualTo(42);
    }

    @Test
    void healthIsUpWithSignalCountAndConnectionStates() throws Exception {
        // Load balancers and `lathe status` poll /health.
        JsonNode h = getJson("/health", 200);
        assertThat(h.get("status").asText()).isEqualTo("up");
        assertThat(h.get("signals").asInt()).isEqualTo(3);
        assertThat(h.get("connections").get(0).get("state").asText()).isEqualTo("connected");
    }

    @Test
    void rootServesTheDashboardAndItsModules() throws Exception {
        // The web module's files are served from the classpath, and app.js must be a JavaScript module type.
        HttpResponse<String> index = get("/");
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("text/html"));
        assertThat(index.body()).contains("<title>Lathe").contains("app.js");
        HttpResponse<String> app = get("/app.js");
        assertThat(app.statusCode()).isEqualTo(200);
        assertThat(app.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).contains("javascript"));
    }

    @Test
    void takenPortGivesPortInUseExceptionNamingThePort() throws Exception {
        // Operators must learn which port is taken and what to change, and a failed start must leave nothing running.
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            PrometheusMeterRegistry ownMetrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            ApiServer second = ApiServer.create(new ApiSettings("127.0.0.1", port), model, live, ownMetrics, List::of);
            assertThatThrownBy(second::start)
                    .isInstanceOfSatisfying(PortInUseException.class, e -> assertThat(e.port()).isEqualTo(port))
                    .hasMessageContaining("port=" + port)
                    .hasMessageContaining("server.http-port");
            assertThat(ownMetrics.getMeters()).as("meters left behind by a failed start").isEmpty();
            second.close();
        }
    }

    @Test
    void settingsRejectAPortOutOfRange() {
        // A port typo must fail at configuration time with the offending value.
        assertThatThrownBy(() -> new ApiSettings("0.0.0.0", 70000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must be in [0, 65535], but was 70000");
    }

    private double gauge(String name) {
        for (String line : metrics.scrape().split("\n")) {
            if (line.startsWith(name + " ")) return Double.parseDouble(line.substring(name.length() + 1).trim());
        }
        throw new AssertionError("no gauge " + name + " in /metrics");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode getJson(String path, int expectedStatus) throws IOException, InterruptedException {
        HttpResponse<String> r = get(path);
        assertThat(r.statusCode()).as("status of %s: %s", path, r.body()).isEqualTo(expectedStatus);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
        return json.readTree(r.body());
    }

    record SseEvent(String name, String data) {}

    /** Reads a Server-Sent Events stream on a background thread; {@link #next()} waits a bounded time per event. */
    static final class SseStream implements AutoCloseable {
        private final InputStream body;
        private final BlockingQueue<SseEvent> events = new LinkedBlockingQueue<>();
        private final Thread reader;

        private SseStream(InputStream body) {
            this.body = body;
            this.reader = Thread.ofVirtual().start(this::read);
        }

        static SseStream open(HttpClient http, URI uri) throws Exception {
            HttpResponse<InputStream> r = http.sendAsync(HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").build(),
                    HttpResponse.BodyHandlers.ofInputStream()).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("text/event-stream"));
            return new SseStream(r.body());
        }

        private void read() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                String name = null;
                List<String> data = new ArrayList<>();
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.isEmpty()) {
                        if (name != null || !data.isEmpty()) events.add(new SseEvent(name == null ? "message" : name, String.join("\n", data)));
                        name = null;
                        data.clear();
                    } else if (line.startsWith("event:")) {
                        name = line.substring(6).trim();
                    } else if (line.startsWith("data:")) {
                        data.add(line.substring(5).trim());
                    }
                }
                events.add(new SseEvent("end-of-stream", ""));
            } catch (IOException e) {
                // closed by the test
            }
        }

        SseEvent next() throws InterruptedException {
            SseEvent e = events.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (e == null) throw new AssertionError("no SSE event within " + WAIT);
            return e;
        }

        @Override
        public void close() throws IOException {
            body.close();
            reader.interrupt();
        }
    }
}
