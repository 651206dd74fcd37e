package io.lathe.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.json.JavalinJackson;
import io.lathe.api.internal.ApiError;
import io.lathe.api.internal.KpiRoutes;
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
import io.lathe.model.Value;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// Issue 4: the KPI routes of the API, on a Javalin of their own (ApiServer registers the same handlers).
class KpiRoutesTest {

    static final long T6 = Instant.parse("2026-01-05T06:00:00Z").getEpochSecond() * 1_000_000L; // start of the early shift
    static final long MIN = 60_000_000L;
    static final Instant NOW = Instant.parse("2026-01-05T07:00:00Z");

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private Javalin app;
    private String base;

    /** m1 and m2 on line-1: m1 runs 06:00-06:30, stops (reason 11) until 06:40, runs again; m2 runs all along. */
    private KpiEngine engine() {
        ReasonTree tree = new ReasonTree(List.of(new ReasonTree.Category("mechanical", "Mechanical", List.of(new ReasonTree.Reason("11", "Tool break"), new ReasonTree.Reason("12", "Jam")))));
        SiteConfig site = new SiteConfig("site", ZoneId.of("UTC"), ShiftCalendar.threeShifts24x7(), 0.5, tree);
        List<MachineConfig> ms = List.of("m1", "m2").stream().map(m -> new MachineConfig(m, "line-1", "area", "site",
                new StateSource.Enumerated(m + ".state", Map.of("run", MachineState.RUNNING, "stop", MachineState.UNPLANNED_DOWN), MachineState.IDLE),
                CountsConfig.of(CounterSignal.cumulative(m + ".parts"), null, null), Duration.ofSeconds(30), null, null, null,
                m + ".reason", Duration.ofMinutes(1))).toList();
        KpiEngine e = KpiEngine.create(new KpiConfig(List.of(site), ms));
        e.onPoint("m1.state", T6, Value.of("run"));
        e.onPoint("m1.state", T6 + 30 * MIN, Value.of("stop"));
        e.onPoint("m1.reason", T6 + 30 * MIN, Value.of("11"));
        e.onPoint("m1.state", T6 + 40 * MIN, Value.of("run"));
        e.onPoint("m2.state", T6, Value.of("run"));
        e.onPoint("m1.parts", T6, 0);
        e.onPoint("m1.parts", T6 + 50 * MIN, 60);
        return e;
    }

