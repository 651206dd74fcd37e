package io.lathe.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lathe.alarm.AlarmRule;
import io.lathe.alarm.AlarmSettings;
import io.lathe.alarm.AlarmSystem;
import io.lathe.alarm.LimitKind;
import io.lathe.alarm.Priority;
import io.lathe.api.internal.AlarmRoutes;
import io.lathe.ingest.LiveState;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The alarm routes of a running server against the OpenAPI description: every answer fits its documented schema. */
class AlarmRoutesTest {
    @TempDir
    Path dir;

    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();
    ApiServer server;
    AlarmSystem alarms;
    String base, machine, alarmId;
    JsonNode doc;

    @BeforeEach
    void start() throws Exception {
        PlantModel model = new PlantModel("Acme");
        String site = model.addChild(model.rootId(), "North", "", "");
        machine = model.addChild(model.addChild(model.addChild(site, "Press Shop", "", ""), "Line 1", "", ""), "Press 3", "", "");
        Signal temp = model.addSignal(machine, "Temperature", DataType.DOUBLE, "degC", "", "");
        alarmId = AlarmRule.idFor(machine, "Temperature high");
        AlarmRule rule = new AlarmRule(alarmId, "Temperature high", machine, new LimitKind(temp.id(), LimitKind.Type.H, 80, 1), Priority.HIGH,
                null, "Check the cooling", null, null, false, false, "config");
        alarms = AlarmSystem.open(AlarmSettings.DEFAULTS, model, dir.resolve("alarms"), InstantSource.system(), null, null, List.of(rule), null);
        long now = System.currentTimeMillis() * 1000;
        alarms.engine().accept(temp, now - 5_000_000, Value.of(90.0), Quality.GOOD, false);
        server = ApiServer.create(new ApiSettings("127.0.0.1", 0), model, new LiveState(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List::of)
                .alarms(new AlarmRoutes(alarms, InstantSource.system()));
        base = "http://127.0.0.1:" + server.start();
        doc = json.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/api/openapi.json")).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        alarms.close();
    }

    @Test
    void answersFitTheDocumentedSchemas() throws Exception {
        String a = "/api/alarms/" + alarmId;
        assertThat(call("GET", "/api/alarms", "/api/alarms", null, 200).at("/alarms/0/state").asText()).isEqualTo("unack");
        call("GET", "/api/alarms", "/api/alarms?state=all&priority=high&asset=" + machine, null, 200);
        call("GET", "/api/alarms", "/api/alarms?state=sideways", null, 400);
        assertThat(call("GET", "/api/alarms/summary", "/api/alarms/summary", null, 200).at("/unacknowledged/high").asInt()).isEqualTo(1);
        call("GET", "/api/alarms/{id}", a, null, 200);
        call("GET", "/api/alarms/{id}", "/api/alarms/" + machine + ".alarm.nothing", null, 404);
        call("POST", "/api/alarms/{id}/comment", a + "/comment", "{\"comment\":\"looking\"}", 200);
        call("POST", "/api/alarms/{id}/ack", a + "/ack", "{}", 200);
        call("POST", "/api/alarms/{id}/ack", a + "/ack", "{}", 409);
        call("POST", "/api/alarms/{id}/shelve", a + "/shelve", "{\"minutes\":30}", 400); // no reason
        JsonNode shelved = call("POST", "/api/alarms/{id}/shelve", a + "/shelve", "{\"minutes\":30,\"comment\":\"sensor work\"}", 200);
        assertThat(shelved.get("shelvedUntil").isTextual()).isTrue();
        call("POST", "/api/alarms/{id}/unshelve", a + "/unshelve", "{}", 200);
        call("POST", "/api/alarms/{id}/out-of-service", a + "/out-of-service", "{\"comment\":\"sensor replaced\"}", 200);
        call("POST", "/api/alarms/{id}/in-service", a + "/in-service", "{}", 200);
        call("POST", "/api/alarms/{id}/reset", a + "/reset", "{}", 409);
        JsonNode bulk = call("POST", "/api/alarms/ack", "/api/alarms/ack", "{\"ids\":[\"" + alarmId + "\",\"x.alarm.y\"]}", 200);
        assertThat(bulk.get("acknowledged")).hasSize(1);
        assertThat(bulk.at("/failed/0/code").asText()).isEqualTo("not_found");
        JsonNode events = call("GET", "/api/alarms/events", "/api/alarms/events?limit=3", null, 200);
        assertThat(events.get("events")).hasSize(3);
        assertThat(events.at("/events/0/event").asText()).isEqualTo("ack");
        JsonNode kpis = call("GET", "/api/alarms/kpis", "/api/alarms/kpis?asset=" + machine, null, 200);
        assertThat(kpis.get("annunciated").asInt()).as("the activation, and the returns after unshelve and in-service while active").isEqualTo(3);
        call("GET", "/api/alarms/notifications", "/api/alarms/notifications", null, 200);

        call("GET", "/api/alarms/rules", "/api/alarms/rules", null, 200);
        JsonNode bad = call("POST", "/api/alarms/rules", "/api/alarms/rules",
                "{\"machine\":\"" + machine + "\",\"name\":\"Cold\",\"kind\":\"limit\",\"signal\":\"Temprature\",\"type\":\"X\",\"limt\":5}", 400);
        assertThat(bad.get("errors")).extracting(e -> e.get("parameter").asText()).containsExactlyInAnyOrder("limt", "signal", "type", "limit");
        JsonNode created = call("POST", "/api/alarms/rules", "/api/alarms/rules",
                "{\"machine\":\"" + machine + "\",\"name\":\"Cold\",\"kind\":\"limit\",\"signal\":\"Temperature\",\"type\":\"L\",\"limit\":5}", 200);
        String id = created.get("id").asText();
        assertThat(created.get("source").asText()).isEqualTo("api");
        call("PUT", "/api/alarms/rules/{id}", "/api/alarms/rules/" + id,
                "{\"machine\":\"" + machine + "\",\"name\":\"Cold\",\"kind\":\"limit\",\"signal\":\"Temperature\",\"type\":\"LL\",\"limit\":2,\"priority\":\"low\"}", 200);
        call("PUT", "/api/alarms/rules/{id}", "/api/alarms/rules/" + alarmId,
                "{\"machine\":\"" + machine + "\",\"name\":\"Temperature high\",\"kind\":\"limit\",\"signal\":\"Temperature\",\"type\":\"H\",\"limit\":70}", 409);
        call("DELETE", "/api/alarms/rules/{id}", "/api/alarms/rules/" + id, null, 200);
        call("DELETE", "/api/alarms/rules/{id}", "/api/alarms/rules/" + id, null, 404);
    }

    /** With access control, alarm actions and rule changes by people land in the lathe-auth audit log (audit.jsonl). */
    @Test
    void actionsAreWrittenToTheAuditLog() throws Exception {
        io.lathe.auth.AccessControl control = TestAccess.control(dir);
        try (ApiServer secured = ApiServer.create(new ApiSettings("127.0.0.1", 0), alarms.model(), new LiveState(),
                        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List::of)
                .alarms(new AlarmRoutes(alarms, InstantSource.system())).access(ApiAccess.locked(control))) {
            String url = "http://127.0.0.1:" + secured.start();
            String operator = TestAccess.token(control, io.lathe.auth.Scope.OPERATE), admin = TestAccess.adminToken(control);
            assertThat(post(url + "/api/alarms/" + alarmId + "/ack", operator, "{\"comment\":\"cooling checked\"}")).isEqualTo(200);
            assertThat(post(url + "/api/alarms/" + alarmId + "/ack", operator, "{}")).isEqualTo(409); // already acknowledged
            assertThat(post(url + "/api/alarms/" + alarmId + "/shelve", operator, "{\"minutes\":30,\"comment\":\"sensor work\"}")).isEqualTo(200);
            assertThat(post(url + "/api/alarms/rules", admin,
                    "{\"machine\":\"" + machine + "\",\"name\":\"Cold\",\"kind\":\"limit\",\"signal\":\"Temperature\",\"type\":\"L\",\"limit\":5}")).isEqualTo(200);
            String cold = AlarmRule.idFor(machine, "Cold");
            HttpResponse<String> del = http.send(TestAccess.bearer(HttpRequest.newBuilder(URI.create(url + "/api/alarms/rules/" + cold)), admin)
                    .DELETE().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(del.statusCode()).as(del.body()).isEqualTo(200);

            List<JsonNode> lines = new java.util.ArrayList<>();
            for (String l : java.nio.file.Files.readAllLines(dir.resolve("access/audit.jsonl"))) {
                JsonNode n = json.readTree(l);
                if (n.path("kind").asText().startsWith("alarm") || n.path("kind").asText().equals("acknowledgement")) lines.add(n);
            }
            assertThat(lines).extracting(n -> n.get("kind").asText())
                    .containsExactly("acknowledgement", "acknowledgement", "alarm.action", "alarm.rule", "alarm.rule");
            JsonNode ack = lines.get(0);
            assertThat(ack.get("actor").asText()).startsWith("token:");
            assertThat(ack.get("address").asText()).isEqualTo("127.0.0.1");
            assertThat(ack.get("target").asText()).isEqualTo(alarmId);
            assertThat(ack.get("outcome").asText()).isEqualTo("success");
            assertThat(ack.at("/details/comment").asText()).isEqualTo("cooling checked");
            assertThat(lines.get(1).get("outcome").asText()).isEqualTo("failure");
            assertThat(lines.get(1).at("/details/status").asText()).isEqualTo("409");
            assertThat(lines.get(2).at("/details/action").asText()).isEqualTo("shelve");
            assertThat(lines.get(2).at("/details/minutes").asText()).isEqualTo("30");
            assertThat(lines.get(2).at("/details/comment").asText()).isEqualTo("sensor work");
            assertThat(lines.get(3).get("target").asText()).isEqualTo(cold);
            assertThat(lines.get(3).at("/details/action").asText()).isEqualTo("created");
            assertThat(lines.get(4).get("target").asText()).isEqualTo(cold);
            assertThat(lines.get(4).at("/details/action").asText()).isEqualTo("deleted");
            // and admins read them through GET /api/audit by kind
            HttpResponse<String> audit = http.send(TestAccess.bearer(HttpRequest.newBuilder(URI.create(url + "/api/audit?kind=acknowledgement,alarm.action")), admin)
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(json.readTree(audit.body()).get("events")).hasSize(3);
        } finally {
            control.close();
        }
    }

    private int post(String url, String token, String body) throws Exception {
        return http.send(TestAccess.bearer(HttpRequest.newBuilder(URI.create(url)), token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    private JsonNode call(String method, String template, String url, String body, int status) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + url)).timeout(Duration.ofSeconds(10));
        if (body != null) b.header("Content-Type", "application/json");
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("status of %s %s: %s", method, url, r.body()).isEqualTo(status);
        JsonNode response = doc.path("paths").path(template).path(method.toLowerCase()).path("responses").path(Integer.toString(status));
        while (response.has("$ref")) response = doc.at(response.get("$ref").asText().substring(1));
        assertThat(response.isMissingNode()).as("status %d of %s %s documented", status, method, template).isFalse();
        JsonNode schema = response.path("content").path("application/json").path("schema");
        JsonNode answer = json.readTree(r.body());
        assertThat(new OpenApiTest.SchemaCheck(doc).check(schema, answer)).as("%s %s -> %d: %s", method, url, status, r.body()).isEmpty();
        return answer;
    }
}
