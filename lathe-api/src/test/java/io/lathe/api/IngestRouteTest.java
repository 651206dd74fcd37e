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
import java.nio.charset.StandardCharsets;
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
        String scrape = metrics.scrape();
        assertThat(scrape).contains("lathe_ingest_http_points_total 2.0");
        // Every reason is exported from the start (at 0), the store's own rejects too (issue 9.6).
        assertThat(scrape).contains("lathe_ingest_http_rejects_total{reason=\"encoding\"} 0.0")
                .contains("lathe_store_rejected_points_total{reason=\"late\"} 1.0")
                .contains("lathe_store_rejected_points_total{reason=\"unavailable\"} 0.0");
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

    // ---- strictness: each case below was found by a reliability probe storing garbage with a 200 (issue 9, item 11) ----

    @Test
    void aSecondJsonObjectOnOneLineRejectsTheLineInsteadOfDroppingTheObject() throws Exception {
        // A line is one point: reading the first object and ignoring the rest lost the second point silently.
        HttpResponse<String> r = post("{\"series\":\"two\",\"timestamp\":1767250800000,\"value\":1}"
                + "{\"series\":\"two\",\"timestamp\":1767250801000,\"value\":2}\n"
                + "{\"series\":\"two\",\"timestamp\":1767250802000,\"value\":3} 4\n"
                // Jackson's own limits (a 2000-digit number, deep nesting) are bad lines too, not a 500.
                + "{\"series\":\"two\",\"timestamp\":1767250803000,\"value\":" + "9".repeat(2000) + "}\n"
                + "{\"series\":\"two\",\"timestamp\":1767250804000,\"value\":1,\"x\":" + "[".repeat(2000) + "}\n",
                "application/x-ndjson", TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode a = json.readTree(r.body());
        assertThat(a.get("accepted").asLong()).isZero();
        assertThat(a.get("errors").findValuesAsText("reason")).containsExactly("syntax", "syntax", "syntax", "syntax");
        assertThat(a.get("errors").get(0).get("message").asText()).contains("line=1").contains("one JSON object per line");
        assertThat(store.typeOf("two")).isEmpty();
    }

    @Test
    void nonFiniteAndOverflowingNumbersAreRejectedPerLineNotStoredAsNull() throws Exception {
        // 1e309, NaN and Infinity were stored and served back as null: a gap that looked like a value.
        String csv = "series,timestamp,value\nnf,1767250800000,1.5\nnf,1767250801000,1e309\nnf,1767250802000,NaN\n"
                + "nf,1767250803000,Infinity\nnf,1767250804000,-inf\nnf,1767250805000,-1e400\nnf,1767250806000,1e-400\n";
        HttpResponse<String> r = post(csv, "text/csv", TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode a = json.readTree(r.body());
        assertThat(a.get("errors").findValuesAsText("line")).containsExactly("3", "4", "5", "6", "7");
        assertThat(a.get("errors").findValuesAsText("reason")).containsOnly("value");
        assertThat(a.get("errors").findValuesAsText("field")).containsOnly("value");
        assertThat(a.get("errors").get(0).get("message").asText()).contains("1e309").contains("double");
        assertThat(a.get("errors").get(1).get("message").asText()).contains("NaN").contains("finite");
        HttpResponse<String> j = post("{\"series\":\"nf\",\"timestamp\":1767250807000,\"value\":1e309}\n"
                + "{\"series\":\"nf\",\"timestamp\":1767250808000,\"value\":NaN}\n", "application/x-ndjson", TOKEN);
        assertThat(json.readTree(j.body()).get("rejected").asLong()).as(j.body()).isEqualTo(2);
        // 1e-400 rounds to 0 like any decimal rounds to its nearest double; nothing non-finite reaches the store.
        SeriesData d = store.raw("nf", T0, T0 + 10_000_000L);
        assertThat(d.size()).isEqualTo(2);
        assertThat(d.doubleAt(0)).isEqualTo(1.5);
        assertThat(d.doubleAt(1)).isEqualTo(0.0);
        assertThat(metrics.counter("lathe.ingest.http.rejects", "reason", "value").count()).isEqualTo(7.0);
    }

    @Test
    void javaOnlyNumberSyntaxIsRejectedInCsvUnlessQuotedAsText() throws Exception {
        // Double.parseDouble accepted 1.5d and 0x1p3, so a typo or a hex dump became a plausible measurement.
        String csv = "j,1767250800000,1.5d\nj,1767250801000,0x1p3\nj,1767250802000,1_000\nj,1767250803000,2.5F\n"
                + "j,1767250804000, 1.5 \nj,1767250805000,.5\nj,1767250806000,+3\nj,1767250807000,-2.5E-1\nj,1767250808000,1.\n"
                + "j,1767250809000,1.5.2\nj,1767250810000,--1\nj,1767250811000,1e\n";
        JsonNode a = json.readTree(post(csv, "text/csv", TOKEN).body());
        assertThat(a.get("errors").findValuesAsText("line")).containsExactly("1", "2", "3", "4", "10", "11", "12");
        assertThat(a.get("errors").get(0).get("message").asText()).contains("1.5d").contains("decimal");
        SeriesData j = store.raw("j", T0, T0 + 20_000_000L);
        assertThat(j.type()).isEqualTo(DataType.DOUBLE);
        assertThat(List.of(j.doubleAt(0), j.doubleAt(1), j.doubleAt(2), j.doubleAt(3), j.doubleAt(4)))
                .containsExactly(1.5, 0.5, 3.0, -0.25, 1.0);
        // Quoted, a number-like text is text: the way to store a code such as 0x1F in a text series.
        assertThat(post("code,1767250800000,\"0x1F\"\ncode,1767250801000,\"1.5d\"\n", "text/csv", TOKEN).statusCode()).isEqualTo(200);
        assertThat(store.raw("code", T0, T0 + 2_000_000L).text()).containsExactly("0x1F", "1.5d");
    }

    @Test
    void invalidUtf8IsRejectedNamingTheFieldInsteadOfBecomingReplacementCharacters() throws Exception {
        // Decoding with replacement turned a Latin-1 'ü' into U+FFFD, so two different names became one series.
        byte[] csv = concat("series,timestamp,value\nok,1767250800000,1\nm".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xFC},
                "hle,1767250800000,1\ntxt,1767250800000,\"caf".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xE9},
                "\"\nm\u00fchle,1767250800000,2\n".getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> r = postBytes(csv, "text/csv");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode a = json.readTree(r.body());
        assertThat(a.get("errors").findValuesAsText("line")).containsExactly("3", "4");
        assertThat(a.get("errors").findValuesAsText("reason")).containsExactly("encoding", "encoding");
        assertThat(a.get("errors").findValuesAsText("field")).containsExactly("series", "value");
        assertThat(a.get("errors").get(0).get("message").asText()).contains("UTF-8").contains("byte=2");
        assertThat(store.series()).extracting(io.lathe.store.SeriesInfo::name).containsExactlyInAnyOrder("ok", "m\u00fchle");
        byte[] jsonLine = concat("{\"series\":\"x".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                "\",\"timestamp\":1767250800000,\"value\":1}\n".getBytes(StandardCharsets.UTF_8));
        JsonNode j = json.readTree(postBytes(jsonLine, "application/x-ndjson").body());
        assertThat(j.get("errors").findValuesAsText("reason")).containsExactly("encoding");
    }

    @Test
    void aUtf8ByteOrderMarkAtTheStartIsSkipped() throws Exception {
        // Spreadsheets save "CSV UTF-8" with a BOM; it made the header a bad line and the 400 confused people.
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        HttpResponse<String> csv = postBytes(concat(bom, "series,timestamp,value\nbom,1767250800000,1\n".getBytes(StandardCharsets.UTF_8)), "text/csv");
        assertThat(csv.statusCode()).as(csv.body()).isEqualTo(200);
        HttpResponse<String> nd = postBytes(concat(bom, "{\"series\":\"bom\",\"timestamp\":1767250801000,\"value\":2}\n"
                .getBytes(StandardCharsets.UTF_8)), "application/x-ndjson");
        assertThat(nd.statusCode()).as(nd.body()).isEqualTo(200);
        assertThat(store.raw("bom", T0, T0 + 2_000_000L).size()).isEqualTo(2);
        // Only at the very start: a BOM inside the body is not whitespace.
        HttpResponse<String> inner = postBytes(concat("bom,1767250802000,3\n".getBytes(StandardCharsets.UTF_8), bom,
                "bom,1767250803000,4\n".getBytes(StandardCharsets.UTF_8)), "text/csv");
        assertThat(json.readTree(inner.body()).get("errors").findValuesAsText("line")).containsExactly("2");
    }

    @Test
    void integersAbove2To53StayExactInNewAndLongSeries() throws Exception {
        // JSON integers went through a double: 9007199254740993 came back as 9007199254740992.
        String body = "{\"series\":\"big\",\"timestamp\":1767250800000,\"value\":9007199254740993}\n"
                + "{\"series\":\"big\",\"timestamp\":1767250801000,\"value\":-9223372036854775808}\n"
                + "{\"series\":\"big\",\"timestamp\":1767250802000,\"value\":9223372036854775808}\n"
                + "{\"series\":\"big\",\"timestamp\":1767250803000,\"value\":1e300}\n"
                + "{\"series\":\"big\",\"timestamp\":1767250804000,\"value\":1e3}\n";
        JsonNode a = json.readTree(post(body, "application/x-ndjson", TOKEN).body());
        assertThat(a.get("errors").findValuesAsText("line")).containsExactly("3", "4");
        assertThat(a.get("errors").get(0).get("message").asText()).contains("9223372036854775808").contains("64-bit");
        assertThat(store.typeOf("big")).contains(DataType.LONG);
        SeriesData big = store.raw("big", T0, T0 + 10_000_000L);
        assertThat(big.bits()).startsWith(9_007_199_254_740_993L, Long.MIN_VALUE, 1000L);
        HttpResponse<String> h = http.send(HttpRequest.newBuilder(URI.create(base + "/api/signals/big/history?from=2026-01-01")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(h.body()).contains("\"v\":9007199254740993");
        // CSV the same way; a small first integer keeps the double series of before.
        assertThat(post("bigcsv,1767250800000,9007199254740995\nsmall,1767250800000,41\n", "text/csv", TOKEN).statusCode()).isEqualTo(200);
        assertThat(store.raw("bigcsv", T0, T0 + 1).bits()[0]).isEqualTo(9_007_199_254_740_995L);
        assertThat(store.typeOf("small")).contains(DataType.DOUBLE);
    }

    @Test
    void aTextValueAboveTheLimitIs413NamingTheLimitWhileOtherLinesAreStored() throws Exception {
        // A 64 MiB text value broke the write-ahead log's replay; values are bounded where they enter.
        int limit = io.lathe.api.internal.IngestRoute.MAX_VALUE_BYTES;
        String big = "x".repeat(limit + 1);
        String body = "{\"series\":\"notes\",\"timestamp\":1767250800000,\"value\":\"short\"}\n"
                + "{\"series\":\"notes\",\"timestamp\":1767250801000,\"value\":\"" + big + "\"}\n"
                + "{\"series\":\"notes\",\"timestamp\":1767250803000,\"value\":\"" + "y".repeat(limit) + "\"}\n";
        HttpResponse<String> r = post(body, "application/x-ndjson", TOKEN);
        assertThat(r.statusCode()).as(r.body().substring(0, Math.min(400, r.body().length()))).isEqualTo(413);
        JsonNode a = json.readTree(r.body());
        assertThat(a.get("code").asText()).isEqualTo("too_large");
        assertThat(a.get("accepted").asLong()).isEqualTo(2);
        assertThat(a.get("errors").findValuesAsText("line")).containsExactly("2");
        assertThat(a.get("errors").findValuesAsText("reason")).containsExactly("too-large");
        assertThat(a.get("errors").get(0).get("message").asText()).contains(String.valueOf(limit));
        assertThat(a.get("message").asText()).contains(String.valueOf(limit));
        HttpResponse<String> csv = post("notes,1767250802000,ok\nnotes,1767250804000," + big + "\n", "text/csv", TOKEN);
        assertThat(csv.statusCode()).isEqualTo(413);
        assertThat(json.readTree(csv.body()).get("errors").findValuesAsText("line")).containsExactly("2");
        assertThat(store.raw("notes", T0, T0 + 10_000_000L).size()).isEqualTo(3);
    }

    @Test
    void pointsStampedFarAheadOfTheServerClockAreRejectedPerLine() throws Exception {
        // Microseconds sent as milliseconds, or a device clock a year ahead, must not sit at the head of a series.
        long nowMs = System.currentTimeMillis();
        String body = "ahead," + (nowMs + 60_000) + ",1\nahead," + (nowMs + 3_600_000) + ",2\nahead," + nowMs * 1000 + ",3\n"
                + "ahead,+10000-01-01T00:00:00Z,4\n";
        HttpResponse<String> r = post(body, "text/csv", TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode a = json.readTree(r.body());
        assertThat(a.get("errors").findValuesAsText("line")).containsExactly("2", "3", "4");
        assertThat(a.get("errors").findValuesAsText("reason")).containsExactly("future-timestamp", "future-timestamp", "future-timestamp");
        assertThat(a.get("errors").get(0).get("message").asText()).contains("max-clock-skew");
        assertThat(store.raw("ahead", 0, Long.MAX_VALUE).size()).isEqualTo(1);
        // Beyond what µs since the epoch can hold at all: out of range, not a 500.
        JsonNode overflow = json.readTree(post("ahead,999999999999999999,5\n{\"x\":1}\n", "text/csv", TOKEN).body());
        assertThat(overflow.get("errors").findValuesAsText("reason")).containsExactly("timestamp", "syntax");
        assertThat(overflow.get("errors").get(0).get("message").asText()).contains("999999999999999999").contains("9999-12-31");
        // Counted like the connections' future points (shared rule), and as HTTP ingest rejects.
        assertThat(metrics.counter("lathe.ingest.rejected", "connection", "http-ingest", "reason", "future-timestamp").count()).isEqualTo(3.0);
        assertThat(metrics.counter("lathe.ingest.http.rejects", "reason", "future-timestamp").count()).isEqualTo(3.0);
    }

    @Test
    void resendingABatchStoresEachPointOnce() throws Exception {
        // A client that lost the 200 resends: the store keeps the last write per series and timestamp, so retries are safe.
        String body = "series,timestamp,value\nretry,1767250800000,1\nretry,1767250801000,2\nretry,1767250802000,3\n";
        assertThat(post(body, "text/csv", TOKEN).statusCode()).isEqualTo(200);
        assertThat(post(body.replace(",3\n", ",3.5\n"), "text/csv", TOKEN).statusCode()).isEqualTo(200);
        HttpResponse<String> h = http.send(HttpRequest.newBuilder(URI.create(base + "/api/signals/retry/history?from=2026-01-01")).build(),
                HttpResponse.BodyHandlers.ofString());
        JsonNode points = json.readTree(h.body()).get("points");
        assertThat(points.findValuesAsText("t")).containsExactly("2026-01-01T07:00:00Z", "2026-01-01T07:00:01Z", "2026-01-01T07:00:02Z");
        assertThat(points.get(2).get("v").asDouble()).isEqualTo(3.5);
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    private HttpResponse<String> postBytes(byte[] body, String type) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + "/api/ingest")).timeout(Duration.ofSeconds(10))
                .header("Content-Type", type).header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String body, String type, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + "/api/ingest")).timeout(Duration.ofSeconds(10))
                .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
