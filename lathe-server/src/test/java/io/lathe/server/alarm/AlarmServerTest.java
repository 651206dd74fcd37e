package io.lathe.server.alarm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.lathe.auth.Actor;
import io.lathe.auth.Scope;
import io.lathe.server.LatheServer;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.Keys;
import io.lathe.server.config.LatheConfig;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.EnumSet;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end through the running server: an alarm defined in the YAML goes active from points sent over HTTP ingest
 * and over MQTT JSON (Mosquitto on 127.0.0.1:1883, skipped with a message when absent), an operator acknowledges it
 * over the API, the transition reaches /api/live as an {@code alarm} event, and the state survives a restart.
 */
class AlarmServerTest {
    static final String TOKEN = "alarm-test-ingest-token";
    static final String MACHINE = "acme.nord.machining.line-1.press";
    static final String TEMP_ALARM = MACHINE + ".alarm.temperature-high";
    static final String PRESSURE_ALARM = MACHINE + ".alarm.pressure-high";

    @TempDir
    Path dir;

    final HttpClient http = HttpClient.newHttpClient();
    final ObjectMapper json = new ObjectMapper();

    LatheConfig config(String prefix, boolean mqtt) throws Exception {
        String yaml = """
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
                                    - { name: Pressure, type: double, unit: bar }
                alarms:
                  max-shelve: 2h
                  machines:
                    - machine: Nord/Machining/Line 1/Press
                      alarms:
                        - { name: Temperature high, kind: limit, signal: Temperature, type: H, limit: 80, deadband: 2, priority: high,
                            response: Check the cooling }
                        - { name: Pressure high, kind: limit, signal: Pressure, type: H, limit: 10, priority: urgent }
                """ + (mqtt ? """
                connections:
                  - name: json
                    type: mqtt-json
                    broker: tcp://127.0.0.1:1883
                    machine: Nord/Machining/Line 1/Press
                    topics:
                      - topic: %s/press/data
                        fields:
                          - { field: p, signal: Pressure, type: double }
                """.formatted(prefix) : "");
        LatheConfig cfg = ConfigLoader.load(yaml, "plant.yaml", Map.of());
        return cfg.withSettings(cfg.settings().with(Keys.HTTP_PORT, 0, "test").with(Keys.AUTH_ANONYMOUS_READ, true, "test")
                .with(Keys.DATA_DIR, dir.toString(), "test").with(Keys.SPARKPLUG_ENABLED, false, "test")
                .with(Keys.MQTT_BROKER, "tcp://127.0.0.1:1883", "test").with(Keys.INGEST_TOKEN, TOKEN, "test"));
    }

