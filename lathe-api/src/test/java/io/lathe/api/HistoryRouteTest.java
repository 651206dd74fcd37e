package io.lathe.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lathe.ingest.LiveState;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HistoryRouteTest {

    private static final long T0 = 1_767_250_800_000_000L; // 2026-01-01T07:00:00Z in microseconds
    private static final Instant NOW = Instant.parse("2026-01-01T08:00:00Z");

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private PlantModel model;
    private TelemetryStore store;
    private ApiServer server;
    private String base;
    private Signal temperature;
    private Signal state;
    private Signal empty;

    @BeforeEach
    void start() throws Exception {
        model = new PlantModel("Acme");
        String site = model.addChild(model.rootId(), "Plant 1", "", "");
        String area = model.addChild(site, "Stamping", "", "");
        String line = model.addChild(area, "Line A", "", "");
        String machine = model.addChild(line, "Press 3", "", "");
        temperature = model.addSignal(machine, "Temperature", DataType.DOUBLE, "°C", "", "");
        state = model.addSignal(machine, "State", DataType.TEXT, "", "", "");
        empty = model.addSignal(machine, "Pressure", DataType.DOUBLE, "bar", "", "");
        store = TelemetryStore.open(StoreSettings.defaults(dir));
        // one point a second for the hour 07:00..08:00, value = seconds since 07:00
        for (int i = 0; i < 3600; i++) {
            store.accept(temperature, T0 + i * 1_000_000L, io.lathe.model.Value.of((double) i), Quality.GOOD, false);
        }
        store.accept(state, T0, io.lathe.model.Value.of("RUNNING, fast"), Quality.GOOD, false);
        server = ApiServer.create(new ApiSettings("127.0.0.1", 0), model, new LiveState(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List::of, store, InstantSource.fixed(NOW));
        base = "http://127.0.0.1:" + server.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) server.close();
        if (store != null) store.close();
    }

    @Test
    void rawHistoryDefaultsToTheLastHourAndListsEveryPointInOrder() throws Exception {
        // Without parameters a chart gets the last hour of raw points, each with ISO and µs time.
        JsonNode body = get("/api/signals/" + temperature.id() + "/history", 200);
        assertThat(body.get("signal").asText()).isEqualTo(temperature.id());
        assertThat(body.get("agg").asText()).isEqualTo("raw");
        assertThat(body.get("buckets").isNull()).isTrue();
        assertThat(body.get("from").asText()).isEqualTo("2026-01-01T07:00:00.000001Z");
        JsonNode points = body.get("points");
        // from = now + 1 µs - 1 h, so the point at exactly 07:00:00 is outside
        assertThat(points).hasSize(3599);
        assertThat(points.get(0).get("t").asText()).isEqualTo("2026-01-01T07:00:01Z");
        assertThat(points.get(0).get("tMicros").asLong()).isEqualTo(T0 + 1_000_000L);
        assertThat(points.get(0).get("v").asDouble()).isEqualTo(1.0);
        assertThat(points.get(3598).get("v").asDouble()).isEqualTo(3599.0);
    }

    @Test
    void bucketsAggregateEachTimeBucketWithTheChosenFunction() throws Exception {
        // Charts ask for N buckets; each aggregate must match the points of its bucket.
        String q = "/api/signals/" + temperature.id() + "/history?from=2026-01-01T07:00:00Z&to=" + (T0 / 1000 + 3_600_000) + "&buckets=4";
        JsonNode avg = get(q, 200);
        assertThat(avg.get("agg").asText()).isEqualTo("avg");
        assertThat(avg.get("buckets").asInt()).isEqualTo(4);
        assertThat(avg.get("points")).hasSize(4);
        assertThat(avg.get("points").get(0).get("v").asDouble()).isEqualTo(449.5); // mean of 0..899
        assertThat(avg.get("points").get(1).get("t").asText()).isEqualTo("2026-01-01T07:15:00Z");
        assertThat(get(q + "&agg=max", 200).get("points").get(0).get("v").asDouble()).isEqualTo(899.0);
        assertThat(get(q + "&agg=min", 200).get("points").get(3).get("v").asDouble()).isEqualTo(2700.0);
        assertThat(get(q + "&agg=count", 200).get("points").get(2).get("v").asLong()).isEqualTo(900);
        assertThat(get(q + "&agg=sum", 200).get("points").get(0).get("v").asDouble()).isEqualTo(404_550.0);
        assertThat(get(q + "&agg=first", 200).get("points").get(1).get("v").asDouble()).isEqualTo(900.0);
        assertThat(get(q + "&agg=last", 200).get("points").get(1).get("v").asDouble()).isEqualTo(1799.0);
        assertThat(get(q + "&agg=twa", 200).get("points").get(0).get("v").asDouble()).isEqualTo(449.5);
    }

    @Test
    void m4GivesMinMaxFirstAndLastOfEachBucketInOneRow() throws Exception {
        // A chart draws each pixel column from one request: the envelope (min, max) and the joins (first, last).
        String q = "/api/signals/" + temperature.id() + "/history?from=2026-01-01T07:00:00Z&to=" + (T0 / 1000 + 3_600_000) + "&buckets=4&agg=M4";
        JsonNode m4 = get(q, 200);
        assertThat(m4.get("agg").asText()).isEqualTo("m4");
        JsonNode second = m4.get("points").get(1);
        assertThat(second.get("min").asDouble()).isEqualTo(900.0);
        assertThat(second.get("max").asDouble()).isEqualTo(1799.0);
        assertThat(second.get("first").asDouble()).isEqualTo(900.0);
        assertThat(second.get("last").asDouble()).isEqualTo(1799.0);
        assertThat(second.get("count").asLong()).isEqualTo(900);
        assertThat(second.get("v").asDouble()).isEqualTo(1349.5);
        assertBad("/api/signals/" + temperature.id() + "/history?buckets=4&agg=m4&format=csv", "agg", "m4");
    }

    @Test
    void csvFormatGivesTimestampValueLinesWithTextQuoted() throws Exception {
        // Spreadsheet users download history as CSV; commas inside text must not break columns.
        HttpResponse<String> r = send("/api/signals/" + temperature.id() + "/history?from=" + enc("2026-01-01T07:00:00Z")
                + "&to=" + enc("2026-01-01T07:00:02Z") + "&format=csv");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/csv");
        assertThat(r.body()).isEqualTo("timestamp,value\n2026-01-01T07:00:00Z,0.0\n2026-01-01T07:00:01Z,1.0\n");
        HttpResponse<String> text = send("/api/signals/" + state.id() + "/history?from=2026-01-01&format=csv");
        assertThat(text.body()).isEqualTo("timestamp,value\n2026-01-01T07:00:00Z,\"RUNNING, fast\"\n");
    }

    @Test
    void aKnownSignalWithoutHistoryGivesAnEmptyList() throws Exception {
        // A signal that never had a value is not an error: the chart is just empty.
        assertThat(get("/api/signals/" + empty.id() + "/history", 200).get("points")).isEmpty();
    }

    @Test
    void badParametersAre400sNamingTheParameterAndValue() throws Exception {
        // Clients must learn which parameter was wrong and why, not get a 500 or a silent default.
        String p = "/api/signals/" + temperature.id() + "/history?";
        assertBad(p + "from=yesterday", "from", "yesterday");
        assertBad(p + "to=12:00", "to", "12:00");
        assertBad(p + "buckets=0", "buckets", "0");
        assertBad(p + "buckets=10001", "buckets", "10001");
        assertBad(p + "buckets=many", "buckets", "many");
        assertBad(p + "agg=median&buckets=10", "agg", "median");
        assertBad(p + "format=xml", "format", "xml");
        assertBad(p + "from=2026-01-01T09:00:00Z&to=2026-01-01T08:00:00Z", "from", "2026-01-01T09:00:00Z");
        assertBad("/api/signals/" + state.id() + "/history?buckets=10&agg=avg", "agg", "avg");
    }

    @Test
    void aRawRangeWithTooManyPointsIsRefusedWithAHintToUseBuckets() throws Exception {
        // A chart asking for a year of raw 1 Hz data must get advice, not a response that exhausts the heap.
        int id = store.seriesId("dense", DataType.DOUBLE);
        int n = io.lathe.api.internal.HistoryRoute.MAX_RAW_POINTS + 1;
        long[] ts = new long[n];
        double[] v = new double[n];
        for (int i = 0; i < n; i++) ts[i] = T0 + i * 1000L;
        store.appendBatch(id, ts, v, 0, n);
        JsonNode e = get("/api/signals/dense/history?from=2026-01-01", 400);
        assertThat(e.get("errors").get(0).get("parameter").asText()).isEqualTo("buckets");
        assertThat(e.get("message").asText()).contains(String.valueOf(n)).contains("buckets=1000");
        JsonNode counted = get("/api/signals/dense/history?from=2026-01-01T07:00:00Z&to=2026-01-01T07:05:00Z&buckets=1&agg=count", 200);
        assertThat(counted.get("points").get(0).get("v").asLong()).isEqualTo(n);
    }

    @Test
    void aRangeWiderThanTheStoreCanAnswerIs400NamingTheLimit() throws Exception {
        // Reliability probe: from=0&to=9000000000000000 (and wider) answered 500; a range the store cannot split into
        // buckets or that lies outside its timestamps is the caller's mistake and must say which limit it broke.
        String p = "/api/signals/" + temperature.id() + "/history?";
        for (String range : List.of("from=-9223372036854775&to=9223372036854775", "from=0&to=9000000000000000",
                "from=-9000000000000000&to=9000000000000000", "from=-9000000000000000&to=0&buckets=10",
                "from=0&to=9000000000000000&buckets=10000", "from=-9223372036854775&to=9223372036854775&buckets=7")) {
            JsonNode e = get(p + range, 400);
            assertThat(e.get("code").asText()).as(range).isEqualTo("bad_request");
            assertThat(e.get("errors").get(0).get("parameter").asText()).as(range).isIn("from", "to");
            assertThat(e.get("message").asText()).as(range).contains("[").contains("9999-12-31");
        }
        // Narrower than the number of buckets: empty buckets are left out, nothing divides by zero.
        assertThat(get(p + "from=2026-01-01T07:00:00Z&to=2026-01-01T07:00:00.000003Z&buckets=10000", 200).get("points")).hasSize(1);
        // The widest accepted range still answers: the whole history, bucketed.
        JsonNode all = get(p + "from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z&buckets=10000&agg=count", 200);
        assertThat(all.get("points").findValuesAsText("v").stream().mapToLong(Long::parseLong).sum()).isEqualTo(3600);
    }

    @Test
    void unknownSignalIsA404() throws Exception {
        // A typo in the id must not look like a signal without data.
        JsonNode e = get("/api/signals/acme.nothing/history", 404);
        assertThat(e.get("code").asText()).isEqualTo("not_found");
        assertThat(e.get("message").asText()).contains("acme.nothing");
    }

    @Test
    void seriesThatAreNotPlantSignalsAreServedToo() throws Exception {
        // Series posted over HTTP ingest have free names and no plant signal, and still have history.
        int id = store.seriesId("line 4/flow", DataType.DOUBLE);
        store.append(id, T0 + 5_000_000L, 12.5);
        JsonNode body = get("/api/signals/" + enc("line 4/flow").replace("%2F", "%2F") + "/history?from=2026-01-01", 200);
        assertThat(body.get("signal").asText()).isEqualTo("line 4/flow");
        assertThat(body.get("points").get(0).get("v").asDouble()).isEqualTo(12.5);
    }

    @Test
    void withoutAStoreHistoryIsA503SayingWhy() throws Exception {
        // A server started without a store must say so instead of answering with empty history.
        try (ApiServer bare = ApiServer.create(new ApiSettings("127.0.0.1", 0), model, new LiveState(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List::of)) {
            int port = bare.start();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/api/signals/" + temperature.id() + "/history")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(json.readTree(r.body()).get("message").asText()).contains("without a telemetry store");
        }
    }

    private void assertBad(String path, String parameter, String value) throws Exception {
        JsonNode e = get(path, 400);
        assertThat(e.get("code").asText()).isEqualTo("bad_request");
        assertThat(e.get("errors").get(0).get("parameter").asText()).isEqualTo(parameter);
        assertThat(e.get("errors").get(0).get("value").asText()).isEqualTo(value);
        assertThat(e.get("message").asText()).contains(parameter + "=" + value);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpResponse<String> send(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String path, int status) throws Exception {
        HttpResponse<String> r = send(path);
        assertThat(r.statusCode()).as("status of %s: %s", path, r.body()).isEqualTo(status);
        return json.readTree(r.body());
    }
}
