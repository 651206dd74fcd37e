package io.lathe.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lathe.api.internal.KpiRoutes;
import io.lathe.ingest.ConnectionState;
import io.lathe.ingest.ConnectionStatus;
import io.lathe.ingest.LiveState;
import io.lathe.kpi.CounterSignal;
import io.lathe.kpi.CountsConfig;
import io.lathe.kpi.KpiConfig;
import io.lathe.kpi.KpiEngine;
import io.lathe.kpi.MachineConfig;
import io.lathe.kpi.MachineState;
import io.lathe.kpi.ReasonTree;
import io.lathe.kpi.ShiftCalendar;
import io.lathe.kpi.SiteConfig;
import io.lathe.kpi.StateSource;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI description served at /api/openapi.json against the server itself: the routes it documents are the routes
 * registered, and real answers of a running server (with store, KPIs and ingest) fit the schemas it declares.
 */
class OpenApiTest {

    private static final String TOKEN = "openapi-test-token";
    private static final Instant NOW = Instant.parse("2026-01-05T07:00:00Z");
    private static final long T6 = Instant.parse("2026-01-05T06:00:00Z").getEpochSecond() * 1_000_000L;
    private static final long MIN = 60_000_000L;
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private PlantModel model;
    private LiveState live;
    private ApiServer server;
    private String base;
    private String pressId;
    private Signal temperature;
    private Signal pressure;
    private JsonNode doc;

