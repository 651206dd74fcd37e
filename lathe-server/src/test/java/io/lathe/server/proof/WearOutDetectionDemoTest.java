package io.lathe.server.proof;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lathe.model.Signal;
import io.lathe.server.LatheServer;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.Keys;
import io.lathe.server.config.LatheConfig;
import io.lathe.store.SeriesData;
import io.lathe.store.TelemetryStore;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12 in the demo: {@code lathe demo} at {@code --speed 600} (a sample every simulated minute: publication every
 * 100 ms) runs until three machines whose anomaly models learned a part with life left (scored 5 h or more before the
 * fault) reach their bearing wear-out faults. Each one's anomaly score must cross the threshold over an hour of
 * simulated time before the fault and stay low in the first hour after learning; no machine's score is ever written
 * while it is not running (planned stops, idling, faults). With demo.yaml's absolute vibration zones
 * ({@code predict.vibration-zones}) every other wear-out in the run is led by over an hour too, also those the monitor
 * flags after the fault as scored by a model that learned a part near wear-out (it then learns again from the new part);
 * every lead is printed with the monitor's verdict. Each wear-out is attributed to the model that scored it (a machine
 * whose part was renewed in a breakdown repair learns again, so that may be its second model), and its scored hours are
 * counted from that model's first score; its lead from the first score of the part's cycle: the machine's first score
 * for a first model (the zones score while it still learns), the model's first score for one learned after a repair.
 */
