package io.lathe.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lathe.api.internal.KpiRoutes;
import io.lathe.ingest.LiveState;
import io.lathe.kpi.CounterSignal;
import io.lathe.kpi.CountsConfig;
import io.lathe.kpi.KpiConfig;
import io.lathe.kpi.KpiEngine;
import io.lathe.kpi.MachineConfig;
import io.lathe.kpi.MachineState;
import io.lathe.kpi.ShiftCalendar;
import io.lathe.kpi.SiteConfig;
import io.lathe.kpi.StateSource;
import io.lathe.model.PlantModel;
import io.lathe.model.Value;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, item 7, through the real server: 200 live (SSE) clients share one KPI computation per asset and tick, and
 * ingest delivers every point while huge KPI queries and the live clients run. Counts are asserted, never durations.
 */
class LiveKpiLoadTest {

    private static final Instant NOW = Instant.parse("2026-01-05T07:00:00Z");
    private static final long T6 = Instant.parse("2026-01-05T06:00:00Z").getEpochSecond() * 1_000_000L;
    private static final long SECOND = 1_000_000L;
    private static final int CLIENTS = 200;
    private static final int POINTS = 20_000;
    private static final Duration WAIT = Duration.ofSeconds(120);

    private final ObjectMapper json = new ObjectMapper();

    @TempDir
    java.nio.file.Path dir;

    @Test
    void twoHundredLiveClientsShareOneComputationPerAssetWhileIngestDeliversEveryPoint() throws Exception {
        PlantModel model = new PlantModel("Acme");
        String site = model.addChild(model.rootId(), "Plant 1", "", "");
        String area = model.addChild(site, "Stamping", "", "");
        String line = model.addChild(area, "Line A", "", "");
        String press = model.addChild(line, "Press 3", "", "");
        MachineConfig m = new MachineConfig(press, line, area, "site",
                new StateSource.Enumerated("press.state", Map.of("run", MachineState.RUNNING), MachineState.IDLE),
                CountsConfig.of(CounterSignal.cumulative("press.parts"), null, null), Duration.ofSeconds(1), null, null, null, null, null);
        KpiConfig config = new KpiConfig(List.of(new SiteConfig("site", ZoneId.of("UTC"), ShiftCalendar.threeShifts24x7(), 0, null)), List.of(m));
        KpiEngine engine = KpiEngine.create(config);
        engine.onPoint("press.state", T6, Value.of("run"));
        engine.onPoint("press.parts", T6, 0);
        KpiRoutes routes = new KpiRoutes(engine, config, null, InstantSource.fixed(NOW));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
        try (ApiServer server = ApiServer.create(new ApiSettings("127.0.0.1", 0), model, new LiveState(),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), List::of).kpi(routes).access(TestAccess.readOpen(dir))) {
            String base = "http://127.0.0.1:" + server.start();

            // ingest at a fixed count, one part a second of data time, while the rest runs
            AtomicBoolean ingestDone = new AtomicBoolean();
            Thread ingest = Thread.ofPlatform().name("ingest").start(() -> {
                for (int i = 1; i <= POINTS; i++) engine.onPoint("press.parts", T6 + i * SECOND, i);
                ingestDone.set(true);
            });
            // huge queries over HTTP until ingest is done: refused with 400 (range), or long but allowed (weeks)
            AtomicInteger refused = new AtomicInteger(), answered = new AtomicInteger();
            Thread queries = Thread.ofPlatform().name("queries").start(() -> {
                do {
                    try {
                        if (status(http, base + "/api/kpi?asset=" + line + "&from=0&to=9000000000000000&by=hour") == 400) refused.incrementAndGet();
                        if (status(http, base + "/api/kpi?asset=" + line + "&from=2017-01-01T00:00:00Z&to=2026-01-06T00:00:00Z&by=week") == 200) answered.incrementAndGet();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                } while (!ingestDone.get());
            });

            List<CompletableFuture<JsonNode>> firstKpi = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                String url = base + "/api/live" + (i % 2 == 0 ? "?asset=" + press : "");
                firstKpi.add(http.sendAsync(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofInputStream())
                        .thenApplyAsync(r -> firstKpiEvent(r.body()), task -> Thread.ofVirtual().start(task)));
            }
            List<JsonNode> events = new ArrayList<>();
            for (CompletableFuture<JsonNode> f : firstKpi) events.add(f.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            ingest.join(WAIT);
            queries.join(WAIT);

            assertThat(events).hasSize(CLIENTS).allSatisfy(e -> assertThat(e.get("assets").get(0).get("asset").asText()).isIn(press, line));
            // one text per asset key (the press alone, and every asset) for the one second the fixed clock shows
            assertThat(routes.liveComputations()).isEqualTo(2);
            assertThat(ingest.isAlive()).isFalse();
            assertThat(refused.get()).isPositive();
            assertThat(answered.get()).isPositive();
            assertThat(engine.pendingPoints()).isZero();
            assertThat(engine.kpis(press, T6, T6 + (POINTS + 1) * SECOND).producedQuantity()).isEqualTo(POINTS);
        }
    }

    private static int status(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(WAIT).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Reads the stream up to its first {@code kpi} event and closes it. */
    private JsonNode firstKpiEvent(InputStream body) {
        try (body; BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            String name = null;
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("event:")) name = line.substring(6).trim();
                else if (line.startsWith("data:") && "kpi".equals(name)) return json.readTree(line.substring(5).trim());
                else if (line.isEmpty()) name = null;
            }
            throw new AssertionError("live stream ended before a kpi event");
        } catch (java.io.IOException e) {
            throw new AssertionError("live stream failed: " + e, e);
        }
    }
}
