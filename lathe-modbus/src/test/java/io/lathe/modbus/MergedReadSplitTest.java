package io.lathe.modbus;

import static io.lathe.modbus.ModbusDataType.INT32;
import static io.lathe.modbus.ModbusDataType.UINT16;
import static io.lathe.modbus.ModbusDataType.UINT32;
import static io.lathe.modbus.ModbusTable.HOLDING_REGISTER;
import static org.assertj.core.api.Assertions.assertThat;

import com.digitalpetri.modbus.ExceptionCode;
import com.digitalpetri.modbus.FunctionCode;
import com.digitalpetri.modbus.exceptions.ModbusResponseException;
import com.digitalpetri.modbus.server.ModbusRequestContext;
import com.digitalpetri.modbus.server.ModbusServices;
import com.digitalpetri.modbus.server.ModbusTcpServer;
import com.digitalpetri.modbus.pdu.ReadHoldingRegistersRequest;
import com.digitalpetri.modbus.pdu.ReadHoldingRegistersResponse;
import com.digitalpetri.modbus.tcp.server.NettyTcpServerTransport;
import io.lathe.ingest.ConnectionState;
import io.lathe.ingest.Latest;
import io.lathe.ingest.LiveState;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Value;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A device whose register map has a hole: one missing register inside a request that Lathe merges from several points
 * must cost only the point that covers it (Modbus Application Protocol, section 7, exception code 2). The device is
 * digitalpetri's own Modbus TCP server, in process, answering like a PLC with an unmapped register.
 */
class MergedReadSplitTest {

    private static final int MISSING = 20;
    private static final int UNIT = 1;

    private final Set<Integer> missing = ConcurrentHashMap.newKeySet();
    /** Every holding-register request the device answered or refused, as {address, quantity}. */
    private final List<int[]> requests = new CopyOnWriteArrayList<>();
    private final LiveState live = new LiveState();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-02T06:00:00Z").toEpochMilli());
    private ModbusTcpServer server;
    private int port;
    private PlantModel model;
    private String meter;
    private ModbusConnection connection;

    @BeforeEach
    void startDevice() throws Exception {
        missing.add(MISSING);
        port = freePort();
        var transport = NettyTcpServerTransport.create(c -> {
            c.setBindAddress("127.0.0.1");
            c.setPort(port);
        });
        server = ModbusTcpServer.create(transport, new ModbusServices() {
            @Override
            public ReadHoldingRegistersResponse readHoldingRegisters(ModbusRequestContext context, int unitId,
                                                                     ReadHoldingRegistersRequest request) throws ModbusResponseException {
                requests.add(new int[] {request.address(), request.quantity()});
                byte[] registers = new byte[request.quantity() * 2];
                for (int i = 0; i < request.quantity(); i++) {
                    int address = request.address() + i;
                    if (address >= 30 || missing.contains(address)) {
                        throw new ModbusResponseException(FunctionCode.READ_HOLDING_REGISTERS, ExceptionCode.ILLEGAL_DATA_ADDRESS);
                    }
                    int value = 1000 + address;
                    registers[i * 2] = (byte) (value >> 8);
                    registers[i * 2 + 1] = (byte) value;
                }
                return new ReadHoldingRegistersResponse(registers);
            }
        });
        server.start();
        model = new PlantModel("Acme");
        String line = model.addChild(model.addChild(model.addChild(model.rootId(), "Plant", "", ""), "Area", "", ""), "Line", "", "");
        meter = model.addChild(line, "Meter", "", "");
    }

    @AfterEach
    void stopAll() throws Exception {
        if (connection != null) connection.close();
        if (server != null) server.stop();
    }

