package io.lathe.modbus;

import com.digitalpetri.modbus.ExceptionCode;
import com.digitalpetri.modbus.client.ModbusTcpClient;
import com.digitalpetri.modbus.exceptions.ModbusException;
import com.digitalpetri.modbus.exceptions.ModbusResponseException;
import com.digitalpetri.modbus.exceptions.ModbusTimeoutException;
import com.digitalpetri.modbus.pdu.ReadCoilsRequest;
import com.digitalpetri.modbus.pdu.ReadDiscreteInputsRequest;
import com.digitalpetri.modbus.pdu.ReadHoldingRegistersRequest;
import com.digitalpetri.modbus.pdu.ReadInputRegistersRequest;
import com.digitalpetri.modbus.tcp.client.NettyTcpClientTransport;
import io.lathe.ingest.Connection;
import io.lathe.ingest.ConnectionState;
import io.lathe.ingest.ConnectionStats;
import io.lathe.ingest.ConnectionStatus;
import io.lathe.ingest.PointBatch;
import io.lathe.ingest.PointSink;
import io.lathe.ingest.RateLimitedLog;
import io.lathe.modbus.internal.PlannedRead;
import io.lathe.modbus.internal.ReadBlock;
import io.lathe.modbus.internal.ReadPlanner;
import io.lathe.modbus.internal.RegisterDecoder;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls the registers and bits of one Modbus TCP endpoint (one or more units) and writes each value as a point.
 *
 * <p>Each unit is polled at its own fixed rate on one thread per connection (requests on one TCP connection are
 * serial). Adjacent points are read with one request ({@link ReadPlanner}). A timeout or transport error is retried
 * {@code retries} times; an exception response (for example {@code ILLEGAL_DATA_ADDRESS}) is not retried, is counted
 * and shown by name in {@link ConnectionStatus#lastError()}, marks that request's signals stale, and leaves every other
 * request and unit polling. The connection reconnects by itself when the device goes away.
 *
 * <p>When a merged request is refused with an exception that may concern only some of its addresses (illegal data
 * address, illegal data value, server device failure), it is split in halves, recursively and within the same poll,
 * down to single points: only the points the device refuses go stale, each named (signal, table, address, unit id) in
 * the error. The split is kept for later polls ({@link PlannedRead}); a refused point is asked again every
 * {@value #RETRY_SECONDS} s, and once it answers and no other point of the request is refused, the request is merged
 * again.
 *
 * <p>Signals are created in the plant model by the constructor, under each device's machine, with the source
 * {@code modbus:<connection>/<unit-id>/<table>/<address>}. Thread-safe.
 */
public final class ModbusConnection implements Connection {
    private static final Logger LOG = LoggerFactory.getLogger(ModbusConnection.class);
    private static final long RETRY_SECONDS = 60;
    /**
     * How often a point the device refused is asked again: once a minute costs one request, and a point that the
     * device's new program maps shows up within a minute.
     */
    private static final Duration RETRY_REFUSED_POINT = Duration.ofSeconds(RETRY_SECONDS);

    private final ModbusConfig config;
    private final PointSink sink;
    private final InstantSource clock;
    private final ConnectionStats stats;
    private final RateLimitedLog warnings = new RateLimitedLog(LOG, 60_000);
    private final List<DevicePlan> plans = new ArrayList<>();
    /** The points and stale marks of one poll, handed over at once; used by the single polling thread only. */
    private final PointBatch batch = new PointBatch(64);
    private volatile ScheduledExecutorService executor;
    private volatile ModbusTcpClient client;
    private volatile boolean closed;

    public ModbusConnection(ModbusConfig config, PlantModel model, PointSink sink) {
        this(config, model, sink, InstantSource.system());
    }

    /**
     * Creates the signals; connects nothing until {@link #start()}.
     *
     * @throws IllegalArgumentException when a device's machine is not in the model
     */
    public ModbusConnection(ModbusConfig config, PlantModel model, PointSink sink, InstantSource clock) {
        this.config = config;
        this.sink = sink;
        this.clock = clock;
        this.stats = new ConnectionStats(config.name(), "modbus-tcp", config.endpoint(), clock);
        for (ModbusDevice d : config.devices()) {
            if (!model.contains(d.machineId())) {
                throw new IllegalArgumentException("Modbus device refers to an unknown machine [connection=" + config.name()
                        + ", unit-id=" + d.unitId() + ", machine=" + d.machineId() + "]: no such asset. Declare the machine"
                        + " in the plant tree or fix the device's machine.");
            }
            List<ReadBlock> blocks = ReadPlanner.plan(d.points(), config.maxGapRegisters(),
                    config.maxRegistersPerRequest(), config.maxBitsPerRequest());
            List<PlannedRead> reads = new ArrayList<>(blocks.size());
            for (ReadBlock block : blocks) {
                List<ModbusPoint> ps = block.points();
                Signal[] signals = new Signal[ps.size()];
                for (int i = 0; i < ps.size(); i++) {
                    ModbusPoint p = ps.get(i);
                    signals[i] = model.addSignal(d.machineId(), p.signal(), p.dataType(), p.unit(), p.description(),
                            "modbus:" + config.name() + "/" + d.unitId() + "/" + p.table().label() + "/" + p.address());
                }
                reads.add(new PlannedRead(block, signals));
            }
            plans.add(new DevicePlan(d, reads));
        }
    }

    @Override
    public String name() {
        return config.name();
    }

    public ModbusConfig config() {
        return config;
    }

    /**
     * Number of read requests one poll of all units sends: after batching, and after splitting requests the device
     * refused (a refused point counts as one, though it is only retried every {@value #RETRY_SECONDS} s).
     */
    public int requestsPerPoll() {
        int n = 0;
        for (DevicePlan p : plans) {
            for (PlannedRead r : p.reads) n += r.requests();
        }
        return n;
    }

    @Override
    public synchronized void start() {
        if (executor != null || closed) return;
        NettyTcpClientTransport transport = NettyTcpClientTransport.create(b -> b
                .setHostname(config.host())
                .setPort(config.port())
                .setConnectTimeout(config.connectTimeout())
                .setConnectPersistent(true));
        client = ModbusTcpClient.create(transport, b -> b.setRequestTimeout(config.requestTimeout()));
        executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "modbus-" + config.name());
            t.setDaemon(true);
            return t;
        });
        stats.state(ConnectionState.CONNECTING);
        for (DevicePlan p : plans) {
            long period = p.device.pollInterval().toNanos();
            executor.scheduleAtFixedRate(() -> pollSafely(p), 0, period, TimeUnit.NANOSECONDS);
        }
        LOG.info("Modbus connection started [connection={}, endpoint={}, units={}, requests-per-poll={}]",
                config.name(), config.endpoint(), plans.size(), requestsPerPoll());
    }

    @Override
    public ConnectionStatus status() {
        return stats.snapshot();
    }

    @Override
    public synchronized void close() {
        closed = true;
        ScheduledExecutorService e = executor;
        if (e != null) {
            e.shutdownNow();
            try {
                e.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
            }
        }
        ModbusTcpClient c = client;
        if (c != null) {
            try {
                c.disconnect();
            } catch (ModbusException | RuntimeException ex) {
                LOG.debug("Modbus disconnect failed [connection={}]: {}", config.name(), ex.toString());
            }
        }
        stats.state(ConnectionState.STOPPED);
    }

    private void pollSafely(DevicePlan plan) {
        try {
            poll(plan);
        } catch (RuntimeException e) {
            // Never let an unexpected failure cancel the schedule: the next poll tries again.
            String msg = "Modbus poll failed [connection=" + config.name() + ", unit-id=" + plan.device.unitId() + "]: "
                    + e + ". This is a bug in Lathe; please report it with this message.";
            stats.error(msg);
            warnings.warn("bug/" + plan.device.unitId(), msg);
        } finally {
            handOver(plan);
        }
    }

    /** One hand-off per poll: the ingest queue takes its lock once for all points of the unit. */
    private void handOver(DevicePlan plan) {
        try {
            if (!batch.isEmpty()) sink.accept(batch);
        } catch (RuntimeException e) {
            String msg = "Modbus points not handed over [connection=" + config.name() + ", unit-id=" + plan.device.unitId()
                    + ", points=" + batch.size() + "]: " + e + ". This is a bug in Lathe; please report it with this message.";
            stats.error(msg);
            warnings.warn("sink/" + plan.device.unitId(), msg);
        } finally {
            batch.clear();
        }
    }

    private void poll(DevicePlan plan) {
        if (closed) return;
        ModbusTcpClient c = client;
        if (!c.isConnected()) {
            try {
                c.connect();
            } catch (ModbusException e) {
                String msg = "Modbus connect failed [connection=" + config.name() + ", endpoint=" + config.endpoint()
                        + "]: " + cause(e) + ". Check that the device is on and reachable on that port.";
                stats.error(msg);
                stats.state(stats.state() == ConnectionState.CONNECTING ? ConnectionState.CONNECTING : ConnectionState.RECONNECTING);
                warnings.warn("connect", msg);
                for (PlannedRead r : plan.reads) markStale(r);
                return;
            }
        }
        Instant now = clock.instant();
        long micros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
        for (PlannedRead r : plan.reads) {
            if (closed) break;
            poll(c, plan, r, micros, now.toEpochMilli());
        }
    }

    /**
     * Reads one entry of the plan, or its parts when it was split.
     *
     * @return true when a point the device refused before was read this time
     */
    private boolean poll(ModbusTcpClient c, DevicePlan plan, PlannedRead r, long micros, long nowMillis) {
        PlannedRead[] parts = r.parts();
        if (parts != null) {
            boolean recovered = false;
            for (PlannedRead p : parts) recovered |= poll(c, plan, p, micros, nowMillis);
            // Every point answers again (the device's map changed): back to one request, as planned.
            if (recovered && !r.anyBad()) r.merge();
            return recovered;
        }
        if (r.bad && nowMillis < r.nextRetryMillis) return false;
        ReadBlock block = r.block;
        byte[] data;
        try {
            data = read(c, plan.device.unitId(), block);
        } catch (ModbusResponseException e) {
            stats.state(ConnectionState.CONNECTED);
            if (aboutAddresses(e.getExceptionCode())) {
                if (!r.single()) {
                    // One refused address must not blank the points that can be read: narrow down in this poll already.
                    LOG.info("Modbus request refused {}: {}; reading its points in smaller requests to find the ones the"
                            + " device refuses", where(plan, block), exceptionName(e));
                    boolean recovered = false;
                    for (PlannedRead p : r.split()) recovered |= poll(c, plan, p, micros, nowMillis);
                    return recovered;
                }
                r.bad = true;
                r.nextRetryMillis = nowMillis + RETRY_REFUSED_POINT.toMillis();
                String msg = "Modbus point cannot be read " + point(plan, r) + ": " + exceptionName(e) + ". "
                        + pointHint(e.getExceptionCode()) + " The other points are read without it; it is tried again every "
                        + RETRY_REFUSED_POINT.toSeconds() + " s.";
                stats.error(msg);
                warnings.warn(plan.device.unitId() + "/" + block.table() + "/" + block.start() + "/point", msg);
                markStale(r);
                return false;
            }
            String msg = "Modbus read failed " + where(plan, block) + ": " + exceptionName(e) + ". " + hint(e.getExceptionCode());
            stats.error(msg);
            warnings.warn(plan.device.unitId() + "/" + block.table() + "/" + block.start(), msg);
            markStale(r);
            return false;
        } catch (ModbusException e) {
            String msg = "Modbus read failed " + where(plan, block) + ": " + cause(e) + " after "
                    + (config.retries() + 1) + " attempts. Check the network and the device, or raise request-timeout.";
            stats.error(msg);
            stats.state(ConnectionState.RECONNECTING);
            warnings.warn(plan.device.unitId() + "/" + block.table() + "/" + block.start(), msg);
            markStale(r);
            return false;
        }
        int expectedBytes = block.table().bits() ? (block.quantity() + 7) / 8 : block.quantity() * 2;
        if (data.length < expectedBytes) {
            String msg = "Modbus response too short " + where(plan, block) + ": " + data.length + " bytes, expected "
                    + expectedBytes + ". The device does not follow the protocol; lower max-registers-per-request.";
            stats.error(msg);
            warnings.warn(plan.device.unitId() + "/" + block.table() + "/" + block.start(), msg);
            markStale(r);
            return false;
        }
        stats.message();
        stats.state(ConnectionState.CONNECTED);
        boolean recovered = r.bad;
        if (recovered) {
            LOG.info("Modbus point answers again {}", point(plan, r));
            r.bad = false;
        }
        r.stale = false;
        List<ModbusPoint> points = block.points();
        Signal[] signals = r.signals;
        for (int i = 0; i < points.size(); i++) {
            ModbusPoint p = points.get(i);
            int index = p.address() - block.start();
            Value v = block.table().bits() ? RegisterDecoder.decodeBit(data, index)
                    : RegisterDecoder.decodeRegisters(data, index, p);
            batch.add(signals[i], micros, v, Quality.GOOD, false);
        }
        return recovered;
    }

    private byte[] read(ModbusTcpClient c, int unit, ReadBlock block) throws ModbusException {
        ModbusException last = null;
        for (int attempt = 0; attempt <= config.retries(); attempt++) {
            try {
                return switch (block.table()) {
                    case COIL -> c.readCoils(unit, new ReadCoilsRequest(block.start(), block.quantity())).coils();
                    case DISCRETE_INPUT -> c.readDiscreteInputs(unit,
                            new ReadDiscreteInputsRequest(block.start(), block.quantity())).inputs();
                    case HOLDING_REGISTER -> c.readHoldingRegisters(unit,
                            new ReadHoldingRegistersRequest(block.start(), block.quantity())).registers();
                    case INPUT_REGISTER -> c.readInputRegisters(unit,
                            new ReadInputRegistersRequest(block.start(), block.quantity())).registers();
                };
            } catch (ModbusResponseException e) {
                throw e;
            } catch (ModbusException e) {
                last = e;
                if (closed) break;
            }
        }
        throw last;
    }

    private void markStale(PlannedRead r) {
        PlannedRead[] parts = r.parts();
        if (parts != null) {
            for (PlannedRead p : parts) markStale(p);
            return;
        }
        if (r.stale) return;
        r.stale = true;
        long micros = clock.millis() * 1000;
        for (Signal s : r.signals) batch.stale(s, micros);
    }

    /**
     * Exceptions that may concern only some addresses of a request, so that smaller requests can succeed: illegal data
     * address, illegal data value (some devices refuse a quantity that spans a hole with it) and server device failure
     * (some devices answer an unreadable register with it). Not illegal function (the whole table), busy or gateway
     * exceptions (the whole unit, for now).
     */
    private static boolean aboutAddresses(int exceptionCode) {
        return exceptionCode == 2 || exceptionCode == 3 || exceptionCode == 4;
    }

    private static String exceptionName(ModbusResponseException e) {
        return ExceptionCode.from(e.getExceptionCode()).map(Enum::name).orElse("UNKNOWN_EXCEPTION")
                + " (exception code " + e.getExceptionCode() + ")";
    }

    /** The refused point of a single-point request, by the names the configuration uses. */
    private String point(DevicePlan plan, PlannedRead r) {
        ModbusPoint p = r.block.points().get(0);
        int last = p.address() + p.width() - 1;
        return "[connection=" + config.name() + ", unit-id=" + plan.device.unitId() + ", signal=" + p.signal()
                + (r.block.points().size() > 1 ? " (and " + (r.block.points().size() - 1) + " more at that address)" : "")
                + ", table=" + p.table().label() + ", address=" + p.address() + ", type=" + p.type().label()
                + (p.width() > 1 ? ", registers=" + p.address() + "-" + last : "") + "]";
    }

    private String where(DevicePlan plan, ReadBlock block) {
        return "[connection=" + config.name() + ", unit-id=" + plan.device.unitId() + ", table=" + block.table().label()
                + ", address=" + block.start() + ", quantity=" + block.quantity() + "]";
    }

    private static String cause(ModbusException e) {
        if (e instanceof ModbusTimeoutException) return "no response within the request timeout";
        Throwable t = e.getCause() != null ? e.getCause() : e;
        return t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
    }

    private static String hint(int exceptionCode) {
        return switch (exceptionCode) {
            case 1 -> "The device does not support this function; check the table of the points.";
            case 2 -> "The device has no such address; check the points' addresses against its register map.";
            case 3 -> "The device refused the quantity; lower max-registers-per-request or max-gap-registers.";
            case 6 -> "The device is busy; it will be asked again at the next poll.";
            case 10, 11 -> "The gateway cannot reach the unit; check unit-id and the serial side of the gateway.";
            default -> "See the device's manual for this exception code.";
        };
    }

    private static String pointHint(int exceptionCode) {
        return switch (exceptionCode) {
            case 2 -> "The device has no such address; check the point's address and type against its register map.";
            case 3 -> "The device refuses to read it; check the point's address and type against its register map.";
            default -> "The device fails to read it; check the point against its register map and the device's diagnostics.";
        };
    }

    private record DevicePlan(ModbusDevice device, List<PlannedRead> reads) {}
}
