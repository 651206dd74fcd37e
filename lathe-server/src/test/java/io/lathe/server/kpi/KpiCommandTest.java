package io.lathe.server.kpi;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lathe.api.internal.KpiRoutes;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Value;
import io.lathe.server.LatheServer;
import io.lathe.server.cli.KpiCommand;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.PlantBuilder;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

// Issue 4: `lathe kpi` computes the API's figures from a store without a server (imported history).
class KpiCommandTest {

    static final String CONFIG = KpiConfigParserTest.PLANT + """
            kpi:
              sites:
                - { site: Nord, zone: UTC, emission-factor-kg-per-kwh: 0.5,
                    reasons: [{ category: mechanical, reasons: [{ code: "11", name: Tool break }] }] }
              machines:
                - machine: Nord/Machining/Line 1/CNC 1
                  state: { signal: State, values: { "1": running, "3": unplanned-down }, otherwise: idle }
                  counts: { produced: { signal: Parts } }
                  ideal-cycle-time: 30s
                  reason-signal: Reason
            """;
    static final String MACHINE = "acme.nord.machining.line-1.cnc-1";
    static final long T6 = Instant.parse("2026-01-05T06:00:00Z").getEpochSecond() * 1_000_000L;
    static final long HOUR = 3_600_000_000L;

    @TempDir
    Path dir;

    private final ObjectMapper json = new ObjectMapper();
    private Path config;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(new KpiCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /**
     * 06:00 running (Parts 100), 07:00 stop with reason 11 (Parts 160), 07:30 running, 07:59 Parts 190, 08:00 still
     * running (the newest data: KPIs end there).
     */
    @BeforeEach
    void fillStore() throws Exception {
        config = dir.resolve("plant.yaml");
        Files.writeString(config, CONFIG);
        PlantModel model = PlantBuilder.build(ConfigLoader.load(config, Map.of()).plant());
        try (TelemetryStore store = TelemetryStore.open(StoreSettings.defaults(dir.resolve("store")))) {
            var state = model.signalByName(MACHINE, "State");
            var parts = model.signalByName(MACHINE, "Parts");
            var reason = model.signalByName(MACHINE, "Reason");
            store.accept(state, T6, Value.of(1L), Quality.GOOD, false);
            store.accept(state, T6 + HOUR, Value.of(3L), Quality.GOOD, false);
            store.accept(state, T6 + HOUR + HOUR / 2, Value.of(1L), Quality.GOOD, false);
            store.accept(state, T6 + 2 * HOUR, Value.of(1L), Quality.GOOD, false);
            store.accept(parts, T6, Value.of(100L), Quality.GOOD, false);
            store.accept(parts, T6 + HOUR, Value.of(160L), Quality.GOOD, false);
            store.accept(parts, T6 + 2 * HOUR - 60_000_000L, Value.of(190L), Quality.GOOD, false);
            store.accept(reason, T6 + HOUR, Value.of(11L), Quality.GOOD, false);
            store.accept(reason, T6 + HOUR + HOUR / 2, Value.of(0L), Quality.GOOD, false);
        }
    }

    @Test
    void printsTheKpisOfAPeriodComputedFromTheStore() throws Exception {
        // Hand-computed: PBT 2 h, APT 1.5 h, 90 parts × 30 s = 45 min ideal; one 30-minute stop with reason 11.
        Run r = run("--data-dir", dir.toString(), "--config", config.toString(), "--asset", MACHINE,
                "--from", "2026-01-05T06:00:00Z", "--to", "2026-01-05T08:00:00Z");
        assertThat(r.err()).isEmpty();
        assertThat(r.code()).isZero();
        JsonNode body = json.readTree(r.out());
        assertThat(body.get("asset").asText()).isEqualTo(MACHINE);
        JsonNode k = body.get("kpis");
        assertThat(k.get("plannedBusyTimeSeconds").asDouble()).isEqualTo(7200);
        assertThat(k.get("availability").asDouble()).isEqualTo(0.75);
        assertThat(k.get("producedQuantity").asDouble()).isEqualTo(90);
        assertThat(k.get("effectiveness").asDouble()).isEqualTo(0.5);
        assertThat(k.get("failureEvents").asInt()).isEqualTo(1);
        assertThat(k.get("mttrSeconds").asDouble()).isEqualTo(1800);
    }

    @Test
    void aPeriodEndingInTheFutureIsMeasuredUpToTheNewestData() throws Exception {
        // Issue 9: --to later than now counted the time after the newest data (08:00) as running.
        Run r = run("--data-dir", dir.toString(), "--config", config.toString(), "--asset", MACHINE,
                "--from", "2026-01-05T06:00:00Z", "--to", "2099-01-01T00:00:00Z");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode body = json.readTree(r.out());
        assertThat(body.get("to").asText()).isEqualTo("2099-01-01T00:00:00Z");
        assertThat(body.get("measuredTo").asText()).isEqualTo("2026-01-05T08:00:00Z");
        assertThat(body.get("kpis").get("plannedBusyTimeSeconds").asDouble()).isEqualTo(7200);
        assertThat(body.get("kpis").get("availability").asDouble()).isEqualTo(0.75);
    }

    @Test
    void groupsByHourAndAcceptsTheLinePathAsAsset() throws Exception {
        // --by gives one entry per period; a line by its path rolls up its machines.
        Run r = run("--data-dir", dir.toString(), "--config", config.toString(), "--asset", "Nord/Machining/Line 1",
                "--from", "2026-01-05T06:00:00Z", "--to", "2026-01-05T08:00:00Z", "--by", "hour");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode periods = json.readTree(r.out()).get("periods");
        assertThat(periods).hasSize(2);
        assertThat(periods.get(0).get("kpis").get("availability").asDouble()).isEqualTo(1.0);
        assertThat(periods.get(1).get("kpis").get("availability").asDouble()).isEqualTo(0.5);
        assertThat(periods.get(1).get("kpis").get("producedQuantity").asDouble()).isEqualTo(90); // a count belongs to the period of its timestamp (07:00)
    }

    @Test
    void csvHasAHeaderRowAndOneRowPerPeriod() {
        // Spreadsheet export: the same figures, one header row.
        Run r = run("--data-dir", dir.toString(), "--config", config.toString(), "--asset", MACHINE,
                "--from", "2026-01-05T06:00:00Z", "--to", "2026-01-05T08:00:00Z", "--by", "hour", "--format", "csv");
        assertThat(r.code()).as(r.err()).isZero();
        String[] lines = r.out().split("\n");
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).startsWith("asset,label,from,to,machines,availability,").contains("timeInStateSeconds.unplanned-down");
        assertThat(lines[2]).startsWith(MACHINE + ",2026-01-05T07:00Z,2026-01-05T07:00:00Z,2026-01-05T08:00:00Z,1,0.5,");
    }