class WearOutDetectionDemoTest {
    private static final double SPEED = 600;
    /**
     * Real time allowed: 40 simulated hours. The three wear-outs come within 13, but the loop also waits for the
     * monitor's verdict on each wear-out's model (given after the repair, by the next model) and, when a part was
     * renewed, for another machine's later wear-out: one run took 156 s.
     */
    private static final Duration LIMIT = Duration.ofSeconds(240);
    /** A machine scored this long before its wear-out fault had a model learned while its part had life left. */
    private static final double SOUND_SCORED_HOURS = 5.0;
    /** Wear-outs of such machines to wait for (seed 42 has three within 13 simulated hours). */
    private static final int SOUND_WEAR_OUTS = 3;
    private static final double MIN_LEAD_HOURS = 1.0;

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void anomalyScoreCrossesItsThresholdWellBeforeTheWearOutFault() throws Exception {
        LatheConfig cfg;
        try (InputStream in = getClass().getResourceAsStream("/io/lathe/server/demo.yaml")) {
            cfg = ConfigLoader.load(new String(in.readAllBytes(), StandardCharsets.UTF_8), "demo.yaml", Map.of());
        }
        cfg = cfg.withSettings(cfg.settings()
                .with(Keys.HTTP_PORT, 0, "test")
                .with(Keys.MQTT_EMBEDDED_HOST, "127.0.0.1", "test")
                .with(Keys.MQTT_EMBEDDED_PORT, freePort(), "test")
                .with(Keys.DATA_DIR, dir.toString(), "test")
                .with(Keys.SIM_SPEED, SPEED, "test")
                .with(Keys.SIM_PUBLISH_INTERVAL, Duration.ofMillis(100), "test"));
        // The plant's day starts with the early shift at 06:00 UTC: breaks at 08:00 and 10:30 fall inside the scored
        // hours whatever the time the test runs (seed 42, same start: the same run up to thread timing).
        InstantSource clock = java.time.Clock.offset(java.time.Clock.systemUTC(),
                Duration.between(Instant.now(), Instant.parse("2026-01-05T06:00:00Z")));
        io.lathe.predict.live.VibrationZones zones = LatheServer.healthSettings(cfg.settings()).vibrationZones();
        assertThat(zones.isEmpty()).as("demo.yaml sets predict.vibration-zones").isFalse();
        try (LatheServer server = LatheServer.start(cfg, true, clock)) {
            String base = "http://127.0.0.1:" + server.httpPort();
            List<String> machines = new ArrayList<>();
            for (Signal s : server.model().signals()) {
                if (s.name().equals("Reason Code") && s.machineId().contains(".machining.")) machines.add(s.machineId());
            }
            assertThat(machines).hasSize(8);
            // From the first second the API answers: learning, not an error.
            JsonNode first = json.readTree(get(base + "/api/assets/" + machines.get(0) + "/health"));
            assertThat(first.at("/anomaly/status").asText()).isIn("learning", "no-model");

            // Everything is read from the store, in simulated time: what a loaded machine's thread timing changes (when a
            // poll runs, how publications bunch) cannot change which fault is measured.
            TelemetryStore store = server.store();
            List<WearOut> wearOuts = List.of();
            // Every anomaly model each machine had (polled: a model scores for hours, a poll is 10 simulated minutes), by
            // version: a wear-out is scored by the latest one learned before it.
            Map<String, java.util.TreeMap<Integer, JsonNode>> modelsSeen = new java.util.HashMap<>();
            // The monitor's own verdict on the model that scored a wear-out, recorded by the model it learned after the
            // repair (validation.learningTrigger.previousModel), by machine.
            Map<String, JsonNode> verdicts = new java.util.HashMap<>();
            long deadline = System.nanoTime() + LIMIT.toNanos();
            while (System.nanoTime() < deadline) {
                Thread.sleep(1000);
                for (String m : machines) {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/api/models/" + m + ".anomaly")).build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() != 200) continue; // still learning its first model
                    JsonNode model = json.readTree(r.body());
                    modelsSeen.computeIfAbsent(m, x -> new java.util.TreeMap<>()).putIfAbsent(model.get("version").asInt(), model);
                }
                wearOuts = wearOuts(store, machines, modelsSeen);
                for (WearOut w : wearOuts) {
                    if (verdicts.containsKey(w.machine())) continue;
                    for (JsonNode later : modelsSeen.get(w.machine()).tailMap(w.modelVersion(), false).values()) {
                        JsonNode prev = later.at("/validation/learningTrigger/previousModel");
                        if (!prev.isMissingNode() && prev.path("version").asInt() == w.modelVersion()) verdicts.put(w.machine(), prev);
                    }
                }
                if (wearOuts.stream().filter(WearOut::soundAtLearning).count() >= SOUND_WEAR_OUTS
                        && wearOuts.stream().allMatch(w -> verdicts.containsKey(w.machine()))) {
                    break;
                }
            }
            for (WearOut w : wearOuts) {
                JsonNode v = verdicts.get(w.machine());
                System.out.printf(java.util.Locale.ROOT, "WEAR-OUT ZONE machine=%s vibrationFirstHourQ3=%.2f zoneLimits=%s%n", w.machine(),
                        vibrationFirstHour(store, w), zones.limitsOf(w.machine(), server.model().signalByName(w.machine(), "Vibration RMS")));
                System.out.printf(java.util.Locale.ROOT, "WEAR-OUT LEAD machine=%s model=v%d (%s) scoringFrom=%s crossing=%s fault=%s scoredHours=%.2f"
                                + " leadHours=%.2f maxScoreFirstHour=%.2f plannedStopsWhileScored=%d monitorVerdict=%s%n", w.machine(), w.modelVersion(),
                        w.modelReason(), Instant.ofEpochSecond(w.firstScore() / 1_000_000),
                        w.crossing() < 0 ? "none" : Instant.ofEpochSecond(w.crossing() / 1_000_000), Instant.ofEpochSecond(w.faultAt() / 1_000_000),
                        w.scoredHours(), w.leadHours(), w.maxFirstHour(), w.plannedStops(), v == null ? "none yet" : v.toString());
            }
            // Every wear-out of the run is led by over an hour, also those of models the monitor itself flagged after the
            // fault: a model learned in the first running hours that scored under two learning windows of running before the
            // wear-out learned a part near the end of its life (wear was its normal: without the zones its lead was bounded
            // by the hours it scored, 0.1-0.45 h or none). The absolute zones see that wear from the first minute; the
            // machines still learn again after the repair, from the new part (docs/MODELS.md).
            int led = 0;
            for (WearOut w : wearOuts) {
                JsonNode v = verdicts.get(w.machine());
                if (v != null && v.get("suspect").asBoolean()) {
                    // Only a model learned in the first running hours can have learned a worn part; one learned after a
                    // repair that renewed the part never is.
                    assertThat(w.modelVersion()).as("version of the flagged model of " + w.machine()).isEqualTo(1);
                    assertThat(v.get("scoredRunningHours").asDouble()).as("running hours " + w.machine() + "'s first model scored").isLessThan(4.0);
                }
                assertThat(w.leadHours()).as("simulated hours between the crossing and the wear-out fault of " + w.machine() + " (verdict "
                        + v + ")").isGreaterThan(MIN_LEAD_HOURS);
                led++;
            }
            assertThat(led).as("wear-outs led by over an hour: " + wearOuts).isGreaterThanOrEqualTo(SOUND_WEAR_OUTS);
            List<WearOut> sound = wearOuts.stream().filter(WearOut::soundAtLearning).toList();
            assertThat(sound).as("wear-outs of machines scored " + SOUND_SCORED_HOURS + " h or more before the fault, within " + LIMIT + " ("
                    + SPEED + "x): " + wearOuts).hasSizeGreaterThanOrEqualTo(SOUND_WEAR_OUTS);
            for (WearOut w : sound) {
                assertThat(w.plannedStops()).as("planned stops (breaks) while " + w.machine() + " was scored").isPositive();
                // The learned model keeps quiet in normal running; a part already in zone C (the median vibration of that hour
                // above B/C) is scored by the zone floor instead, which is what it is for.
                double vib = vibrationFirstHour(store, w);
                double bc = zones.limitsOf(w.machine(), server.model().signalByName(w.machine(), "Vibration RMS")).bc();
                if (vib < bc) {
                    assertThat(w.maxFirstHour()).as("score of " + w.machine() + " in the first hour after learning (normal running, vibration "
                            + vib + " mm/s upper quartile, under B/C " + bc + ")").isLessThan(1.0);
                }
                // Simulated hours: the lead does not depend on the demo's speed. Measured 2.5-10 h for these machines,
                // in demo runs and in the same simulation fed without a network with bunched and missing publications.
                assertThat(w.leadHours()).as("simulated hours between the crossing and the wear-out fault of " + w.machine()).isGreaterThan(MIN_LEAD_HOURS);
            }
            String faulted = sound.getFirst().machine();
            for (String m : machines) {
                SeriesData state = store.raw(m + ".state", 0, Long.MAX_VALUE / 2);
                SeriesData score = store.raw(m + ".anomaly-score", 0, Long.MAX_VALUE / 2);
                for (int i = 0; i < score.size(); i++) {
                    long t = score.timestampAt(i);
                    // Never a score while not running: the state as of the score's instant is running.
                    assertThat(stateAt(state, t)).as("state of " + m + " at its score of " + Instant.ofEpochSecond(t / 1_000_000)).isEqualTo("running");
                }
            }
            // The API shows it: scores with their top contributors (a machine repaired since learns again and has none
            // until then), the score's series.
            int withContributors = 0;
            for (String m : machines) {
                JsonNode h = json.readTree(get(base + "/api/assets/" + m + "/health"));
                assertThat(h.at("/anomaly/signal").asText()).isEqualTo(m + ".anomaly-score");
                if (h.at("/anomaly/model").asText().equals(m + ".anomaly") && !h.at("/anomaly/topContributors").isEmpty()) withContributors++;
            }
            assertThat(withContributors).as("machines scored with top contributors").isPositive();
            JsonNode list = json.readTree(get(base + "/api/health/machines"));
            assertThat(list.get("machines").size()).isGreaterThanOrEqualTo(8);
            JsonNode models = json.readTree(get(base + "/api/models"));
            assertThat(models.get("models").size()).isGreaterThanOrEqualTo(1);
            JsonNode model = json.readTree(get(base + "/api/models/" + faulted + ".anomaly"));
            assertThat(model.at("/training/runningHours").asDouble()).isGreaterThanOrEqualTo(2.0);
            assertThat(get(base + "/api/signals/" + faulted + ".anomaly-score/history")).contains("points");

            // demo.yaml's alarm on the score went off.
            String events = get(base + "/api/alarms/events?asset=" + faulted).toLowerCase(java.util.Locale.ROOT);
            assertThat(events).as("alarm events of " + faulted).containsAnyOf("anomaly score high", "anomaly-score-high");

            // An engineer marks the learning period as normal and refits: the next version, learned from history.
            String token = server.accessControl().tokens().create(io.lathe.auth.Actor.system(), "b2-fit",
                    java.util.EnumSet.of(io.lathe.auth.Scope.ADMIN), null).secret();
            long firstScore = sound.getFirst().firstScore();
            String window = "\"from\":\"" + Instant.ofEpochSecond(firstScore / 1_000_000 - 3 * 3600) + "\",\"to\":\""
                    + Instant.ofEpochSecond(firstScore / 1_000_000) + "\"";
            HttpResponse<String> fit = http.send(HttpRequest.newBuilder(URI.create(base + "/api/models/fit"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"machine\":\"" + faulted + "\",\"type\":\"anomaly\"," + window + "}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(fit.statusCode()).as(fit.body()).isEqualTo(200);
            JsonNode refit = json.readTree(fit.body());
            // Later than the version read above (a repaired machine that has learned again meanwhile counts one more).
            assertThat(refit.get("version").asInt()).isGreaterThan(model.get("version").asInt());
            assertThat(refit.at("/training/source").asText()).isEqualTo("history");
            // Without credentials: refused.
            assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/api/models/fit")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"machine\":\"" + faulted + "\"}")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(401);
            // The refit is in the audit log: who, which machine, the version made.
            HttpResponse<String> audit = http.send(HttpRequest.newBuilder(URI.create(base + "/api/audit?kind=model.fit"))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(audit.statusCode()).as(audit.body()).isEqualTo(200);
            JsonNode fits = json.readTree(audit.body()).get("events");
            assertThat(fits).as(audit.body()).hasSize(1);
            assertThat(fits.get(0).get("target").asText()).isEqualTo(faulted);
            assertThat(fits.get(0).get("outcome").asText()).isEqualTo("success");
            assertThat(fits.get(0).at("/details/version").asText()).isEqualTo(refit.get("version").asText());
        }
    }

    /**
     * A machine's first wear-out fault (reason 204) after its scoring began, the model that scored it (the latest
     * learned before it: its version and why it learned), that model's first score and its first score at or above the
     * threshold before the fault.
     */
    record WearOut(String machine, int modelVersion, String modelReason, long firstScore, long faultAt, long crossing, double maxFirstHour,
                   int plannedStops, long cycleFrom) {
        double scoredHours() {
            return (faultAt - firstScore) / 3.6e9;
        }

        double leadHours() {
            return crossing < 0 ? 0 : (faultAt - crossing) / 3.6e9;
        }

        boolean soundAtLearning() {
            return scoredHours() >= SOUND_SCORED_HOURS;
        }
    }

    private static List<WearOut> wearOuts(TelemetryStore store, List<String> machines, Map<String, java.util.TreeMap<Integer, JsonNode>> models)
            throws java.io.IOException {
        List<WearOut> out = new ArrayList<>();
        long all1 = Long.MAX_VALUE / 2;
        for (String m : machines) {
            SeriesData score = store.raw(m + ".anomaly-score", 0, all1);
            if (score.size() == 0) continue;
            SeriesData reason = store.raw(m + ".reason-code", 0, all1);
            long faultAt = -1;
            for (int i = 0; i < reason.size() && faultAt < 0; i++) {
                if (reason.doubleAt(i) == 204 && reason.timestampAt(i) > score.timestampAt(0)) faultAt = reason.timestampAt(i);
            }
            if (faultAt < 0) continue;
            // The model that scored the fault: the latest learned (training window ended) before it.
            int version = -1;
            String why = null;
            long learnedTo = Long.MIN_VALUE;
            for (JsonNode model : models.getOrDefault(m, new java.util.TreeMap<>()).values()) {
                long to = micros(model.at("/training/to").asText());
                if (to < faultAt) {
                    version = model.get("version").asInt();
                    why = model.at("/validation/learningTrigger/reason").asText();
                    learnedTo = to;
                }
            }
            if (version < 0) continue; // not polled yet
            int from = 0;
            while (from < score.size() && score.timestampAt(from) <= learnedTo) from++;
            if (from == score.size() || score.timestampAt(from) > faultAt) continue;
            long firstScore = score.timestampAt(from);
            long crossing = -1;
            double maxFirstHour = 0;
            for (int i = from; i < score.size() && score.timestampAt(i) <= faultAt; i++) {
                long t = score.timestampAt(i);
                if (t - firstScore <= 3_600_000_000L) maxFirstHour = Math.max(maxFirstHour, score.doubleAt(i));
            }
            // The lead counts from the start of the part's cycle: a first model's from the machine's first score (the zones
            // score while it learns); a model learned after a repair from its own first score.
            int cycleFrom = "first running hours".equals(why) ? 0 : from;
            for (int i = cycleFrom; i < score.size() && score.timestampAt(i) <= faultAt && crossing < 0; i++) {
                if (score.doubleAt(i) >= 1.0) crossing = score.timestampAt(i);
            }
            SeriesData state = store.raw(m + ".state", 0, all1);
            int plannedStops = 0;
            for (int i = 0; i < state.size(); i++) {
                long t = state.timestampAt(i);
                if (state.valueAt(i).toJson().equals("\"planned-stop\"") && t > firstScore && t < faultAt) plannedStops++;
            }
            out.add(new WearOut(m, version, why, firstScore, faultAt, crossing, maxFirstHour, plannedStops, score.timestampAt(cycleFrom)));
        }
        out.sort(java.util.Comparator.comparingLong(WearOut::faultAt));
        return out;
    }

    /**
     * Upper quartile of the stored Vibration RMS in the first hour of the wear-out's model scoring: the level while
     * cutting (the stored series also holds idle, stopped and between-cut readings, which the monitor does not score).
     */
    private static double vibrationFirstHour(TelemetryStore store, WearOut w) throws java.io.IOException {
        SeriesData v = store.raw(w.machine() + ".vibration-rms", w.firstScore(), w.firstScore() + 3_600_000_000L);
        double[] x = new double[v.size()];
        for (int i = 0; i < x.length; i++) x[i] = v.doubleAt(i);
        java.util.Arrays.sort(x);
        return x.length == 0 ? Double.NaN : x[x.length * 3 / 4];
    }

    private static long micros(String iso) {
        Instant i = Instant.parse(iso);
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String stateAt(SeriesData state, long t) {
        String s = null;
        for (int i = 0; i < state.size() && state.timestampAt(i) <= t; i++) s = state.valueAt(i).toJson().replace("\"", "");
        return s;
    }

    private String get(String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url).isEqualTo(200);
        return r.body();
    }
}
