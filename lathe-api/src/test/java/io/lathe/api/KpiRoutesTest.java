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

    /**
     * m1 and m2 on line-1: m1 runs 06:00-06:30, stops (reason 11) until 06:40, runs again; m2 runs all along and reports
     * so at 08:00, so the data reaches past the fixed "now" of 07:00.
     */
    private KpiEngine engine() {
        KpiEngine e = engineUntil0650();
        e.onPoint("m2.state", T6 + 120 * MIN, Value.of("run"));
        return e;
    }

    /** {@link #engine()} without m2's report at 08:00: the newest data is m1's count at 06:50. */
    private KpiEngine engineUntil0650() {
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
        start(engine == null ? new KpiRoutes(null) : new KpiRoutes(engine, null, log, InstantSource.fixed(NOW)));
    }

    private void start(KpiRoutes routes) {
        app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.jsonMapper(new JavalinJackson(new ObjectMapper(), false));
            cfg.routes.get("/api/kpi", routes::kpi);
            cfg.routes.get("/api/kpi/sites", routes::sites);
            cfg.routes.get("/api/downtime", routes::downtime);
            cfg.routes.post("/api/downtime/reason", routes::reason);
            cfg.routes.post("/api/downtime/split", routes::split);
            cfg.routes.get("/api/data-quality", routes::dataQuality);
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
        assertThat(lines).as("07:00-08:00 lies after now (07:00): not measured").hasSize(2);
        assertThat(lines.get(0)).startsWith("asset,label,from,to,machines,availability,effectiveness,");
        assertThat(lines.get(1)).startsWith("m1,2026-01-05T06:00Z,2026-01-05T06:00:00Z,2026-01-05T07:00:00Z,1,");
        assertThat(lines.get(0)).endsWith(",dataQualityEvents,warnings,timeInStateSeconds.running,timeInStateSeconds.setup,"
                + "timeInStateSeconds.unplanned-down,timeInStateSeconds.idle,timeInStateSeconds.starved,timeInStateSeconds.blocked,"
                + "timeInStateSeconds.planned-down,timeInStateSeconds.unknown");
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
    void anOperatorCommentGoesWithTheStopAndSurvivesARestart() throws Exception {
        // The dashboard's reason dialog sends a note with the reason; the stop list shows it, also after a restart.
        Path file = dir.resolve("kpi-reasons.jsonl");
        start(engine(), new KpiRoutes.ReasonLog(file));
        JsonNode r = post("/api/downtime/reason", "{\"machine\":\"m1\",\"start\":\"2026-01-05T06:30:00Z\",\"code\":\"12\",\"comment\":\"chip in the feeder\"}", 200);
        assertThat(r.get("comment").asText()).isEqualTo("chip in the feeder");
        JsonNode body = get("/api/downtime?asset=line-1&from=2026-01-05T06:00:00Z&to=2026-01-05T07:00:00Z", 200);
        assertThat(body.get("events").get(0).get("comment").asText()).isEqualTo("chip in the feeder");
        app.stop();
        start(new KpiRoutes(engine(), null, new KpiRoutes.ReasonLog(file), InstantSource.fixed(NOW)));
        body = get("/api/downtime?asset=m1&from=2026-01-05T06:00:00Z&to=2026-01-05T07:00:00Z", 200);
        assertThat(body.get("events").get(0).get("comment").asText()).isEqualTo("chip in the feeder");
        // clearing the reason clears the note; a comment that is not text is refused naming the field
        post("/api/downtime/reason", "{\"machine\":\"m1\",\"start\":\"2026-01-05T06:30:00Z\",\"code\":\"\"}", 200);
        assertThat(get("/api/downtime?asset=m1&from=2026-01-05T06:00:00Z&to=2026-01-05T07:00:00Z", 200).get("events").get(0).has("comment")).isFalse();
        assertThat(post("/api/downtime/reason", "{\"machine\":\"m1\",\"start\":\"2026-01-05T06:30:00Z\",\"code\":\"12\",\"comment\":7}", 400)
                .get("errors").get(0).get("parameter").asText()).isEqualTo("comment");
    }

    @Test
    void anOperatorSplitsAStopGivesThePartsReasonsAndTheSplitSurvivesARestart() throws Exception {
        // The 06:30-06:40 stop was a tool break for 4 minutes, then a jam: split at 06:34, reason 12 for the later part.
        Path file = dir.resolve("kpi-reasons.jsonl");
        start(engine(), new KpiRoutes.ReasonLog(file));
        JsonNode r = post("/api/downtime/split", "{\"machine\":\"m1\",\"at\":\"2026-01-05T06:34:00Z\"}", 200);
        assertThat(r.get("stops")).hasSize(2);
        assertThat(r.get("stops").get(1).get("start").asText()).isEqualTo("2026-01-05T06:34:00Z");
        post("/api/downtime/reason", "{\"machine\":\"m1\",\"start\":\"2026-01-05T06:34:00Z\",\"code\":\"12\"}", 200);
        JsonNode pareto = get("/api/downtime?asset=m1&from=2026-01-05T06:00:00Z&to=2026-01-05T07:00:00Z", 200).get("pareto");
        assertThat(pareto.get(0).get("reasonCode").asText()).isEqualTo("12");
        assertThat(pareto.get(0).get("durationSeconds").asDouble()).isEqualTo(360);
        assertThat(pareto.get(1).get("reasonCode").asText()).isEqualTo("11");
        KpiEngine restarted = engine();
        new KpiRoutes.ReasonLog(file).replay(restarted);
        assertThat(restarted.stops("m1", T6, T6 + 60 * MIN)).hasSize(2);
        assertThat(restarted.stops("m1", T6, T6 + 60 * MIN).get(1).reasonCode()).isEqualTo("12");
        // outside every stop: 400 naming the field; joined again: one stop
        assertThat(post("/api/downtime/split", "{\"machine\":\"m1\",\"at\":\"2026-01-05T06:10:00Z\"}", 400)
                .get("errors").get(0).get("parameter").asText()).isEqualTo("at");
        assertThat(post("/api/downtime/split", "{\"machine\":\"m1\",\"at\":\"2026-01-05T06:34:00Z\",\"join\":true}", 200).get("stops")).hasSize(1);
    }

    @Test
    void sitesGiveTheTimeZoneReasonTreeAndMachines() throws Exception {
        // The dashboard shows the plant's time zone and offers the machine's reason tree from here.
        ReasonTree tree = new ReasonTree(List.of(new ReasonTree.Category("mechanical", "Mechanical", List.of(new ReasonTree.Reason("11", "Tool break")))));
        SiteConfig site = new SiteConfig("plant-sh", ZoneId.of("Asia/Shanghai"), ShiftCalendar.threeShifts24x7(), 0.58, tree);
        MachineConfig m = new MachineConfig("m1", "line-1", "area", "plant-sh",
                new StateSource.Enumerated("m1.state", Map.of("run", MachineState.RUNNING), MachineState.IDLE),
                CountsConfig.of(CounterSignal.cumulative("m1.parts"), null, null), Duration.ofSeconds(30), null, null, null, null, Duration.ofMinutes(1));
        KpiConfig config = new KpiConfig(List.of(site), List.of(m));
        start(new KpiRoutes(KpiEngine.create(config), config, null, InstantSource.fixed(NOW)));
        JsonNode s = get("/api/kpi/sites", 200).get("sites").get(0);
        assertThat(s.get("id").asText()).isEqualTo("plant-sh");
        assertThat(s.get("timeZone").asText()).isEqualTo("Asia/Shanghai");
        assertThat(s.get("reasons").get(0).get("reasons").get(0).get("name").asText()).isEqualTo("Tool break");
        assertThat(s.get("machines").get(0).get("line").asText()).isEqualTo("line-1");
        assertThat(get("/api/kpi/sites?asset=line-1", 200).get("sites")).hasSize(1);
        assertThat(get("/api/kpi/sites?asset=nope", 404).get("code").asText()).isEqualTo("not_found");
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
        assertThat(get("/api/data-quality?asset=m1", 503).get("code").asText()).isEqualTo("kpi_not_configured");
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

    @Test
    void kpisEndAtTheNewestDataNotAtATimeInTheFuture() throws Exception {
        // Seen: `lathe kpi --to` later than now counted the time after the newest data as running. Data ends at 06:50
        // (m1's count), now is 07:00: the running shift and a period asked until next year both end at 06:50.
        start(engineUntil0650(), null);
        JsonNode shift = get("/api/kpi?asset=m1", 200);
        assertThat(shift.get("to").asText()).isEqualTo("2026-01-05T07:00:00Z");
        assertThat(shift.get("measuredTo").asText()).isEqualTo("2026-01-05T06:50:00Z");
        assertThat(shift.get("kpis").get("to").asText()).isEqualTo("2026-01-05T06:50:00Z");
        assertThat(shift.get("kpis").get("availability").asDouble()).isEqualTo(40.0 / 50);
        JsonNode future = get("/api/kpi?asset=line-1&from=2026-01-05T06:00:00Z&to=2027-01-05T00:00:00Z&by=hour", 200);
        assertThat(future.get("measuredTo").asText()).isEqualTo("2026-01-05T06:50:00Z");
        assertThat(future.get("periods")).hasSize(1);
        assertThat(future.get("periods").get(0).get("kpis").get("calendarTimeSeconds").asDouble()).isEqualTo(2 * 50 * 60); // two machines
        // the stop of m1 is not extended into the future either, and a range with no data has no figures
        assertThat(get("/api/downtime?asset=m1&from=2026-01-05T06:00:00Z&to=2027-01-05T00:00:00Z", 200).get("pareto").get(0)
                .get("durationSeconds").asDouble()).isEqualTo(600);
        JsonNode empty = get("/api/kpi?asset=m1&from=2026-01-05T06:55:00Z&to=2026-01-05T07:00:00Z", 200);
        assertThat(empty.get("measuredTo").isNull()).isTrue();
        assertThat(empty.get("kpis").isNull()).isTrue();
    }

    @Test
    void liveFiguresEndAtNowWhenTheDataRunsAhead() throws Exception {
        // `lathe demo --speed 30` stamps data ahead of the wall clock: live figures end at now, lathe kpi (no clock)
        // at the newest data.
        KpiEngine e = engine(); // data until 08:00, now 07:00
        JsonNode live = json.readTree(new KpiRoutes(e, null, null, InstantSource.fixed(NOW)).liveJson("m2"));
        assertThat(live.get("assets").get(0).get("kpis").get("to").asText()).isEqualTo("2026-01-05T07:00:00Z");
        assertThat(json.readTree(KpiRoutes.kpiJson(e, "m2", T6, T6 + 365L * 24 * 60 * MIN, null)).get("measuredTo").asText())
                .isEqualTo("2026-01-05T08:00:00Z");
        JsonNode behind = json.readTree(new KpiRoutes(engineUntil0650(), null, null, InstantSource.fixed(NOW)).liveJson("m2"));
        assertThat(behind.get("assets").get(0).get("kpis").get("to").asText()).isEqualTo("2026-01-05T06:50:00Z");
        assertThat(behind.get("assets").get(0).get("kpis").get("availability").asDouble()).isEqualTo(1.0);
    }

    @Test
    void hugeRangesAre400AlsoBeforeAnyDataArrives() throws Exception {
        // Seen in the load proof: with no point yet the huge range answered 200 with no periods, and 400 only once
        // data arrived; the answer must not depend on whether anything is measured.
        ReasonTree tree = new ReasonTree(List.of());
        SiteConfig site = new SiteConfig("site", ZoneId.of("UTC"), ShiftCalendar.threeShifts24x7(), 0.5, tree);
        KpiEngine empty = KpiEngine.create(new KpiConfig(List.of(site), List.of(new MachineConfig("m1", "line-1", "area", "site",
                new StateSource.Enumerated("m1.state", Map.of("run", MachineState.RUNNING), MachineState.IDLE),
                CountsConfig.of(CounterSignal.cumulative("m1.parts"), null, null), Duration.ofSeconds(30), null, null, null,
                "m1.reason", Duration.ofMinutes(1)))));
        start(empty, null);
        assertThat(get("/api/kpi?asset=m1&from=0&to=9000000000000000&by=hour", 400).get("message").asText()).contains("at most 3660 days");
        assertThat(get("/api/kpi?asset=m1&from=0&to=9000000000000000", 400).get("message").asText()).contains("at most 3660 days");
        assertThat(get("/api/downtime?asset=m1&from=0&to=9000000000000000", 400).get("message").asText()).contains("at most 3660 days");
        // a range ending in the future but short up to now is fine: it ends at the (missing) data
        assertThat(get("/api/kpi?asset=m1&from=2026-01-05T06:00:00Z&to=2099-01-01T00:00:00Z", 200).get("kpis").isNull()).isTrue();
    }

    @Test
    void hugeRangesAndTooManyPeriodsAre400NamingTheLimit() throws Exception {
        // Seen: from=0&to=9000000000000000&by=hour looped over billions of periods while holding the engine.
        start(engine(), null);
        JsonNode range = get("/api/kpi?asset=m1&from=0&to=9000000000000000&by=hour", 400);
        assertThat(range.get("code").asText()).isEqualTo("bad_request");
        assertThat(range.get("message").asText()).contains("at most 3660 days");
        assertThat(range.get("errors").get(0).get("parameter").asText()).isEqualTo("from");
        assertThat(get("/api/kpi?asset=m1&from=0&to=9000000000000000", 400).get("message").asText()).contains("at most 3660 days");
        assertThat(get("/api/data-quality?asset=m1&from=0&to=9000000000000000", 400).get("message").asText()).contains("at most 3660 days");
        // 417 days of hourly periods: within the range, over the period limit
        KpiEngine e = engine();
        e.onPoint("m2.state", T6 + 417L * 24 * 60 * MIN, Value.of("run"));
        app.stop();
        KpiRoutes routes = new KpiRoutes(e, null, null, InstantSource.fixed(Instant.parse("2027-03-01T00:00:00Z")));
        app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.jsonMapper(new JavalinJackson(new ObjectMapper(), false));
            cfg.routes.get("/api/kpi", routes::kpi);
            cfg.routes.get("/api/kpi/sites", routes::sites);
            cfg.routes.exception(ApiError.class, (x, ctx) -> ctx.status(x.status()).json(x.body()));
        });
        app.start("127.0.0.1", 0);
        base = "http://127.0.0.1:" + app.port();
        JsonNode periods = get("/api/kpi?asset=m1&from=2026-01-05T06:00:00Z&to=2027-03-01T00:00:00Z&by=hour", 400);
        assertThat(periods.get("message").asText()).contains("at most 10000 periods").contains("by=hour");
        assertThat(periods.get("errors").get(0).get("parameter").asText()).isEqualTo("by");
        assertThat(get("/api/kpi?asset=m1&from=2026-01-05T06:00:00Z&to=2027-03-01T00:00:00Z&by=day", 200).get("periods")).hasSize(418);
    }

    @Test
    void dataQualityEventsAreListedAndMarkTheKpis() throws Exception {
        // A counter preset 15 parts down at 06:55 (a reset would restart near 0: at most 16 parts fit into the 5 min
        // since it last changed): not counted, listed with its cause, and the KPIs say so.
        KpiEngine e = engine();
        e.onPoint("m1.parts", T6 + 55 * MIN, 45);
        start(e, null);
        JsonNode dq = get("/api/data-quality?asset=line-1&from=2026-01-05T06:00:00Z&to=2026-01-05T07:00:00Z", 200);
        assertThat(dq.get("events")).hasSize(1);
        JsonNode ev = dq.get("events").get(0);
        assertThat(ev.get("machine").asText()).isEqualTo("m1");
        assertThat(ev.get("time").asText()).isEqualTo("2026-01-05T06:55:00Z");
        assertThat(ev.get("kind").asText()).isEqualTo("counter-decrease");
        assertThat(ev.get("oldValue").asDouble()).isEqualTo(60);
        assertThat(ev.get("newValue").asDouble()).isEqualTo(45);
        assertThat(ev.get("counted").asDouble()).isZero();
        assertThat(ev.get("bound").asDouble()).isEqualTo(300.0 / 30 * 1.5 + 1);
        assertThat(ev.get("cause").asText()).startsWith("m1.parts went down from 60 to 45 within 5 min: not a reset");
        JsonNode kpis = get("/api/kpi?asset=line-1", 200).get("kpis");
        assertThat(kpis.get("dataQualityEvents").asInt()).isEqualTo(1);
        assertThat(kpis.get("producedQuantity").asDouble()).isEqualTo(60);
        assertThat(kpis.get("warnings").findValuesAsText("code")).containsExactly("data_quality_events");
        assertThat(get("/api/data-quality?asset=m2", 200).get("events")).isEmpty();
        JsonNode live = json.readTree(new KpiRoutes(e, null, null, InstantSource.fixed(NOW)).liveJson("line-1"));
        assertThat(live.get("assets").get(0).get("dataQuality").get("events").asInt()).isEqualTo(1);
        assertThat(live.get("assets").get(0).get("dataQuality").get("last").get("kind").asText()).isEqualTo("counter-decrease");
    }

    @Test
    void dataQualityEventsAreCountedInTheMetricsByKind() {
        // /metrics: lathe_kpi_data_quality_events_total{kind}, each distinct event once, read when scraped.
        KpiEngine e = engine();
        io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry =
                new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        new io.lathe.kpi.KpiMeters(e).bindTo(registry);
        e.onPoint("m1.parts", T6 + 55 * MIN, 45); // a preset down: no query has derived it yet
        assertThat(registry.scrape()).contains("lathe_kpi_data_quality_events_total{kind=\"counter-decrease\"} 1.0")
                .contains("lathe_kpi_data_quality_events_total{kind=\"meter-jump\"} 0.0")
                .contains("lathe_kpi_points_refused_total{reason=\"late\"} 0.0")
                .contains("lathe_kpi_points_pending 0.0");
        e.kpis("line-1", T6, T6 + 60 * MIN); // re-derives the same event: still counted once
        e.onPoint("m1.parts", T6 + 10 * MIN, 0); // a late repeat before it: re-derived again
        assertThat(registry.scrape()).contains("lathe_kpi_data_quality_events_total{kind=\"counter-decrease\"} 1.0");
    }

    @Test
    void theLiveJsonOfAnAssetIsComputedOncePerSecondHoweverManyAsk() throws Exception {
        // Every SSE client asks each second; 16 threads × 500 asks in the same second share one computation per asset.
        KpiRoutes routes = new KpiRoutes(engine(), null, null, InstantSource.fixed(NOW));
        List<Thread> threads = new java.util.ArrayList<>();
        java.util.Set<String> texts = java.util.concurrent.ConcurrentHashMap.newKeySet();
        for (int i = 0; i < 16; i++) {
            String asset = i % 2 == 0 ? "m1" : "line-1";
            threads.add(Thread.ofPlatform().start(() -> {
                for (int k = 0; k < 500; k++) texts.add(routes.liveJson(asset));
            }));
        }
        for (Thread t : threads) t.join();
        assertThat(texts).hasSize(2);
        assertThat(routes.liveComputations()).isEqualTo(2);
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