    @Test
    void alarmFromHttpAndMqttAcknowledgedOverTheApiSurvivesARestart() throws Exception {
        boolean mqtt = reachable();
        if (!mqtt) System.out.println("AlarmServerTest: Mosquitto is not listening on 127.0.0.1:1883; the MQTT JSON part is skipped");
        String prefix = "lathe-alarm-test/" + UUID.randomUUID();
        LatheConfig cfg = config(prefix, mqtt);
        try (LatheServer server = LatheServer.start(cfg, false, InstantSource.system())) {
            String base = "http://127.0.0.1:" + server.httpPort();
            String operator = server.accessControl().tokens().create(Actor.system(), "operator", EnumSet.of(Scope.OPERATE), null).secret();

            // an SSE client that waits for the alarm event of the acknowledgement
            HttpResponse<InputStream> live = http.send(HttpRequest.newBuilder(URI.create(base + "/api/live")).build(), HttpResponse.BodyHandlers.ofInputStream());
            CompletableFuture<String> ackEvent = CompletableFuture.supplyAsync(() -> readAlarmEvent(live.body(), "\"state\":\"ack\""));

            String now = Instant.now().toString();
            HttpResponse<String> ingest = http.send(HttpRequest.newBuilder(URI.create(base + "/api/ingest")).header("Authorization", "Bearer " + TOKEN)
                    .header("Content-Type", "text/csv").POST(HttpRequest.BodyPublishers.ofString(MACHINE + ".temperature," + now + ",95.5\n")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ingest.statusCode()).as(ingest.body()).isEqualTo(200);

            JsonNode list = get(base + "/api/alarms");
            assertThat(list.get("alarms")).hasSize(1);
            JsonNode a = list.get("alarms").get(0);
            assertThat(a.get("id").asText()).isEqualTo(TEMP_ALARM);
            assertThat(a.get("state").asText()).isEqualTo("unack");
            assertThat(a.get("priority").asText()).isEqualTo("high");
            assertThat(a.get("message").asText()).isEqualTo("Temperature high: 95.5 degC above h limit 80 degC");
            assertThat(a.get("response").asText()).isEqualTo("Check the cooling");
            assertThat(get(base + "/api/alarms/summary").at("/unacknowledged/high").asInt()).isEqualTo(1);

            // reading is open here, acknowledging is not
            assertThat(post(base + "/api/alarms/" + TEMP_ALARM + "/ack", "{}", null).statusCode()).isEqualTo(401);
            HttpResponse<String> ack = post(base + "/api/alarms/" + TEMP_ALARM + "/ack", "{\"comment\":\"seen, cooling checked\"}", operator);
            assertThat(ack.statusCode()).as(ack.body()).isEqualTo(200);
            assertThat(json.readTree(ack.body()).get("state").asText()).isEqualTo("ack");
            assertThat(ackEvent.get(20, TimeUnit.SECONDS)).contains("\"id\":\"" + TEMP_ALARM + "\"");
            live.body().close();

            JsonNode detail = get(base + "/api/alarms/" + TEMP_ALARM);
            assertThat(detail.get("transitions")).hasSize(2);
            assertThat(detail.at("/transitions/0/event").asText()).isEqualTo("activate");
            assertThat(detail.at("/transitions/1/event").asText()).isEqualTo("ack");
            assertThat(detail.at("/transitions/1/from").asText()).isEqualTo("unack");
            assertThat(detail.at("/transitions/1/user").asText()).startsWith("token:");
            assertThat(detail.at("/transitions/1/comment").asText()).isEqualTo("seen, cooling checked");
            assertThat(post(base + "/api/alarms/" + TEMP_ALARM + "/ack", "{}", operator).statusCode()).as("nothing left to acknowledge").isEqualTo(409);

            if (mqtt) {
                Mqtt5BlockingClient pub = MqttClient.builder().useMqttVersion5().serverHost("127.0.0.1").serverPort(1883).buildBlocking();
                pub.connect();
                try {
                    // the connection subscribes after its connect: repeat until the alarm shows
                    await(() -> {
                        pub.publishWith().topic(prefix + "/press/data").qos(MqttQos.AT_LEAST_ONCE)
                                .payload("{\"p\": 12.5}".getBytes(StandardCharsets.UTF_8)).send();
                        var p = server.alarms().engine().alarm(PRESSURE_ALARM);
                        return p != null && p.active();
                    });
                } finally {
                    pub.disconnect();
                }
                assertThat(get(base + "/api/alarms/" + PRESSURE_ALARM).get("state").asText()).isEqualTo("unack");
            }
            String metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("lathe_alarm_transitions_total{event=\"ack\"} 1.0");
        }

        // a restart restores the state from the journal: still active and acknowledged, no transition added or lost
        try (LatheServer server = LatheServer.start(cfg, false, InstantSource.system())) {
            String base = "http://127.0.0.1:" + server.httpPort();
            JsonNode detail = get(base + "/api/alarms/" + TEMP_ALARM);
            assertThat(detail.get("state").asText()).isEqualTo("ack");
            assertThat(detail.get("active").asBoolean()).isTrue();
            assertThat(detail.get("transitions")).hasSize(2);
            // a value inside the deadband keeps it active; below it the alarm returns to normal (it was acknowledged)
            HttpResponse<String> ingest = http.send(HttpRequest.newBuilder(URI.create(base + "/api/ingest")).header("Authorization", "Bearer " + TOKEN)
                    .header("Content-Type", "text/csv").POST(HttpRequest.BodyPublishers.ofString(
                            MACHINE + ".temperature," + Instant.now().plusMillis(1) + ",79\n" + MACHINE + ".temperature," + Instant.now().plusMillis(2) + ",60\n")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ingest.statusCode()).as(ingest.body()).isEqualTo(200);
            detail = get(base + "/api/alarms/" + TEMP_ALARM);
            assertThat(detail.get("state").asText()).isEqualTo("normal");
            assertThat(detail.get("transitions")).extracting(t -> t.get("event").asText()).containsExactly("activate", "ack", "clear");
            JsonNode events = get(base + "/api/alarms/events?asset=" + MACHINE);
            assertThat(events.at("/events/0/event").asText()).isEqualTo("clear");
            JsonNode kpis = get(base + "/api/alarms/kpis?asset=acme.nord");
            assertThat(kpis.get("annunciated").asInt()).isEqualTo(mqtt ? 2 : 1);
        }
    }

    private String readAlarmEvent(InputStream in, String containing) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            boolean alarm = false;
            for (String line; (line = r.readLine()) != null; ) {
                if (line.equals("event: alarm")) alarm = true;
                else if (alarm && line.startsWith("data: ") && line.contains(containing)) return line;
                else if (line.isEmpty()) alarm = false;
            }
            return "stream ended";
        } catch (Exception e) {
            return e.toString();
        }
    }

    private JsonNode get(String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
        return json.readTree(r.body());
    }

    private HttpResponse<String> post(String url, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) b.header("Authorization", "Bearer " + token);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within 20 s");
            Thread.sleep(100);
        }
    }

    private static boolean reachable() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", 1883), 1000);
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
