package io.lathe.modbus;

import static org.assertj.core.api.Assertions.assertThat;

import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import io.lathe.ingest.PointBatch;
import io.lathe.ingest.PointSink;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Issue 9 item 8: one poll of a unit is one hand-off to the ingest queue, however many requests it took. */
class ModbusHandOffTest {
    private J2modSlave slave;
    private ModbusConnection connection;

    @AfterEach
    void tearDown() {
        if (connection != null) connection.close();
        if (slave != null) slave.close();
    }

    /** Keeps every batch as a list of "signal=value" entries. */
    static final class Batches implements PointSink {
        final List<List<String>> batches = new CopyOnWriteArrayList<>();

        @Override
        public void accept(PointBatch batch) {
            List<String> entries = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                entries.add(batch.signal(i).name() + (batch.isStale(i) ? ":stale" : "=" + batch.value(i).toJson()));
            }
            batches.add(entries);
        }

        @Override
        public void accept(Signal signal, long ts, Value value, Quality quality, boolean historical) {
            batches.add(List.of(signal.name() + "=" + value.toJson()));
        }

        @Override
        public void markStale(Signal signal, long ts) {
            batches.add(List.of(signal.name() + ":stale"));
        }
    }

    @Test
    void onePollOfAUnitIsOneHandOff() throws Exception {
        slave = new J2modSlave();
        SimpleProcessImage unit = slave.unit(1, 10, 4, 4, 0);
        J2modSlave.setHolding(unit, 0, 7);
        J2modSlave.setHolding(unit, 1, 8);
        ((com.ghgande.j2mod.modbus.procimg.SimpleInputRegister) unit.getInputRegister(2)).setValue(9);
        unit.getDigitalOut(1).set(true);
        slave.open();
        PlantModel model = new PlantModel("Acme");
        String line = model.addChild(model.addChild(model.addChild(model.rootId(), "Plant", "", ""), "Area", "", ""), "Line", "", "");
        String machine = model.addChild(line, "Press", "", "");
        Batches sink = new Batches();
        // Three tables: three read requests per poll.
        connection = new ModbusConnection(ModbusConfig.builder("press", "127.0.0.1").port(slave.port())
                .device(new ModbusDevice(1, machine, Duration.ofMillis(100), List.of(
                        ModbusPoint.of("a", ModbusTable.HOLDING_REGISTER, 0, ModbusDataType.UINT16),
                        ModbusPoint.of("b", ModbusTable.HOLDING_REGISTER, 1, ModbusDataType.UINT16),
                        ModbusPoint.of("c", ModbusTable.INPUT_REGISTER, 2, ModbusDataType.UINT16),
                        ModbusPoint.of("d", ModbusTable.COIL, 1, ModbusDataType.BOOL))))
                .build(), model, sink);
        assertThat(connection.requestsPerPoll()).isEqualTo(3);
        connection.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (sink.batches.size() < 3 && System.nanoTime() < deadline) Thread.sleep(20);

        assertThat(sink.batches).hasSizeGreaterThanOrEqualTo(3);
        for (List<String> b : sink.batches) assertThat(b).containsExactlyInAnyOrder("a=7", "b=8", "c=9", "d=true");
    }
}