    // One missing register inside a merged request: every other point is read, only the point over the hole is stale,
    // named with its signal, table, address and unit id; the split is remembered, and the bad point retried now and then.
    @Test
    void missingRegisterInAMergedRequestCostsOnlyThePointOverIt() {
        connection = new ModbusConnection(ModbusConfig.builder("plc", "127.0.0.1").port(port).retries(0)
                .device(new ModbusDevice(UNIT, meter, Duration.ofMillis(20), List.of(
                        ModbusPoint.of("HR10", HOLDING_REGISTER, 10, UINT16),
                        ModbusPoint.of("HR15", HOLDING_REGISTER, 15, UINT16),
                        ModbusPoint.of("HR19", HOLDING_REGISTER, 19, UINT32),
                        ModbusPoint.of("HR21", HOLDING_REGISTER, 21, UINT16),
                        ModbusPoint.of("HR25", HOLDING_REGISTER, 25, INT32))))
                .build(), model, live, clock);
        assertThat(connection.requestsPerPoll()).as("one merged request before the device is asked").isEqualTo(1);
        connection.start();

        await(() -> value("HR10") != null && value("HR15") != null && value("HR21") != null && value("HR25") != null);
        assertThat(value("HR10")).isEqualTo(Value.of(1010L));
        assertThat(value("HR15")).isEqualTo(Value.of(1015L));
        assertThat(value("HR21")).isEqualTo(Value.of(1021L));
        assertThat(value("HR25")).isEqualTo(Value.of((1025L << 16) | 1026L));
        assertThat(live.latest(meter + ".hr19")).isNull();
        assertThat(connection.status().lastError()).isEqualTo("Modbus point cannot be read [connection=plc, unit-id=1,"
                + " signal=HR19, table=holding-register, address=19, type=uint32, registers=19-20]: ILLEGAL_DATA_ADDRESS"
                + " (exception code 2). The device has no such address; check the point's address and type against its"
                + " register map. The other points are read without it; it is tried again every 60 s.");
        assertThat(connection.status().state()).isEqualTo(ConnectionState.CONNECTED);
        assertThat(connection.requestsPerPoll()).as("requests per poll once the split is known").isGreaterThan(1);

        // Later polls read the parts that work and leave the bad point alone until its retry is due.
        long hits = touching(MISSING);
        int seen = requests.size();
        await(() -> requests.size() >= seen + 30);
        assertThat(touching(MISSING)).as("requests over the missing register without a retry due").isEqualTo(hits);
        clock.advance(Duration.ofSeconds(61));
        await(() -> touching(MISSING) == hits + 1);
        int after = requests.size();
        await(() -> requests.size() >= after + 30);
        assertThat(touching(MISSING)).as("one retry per interval").isEqualTo(hits + 1);
        assertThat(connection.status().state()).isEqualTo(ConnectionState.CONNECTED);

        // The device gets the register: at the next retry the point is read and the request is merged again.
        missing.clear();
        clock.advance(Duration.ofSeconds(61));
        await(() -> value("HR19") != null);
        assertThat(value("HR19")).isEqualTo(Value.of((1019L << 16) | 1020L));
        await(() -> connection.requestsPerPoll() == 1);
        int merged = requests.size();
        await(() -> requests.size() >= merged + 5);
        assertThat(List.copyOf(requests).subList(merged, merged + 5)).allSatisfy(r -> assertThat(r).containsExactly(10, 17));
        assertThat(live.latest(meter + ".hr10").quality()).isEqualTo(Quality.GOOD);
    }

    private long touching(int address) {
        return requests.stream().filter(r -> r[0] <= address && address < r[0] + r[1]).count();
    }

    private Value value(String signal) {
        Latest l = live.latest(meter + "." + signal.toLowerCase());
        return l == null ? null : l.value();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("condition not met within 20 s");
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** The connection's clock: real time plus what the test adds, so retries come due without waiting a minute. */
    static final class MutableClock implements InstantSource {
        private final AtomicLong offsetMillis = new AtomicLong();
        private final long startMillis;
        private final long startNanos = System.nanoTime();

        MutableClock(long startMillis) {
            this.startMillis = startMillis;
        }

        void advance(Duration d) {
            offsetMillis.addAndGet(d.toMillis());
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(startMillis + (System.nanoTime() - startNanos) / 1_000_000 + offsetMillis.get());
        }
    }
}
