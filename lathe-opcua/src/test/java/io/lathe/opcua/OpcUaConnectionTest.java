package io.lathe.opcua;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lathe.ingest.ConnectionState;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Value;
import io.lathe.opcua.internal.ClientSecurity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpcUaConnectionTest {
    private static final String NS = "nsu=" + TestOpcUaServer.NAMESPACE + ";s=Machine/";

    @TempDir
    Path dataDir;
    private TestOpcUaServer server;
    private PlantModel model;
    private String press;
    private final RecordingSink sink = new RecordingSink();
    private OpcUaConnection connection;

    @BeforeEach
    void setUp() throws Exception {
        server = new TestOpcUaServer().start();
        model = new PlantModel("Acme");
        String line = model.addChild(model.addChild(model.addChild(model.rootId(), "Plant", "", ""), "Area", "", ""), "Line", "", "");
        press = model.addChild(line, "Press", "", "");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (connection != null) connection.close();
        server.close();
    }

    private OpcUaConfig.Builder config() {
        return OpcUaConfig.builder("press", server.endpointUrl()).dataDir(dataDir).machine(press)
                .publishingInterval(Duration.ofMillis(50)).reconnectMaxDelay(Duration.ofSeconds(2));
    }

    private static OpcUaNode node(String name, DataType type) {
        return OpcUaNode.of(NS + name, name).withType(type).withSampling(Duration.ofMillis(20), 10);
    }

    // Security None, anonymous: values arrive with their source timestamps, types and status codes mapped to quality,
    // and a bad node or an array value is counted without stopping the others.
    @Test
    void subscribesAndMapsTypesQualityAndBadInput() {
        connection = new OpcUaConnection(config()
                .node(node("Counter", DataType.LONG))
                .node(node("Running", DataType.BOOLEAN))
                .node(node("Mode", DataType.TEXT))
                .node(node("Uncertain", DataType.DOUBLE))
                .node(node("Array", DataType.LONG))
                .node(node("Missing", DataType.DOUBLE))
                .build(), model, sink);
        connection.start();

        await(() -> sink.of(press + ".counter").size() >= 5 && sink.last(press + ".uncertain") != null
                && connection.status().errors() >= 2);
        List<RecordingSink.Point> counter = sink.of(press + ".counter");
        for (int i = 1; i < counter.size(); i++) {
            assertThat(counter.get(i).timestampMicros()).isGreaterThan(counter.get(i - 1).timestampMicros());
            assertThat(counter.get(i).value().asDouble()).isGreaterThan(counter.get(i - 1).value().asDouble());
        }
        // Source timestamps are the server's clock, close to now (not the Unix epoch, not OPC UA's 1601 minimum).
        assertThat(counter.get(0).timestampMicros()).isGreaterThan(System.currentTimeMillis() * 1000 - 60_000_000L);
        assertThat(sink.last(press + ".running").value()).isEqualTo(Value.of(true));
        assertThat(sink.last(press + ".mode").value()).isEqualTo(Value.of("AUTO"));
        assertThat(sink.last(press + ".uncertain").quality()).isEqualTo(Quality.UNCERTAIN);
        assertThat(sink.of(press + ".array")).isEmpty();
        assertThat(connection.status().state()).isEqualTo(ConnectionState.CONNECTED);
        assertThat(connection.status().errors()).isGreaterThanOrEqualTo(2);
    }

    // Basic256Sha256 SignAndEncrypt with a user name: Lathe creates its certificate on first start and trusts the
    // server certificate found in its trust folder.
    @Test
    void connectsWithBasic256Sha256AndUserName() throws Exception {
        ClientSecurity security = ClientSecurity.load(dataDir);
        assertThat(dataDir.resolve("opcua/client.p12")).exists();
        server.trustClient(security.certificate());
        Files.write(security.trustedDir().resolve("server.der"), server.certificate().getEncoded());

        connection = new OpcUaConnection(config().securityPolicy(SecurityPolicyName.BASIC256SHA256)
                .user(TestOpcUaServer.USER, TestOpcUaServer.PASSWORD)
                .node(node("Counter", DataType.LONG)).build(), model, sink);
        connection.start();

        await(() -> sink.of(press + ".counter").size() >= 3);
        assertThat(connection.status().state()).isEqualTo(ConnectionState.CONNECTED);
        // The same certificate is used again on the next start.
        assertThat(ClientSecurity.load(dataDir).certificate()).isEqualTo(security.certificate());
    }

    // An untrusted server certificate must not be accepted: the error says where the certificate went and what to do.
    @Test
    void untrustedServerCertificateIsRejectedWithAHint() throws Exception {
        server.trustClient(ClientSecurity.load(dataDir).certificate());
        connection = new OpcUaConnection(config().securityPolicy(SecurityPolicyName.BASIC256SHA256)
                .node(node("Counter", DataType.LONG)).build(), model, sink);
        connection.start();

        await(() -> connection.status().lastError() != null);
        assertThat(connection.status().lastError())
                .startsWith("OPC UA connect failed [connection=press, endpoint=" + server.endpointUrl() + ", security-policy=basic256sha256]")
                .contains("pki/rejected");
        assertThat(sink.of(press + ".counter")).isEmpty();
        assertThat(connection.status().state()).isEqualTo(ConnectionState.CONNECTING);
    }

    // A server restart loses sessions and subscriptions: values must continue afterwards, without duplicate points.
    @Test
    void valuesContinueAfterServerRestartWithoutDuplicates() throws Exception {
        connection = new OpcUaConnection(config().node(node("Counter", DataType.LONG)).node(node("Mode", DataType.TEXT))
                .build(), model, sink);
        connection.start();
        await(() -> sink.of(press + ".counter").size() >= 3);

        server.restart();
        long afterRestart = server.counter();
        await(() -> {
            var last = sink.last(press + ".counter");
            return last != null && last.value().asDouble() > afterRestart + 5;
        });

        List<RecordingSink.Point> counter = sink.of(press + ".counter");
        for (int i = 1; i < counter.size(); i++) {
            assertThat(counter.get(i).timestampMicros()).as("point %d", i).isGreaterThan(counter.get(i - 1).timestampMicros());
            assertThat(counter.get(i).value().asDouble()).as("point %d", i).isGreaterThan(counter.get(i - 1).value().asDouble());
        }
        // Mode did not change: its value before the restart is not written again.
        assertThat(sink.of(press + ".mode")).hasSize(1);
        assertThat(connection.duplicatesDropped()).isPositive();
        assertThat(sink.stale()).contains(press + ".counter");
        assertThat(connection.status().state()).isEqualTo(ConnectionState.CONNECTED);
    }

    // Configuration mistakes are reported all at once, in the shape "what [key=value]: why. How to fix."
    @Test
    void invalidConfigurationReportsEveryProblem() {
        assertThatThrownBy(() -> OpcUaConfig.builder("p", "http://x").user("u", null).build())
                .hasMessageStartingWith("invalid OPC UA connection [name=p, endpoint=http://x]: ")
                .hasMessageContaining("endpoint must start with opc.tcp://, but was http://x")
                .hasMessageContaining("username and password must be given together")
                .hasMessageContaining("nodes must not be empty");
        assertThatThrownBy(() -> new OpcUaNode("garbage", "x", null, null, null, 0, DeadbandType.PERCENT, 150, null, null))
                .hasMessageContaining("node-id must be like ns=2;s=Name or ns=2;i=1001, but was garbage")
                .hasMessageContaining("queue-size must be in [1, 10000], but was 0")
                .hasMessageContaining("deadband must be at most 100 for percent, but was 150.0");
        assertThat(OpcUaConfig.builder("p", "opc.tcp://h:4840").user("u", "hunter2").dataDir(dataDir).machine(press)
                .node(OpcUaNode.of("ns=2;s=X", "x")).build().toString()).doesNotContain("hunter2");
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within 60 s");
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