    @BeforeEach
    void start() throws Exception {
        model = new PlantModel("Acme");
        String site = model.addChild(model.rootId(), "Plant 1", "Main site", "");
        String area = model.addChild(site, "Stamping", "", "");
        String line = model.addChild(area, "Line A", "", "");
        pressId = model.addChild(line, "Press 3", "500 t press", "sparkplug:G1/E1/Press3");
        temperature = model.addSignal(pressId, "Temperature", DataType.DOUBLE, "°C", "oil temperature", "");
        pressure = model.addSignal(pressId, "Pressure", DataType.DOUBLE, "bar", "", "");
        model.addSignal(pressId, "State", DataType.TEXT, "", "", "");
        live = new LiveState();
        live.accept(temperature, T6, Value.of(61.5), Quality.GOOD, false);

        TelemetryStore store = TelemetryStore.open(StoreSettings.defaults(dir.resolve("store")).withLateWindow(Duration.ofHours(1)));
        toClose.add(store);
        for (int i = 0; i < 120; i++) store.accept(temperature, T6 + i * 30_000_000L, Value.of(20.0 + i), Quality.GOOD, false);

        KpiConfig kpiConfig = kpiConfig();
        KpiEngine engine = KpiEngine.create(kpiConfig);
        engine.onPoint("m1.state", T6, Value.of("run"));
        engine.onPoint("m1.state", T6 + 30 * MIN, Value.of("stop"));
        engine.onPoint("m1.reason", T6 + 30 * MIN, Value.of("11"));
        engine.onPoint("m1.state", T6 + 40 * MIN, Value.of("run"));
        engine.onPoint("m1.parts", T6, 0);
        engine.onPoint("m1.parts", T6 + 50 * MIN, 60);
        engine.onPoint("m1.parts", T6 + 55 * MIN, 45); // a counter preset: one data-quality event
        engine.onPoint("m1.state", T6 + 60 * MIN, Value.of("run")); // a report at "now": the data reaches 07:00

        List<ConnectionStatus> connections = List.of(new ConnectionStatus("plant-broker", "sparkplug", "tcp://127.0.0.1:1883",
                ConnectionState.CONNECTED, null, Instant.parse("2026-01-05T06:59:00Z"), 42, 0, 3.5));
        server = ApiServer.create(new ApiSettings("127.0.0.1", 0, TOKEN), model, live,
                        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), () -> connections, store, InstantSource.fixed(NOW))
                .kpi(new KpiRoutes(engine, kpiConfig, new KpiRoutes.ReasonLog(dir.resolve("reasons.jsonl")), InstantSource.fixed(NOW)));
        toClose.addFirst(server);
        base = "http://127.0.0.1:" + server.start();

        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + "/api/openapi.json")).build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
        doc = json.readTree(r.body());
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) c.close();
    }

    /** Machine m1 on line-1 at a UTC site with three shifts: runs 06:00-06:30, stops (reason 11) until 06:40, runs again. */
    private static KpiConfig kpiConfig() {
        ReasonTree tree = new ReasonTree(List.of(new ReasonTree.Category("mechanical", "Mechanical",
                List.of(new ReasonTree.Reason("11", "Tool break"), new ReasonTree.Reason("12", "Jam")))));
        SiteConfig site = new SiteConfig("site", ZoneId.of("UTC"), ShiftCalendar.threeShifts24x7(), 0.5, tree);
        MachineConfig m1 = new MachineConfig("m1", "line-1", "area", "site",
                new StateSource.Enumerated("m1.state", Map.of("run", MachineState.RUNNING, "stop", MachineState.UNPLANNED_DOWN), MachineState.IDLE),
                CountsConfig.of(CounterSignal.cumulative("m1.parts"), null, null), Duration.ofSeconds(30), null, null, null,
                "m1.reason", Duration.ofMinutes(1));
        return new KpiConfig(List.of(site), List.of(m1));
    }

    @Test
    void documentIsOpenApi31AndEveryReferenceResolves() {
        // Code generators and viewers give up on a dangling $ref; a path parameter without a declaration breaks clients.
        assertThat(doc.path("openapi").asText()).startsWith("3.1");
        assertThat(doc.path("info").path("title").asText()).isEqualTo("Lathe");
        assertThat(doc.path("info").path("version").asText()).isEqualTo("0.1.0");
        assertThat(doc.path("servers").get(0).path("url").asText()).isEqualTo("/");

        List<String> refs = new ArrayList<>();
        collectRefs(doc, refs);
        assertThat(refs).isNotEmpty();
        for (String ref : refs) {
            assertThat(ref).as("$ref").matches("#/components/(schemas|parameters|responses)/[A-Za-z0-9]+");
            assertThat(doc.at(ref.substring(1)).isMissingNode()).as("target of $ref %s", ref).isFalse();
        }
        assertThat(refs).as("schemas are referenced").anyMatch(r -> r.startsWith("#/components/schemas/"));

        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> p = paths.next();
            Set<String> inTemplate = new HashSet<>();
            Matcher m = Pattern.compile("\\{([^}]+)}").matcher(p.getKey());
            while (m.find()) inTemplate.add(m.group(1));
            for (Iterator<Map.Entry<String, JsonNode>> ops = p.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                Set<String> declared = new HashSet<>();
                for (JsonNode param : op.getValue().path("parameters")) {
                    JsonNode resolved = resolve(param);
                    if (resolved.path("in").asText().equals("path")) declared.add(resolved.path("name").asText());
                }
                assertThat(declared).as("path parameters of %s %s", op.getKey(), p.getKey()).isEqualTo(inTemplate);
                assertThat(op.getValue().path("responses").has("200")).as("200 of %s %s", op.getKey(), p.getKey()).isTrue();
            }
        }
        assertThat(doc.at("/paths/~1api~1ingest/post/security/0").has("ingestToken")).isTrue();
        assertThat(doc.at("/components/securitySchemes/ingestToken/scheme").asText()).isEqualTo("bearer");
        assertThat(doc.at("/paths/~1api~1live/get/responses/200/content").has("text/event-stream")).isTrue();
    }

    @Test
    void documentedRoutesAreExactlyTheRegisteredOnes() {
        // A route added to ApiServer without documenting it (or documented and then removed) must fail here.
        Set<String> documented = new LinkedHashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> p = paths.next();
            p.getValue().fieldNames().forEachRemaining(method -> {
                if (HTTP_METHODS.contains(method)) documented.add(method.toUpperCase() + " " + p.getKey());
            });
        }
        List<String> registered = server.routes();
        assertThat(registered).doesNotHaveDuplicates().contains("GET /api/openapi.json", "POST /api/ingest");
        assertThat(documented).containsExactlyInAnyOrderElementsOf(registered);
    }

    @Test
    void kpiAnswerHasExactlyTheFieldsOfTheKpisSchema() throws Exception {
        // The Kpis schema is written by hand from KpiJson; a field added there must be documented too.
        JsonNode body = call("GET", "/api/kpi", "/api/kpi?asset=m1", 200);
        Set<String> fields = new LinkedHashSet<>();
        body.get("kpis").fieldNames().forEachRemaining(fields::add);
        Set<String> properties = new LinkedHashSet<>();
        doc.at("/components/schemas/Kpis/properties").fieldNames().forEachRemaining(properties::add);
        Set<String> required = new LinkedHashSet<>();
        doc.at("/components/schemas/Kpis/required").forEach(n -> required.add(n.asText()));
        assertThat(fields).containsExactlyInAnyOrderElementsOf(properties);
        assertThat(required).containsExactlyInAnyOrderElementsOf(properties);
        assertThat(body.get("kpis").get("availability").asDouble()).isEqualTo(50.0 / 60);
    }

    @Test
    void errorBodiesHaveTheFieldsOfTheErrorSchema() throws Exception {
        JsonNode error = call("GET", "/api/assets/{id}", "/api/assets/acme.nowhere", 404);
        Set<String> fields = new LinkedHashSet<>();
        error.fieldNames().forEachRemaining(fields::add);
        Set<String> properties = new LinkedHashSet<>();
        doc.at("/components/schemas/Error/properties").fieldNames().forEachRemaining(properties::add);
        assertThat(fields).containsExactly("code", "message", "errors").containsExactlyInAnyOrderElementsOf(properties);
        assertThat(error.get("code").asText()).isEqualTo("not_found");
    }

    @Test
    void realAnswersFitTheDocumentedSchemas() throws Exception {
        // Each call is checked against the schema the document gives for that route, status and JSON content type,
        // with undocumented fields counted as mismatches.
        call("GET", "/api/assets", "/api/assets", 200);
        call("GET", "/api/assets/{id}", "/api/assets/" + pressId, 200);
        call("GET", "/api/assets/{id}", "/api/assets/Not-An-Id", 400);
        call("GET", "/api/signals/{id}/latest", "/api/signals/" + temperature.id() + "/latest", 200);
        assertThat(call("GET", "/api/signals/{id}/latest", "/api/signals/" + pressure.id() + "/latest", 404)
                .get("code").asText()).isEqualTo("no_value");
        call("GET", "/api/signals/{id}/history", "/api/signals/" + temperature.id() + "/history", 200);
        JsonNode buckets = call("GET", "/api/signals/{id}/history",
                "/api/signals/" + temperature.id() + "/history?buckets=6&agg=count", 200);
        assertThat(buckets.get("points")).isNotEmpty();
        assertThat(call("GET", "/api/signals/{id}/history", "/api/signals/" + temperature.id() + "/history?buckets=0", 400)
                .get("errors").get(0).get("value").asText()).isEqualTo("0");
        call("GET", "/api/signals/{id}/history", "/api/signals/nothing.here/history", 404);
        call("GET", "/api/connections", "/api/connections", 200);
        // Machine health without a monitor: every machine is no-model, no model exists, fitting is unavailable.
        JsonNode health = call("GET", "/api/assets/{id}/health", "/api/assets/" + pressId + "/health", 200);
        assertThat(health.at("/anomaly/status").asText()).isEqualTo("no-model");
        call("GET", "/api/assets/{id}/health", "/api/assets/acme.nowhere/health", 404);
        assertThat(call("GET", "/api/health/machines", "/api/health/machines", 200).get("machines")).hasSize(1);
        call("GET", "/api/models", "/api/models", 200);
        call("GET", "/api/models/{id}", "/api/models/" + pressId + ".anomaly", 404);
        call("POST", "/api/models/fit", "/api/models/fit", "{\"machine\":\"" + pressId + "\"}", "application/json", null, 503);
        call("GET", "/health", "/health", 200);
        assertThat(call("GET", "/api/ui/languages", "/api/ui/languages", 200).findValuesAsText("tag")).contains("en", "zh-CN");

        call("GET", "/api/kpi", "/api/kpi?asset=line-1&from=2026-01-05T06:00:00Z&to=2026-01-05T07:00:00Z&by=hour", 200);
        call("GET", "/api/kpi", "/api/kpi?asset=m1&by=shift", 200);
        call("GET", "/api/kpi", "/api/kpi?asset=m1&by=product", 200);
        call("GET", "/api/kpi", "/api/kpi", 400);
        call("GET", "/api/kpi", "/api/kpi?asset=nope", 404);
        JsonNode quality = call("GET", "/api/data-quality", "/api/data-quality?asset=m1", 200);
        assertThat(quality.get("events")).hasSize(1);
        call("GET", "/api/data-quality", "/api/data-quality?asset=m1&from=0&to=9000000000000000", 400);
        call("GET", "/api/kpi", "/api/kpi?asset=m1&from=2026-01-05T06:59:00Z&to=2026-01-05T08:00:00Z", 200);
        call("GET", "/api/kpi", "/api/kpi?asset=m1&from=2026-01-05T07:00:00Z&to=2026-01-05T08:00:00Z", 200);
        JsonNode downtime = call("GET", "/api/downtime", "/api/downtime?asset=m1", 200);
        assertThat(downtime.get("events")).hasSize(1);
        JsonNode reason = call("POST", "/api/downtime/reason", "/api/downtime/reason",
                "{\"machine\":\"m1\",\"start\":\"2026-01-05T06:30:00Z\",\"code\":12}", "application/json", null, 200);
        assertThat(reason.get("stop").get("reasonName").asText()).isEqualTo("Jam");
        call("POST", "/api/downtime/reason", "/api/downtime/reason", "{\"machine\":\"m1\",\"start\":\"soon\",\"code\":\"11\"}",
                "application/json", null, 400);

        String points = "{\"series\":\"lab.humidity\",\"timestamp\":\"2026-01-05T06:00:00Z\",\"value\":41,\"quality\":\"uncertain\"}\n";
        call("POST", "/api/ingest", "/api/ingest", points, "application/x-ndjson", TOKEN, 200);
        JsonNode bad = call("POST", "/api/ingest", "/api/ingest", "series,timestamp,value\nlab.humidity,later,1\n", "text/csv", TOKEN, 400);
        assertThat(bad.get("errors").get(0).get("reason").asText()).isEqualTo("timestamp");
        JsonNode future = call("POST", "/api/ingest", "/api/ingest", "lab.humidity,2026-01-05T08:00:00Z,1\n", "text/csv", TOKEN, 400);
        assertThat(future.get("errors").get(0).get("reason").asText()).isEqualTo("future-timestamp");
        String huge = "{\"series\":\"lab.note\",\"timestamp\":\"2026-01-05T06:00:00Z\",\"value\":\""
                + "x".repeat(io.lathe.api.internal.IngestRoute.MAX_VALUE_BYTES + 1) + "\"}\n";
        assertThat(call("POST", "/api/ingest", "/api/ingest", huge, "application/x-ndjson", TOKEN, 413).get("errors").get(0)
                .get("field").asText()).isEqualTo("value");
        call("POST", "/api/ingest", "/api/ingest", points, "application/x-ndjson", "wrong", 401);
        call("POST", "/api/ingest", "/api/ingest", points, "application/xml", TOKEN, 415);
    }

    @Test
    void answersOfAServerWithoutStoreKpisOrTokenFitTheDocumentedSchemas() throws Exception {
        // The 503 and 403 answers come only from a server that lacks the store, the kpi: section or the ingest token.
        ApiServer bare = ApiServer.create(new ApiSettings("127.0.0.1", 0), model, live,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List::of);
        toClose.addFirst(bare);
        base = "http://127.0.0.1:" + bare.start();
        assertThat(call("GET", "/api/signals/{id}/history", "/api/signals/" + temperature.id() + "/history", 503)
                .get("code").asText()).isEqualTo("unavailable");
        assertThat(call("GET", "/api/kpi", "/api/kpi?asset=m1", 503).get("code").asText()).isEqualTo("kpi_not_configured");
        assertThat(call("GET", "/api/downtime", "/api/downtime?asset=m1", 503).get("code").asText()).isEqualTo("kpi_not_configured");
        assertThat(call("POST", "/api/ingest", "/api/ingest", "", "text/csv", TOKEN, 403).get("code").asText())
                .isEqualTo("ingest_disabled");
    }

    @Test
    void healthAndIngestWhileTheStoreRefusesPointsFitTheDocumentedSchemas() throws Exception {
        // The 503 of /health (status down, reasons) and of ingest come only from a store that refuses points; a closed
        // store is the simplest real one (the disk-full case is StoreDownTest).
        TelemetryStore closedStore = TelemetryStore.open(StoreSettings.defaults(dir.resolve("closed")));
        ApiServer down = ApiServer.create(new ApiSettings("127.0.0.1", 0, TOKEN), model, live,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List::of, closedStore, InstantSource.fixed(NOW));
        toClose.addFirst(down);
        base = "http://127.0.0.1:" + down.start();
        closedStore.close();
        JsonNode health = call("GET", "/health", "/health", 503);
        assertThat(health.get("status").asText()).isEqualTo("down");
        assertThat(health.get("reasons").get(0).asText()).contains("closed");
        JsonNode ingest = call("POST", "/api/ingest", "/api/ingest", "lab.humidity,2026-01-05T06:00:00Z,1\n", "text/csv", TOKEN, 503);
        assertThat(ingest.get("code").asText()).isEqualTo("unavailable");
        assertThat(ingest.get("message").asText()).contains("closed").contains("send all of it again");
    }

    @Test
    void liveEventsFitTheirDocumentedSchemas() throws Exception {
        // x-lathe-events documents the data of each event; the snapshot, ready and the first kpi event are checked.
        JsonNode events = doc.at("/paths/~1api~1live/get/x-lathe-events");
        try (ApiServerTest.SseStream sse = ApiServerTest.SseStream.open(http, URI.create(base + "/api/live"))) {
            Set<String> seen = new LinkedHashSet<>();
            while (!seen.contains("kpi")) {
                ApiServerTest.SseEvent e = sse.next();
                assertThat(events.has(e.name())).as("event %s is documented", e.name()).isTrue();
                List<String> problems = new SchemaCheck(doc).check(events.get(e.name()), json.readTree(e.data()));
                assertThat(problems).as("event %s: %s", e.name(), e.data()).isEmpty();
                seen.add(e.name());
            }
            assertThat(seen).containsExactly("value", "ready", "kpi");
        }
    }

    // ---- helpers ----

    private JsonNode call(String method, String template, String url, int status) throws Exception {
        return call(method, template, url, null, null, null, status);
    }

    /** Sends the request, checks status and JSON content type, and checks the body against the documented schema. */
    private JsonNode call(String method, String template, String url, String body, String contentType, String token,
                          int status) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + url)).timeout(Duration.ofSeconds(10));
        if (contentType != null) b.header("Content-Type", contentType);
        if (token != null) b.header("Authorization", "Bearer " + token);
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = send(b.build());
        assertThat(r.statusCode()).as("status of %s %s: %s", method, url, r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).as("content type of %s %s", method, url)
                .hasValueSatisfying(ct -> assertThat(ct).startsWith("application/json"));
        JsonNode operation = doc.path("paths").path(template).path(method.toLowerCase());
        assertThat(operation.isMissingNode()).as("%s %s documented", method, template).isFalse();
        JsonNode response = resolve(operation.path("responses").path(Integer.toString(status)));
        assertThat(response.isMissingNode()).as("status %d of %s %s documented", status, method, template).isFalse();
        JsonNode schema = response.path("content").path("application/json").path("schema");
        assertThat(schema.isMissingNode()).as("JSON schema of %d of %s %s", status, method, template).isFalse();
        JsonNode answer = json.readTree(r.body());
        assertThat(new SchemaCheck(doc).check(schema, answer)).as("%s %s -> %d: %s", method, url, status, r.body()).isEmpty();
        return answer;
    }

    private JsonNode resolve(JsonNode node) {
        while (node.has("$ref")) node = doc.at(node.get("$ref").asText().substring(1));
        return node;
    }

    private static void collectRefs(JsonNode node, List<String> into) {
        if (node.isObject()) {
            node.fields().forEachRemaining(f -> {
                if (f.getKey().equals("$ref")) into.add(f.getValue().asText());
                else collectRefs(f.getValue(), into);
            });
        } else if (node.isArray()) {
            node.forEach(n -> collectRefs(n, into));
        }
    }

    private HttpResponse<String> send(HttpRequest r) throws Exception {
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Checks a JSON value against the part of JSON Schema the document uses ($ref, type, enum, const, properties,
     * required, items, oneOf, format date-time, pattern). Stricter than JSON Schema on one point: a field an object
     * schema does not list is a mismatch, so the document cannot fall behind the code.
     */
    static final class SchemaCheck {
        private final JsonNode doc;
        private final List<String> problems = new ArrayList<>();

        SchemaCheck(JsonNode doc) {
            this.doc = doc;
        }

        List<String> check(JsonNode schema, JsonNode value) {
            check(schema, value, "$");
            return problems;
        }

        private void check(JsonNode schema, JsonNode value, String at) {
            while (schema.has("$ref")) schema = doc.at(schema.get("$ref").asText().substring(1));
            if (schema.has("oneOf")) {
                int matching = 0;
                List<List<String>> each = new ArrayList<>();
                for (JsonNode alternative : schema.get("oneOf")) {
                    List<String> p = new SchemaCheck(doc).check(alternative, value);
                    if (p.isEmpty()) matching++;
                    each.add(p);
                }
                if (matching != 1) problems.add(at + ": matches " + matching + " of the oneOf alternatives, not exactly 1 " + each);
                return;
            }
            if (schema.has("type")) {
                JsonNode type = schema.get("type");
                boolean ok = false;
                if (type.isArray()) {
                    for (JsonNode t : type) ok |= isType(t.asText(), value);
                } else {
                    ok = isType(type.asText(), value);
                }
                if (!ok) {
                    problems.add(at + ": " + value + " is not of type " + type);
                    return;
                }
            }
            if (schema.has("const") && !schema.get("const").equals(value)) problems.add(at + ": " + value + " is not " + schema.get("const"));
            if (schema.has("enum")) {
                boolean listed = false;
                for (JsonNode e : schema.get("enum")) listed |= e.equals(value);
                if (!listed) problems.add(at + ": " + value + " is not one of " + schema.get("enum"));
            }
            if (value.isTextual() && "date-time".equals(schema.path("format").asText())) {
                try {
                    Instant.parse(value.asText());
                } catch (DateTimeException e) {
                    problems.add(at + ": " + value + " is not a date-time");
                }
            }
            if (value.isTextual() && schema.has("pattern") && !Pattern.compile(schema.get("pattern").asText()).matcher(value.asText()).find()) {
                problems.add(at + ": " + value + " does not match " + schema.get("pattern"));
            }
            if (value.isObject() && schema.has("properties")) {
                JsonNode properties = schema.get("properties");
                for (JsonNode r : schema.path("required")) {
                    if (!value.has(r.asText())) problems.add(at + ": required field " + r.asText() + " is missing");
                }
                value.fields().forEachRemaining(f -> {
                    if (!properties.has(f.getKey())) problems.add(at + ": field " + f.getKey() + " is not documented");
                    else check(properties.get(f.getKey()), f.getValue(), at + "." + f.getKey());
                });
            }
            if (value.isArray() && schema.has("items")) {
                for (int i = 0; i < value.size(); i++) check(schema.get("items"), value.get(i), at + "[" + i + "]");
            }
        }

        private static boolean isType(String type, JsonNode v) {
            return switch (type) {
                case "object" -> v.isObject();
                case "array" -> v.isArray();
                case "string" -> v.isTextual();
                case "integer" -> v.isIntegralNumber();
                case "number" -> v.isNumber();
                case "boolean" -> v.isBoolean();
                case "null" -> v.isNull();
                default -> throw new IllegalArgumentException("schema type not handled by this check: " + type);
            };
        }
    }
}
