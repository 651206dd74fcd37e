package io.lathe.server.connections;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.ingest.ConnectionState;
import io.lathe.ingest.Latest;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
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
import java.time.InstantSource;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// Issue 5, demo: `lathe demo` serves one machine over OPC UA and an energy meter over Modbus TCP and reads both.
class DemoDevicesTest {

    @TempDir
    Path dir;

    @Test
    void demoReadsTheOpcUaMachineAndTheModbusMeterBesideSparkplug() throws Exception {
        LatheConfig cfg;
        try (InputStream in = getClass().getResourceAsStream("/io/lathe/server/demo.yaml")) {
            cfg = ConfigLoader.load(new String(in.readAllBytes(), StandardCharsets.UTF_8), "demo.yaml", Map.of());
        }
        cfg = cfg.withSettings(cfg.settings()
                .with(Keys.HTTP_PORT, 0, "test")
                .with(Keys.MQTT_EMBEDDED_HOST, "127.0.0.1", "test")
                .with(Keys.MQTT_EMBEDDED_PORT, freePort(), "test")
                .with(Keys.DATA_DIR, dir.toString(), "test")
                .with(Keys.SIM_SPEED, 30.0, "test"));
        try (LatheServer server = LatheServer.start(cfg, true, InstantSource.system())) {
            String cnc = ConnectionsParser.resolveMachine(server.model(), LatheServer.DEMO_OPCUA_MACHINE);
            String meter = ConnectionsParser.resolveMachine(server.model(), LatheServer.DEMO_METER);
            Latest state = await(server, server.model().signalByName(cnc, "State"));
            assertThat(state.value()).isInstanceOf(Value.TextValue.class);
            assertThat(state.quality()).isEqualTo(Quality.GOOD);
            assertThat(await(server, server.model().signalByName(cnc, "Spindle Speed")).value()).isInstanceOf(Value.DoubleValue.class);
            assertThat(await(server, server.model().signalByName(cnc, "Good Count")).value()).isInstanceOf(Value.LongValue.class);
            double volts = ((Value.DoubleValue) await(server, server.model().signalByName(meter, "Voltage")).value()).value();
            assertThat(volts).isBetween(390.0, 410.0);
            assertThat(await(server, server.model().signalByName(meter, "Energy Wh")).value()).isInstanceOf(Value.LongValue.class);
            assertThat(server.connectionStatuses()).anySatisfy(c -> {
                assertThat(c.name()).isEqualTo("demo-opcua-cnc");
                assertThat(c.state()).isEqualTo(ConnectionState.CONNECTED);
            }).anySatisfy(c -> {
                assertThat(c.name()).isEqualTo("demo-modbus-meter");
                assertThat(c.state()).isEqualTo(ConnectionState.CONNECTED);
            });
        }
    }

    private static int freePort() throws Exception {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Latest await(LatheServer server, Signal signal) throws InterruptedException {
        assertThat(signal).isNotNull();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Latest l;
        while ((l = server.live().latest(signal.id())) == null && System.nanoTime() < deadline) Thread.sleep(50);
        assertThat(l).as("live value of " + signal.id()).isNotNull();
        return l;
    }
}
