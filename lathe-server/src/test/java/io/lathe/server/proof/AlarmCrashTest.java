package io.lathe.server.proof;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Alarm state across kill -9: a child JVM takes points over HTTP ingest that switch an alarm on and off, is killed
 * with SIGKILL right after, and starts again on the same data folder. Every transition the API showed before the kill
 * is there after it, once, in order, and the alarm's state is the one the last transition left.
 */
class AlarmCrashTest {
    static final String TOKEN = "alarm-crash-token";
    static final String MACHINE = "acme.nord.machining.line-1.press";
    static final String ALARM = MACHINE + ".alarm.temperature-high";

    @TempDir
    Path dir;

    @Test
    void transitionsSurviveSigkillOnceAndInOrder() throws Exception {
        Path config = dir.resolve("plant.yaml");
        Files.writeString(config, """
                server:
                  ingest-token: %s
                sparkplug:
                  enabled: false
                mqtt:
                  broker: tcp://127.0.0.1:1
                plant:
                  enterprise: Acme
                  sites:
                    - name: Nord
                      areas:
                        - name: Machining
                          lines:
                            - name: Line 1
                              machines:
                                - name: Press
                                  signals:
                                    - { name: Temperature, type: double, unit: degC }
                alarms:
                  machines:
                    - machine: Nord/Machining/Line 1/Press
                      alarms:
                        - { name: Temperature high, kind: limit, signal: Temperature, type: H, limit: 80, priority: high }
                """.formatted(TOKEN));
        Path data = dir.resolve("data");
        List<String> args = List.of("serve", "--config", config.toString(), "--data-dir", data.toString());
        long t = Instant.now().toEpochMilli();
        int expected = 0;
        for (int round = 0; round < 3; round++) {
            JsonNode before;
            try (LatheChild child = LatheChild.launch("lathe", dir.resolve("logs"), args).awaitReady(Duration.ofMinutes(2))) {
                if (round > 0) {
                    JsonNode after = child.getJson("/api/alarms/" + ALARM);
                    checkHistory(after, expected);
                }
                // 5 points alternating above and below the limit: 5 transitions, each journaled before the 200
                for (int i = 0; i < 5; i++) {
                    double v = (round * 5 + i) % 2 == 0 ? 95 : 40;
                    String body = MACHINE + ".temperature," + Instant.ofEpochMilli(++t) + "," + v + "\n";
                    HttpResponse<String> r = LatheChild.HTTP.send(HttpRequest.newBuilder(URI.create(child.base() + "/api/ingest"))
                            .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "text/csv")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                }
                expected += 5;
                before = child.getJson("/api/alarms/" + ALARM);
                assertThat(before.get("transitions")).hasSize(expected);
                child.kill();
            }
        }
        try (LatheChild child = LatheChild.launch("lathe", dir.resolve("logs"), args).awaitReady(Duration.ofMinutes(2))) {
            checkHistory(child.getJson("/api/alarms/" + ALARM), expected);
        }
    }

    /** {@code n} transitions alternating activate and clear, and the state the last one left. */
    private static void checkHistory(JsonNode alarm, int n) {
        List<String> events = new ArrayList<>();
        alarm.get("transitions").forEach(tr -> events.add(tr.get("event").asText()));
        assertThat(events).hasSize(n);
        for (int i = 0; i < n; i++) assertThat(events.get(i)).as("transition %d of %s", i, events).isEqualTo(i % 2 == 0 ? "activate" : "clear");
        boolean active = n % 2 == 1;
        assertThat(alarm.get("active").asBoolean()).isEqualTo(active);
        assertThat(alarm.get("state").asText()).isEqualTo(active ? "unack" : "rtn_unack");
    }
}