    @Test
    void operatorReasonsSavedByTheServerAreUsed() throws Exception {
        // A reason entered through the API lives in the data folder; the offline figures must show it too.
        new KpiRoutes.ReasonLog(dir.resolve(LatheServer.KPI_REASONS_FILE)).append(MACHINE, T6 + HOUR, "12");
        StringWriter out = new StringWriter();
        CommandLine cl = new CommandLine(new KpiCommand());
        cl.setOut(new PrintWriter(out));
        assertThat(cl.execute("--data-dir", dir.toString(), "--config", config.toString(), "--asset", MACHINE,
                "--from", "2026-01-05T06:00:00Z", "--to", "2026-01-05T08:00:00Z")).isZero();
        // the JSON of the command carries KPIs only; check the stop through the same engine the command builds
        TelemetryStore store = TelemetryStore.open(StoreSettings.defaults(dir.resolve("store")));
        try (store) {
            var engine = io.lathe.kpi.KpiEngine.recompute(ConfigLoader.load(config, Map.of()).kpi(), java.time.Duration.ofDays(1),
                    store, T6 - HOUR, T6 + 3 * HOUR, Map.of());
            assertThat(new KpiRoutes.ReasonLog(dir.resolve(LatheServer.KPI_REASONS_FILE)).replay(engine)).isEqualTo(1);
            var stop = engine.stops(MACHINE, T6, T6 + 2 * HOUR).get(0);
            assertThat(stop.reasonCode()).isEqualTo("12");
            assertThat(stop.operatorSet()).isTrue();
        }
    }

    @Test
    void unknownAssetsAndBadOptionsFailWithAMessage() {
        // A typo must not print an empty result.
        Run unknown = run("--data-dir", dir.toString(), "--config", config.toString(), "--asset", "nope",
                "--from", "2026-01-05T06:00:00Z", "--to", "2026-01-05T08:00:00Z");
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("Unknown asset [asset=nope]");
        Run by = run("--data-dir", dir.toString(), "--config", config.toString(), "--asset", MACHINE,
                "--from", "2026-01-05T06:00:00Z", "--to", "2026-01-05T08:00:00Z", "--by", "month");
        assertThat(by.code()).isEqualTo(2);
        assertThat(by.err()).contains("--by must be hour, shift, day or week");
    }
}