    private void start(KpiEngine engine, KpiRoutes.ReasonLog log) {
        KpiRoutes routes = engine == null ? new KpiRoutes(null) : new KpiRoutes(engine, null, log, InstantSource.fixed(NOW));
        app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.jsonMapper(new JavalinJackson(new ObjectMapper(), false));
            cfg.routes.get("/api/kpi", routes::kpi);
            cfg.routes.get("/api/downtime", routes::downtime);
            cfg.routes.post("/api/downtime/reason", routes::reason);
            cfg.routes.exception(ApiError.class, (e, ctx) -> ctx.status(e.status()).json(e.body()));
        });
        app.start("127.0.0.1", 0);
        base = "http://127.0.0.1:" + app.port();
    }

    @AfterEach
    void stop() {
        if (app != null) app.stop();
    }

    @Test
    void kpiDefaultsToTheRunningShiftUntilNow() throws Exception {
        // Without from/to a dashboard gets the running shift so far: 06:00-07:00 with m1 stopped 10 minutes.
        start(engine(), null);
        JsonNode body = get("/api/kpi?asset=m1", 200);
        assertThat(body.get("from").asText()).isEqualTo("2026-01-05T06:00:00Z");
        assertThat(body.get("to").asText()).isEqualTo("2026-01-05T07:00:00Z");
        assertThat(body.get("by").isNull()).isTrue();
        assertThat(body.get("kpis").get("availability").asDouble()).isEqualTo(50.0 / 60);
        assertThat(body.get("kpis").get("producedQuantity").asDouble()).isEqualTo(60);
        JsonNode line = get("/api/kpi?asset=line-1&from=2026-01-05T06:00:00Z&to=2026-01-05T07:00:00Z", 200);
        assertThat(line.get("kpis").get("availability").asDouble()).isEqualTo(110.0 / 120);
        assertThat(line.get("kpis").get("machines").asInt()).isEqualTo(2);
    }

    @Test
    void kpiGroupsByPeriodAndExportsCsv() throws Exception {
        // ?by= gives one entry per period; format=csv the same rows for a spreadsheet, with a header row.
        start(engine(), null);
        JsonNode body = get("/api/kpi?asset=m1&from=2026-01-05T06:00:00Z&to=2026-01-05T07:00:00Z&by=hour", 200);
        assertThat(body.get("by").asText()).isEqualTo("hour");
        assertThat(body.get("periods")).hasSize(1);
        HttpResponse<String> csv = send(HttpRequest.newBuilder(URI.create(base + "/api/kpi?asset=m1&from=2026-01-05T06:00:00Z&to=2026-01-05T08:00:00Z&by=hour&format=csv")).build());
        assertThat(csv.statusCode()).isEqualTo(200);
        assertThat(csv.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
        List<String> lines = csv.body().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("asset,label,from,to,machines,availability,effectiveness,");
        assertThat(lines.get(1)).startsWith("m1,2026-01-05T06:00Z,2026-01-05T06:00:00Z,2026-01-05T07:00:00Z,1,");
    }

    @Test
    void kpiRollsUpPerProduct() throws Exception {
        // ISO 22400 roll-ups per product: the line's figures per product equal the sum of its machines' (no product signal here).
        start(engine(), null);
        JsonNode body = get("/api/kpi?asset=line-1&from=2026-01-05T06:00:00Z&to=2026-01-05T07:00:00Z&by=product", 200);
        assertThat(body.get("by").asText()).isEqualTo("product");
        assertThat(body.get("products")).hasSize(1);
        assertThat(body.get("products").get(0).get("kpis").get("availability").asDouble()).isEqualTo(110.0 / 120);
        assertThat(get("/api/kpi?asset=m1&by=fortnight", 400).toString()).contains("product");
    }

    @Test
    void downtimeListsEventsAndPareto() throws Exception {
        // The stop list and Pareto of the period, with the reason's name from the site's tree.
        start(engine(), null);
        JsonNode body = get("/api/downtime?asset=line-1&from=2026-01-05T06:00:00Z&to=2026-01-05T07:00:00Z", 200);
        assertThat(body.get("events")).hasSize(1);
        assertThat(body.get("events").get(0).get("start").asText()).isEqualTo("2026-01-05T06:30:00Z");
        assertThat(body.get("events").get(0).get("reasonName").asText()).isEqualTo("Tool break");
        assertThat(body.get("pareto").get(0).get("durationSeconds").asDouble()).isEqualTo(600);
        assertThat(body.get("pareto").get(0).get("count").asInt()).isEqualTo(1);
    }

    @Test
    void anOperatorReasonOverridesTheSignalAndIsPersisted() throws Exception {
        // Operators correct reasons afterwards; the correction must change the Pareto and survive a restart (the file).
        Path file = dir.resolve("kpi-reasons.jsonl");
        KpiEngine engine = engine();
        start(engine, new KpiRoutes.ReasonLog(file));
        JsonNode r = post("/api/downtime/reason", "{\"machine\":\"m1\",\"start\":\"2026-01-05T06:30:00Z\",\"code\":12}", 200);
        assertThat(r.get("stop").get("reasonName").asText()).isEqualTo("Jam");
        assertThat(r.get("stop").get("operatorSet").asBoolean()).isTrue();
        JsonNode body = get("/api/downtime?asset=m1&from=2026-01-05T06:00:00Z&to=2026-01-05T07:00:00Z", 200);
        assertThat(body.get("pareto").get(0).get("reasonCode").asText()).isEqualTo("12");
        assertThat(Files.readString(file)).contains("\"machine\":\"m1\"").contains("\"code\":\"12\"");
        KpiEngine restarted = engine();
        assertThat(new KpiRoutes.ReasonLog(file).replay(restarted)).isEqualTo(1);
        assertThat(restarted.stops("m1", T6, T6 + 60 * MIN).get(0).reasonCode()).isEqualTo("12");
        // µs since the epoch work too
        post("/api/downtime/reason", "{\"machine\":\"m1\",\"start\":" + (T6 + 30 * MIN) + ",\"code\":\"11\"}", 200);
        assertThat(engine.stops("m1", T6, T6 + 60 * MIN).get(0).reasonCode()).isEqualTo("11");
    }

    @Test
    void badRequestsNameTheFieldAndUnknownMachinesAre404() throws Exception {
        // Clients must learn which input was wrong, in the API's one error shape.
        start(engine(), null);
        assertThat(get("/api/kpi", 400).get("errors").get(0).get("parameter").asText()).isEqualTo("asset");
        assertThat(get("/api/kpi?asset=m1&by=month", 400).get("errors").get(0).get("parameter").asText()).isEqualTo("by");
        assertThat(get("/api/kpi?asset=m1&from=yesterday", 400).get("errors").get(0).get("parameter").asText()).isEqualTo("from");
        assertThat(get("/api/kpi?asset=nope", 404).get("code").asText()).isEqualTo("not_found");
        assertThat(post("/api/downtime/reason", "{\"machine\":\"m1\",\"start\":\"soon\",\"code\":\"11\"}", 400)
                .get("errors").get(0).get("parameter").asText()).isEqualTo("start");
        assertThat(post("/api/downtime/reason", "{\"machine\":\"m1\",\"start\":\"2026-01-05T06:30:00Z\"}", 400)
                .get("errors").get(0).get("parameter").asText()).isEqualTo("code");
        assertThat(post("/api/downtime/reason", "{\"start\":1,\"code\":\"11\"}", 400).get("errors").get(0).get("parameter").asText()).isEqualTo("machine");
        assertThat(post("/api/downtime/reason", "not json", 400).get("errors").get(0).get("parameter").asText()).isEqualTo("body");
        assertThat(post("/api/downtime/reason", "{\"machine\":\"line-1\",\"start\":1,\"code\":\"11\"}", 404).get("code").asText()).isEqualTo("not_found");
    }

    @Test
    void withoutAKpiConfigurationEveryRouteAnswers503() throws Exception {
        // A server without a kpi: section must say so rather than fail with 500.
        start(null, null);
        assertThat(get("/api/kpi?asset=m1", 503).get("code").asText()).isEqualTo("kpi_not_configured");
        assertThat(get("/api/downtime?asset=m1", 503).get("code").asText()).isEqualTo("kpi_not_configured");
        assertThat(post("/api/downtime/reason", "{}", 503).get("code").asText()).isEqualTo("kpi_not_configured");
    }

    @Test
    void liveJsonHasTheRunningShiftOfEveryMachineAndLine() throws Exception {
        // The SSE stream pushes this every second: one entry per machine, then per line.
        KpiEngine e = engine();
        KpiConfig config = new KpiConfig(List.of(new SiteConfig("site", ZoneId.of("UTC"), ShiftCalendar.threeShifts24x7(), 0, null)),
                List.of(new MachineConfig("m1", "line-1", "area", "site", new StateSource.Enumerated("m1.state", Map.of(), MachineState.IDLE),
                        null, null, null, null, null, null, null),
                        new MachineConfig("m2", "line-1", "area", "site", new StateSource.Enumerated("m2.state", Map.of(), MachineState.IDLE),
                                null, null, null, null, null, null, null)));
        JsonNode live = json.readTree(new KpiRoutes(e, config, null, InstantSource.fixed(NOW)).liveJson(null));
        assertThat(live.get("time").asText()).isEqualTo("2026-01-05T07:00:00Z");
        assertThat(live.get("assets").findValuesAsText("asset")).containsExactly("m1", "m2", "line-1");
        assertThat(live.get("assets").get(0).get("shift").asText()).isEqualTo("2026-01-05 early");
        assertThat(live.get("assets").get(2).get("kpis").get("availability").asDouble()).isEqualTo(110.0 / 120);
        assertThat(new KpiRoutes(null).liveJson(null)).isNull();
    }

    private JsonNode get(String path, int status) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + path)).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return json.readTree(r.body());
    }

    private JsonNode post(String path, String body, int status) throws Exception {
        HttpResponse<String> r = send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        return json.readTree(r.body());
    }

    private HttpResponse<String> send(HttpRequest r) throws Exception {
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }
}
