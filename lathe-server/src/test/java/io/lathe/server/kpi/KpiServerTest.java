package io.lathe.server.kpi;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.api.internal.KpiRoutes;
import io.lathe.kpi.Kpis;
import io.lathe.kpi.Stop;
import io.lathe.model.Quality;
import io.lathe.model.Value;
import io.lathe.server.LatheServer;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.ConnectionsParser;
import io.lathe.server.config.Keys;
import io.lathe.server.config.LatheConfig;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// Issue 4, server wiring: the engine is fed live, seeded from stored history on start, and keeps operator reasons.
class KpiServerTest {

    @TempDir
    Path dir;

    @Test
    void kpisAndOperatorReasonsSurviveARestart() throws Exception {
        // A restart must not reset the shift's OEE nor lose the reasons operators entered.
        LatheConfig cfg = demoConfig(false);
        long now = Instant.now().getEpochSecond() * 1_000_000L;
        long min = 60_000_000L;
        long t0 = now - 20 * min;
        String saw;
        try (LatheServer first = LatheServer.start(cfg, false, InstantSource.system())) {
            assertThat(first.kpiEngine()).isNotNull();
            saw = ConnectionsParser.resolveMachine(first.model(), "Springfield/Machining/Line A/Band Saw");
            var state = first.model().signalByName(saw, "State");
            var good = first.model().signalByName(saw, "Good Count");
            var reason = first.model().signalByName(saw, "Reason Code");
            first.store().accept(state, t0, Value.of("running"), Quality.GOOD, false);
            first.store().accept(state, t0 + 10 * min, Value.of("fault"), Quality.GOOD, false);
            first.store().accept(reason, t0 + 10 * min, Value.of(201L), Quality.GOOD, false);
            first.store().accept(state, t0 + 15 * min, Value.of("running"), Quality.GOOD, false);
            first.store().accept(reason, t0 + 15 * min, Value.of(0L), Quality.GOOD, false);
            first.store().accept(good, t0, Value.of(1000L), Quality.GOOD, false);
            first.store().accept(good, t0 + 10 * min, Value.of(1012L), Quality.GOOD, false);
            first.store().sync();
            // what POST /api/downtime/reason persists
            new KpiRoutes.ReasonLog(dir.resolve(LatheServer.KPI_REASONS_FILE)).append(saw, t0 + 10 * min, "202");
        }
        try (LatheServer second = LatheServer.start(cfg, false, InstantSource.system())) {
            Kpis k = second.kpiEngine().kpis(saw, t0, t0 + 20 * min);
            assertThat(k.goodQuantity()).isEqualTo(12);
            assertThat(k.actualProductionTimeMicros()).isEqualTo(15 * min);
            assertThat(k.actualUnitDelayTimeMicros()).isEqualTo(5 * min);
            List<Stop> stops = second.kpiEngine().stops(saw, t0, t0 + 20 * min);
            assertThat(stops).hasSize(1);
            assertThat(stops.get(0).reasonCode()).isEqualTo("202");
            assertThat(stops.get(0).reasonName()).isEqualTo("Hydraulic fault");
            assertThat(stops.get(0).operatorSet()).isTrue();
            assertThat(second.kpiRoutes().liveJson(saw)).contains("\"asset\":\"" + saw + "\"");
        }
    }

    @Test
    void theDemoShowsProductionWithinSecondsOfStarting() throws Exception {
        // `lathe demo` must show meaningful OEE from the first minutes: points reach the engine through the fan-out.
        LatheConfig cfg = demoConfig(true);
        long start = Instant.now().getEpochSecond() * 1_000_000L;
        try (LatheServer server = LatheServer.start(cfg, true, InstantSource.system())) {
            String site = "lathe-demo-works.springfield";
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            Kpis k;
            do {
                Thread.sleep(200);
                k = server.kpiEngine().kpis(site, start - 3_600_000_000L, start + 86_400_000_000L);
            } while (k.producedQuantity() == 0 && System.nanoTime() < deadline);
            assertThat(server.kpiEngine().pointsBeforeRetention()).as("points refused as older than the raw-data horizon").isZero();
            assertThat(k.producedQuantity()).isPositive();
            assertThat(k.plannedBusyTimeMicros()).isPositive();
            assertThat(k.energyKwh()).isPositive();
            assertThat(server.kpiRoutes().liveJson(null)).contains("\"shift\":").contains(site.replace(".springfield", ".springfield.machining.line-a"));

            // The same figures over HTTP, as the dashboard and integrators read them.
            var http = java.net.http.HttpClient.newHttpClient();
            var resp = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
                    "http://127.0.0.1:" + server.httpPort() + "/api/kpi?asset=" + site + "&by=shift")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(resp.statusCode()).isEqualTo(200);
            assertThat(resp.body()).contains("\"asset\":\"" + site + "\"").contains("\"periods\"");
        }
    }

    private LatheConfig demoConfig(boolean demo) throws Exception {
        LatheConfig cfg;
        try (InputStream in = LatheServer.class.getResourceAsStream("/io/lathe/server/demo.yaml")) {
            cfg = ConfigLoader.load(new String(in.readAllBytes(), StandardCharsets.UTF_8), "demo.yaml", Map.of());
        }
        var s = cfg.settings().with(Keys.HTTP_PORT, 0, "test").with(Keys.AUTH_ANONYMOUS_READ, true, "test") /* reads without login: this test is not about access */.with(Keys.HTTP_HOST, "127.0.0.1", "test")
                .with(Keys.DATA_DIR, dir.toString(), "test");
        if (demo) {
            s = s.with(Keys.MQTT_EMBEDDED_HOST, "127.0.0.1", "test").with(Keys.MQTT_EMBEDDED_PORT, freePort(), "test")
                    .with(Keys.SIM_SPEED, 30.0, "test");
        } else {
            // No broker and no Sparkplug host: this test is about the store and the engine.
            s = s.with(Keys.MQTT_BROKER, "tcp://127.0.0.1:1", "test").with(Keys.SPARKPLUG_ENABLED, false, "test");
        }
        return cfg.withSettings(s);
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
