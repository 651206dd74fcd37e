package io.lathe.server.connections;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lathe.ingest.Latest;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.lathe.server.LatheServer;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.Keys;
import io.lathe.server.config.LatheConfig;
import io.lathe.simulator.ModbusEnergyMeter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// Issue 5: a Modbus TCP connection declared in the plant YAML is started by the server, feeds live values, and shows
// in /api/connections and /metrics. The peer is the demo's energy meter (digitalpetri's Modbus TCP server).
class ModbusConnectionServerTest {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void modbusConnectionFromTheYamlFeedsLiveValuesAndIsListed() throws Exception {
        try (ModbusEnergyMeter meter = ModbusEnergyMeter.start("127.0.0.1", 0, () -> 42.5, 60, InstantSource.system())) {
            LatheConfig cfg = ConfigLoader.load(ConnectionsConfigTest.PLANT + """
                    connections:
                      - name: meter
                        type: modbus
                        host: 127.0.0.1
                        port: %d
                        request-timeout: 1s
                        devices:
                          - unit-id: 1
                            machine: Nord/Machining/Line 1/Meter
                            poll-interval: 100ms
                            points:
                              - { signal: Power, table: input-register, address: 0, type: float32, unit: kW }
                              - { signal: Voltage, table: input-register, address: 2, type: float32, unit: V }
                              - { signal: Energy Wh, table: input-register, address: 10, type: uint32, unit: Wh }
                    """.formatted(meter.port()), "plant.yaml", Map.of());
            cfg = cfg.withSettings(cfg.settings()
                    .with(Keys.HTTP_PORT, 0, "test").with(Keys.AUTH_ANONYMOUS_READ, true, "test") /* reads without login: this test is not about access */
                    .with(Keys.DATA_DIR, dir.toString(), "test")
                    .with(Keys.SPARKPLUG_ENABLED, false, "test")
                    .with(Keys.MQTT_BROKER, "tcp://127.0.0.1:1883", "test"));
            try (LatheServer server = LatheServer.start(cfg, false, InstantSource.system())) {
                Signal power = server.model().signalByName("acme.nord.machining.line-1.meter", "Power");
                Signal volts = server.model().signalByName("acme.nord.machining.line-1.meter", "Voltage");
                assertThat(power).isNotNull();
                Latest p = await(server, power.id());
                assertThat(((Value.DoubleValue) p.value()).value()).isEqualTo(42.5);
                double v = ((Value.DoubleValue) await(server, volts.id()).value()).value();
                assertThat(v).isBetween(395.0, 405.0);

                String base = "http://127.0.0.1:" + server.httpPort();
                JsonNode conns = new ObjectMapper().readTree(get(base + "/api/connections"));
                JsonNode meterStatus = null;
                for (JsonNode c : conns) if (c.get("name").asText().equals("meter")) meterStatus = c;
                assertThat(meterStatus).as("meter in " + conns).isNotNull();
                assertThat(meterStatus.toString()).contains("modbus").contains("connected");
                String metrics = get(base + "/metrics");
                assertThat(metrics).contains("lathe_connection_messages_total{connection=\"meter\"}")
                        .contains("lathe_connection_errors_total{connection=\"meter\"} 0.0");
            }
        }
    }

    private static Latest await(LatheServer server, String signalId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        Latest l;
        while ((l = server.live().latest(signalId)) == null && System.nanoTime() < deadline) Thread.sleep(50);
        assertThat(l).as("live value of " + signalId).isNotNull();
        return l;
    }

    private String get(String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url).isEqualTo(200);
        return r.body();
    }
}
