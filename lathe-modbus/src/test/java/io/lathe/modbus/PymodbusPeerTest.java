package io.lathe.modbus;

import static io.lathe.modbus.Endianness.BIG;
import static io.lathe.modbus.Endianness.LITTLE;
import static io.lathe.modbus.ModbusDataType.BOOL;
import static io.lathe.modbus.ModbusDataType.FLOAT32;
import static io.lathe.modbus.ModbusDataType.FLOAT64;
import static io.lathe.modbus.ModbusDataType.INT16;
import static io.lathe.modbus.ModbusDataType.INT32;
import static io.lathe.modbus.ModbusDataType.INT64;
import static io.lathe.modbus.ModbusDataType.UINT16;
import static io.lathe.modbus.ModbusDataType.UINT32;
import static io.lathe.modbus.ModbusTable.COIL;
import static io.lathe.modbus.ModbusTable.DISCRETE_INPUT;
import static io.lathe.modbus.ModbusTable.HOLDING_REGISTER;
import static io.lathe.modbus.ModbusTable.INPUT_REGISTER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.lathe.ingest.ConnectionState;
import io.lathe.ingest.PointSink;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link ModbusConnection} against a second, independent Modbus implementation: the pymodbus TCP server of the
 * Debian package {@code python3-pymodbus}, started from {@code src/test/resources/pymodbus_server.py} with fixed values
 * that Python's {@code struct} module encodes. Skips, with the reason, where {@code /usr/bin/python3} or pymodbus is
 * missing.
 */
class PymodbusPeerTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

    private Process server;
    private final List<String> serverOutput = new CopyOnWriteArrayList<>();
    private int port;
    private PlantModel model;
    private String meter;
    private final RecordingSink sink = new RecordingSink();
    private ModbusConnection connection;

    @BeforeEach
    void startPymodbusServer() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON),
                "pymodbus peer test skipped: " + PYTHON + " is not installed. Install python3-pymodbus to run it.");
        assumeTrue(pymodbusImports(), "pymodbus peer test skipped: " + PYTHON + " cannot import pymodbus."
                + " Install the Debian package python3-pymodbus to run it.");
        URL script = PymodbusPeerTest.class.getResource("/pymodbus_server.py");
        assertThat(script).as("test resource pymodbus_server.py").isNotNull();

        port = freePort();
        server = new ProcessBuilder(PYTHON.toString(), Path.of(script.toURI()).toString(), Integer.toString(port))
                .redirectErrorStream(true)
                .start();
        CountDownLatch ready = new CountDownLatch(1);
        Thread.ofVirtual().name("pymodbus-output").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    serverOutput.add(line);
                    if (line.equals("READY")) ready.countDown();
                }
            } catch (IOException e) {
                serverOutput.add("(output stream closed: " + e + ")");
            }
        });
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (!ready.await(100, TimeUnit.MILLISECONDS)) {
            if (!server.isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("pymodbus server did not print READY [port=" + port + ", alive=" + server.isAlive()
                        + "]; its output: " + String.join("\n", serverOutput));
            }
        }

        model = new PlantModel("Acme");
        String line = model.addChild(model.addChild(model.addChild(model.rootId(), "Plant", "", ""), "Area", "", ""), "Line", "", "");
        meter = model.addChild(line, "Meter", "", "");
    }

    @AfterEach
    void stopEverything() throws Exception {
        if (connection != null) connection.close();
        if (server != null) {
            server.getOutputStream().close(); // the script exits when its stdin closes
            if (!server.waitFor(5, TimeUnit.SECONDS)) {
                server.destroy();
                if (!server.waitFor(5, TimeUnit.SECONDS)) server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    // The register map of an independent implementation decodes to the values it was given: every type, both word
    // orders, byte-swapped registers, input registers, coils and discrete inputs (Modbus Application Protocol 6.1-6.4).
    @Test
    void decodesEveryValueServedByPymodbus() {
        connection = new ModbusConnection(config(List.of(
                ModbusPoint.of("int16", HOLDING_REGISTER, 0, INT16),
                ModbusPoint.of("uint16", HOLDING_REGISTER, 1, UINT16),
                ModbusPoint.of("int32-abcd", HOLDING_REGISTER, 2, INT32),
                ModbusPoint.of("int32-cdab", HOLDING_REGISTER, 4, INT32).withOrder(LITTLE, BIG),
                ModbusPoint.of("uint32", HOLDING_REGISTER, 6, UINT32),
                ModbusPoint.of("float32-abcd", HOLDING_REGISTER, 8, FLOAT32),
                ModbusPoint.of("float32-cdab", HOLDING_REGISTER, 10, FLOAT32).withOrder(LITTLE, BIG),
                ModbusPoint.of("float32-badc", HOLDING_REGISTER, 12, FLOAT32).withOrder(BIG, LITTLE),
                ModbusPoint.of("float64", HOLDING_REGISTER, 14, FLOAT64),
                ModbusPoint.of("float64-swapped", HOLDING_REGISTER, 18, FLOAT64).withOrder(LITTLE, BIG),
                ModbusPoint.of("int64", HOLDING_REGISTER, 22, INT64),
                ModbusPoint.of("input-int16", INPUT_REGISTER, 0, INT16),
                ModbusPoint.of("input-uint16", INPUT_REGISTER, 1, UINT16),
                ModbusPoint.of("input-float32", INPUT_REGISTER, 2, FLOAT32),
                ModbusPoint.of("coil0", COIL, 0, BOOL),
                ModbusPoint.of("coil1", COIL, 1, BOOL),
                ModbusPoint.of("coil2", COIL, 2, BOOL),
                ModbusPoint.of("coil3", COIL, 3, BOOL),
                ModbusPoint.of("discrete0", DISCRETE_INPUT, 0, BOOL),
                ModbusPoint.of("discrete1", DISCRETE_INPUT, 1, BOOL),
                ModbusPoint.of("discrete2", DISCRETE_INPUT, 2, BOOL),
                ModbusPoint.of("discrete3", DISCRETE_INPUT, 3, BOOL))), model, sink);
        connection.start();

        await(() -> sink.latest.size() == 22);
        assertThat(sink.latest.get("int16")).isEqualTo(Value.of(-1234L));
        assertThat(sink.latest.get("uint16")).isEqualTo(Value.of(60000L));
        assertThat(sink.latest.get("int32-abcd")).isEqualTo(Value.of(-123456789L));
        assertThat(sink.latest.get("int32-cdab")).isEqualTo(Value.of(-123456789L));
        assertThat(sink.latest.get("uint32")).isEqualTo(Value.of(4_000_000_000L));
        assertThat(sink.latest.get("float32-abcd")).isEqualTo(Value.of(123.25));
        assertThat(sink.latest.get("float32-cdab")).isEqualTo(Value.of((double) 0.1f));
        assertThat(sink.latest.get("float32-badc")).isEqualTo(Value.of(-7.5));
        assertThat(sink.latest.get("float64")).isEqualTo(Value.of(-9876.54321));
        assertThat(sink.latest.get("float64-swapped")).isEqualTo(Value.of(-9876.54321));
        assertThat(sink.latest.get("int64")).isEqualTo(Value.of(-1_234_567_890_123L));
        assertThat(sink.latest.get("input-int16")).isEqualTo(Value.of(-7L));
        assertThat(sink.latest.get("input-uint16")).isEqualTo(Value.of(42L));
        assertThat(sink.latest.get("input-float32")).isEqualTo(Value.of(21.5));
        assertThat(List.of("coil0", "coil1", "coil2", "coil3").stream().map(sink.latest::get))
                .containsExactly(Value.of(true), Value.of(false), Value.of(true), Value.of(false));
        assertThat(List.of("discrete0", "discrete1", "discrete2", "discrete3").stream().map(sink.latest::get))
                .containsExactly(Value.of(false), Value.of(true), Value.of(true), Value.of(false));
        assertThat(sink.qualities).containsOnly(Quality.GOOD);
        assertThat(sink.stale).isEmpty();
        assertThat(connection.requestsPerPoll()).isEqualTo(4);
        assertThat(connection.status().state()).isEqualTo(ConnectionState.CONNECTED);
        assertThat(connection.status().lastError()).isNull();
    }

    // pymodbus answers a read outside its blocks with exception 2; Lathe must show it by name, mark only that
    // request's signal stale and keep reading the rest (Modbus Application Protocol section 7, exception codes).
    @Test
    void illegalAddressAtPymodbusShowsTheExceptionName() {
        connection = new ModbusConnection(ModbusConfig.builder("meter", "127.0.0.1").port(port).retries(0)
                .device(new ModbusDevice(1, meter, Duration.ofMillis(50), List.of(
                        ModbusPoint.of("ok", HOLDING_REGISTER, 0, INT16),
                        ModbusPoint.of("missing", HOLDING_REGISTER, 1000, UINT16))))
                .build(), model, sink);
        connection.start();

        await(() -> connection.status().lastError() != null && sink.latest.containsKey("ok") && sink.stale.contains("missing"));
        assertThat(connection.status().lastError()).startsWith("Modbus point cannot be read [connection=meter, unit-id=1,"
                + " signal=missing, table=holding-register, address=1000, type=uint16]: ILLEGAL_DATA_ADDRESS (exception code 2).");
        assertThat(connection.status().errors()).isPositive();
        assertThat(sink.latest.get("ok")).isEqualTo(Value.of(-1234L));
        assertThat(sink.latest).doesNotContainKey("missing");
        assertThat(sink.stale).containsExactly("missing");
        assertThat(connection.status().state()).isEqualTo(ConnectionState.CONNECTED);
    }

    // The case of issue 9: pymodbus's unit 2 has no register 20, and HR19 read as uint32 spans it. Only that point may
    // go stale, named in the error; the other points of the merged request keep their values (Modbus Application
    // Protocol section 7, exception code 2).
    @Test
    void missingRegisterAtPymodbusCostsOnlyThePointOverIt() {
        connection = new ModbusConnection(ModbusConfig.builder("meter", "127.0.0.1").port(port).retries(0)
                .device(new ModbusDevice(2, meter, Duration.ofMillis(50), List.of(
                        ModbusPoint.of("HR10", HOLDING_REGISTER, 10, UINT16),
                        ModbusPoint.of("HR19", HOLDING_REGISTER, 19, UINT32),
                        ModbusPoint.of("HR21", HOLDING_REGISTER, 21, UINT16),
                        ModbusPoint.of("HR25", HOLDING_REGISTER, 25, INT32))))
                .build(), model, sink);
        connection.start();

        await(() -> sink.latest.keySet().containsAll(List.of("HR10", "HR21", "HR25")) && sink.stale.contains("HR19"));
        assertThat(sink.latest.get("HR10")).isEqualTo(Value.of(4321L));
        assertThat(sink.latest.get("HR21")).isEqualTo(Value.of(777L));
        assertThat(sink.latest.get("HR25")).isEqualTo(Value.of(-5L));
        assertThat(sink.latest).doesNotContainKey("HR19");
        assertThat(sink.stale).containsExactly("HR19");
        assertThat(connection.status().lastError()).isEqualTo("Modbus point cannot be read [connection=meter, unit-id=2,"
                + " signal=HR19, table=holding-register, address=19, type=uint32, registers=19-20]: ILLEGAL_DATA_ADDRESS"
                + " (exception code 2). The device has no such address; check the point's address and type against its"
                + " register map. The other points are read without it; it is tried again every 60 s.");
        assertThat(connection.status().state()).isEqualTo(ConnectionState.CONNECTED);
    }

    private ModbusConfig config(List<ModbusPoint> points) {
        return ModbusConfig.builder("meter", "127.0.0.1").port(port)
                .device(new ModbusDevice(1, meter, Duration.ofMillis(50), points)).build();
    }

    /** Records what the connection writes, by signal name. */
    private static final class RecordingSink implements PointSink {
        final Map<String, Value> latest = new ConcurrentHashMap<>();
        final Set<Quality> qualities = ConcurrentHashMap.newKeySet();
        final Set<String> stale = ConcurrentHashMap.newKeySet();

        @Override
        public void accept(Signal signal, long timestampMicros, Value value, Quality quality, boolean historical) {
            latest.put(signal.name(), value);
            qualities.add(quality);
        }

        @Override
        public void markStale(Signal signal, long timestampMicros) {
            stale.add(signal.name());
        }
    }

    private static boolean pymodbusImports() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import pymodbus")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return false;
        }
        return p.exitValue() == 0;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
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
