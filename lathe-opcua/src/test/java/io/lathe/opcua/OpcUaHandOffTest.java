package io.lathe.opcua;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.ingest.PointBatch;
import io.lathe.ingest.PointSink;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 9 item 8: the values of one OPC UA notification (Publish response) are one hand-off to the ingest queue. */
class OpcUaHandOffTest {
    private static final String NS = "nsu=" + TestOpcUaServer.NAMESPACE + ";s=Machine/";

    @TempDir
    Path dataDir;
    private TestOpcUaServer server;
    private OpcUaConnection connection;

    @AfterEach
    void tearDown() throws Exception {
        if (connection != null) connection.close();
        if (server != null) server.close();
    }

    /** Keeps every batch as the names of its signals. */
    static final class Batches implements PointSink {
        final List<List<String>> batches = new CopyOnWriteArrayList<>();

        @Override
        public void accept(PointBatch batch) {
            List<String> names = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) names.add(batch.signal(i).name());
            batches.add(names);
        }

        @Override
        public void accept(Signal signal, long ts, Value value, Quality quality, boolean historical) {
            batches.add(List.of(signal.name()));
        }

        @Override
        public void markStale(Signal signal, long ts) {
            batches.add(List.of(signal.name()));
        }
    }

    @Test
    void theInitialValuesOfOneNotificationAreOneHandOff() throws Exception {
        server = new TestOpcUaServer().start();
        PlantModel model = new PlantModel("Acme");
        String line = model.addChild(model.addChild(model.addChild(model.rootId(), "Plant", "", ""), "Area", "", ""), "Line", "", "");
        String press = model.addChild(line, "Press", "", "");
        Batches sink = new Batches();
        // A publishing interval far above the sampling interval: the server samples all three before its first Publish.
        connection = new OpcUaConnection(OpcUaConfig.builder("press", server.endpointUrl()).dataDir(dataDir).machine(press)
                .publishingInterval(Duration.ofMillis(1000))
                .node(OpcUaNode.of(NS + "Running", "Running").withType(DataType.BOOLEAN).withSampling(Duration.ofMillis(20), 10))
                .node(OpcUaNode.of(NS + "Mode", "Mode").withType(DataType.TEXT).withSampling(Duration.ofMillis(20), 10))
                .node(OpcUaNode.of(NS + "Uncertain", "Uncertain").withType(DataType.DOUBLE).withSampling(Duration.ofMillis(20), 10))
                .build(), model, sink);
        connection.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (sink.batches.isEmpty() && System.nanoTime() < deadline) Thread.sleep(20);

        assertThat(sink.batches).isNotEmpty();
        assertThat(sink.batches.get(0)).containsExactlyInAnyOrder("Running", "Mode", "Uncertain");
    }
}
