package io.lathe.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lathe.ingest.LiveState;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.store.SeriesData;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestRouteTest {

    private static final String TOKEN = "s3cret-token-for-tests";
    private static final long T0 = 1_767_250_800_000_000L; // 2026-01-01T07:00:00Z in microseconds

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private TelemetryStore store;
    private PrometheusMeterRegistry metrics;
    private ApiServer server;
    private String base;

    @BeforeEach
    void start() throws Exception {
        store = TelemetryStore.open(StoreSettings.defaults(dir.resolve("store")).withLateWindow(Duration.ofHours(1)));
        metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        server = ApiServer.create(new ApiSettings("127.0.0.1", 0, TOKEN), new PlantModel("Acme"), new LiveState(), metrics,
                List::of, store);
        base = "http://127.0.0.1:" + server.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) server.close();
        if (store != null) store.close();
    }

    @Test
    void pointsOfPlantSignalsAlsoReachTheLiveView() throws Exception {
        // A script posting a plant signal's values must show on the dashboard like any connector, not only in history.
        server.close();
        PlantModel model = new PlantModel("Acme");
        String machine = model.addChild(model.addChild(model.addChild(model.addChild(model.rootId(), "S", "", ""), "A", "", ""), "L", "", ""), "M", "", "");
        io.lathe.model.Signal temp = model.addSignal(machine, "Temperature", DataType.DOUBLE, "degC", "", "");
        LiveState live = new LiveState();
        server = ApiServer.create(new ApiSettings("127.0.0.1", 0, TOKEN), model, live, metrics, List::of, store)
                .ingestDownstream(live);
        base = "http://127.0.0.1:" + server.start();
        String body = "{\"series\":\"" + temp.id() + "\",\"timestamp\":1767250800000,\"value\":21.5}\n"
                + "{\"series\":\"not-a-signal\",\"timestamp\":1767250800000,\"value\":1}\n";
        HttpResponse<String> r = post(body, "application/x-ndjson", TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(live.latest(temp.id()).value()).isEqualTo(io.lathe.model.Value.of(21.5));
        assertThat(live.latest(temp.id()).timestampMicros()).isEqualTo(T0);
        assertThat(live.latest("not-a-signal")).isNull();
        assertThat(store.raw(temp.id(), T0, T0 + 1).size()).isEqualTo(1);
    }

    @Test
    void jsonLinesAreStoredUnderTheirSeriesNamesAndCounted() throws Exception {
        // Scripts post JSON lines; each point must land in its series with the right type and time.
        String body = """
                {"series":"line4/flow","timestamp":"2026-01-01T07:00:00Z","value":12.5}
                {"series":"line4/flow","timestamp":1767250801000,"value":13}

                {"series":"line4/running","timestamp":"2026-01-01T07:00:00.000250Z","value":true}
                {"series":"line4/state","timestamp":1767250800000,"value":"idle","quality":"uncertain"}
                """;
        HttpResponse<String> r = post(body, "application/x-ndjson", TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode a = json.readTree(r.body());
        assertThat(a.get("accepted").asLong()).isEqualTo(4);
        assertThat(a.get("rejected").asLong()).isZero();
        SeriesData flow = store.raw("line4/flow", T0, T0 + 10_000_000L);
        assertThat(flow.size()).isEqualTo(2);
        assertThat(flow.doubleAt(1)).isEqualTo(13.0);
        assertThat(flow.timestampAt(1)).isEqualTo(T0 + 1_000_000L);
        assertThat(store.typeOf("line4/running")).contains(DataType.BOOLEAN);
        assertThat(store.raw("line4/running", T0, T0 + 1000).timestampAt(0)).isEqualTo(T0 + 250);
        SeriesData state = store.raw("line4/state", T0, T0 + 1);
        assertThat(state.text()[0]).isEqualTo("idle");
        assertThat(state.qualityAt(0).label()).isEqualTo("uncertain");
        assertThat(metrics.counter("lathe.ingest.http.points").count()).isEqualTo(4.0);
    }

    @Test
    void answer200MeansThePointsAreOnDisk() throws Exception {
        // The contract of the 200 is durability: every appended log record must be forced when the answer arrives.
        HttpResponse<String> r = post("series,timestamp,value\nm1,2026-01-01T07:00:00Z,1.5\n", "text/csv", TOKEN);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(store.durableSequence()).isGreaterThanOrEqualTo(store.appendedSequence());
    }

    @Test
    void csvWithAndWithoutHeaderIsAccepted() throws Exception {
        // Files exported from spreadsheets come with or without a header line, sometimes with quoted names.
        assertThat(post("series,timestamp,value\r\nm1,2026-01-01T07:00:00Z,1.5\r\n\"a,b\",1767250800000,2\r\n", "text/csv", TOKEN).statusCode()).isEqualTo(200);
        assertThat(post("m1,1767250801000,2.5\n", "text/csv; charset=utf-8", TOKEN).statusCode()).isEqualTo(200);
        assertThat(store.raw("m1", T0, T0 + 2_000_000L).size()).isEqualTo(2);
        assertThat(store.raw("a,b", T0, T0 + 1).doubleAt(0)).isEqualTo(2.0);
    }

    @Test
    void badLinesAre400WithLineNumbersWhileGoodLinesAreKept() throws Exception {
        // One broken line in a big batch must not lose the rest, and the sender must find the broken ones.
        store.append(store.seriesId("temp", DataType.DOUBLE), T0 + 7_200_000_000L, 1.0);
        String body = String.join("\n",
                "{\"series\":\"temp\",\"timestamp\":\"2026-01-01T09:00:01Z\",\"value\":20.5}",
                "{\"series\":\"temp\",\"timestamp\":\"noon\",\"value\":1}",
                "not json",
                "{\"timestamp\":1767250800000,\"value\":1}",
                "{\"series\":\"temp\",\"timestamp\":1767250800000}",
                "{\"series\":\"temp\",\"timestamp\":\"2026-01-01T09:00:02Z\",\"value\":\"hot\"}",
                "{\"series\":\"temp\",\"timestamp\":\"2026-01-01T07:00:00Z\",\"value\":3}",
                "{\"series\":\"temp\",\"timestamp\":\"2026-01-01T09:00:03Z\",\"value\":21.5}");
        HttpResponse<String> r = post(body, "application/json", TOKEN);
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode a = json.readTree(r.body());
        assertThat(a.get("accepted").asLong()).isEqualTo(2);
        assertThat(a.get("rejected").asLong()).isEqualTo(6);
        assertThat(a.get("message").asText()).contains("the other 2 points of this batch were stored");
        List<String> lines = a.get("errors").findValuesAsText("line");
        List<String> reasons = a.get("errors").findValuesAsText("reason");
        assertThat(lines).containsExactly("2", "3", "4", "5", "6", "7");
        assertThat(reasons).containsExactly("timestamp", "syntax", "series", "value", "type", "late");
        assertThat(store.raw("temp", T0, T0 + 8_000_000_000L).size()).isEqualTo(3);
        assertThat(metrics.counter("lathe.ingest.http.rejects", "reason", "late").count()).isEqualTo(1.0);
        assertThat(metrics.counter("lathe.ingest.http.rejects", "reason", "syntax").count()).isEqualTo(1.0);
        assertThat(metrics.scrape()).contains("lathe_ingest_http_points_total 2.0");
    }

    @Test
    void badCsvLinesNameTheirLine() throws Exception {
        // CSV mistakes (wrong field count, open quote, bad number for a numeric series) point at their line.
        String body = "series,timestamp,value\nm1,2026-01-01T07:00:00Z,1\nm1,2026-01-01T07:00:01Z\n\"m1,x,1\nm1,2026-01-01T07:00:02Z,abc\n";
        HttpResponse<String> r = post(body, "text/csv", TOKEN);
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode a = json.readTree(r.body());
        assertThat(a.get("accepted").asLong()).isEqualTo(1);
        assertThat(a.get("errors").findValuesAsText("line")).containsExactly("3", "4", "5");
        assertThat(a.get("errors").get(2).get("message").asText()).contains("double").contains("abc");
    }

    @Test
    void missingOrWrongTokenIs401AndStoresNothing() throws Exception {
        // Without the token anyone on the network could write history.
        String body = "m1,1767250800000,1\n";
        assertThat(post(body, "text/csv", null).statusCode()).isEqualTo(401);
        HttpResponse<String> wrong = post(body, "text/csv", "guess");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(json.readTree(wrong.body()).get("code").asText()).isEqualTo("unauthorized");
        assertThat(wrong.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(store.typeOf("m1")).isEmpty();
    }

    @Test
    void withoutAConfiguredTokenIngestIs403SayingHowToEnableIt() throws Exception {
        // Ingest is off by default; the answer must tell the operator which setting turns it on.
        try (ApiServer off = ApiServer.create(new ApiSettings("127.0.0.1", 0), new PlantModel("Acme"), new LiveState(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List::of, store)) {
            int port = off.start();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/ingest"))
                    .header("Content-Type", "text/csv").header("Authorization", "Bearer x")
                    .POST(HttpRequest.BodyPublishers.ofString("m1,1767250800000,1\n")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(403);
            assertThat(json.readTree(r.body()).get("message").asText()).contains("server.ingest-token").contains("LATHE_SERVER_INGEST_TOKEN");
        }
    }

    @Test
    void unknownContentTypeIs415() throws Exception {
        // Guessing the format of a body would store garbage; the sender must say what it sends.
        assertThat(post("m1,1767250800000,1\n", "application/xml", TOKEN).statusCode()).isEqualTo(415);
    }

    private HttpResponse<String> post(String body, String type, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/api/ingest")).timeout(Duration.ofSeconds(10))
                .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
