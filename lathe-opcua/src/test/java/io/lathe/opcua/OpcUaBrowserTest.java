package io.lathe.opcua;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.model.DataType;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OpcUaBrowserTest {
    private TestOpcUaServer server;

    @BeforeEach
    void setUp() throws Exception {
        server = new TestOpcUaServer().start();
    }

    @AfterEach
    void tearDown() throws Exception {
        server.close();
    }

    // `lathe opcua browse` prints the tree with NodeIds (namespace URI form), data types and values, skipping Server.
    @Test
    void printsTheAddressSpaceWithNodeIdsTypesAndValues() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<OpcUaBrowser.BrowsedNode> nodes = OpcUaBrowser.browse(server.endpointUrl(), 2,
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertThat(out).contains("Machine  [nsu=urn:lathe:test;s=Machine]")
                .contains("  Mode  [nsu=urn:lathe:test;s=Machine/Mode]  String = \"AUTO\"")
                .contains("  Running  [nsu=urn:lathe:test;s=Machine/Running]  Boolean = true")
                .doesNotContain("ServerStatus");
        OpcUaBrowser.BrowsedNode counter = nodes.stream().filter(n -> n.path().equals("Machine/Counter")).findFirst().orElseThrow();
        assertThat(counter.dataType()).isEqualTo("Int64");
        assertThat(counter.type()).isEqualTo(DataType.LONG);
    }

    // The YAML snippet uses the configuration's kebab-case keys and the nodes' Lathe types.
    @Test
    void writesAYamlSnippetForChosenNodes() throws Exception {
        List<OpcUaBrowser.BrowsedNode> nodes = OpcUaBrowser.browse(server.endpointUrl(), 2,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        OpcUaBrowser.writeYaml(nodes.stream().filter(n -> n.name().equals("Temperature")).toList(),
                new PrintStream(bytes, true, StandardCharsets.UTF_8));

        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("""
                nodes:
                  - node-id: "nsu=urn:lathe:test;s=Machine/Temperature"
                    signal: "Temperature"
                    type: double
                    sampling-interval: 1s
                """);
    }
}
