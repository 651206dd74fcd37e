package io.lathe.server.connections;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.opcua.OpcUaConfig;
import io.lathe.server.cli.Main;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.LatheConfig;
import io.lathe.simulator.OpcUaMachine;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// Issue 5: `lathe opcua browse` prints the address space of a real server (the demo's OPC UA machine) and writes a
// connections: entry that the configuration loader accepts as it is, once a machine is filled in.
class OpcUaBrowseCommandTest {

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void browsePrintsTheTreeAndWritesYamlTheLoaderAccepts() throws Exception {
        try (OpcUaMachine machine = OpcUaMachine.start("127.0.0.1", 0, 7, 1, InstantSource.system())) {
            Path yaml = dir.resolve("cnc.yaml");
            Result r = run("opcua", "browse", machine.endpointUrl(), "--depth", "2", "--yaml", yaml.toString(),
                    "--include", "CNC/", "--data-dir", dir.toString());
            assertThat(r.code()).as(r.err()).isZero();
            assertThat(r.out()).contains("CNC  [nsu=urn:lathe:demo:cnc;s=CNC]\n")
                    .contains("  State  [nsu=urn:lathe:demo:cnc;s=CNC/State]  String = \"")
                    .contains("  GoodCount  [nsu=urn:lathe:demo:cnc;s=CNC/GoodCount]  Int64 = ")
                    .contains("  SpindleSpeed  [nsu=urn:lathe:demo:cnc;s=CNC/SpindleSpeed]  Double = ");

            String entry = Files.readString(yaml).replace("Site/Area/Line/Machine", "Nord/Machining/Line 1/Press");
            String indented = entry.lines().map(l -> "  " + l).reduce("", (a, b) -> a + b + "\n");
            LatheConfig cfg = ConfigLoader.load(ConnectionsConfigTest.PLANT + "connections:\n" + indented, "plant.yaml", Map.of());
            OpcUaConfig c = (OpcUaConfig) cfg.connections().getFirst();
            assertThat(c.endpointUrl()).isEqualTo(machine.endpointUrl());
            assertThat(c.nodes()).extracting(n -> n.signal()).containsExactlyElementsOf(OpcUaMachine.VARIABLES);
        }
    }

    @Test
    void browseSignsAndEncryptsWithAUserOnceTheServerCertificateIsTrusted() throws Exception {
        // Basic256Sha256: an untrusted server certificate is refused; trusted (as an operator would), the browse works.
        try (OpcUaMachine machine = OpcUaMachine.start("127.0.0.1", 0, 7, 1, InstantSource.system())) {
            String[] args = {"opcua", "browse", machine.endpointUrl(), "--depth", "1", "--security", "basic256sha256",
                    "--username", OpcUaMachine.USER, "--password", OpcUaMachine.PASSWORD, "--data-dir", dir.toString()};
            Result refused = run(args);
            assertThat(refused.code()).isEqualTo(1);
            assertThat(refused.err()).contains("OPC UA browse failed [endpoint=" + machine.endpointUrl() + "]");

            Path trusted = Files.createDirectories(dir.resolve("opcua/pki/trusted/certs"));
            Files.write(trusted.resolve("demo-cnc.der"), machine.certificate().getEncoded());
            Result ok = run(args);
            assertThat(ok.code()).as(ok.err()).isZero();
            assertThat(ok.out()).contains("CNC  [nsu=urn:lathe:demo:cnc;s=CNC]\n");
        }
    }

    @Test
    void browseRejectsABadPolicyAndAnUnreachableServerWithAReason() throws Exception {
        // Option mistakes exit with 2 before connecting; a server that is not there exits with 1 and names the endpoint.
        Result bad = run("opcua", "browse", "opc.tcp://127.0.0.1:1", "--security", "aes");
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).contains("--security must be none or basic256sha256, but was 'aes'");
        int port;
        try (var s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Result down = run("opcua", "browse", "opc.tcp://127.0.0.1:" + port, "--data-dir", dir.toString());
        assertThat(down.code()).isEqualTo(1);
        assertThat(down.err()).contains("OPC UA browse failed [endpoint=opc.tcp://127.0.0.1:" + port + "]");
    }
}
