package io.lathe.modbus;

import static io.lathe.modbus.Endianness.BIG;
import static io.lathe.modbus.Endianness.LITTLE;
import static io.lathe.modbus.ModbusDataType.BOOL;
import static io.lathe.modbus.ModbusDataType.FLOAT32;
import static io.lathe.modbus.ModbusDataType.FLOAT64;
import static io.lathe.modbus.ModbusDataType.INT16;
import static io.lathe.modbus.ModbusDataType.INT32;
import static io.lathe.modbus.ModbusDataType.UINT16;
import static io.lathe.modbus.ModbusDataType.UINT32;
import static io.lathe.modbus.ModbusTable.COIL;
import static io.lathe.modbus.ModbusTable.DISCRETE_INPUT;
import static io.lathe.modbus.ModbusTable.HOLDING_REGISTER;
import static io.lathe.modbus.ModbusTable.INPUT_REGISTER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.ghgande.j2mod.modbus.procimg.SimpleProcessImage;
import io.lathe.ingest.ConnectionState;
import io.lathe.ingest.Latest;
import io.lathe.ingest.LiveState;
import io.lathe.model.PlantModel;
import io.lathe.model.Value;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ModbusConnectionTest {

    private J2modSlave slave;
    private SimpleProcessImage unit1;
    private SimpleProcessImage unit2;
    private PlantModel model;
    private String meter;
    private String pump;
    private final LiveState live = new LiveState();
    private ModbusConnection connection;

    @BeforeEach
    void setUp() throws Exception {
        slave = new J2modSlave();
        unit1 = slave.unit(1, 40, 4, 4, 2);
        unit2 = slave.unit(2, 2, 0, 0, 0);
        slave.open();
        model = new PlantModel("Acme");
        String line = model.addChild(model.addChild(model.addChild(model.rootId(), "Plant", "", ""), "Area", "", ""), "Line", "", "");
        meter = model.addChild(line, "Meter", "", "");
        pump = model.addChild(line, "Pump", "", "");
    }

    @AfterEach
    void tearDown() {
        if (connection != null) connection.close();
        slave.close();
    }

    // Every supported type and word/byte order is decoded from registers written by an independent implementation.
    @Test
    void decodesEveryTypeAndOrderFromAnIndependentSlave() {
        J2modSlave.setHolding(unit1, 0, (short) -1234);
        J2modSlave.setHolding(unit1, 1, 60000);
        J2modSlave.setHolding(unit1, 2, words(ByteBuffer.allocate(4).putInt(-123456789).array(), BIG, BIG));
        J2modSlave.setHolding(unit1, 4, words(ByteBuffer.allocate(4).putInt(-123456789).array(), LITTLE, BIG));
        J2modSlave.setHolding(unit1, 6, words(ByteBuffer.allocate(4).putInt((int) 4_000_000_000L).array(), BIG, BIG));
        J2modSlave.setHolding(unit1, 8, words(ByteBuffer.allocate(4).putFloat(123.25f).array(), BIG, BIG));
        J2modSlave.setHolding(unit1, 10, words(ByteBuffer.allocate(4).putFloat(123.25f).array(), LITTLE, BIG));
        J2modSlave.setHolding(unit1, 12, words(ByteBuffer.allocate(4).putFloat(123.25f).array(), BIG, LITTLE));
        J2modSlave.setHolding(unit1, 14, words(ByteBuffer.allocate(4).putFloat(123.25f).array(), LITTLE, LITTLE));
        J2modSlave.setHolding(unit1, 16, words(ByteBuffer.allocate(8).putDouble(-9876.54321).array(), BIG, BIG));
        J2modSlave.setHolding(unit1, 20, words(ByteBuffer.allocate(8).putDouble(-9876.54321).array(), LITTLE, BIG));
        J2modSlave.setHolding(unit1, 24, 2500);
        ((com.ghgande.j2mod.modbus.procimg.SimpleInputRegister) unit1.getInputRegister(3)).setValue(42);
        unit1.getDigitalOut(0).set(true);
        unit1.getDigitalOut(2).set(true);
        ((com.ghgande.j2mod.modbus.procimg.SimpleDigitalIn) unit1.getDigitalIn(1)).set(true);

        connection = new ModbusConnection(config(List.of(
                ModbusPoint.of("int16", HOLDING_REGISTER, 0, INT16),
                ModbusPoint.of("uint16", HOLDING_REGISTER, 1, UINT16),
                ModbusPoint.of("int32-abcd", HOLDING_REGISTER, 2, INT32),
                ModbusPoint.of("int32-cdab", HOLDING_REGISTER, 4, INT32).withOrder(LITTLE, BIG),
                ModbusPoint.of("uint32", HOLDING_REGISTER, 6, UINT32),
                ModbusPoint.of("float32-abcd", HOLDING_REGISTER, 8, FLOAT32),
                ModbusPoint.of("float32-cdab", HOLDING_REGISTER, 10, FLOAT32).withOrder(LITTLE, BIG),
                ModbusPoint.of("float32-badc", HOLDING_REGISTER, 12, FLOAT32).withOrder(BIG, LITTLE),
                ModbusPoint.of("float32-dcba", HOLDING_REGISTER, 14, FLOAT32).withOrder(LITTLE, LITTLE),
                ModbusPoint.of("float64", HOLDING_REGISTER, 16, FLOAT64),
                ModbusPoint.of("float64-swapped", HOLDING_REGISTER, 20, FLOAT64).withOrder(LITTLE, BIG),
                ModbusPoint.of("scaled", HOLDING_REGISTER, 24, UINT16).withScale(0.1, -10).withUnit("V"),
                ModbusPoint.of("input", INPUT_REGISTER, 3, INT16),
                ModbusPoint.of("coil0", COIL, 0, BOOL),
                ModbusPoint.of("coil1", COIL, 1, BOOL),
                ModbusPoint.of("coil2", COIL, 2, BOOL),
                ModbusPoint.of("discrete1", DISCRETE_INPUT, 1, BOOL))), model, live);
        connection.start();

        await(() -> live.size() == 17);
        assertThat(value("int16")).isEqualTo(Value.of(-1234L));
        assertThat(value("uint16")).isEqualTo(Value.of(60000L));
        assertThat(value("int32-abcd")).isEqualTo(Value.of(-123456789L));
        assertThat(value("int32-cdab")).isEqualTo(Value.of(-123456789L));
        assertThat(value("uint32")).isEqualTo(Value.of(4_000_000_000L));
        for (String s : List.of("float32-abcd", "float32-cdab", "float32-badc", "float32-dcba")) {
            assertThat(value(s)).as(s).isEqualTo(Value.of(123.25));
        }
        assertThat(value("float64")).isEqualTo(Value.of(-9876.54321));
        assertThat(value("float64-swapped")).isEqualTo(Value.of(-9876.54321));
        assertThat(value("scaled").asDouble()).isCloseTo(240.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(value("input")).isEqualTo(Value.of(42L));
        assertThat(value("coil0")).isEqualTo(Value.of(true));
        assertThat(value("coil1")).isEqualTo(Value.of(false));
        assertThat(value("coil2")).isEqualTo(Value.of(true));
        assertThat(value("discrete1")).isEqualTo(Value.of(true));
        // One request per table: holding, input, coil, discrete input.
        assertThat(connection.requestsPerPoll()).isEqualTo(4);
        assertThat(connection.status().state()).isEqualTo(ConnectionState.CONNECTED);
        assertThat(connection.status().lastError()).isNull();
    }

    // An address the device does not have must show its exception by name, while other requests and units keep polling.
    @Test
    void illegalAddressShowsTheExceptionNameAndOtherBlocksKeepPolling() {
        J2modSlave.setHolding(unit1, 0, 11);
        J2modSlave.setHolding(unit2, 0, 7);
        ModbusConfig config = ModbusConfig.builder("meter", "127.0.0.1").port(slave.port()).retries(0)
                .device(new ModbusDevice(1, meter, Duration.ofMillis(50), List.of(
                        ModbusPoint.of("ok", HOLDING_REGISTER, 0, UINT16),
                        ModbusPoint.of("missing", HOLDING_REGISTER, 1000, UINT16))))
                .device(new ModbusDevice(2, pump, Duration.ofMillis(50), List.of(
                        ModbusPoint.of("speed", HOLDING_REGISTER, 0, UINT16))))
                .build();
        connection = new ModbusConnection(config, model, live);
        connection.start();

        await(() -> connection.status().lastError() != null && live.latest(meter + ".ok") != null);
        assertThat(connection.status().lastError())
                .startsWith("Modbus point cannot be read [connection=meter, unit-id=1, signal=missing, table=holding-register,"
                        + " address=1000, type=uint16]: ILLEGAL_DATA_ADDRESS");
        assertThat(connection.status().errors()).isPositive();

        J2modSlave.setHolding(unit1, 0, 12);
        J2modSlave.setHolding(unit2, 0, 8);
        await(() -> Value.of(12L).equals(value("ok")) && Value.of(8L).equals(live.latest(pump + ".speed").value()));
        assertThat(live.latest(meter + ".missing")).isNull();
        assertThat(connection.status().state()).isEqualTo(ConnectionState.CONNECTED);
    }

    // A device that is not there leaves the connection reconnecting with a readable error, and start() does not throw.
    @Test
    void unreachableDeviceIsReportedAndNotThrown() throws Exception {
        int port = slave.port();
        slave.close();
        connection = new ModbusConnection(ModbusConfig.builder("gone", "127.0.0.1").port(port)
                .connectTimeout(Duration.ofMillis(500)).device(new ModbusDevice(1, meter, Duration.ofMillis(100),
                        List.of(ModbusPoint.of("x", HOLDING_REGISTER, 0, UINT16)))).build(), model, live);
        connection.start();

        await(() -> connection.status().lastError() != null);
        assertThat(connection.status().lastError()).startsWith("Modbus connect failed [connection=gone, endpoint=modbus-tcp://127.0.0.1:" + port + "]");
        assertThat(connection.status().state()).isIn(ConnectionState.CONNECTING, ConnectionState.RECONNECTING);
        slave = new J2modSlave(); // so tearDown has something to close
    }

    // Configuration mistakes are reported all at once, in the shape "what [key=value]: why. How to fix."
    @Test
    void invalidConfigurationReportsEveryProblem() {
        assertThatThrownBy(() -> new ModbusPoint("t", COIL, 70000, UINT16, null, null, 0, 0, null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid Modbus point [signal=t, address=70000]")
                .hasMessageContaining("type must be bool for table coil, but was uint16")
                .hasMessageContaining("scale must be finite and non-zero, but was 0.0");
        assertThatThrownBy(() -> ModbusConfig.builder("m", "h").port(0).maxRegistersPerRequest(200).build())
                .hasMessageContaining("port must be in [1, 65535], but was 0")
                .hasMessageContaining("max-registers-per-request must be in [4, 125], but was 200")
                .hasMessageContaining("devices must not be empty");
    }

    private ModbusConfig config(List<ModbusPoint> points) {
        return ModbusConfig.builder("meter", "127.0.0.1").port(slave.port())
                .device(new ModbusDevice(1, meter, Duration.ofMillis(50), points)).build();
    }

    private Value value(String signal) {
        Latest l = live.latest(meter + "." + signal);
        return l == null ? null : l.value();
    }

    /** Big-endian bytes of a value laid out as 16-bit register words in the given orders. */
    private static int[] words(byte[] bigEndian, Endianness wordOrder, Endianness byteOrder) {
        int n = bigEndian.length / 2;
        int[] w = new int[n];
        for (int i = 0; i < n; i++) {
            int src = wordOrder == BIG ? i : n - 1 - i;
            int hi = bigEndian[src * 2] & 0xFF;
            int lo = bigEndian[src * 2 + 1] & 0xFF;
            w[i] = byteOrder == BIG ? (hi << 8) | lo : (lo << 8) | hi;
        }
        return w;
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within 15 s");
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
