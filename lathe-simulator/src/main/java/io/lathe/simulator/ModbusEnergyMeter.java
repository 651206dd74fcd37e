package io.lathe.simulator;

import com.digitalpetri.modbus.server.ModbusTcpServer;
import com.digitalpetri.modbus.server.ProcessImage;
import com.digitalpetri.modbus.server.ReadWriteModbusServices;
import com.digitalpetri.modbus.tcp.server.NettyTcpServerTransport;
import io.lathe.simulator.internal.FreePort;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A three-phase energy meter served over Modbus TCP (digitalpetri Modbus server), unit id {@link #UNIT_ID}. Input
 * registers, zero-based addresses, big-endian words and bytes:
 * <table>
 *   <tr><th>address</th><th>type</th><th>value</th></tr>
 *   <tr><td>0</td><td>float32</td><td>active power, kW</td></tr>
 *   <tr><td>2</td><td>float32</td><td>line-to-line voltage, V</td></tr>
 *   <tr><td>4</td><td>float32</td><td>phase current, A</td></tr>
 *   <tr><td>6</td><td>float64</td><td>active energy imported, kWh</td></tr>
 *   <tr><td>10</td><td>uint32</td><td>active energy imported, Wh (wraps at 2^32)</td></tr>
 * </table>
 * The power is read from a supplier (in the demo, the virtual factory's total) once per real second; the energy is
 * integrated over simulated time ({@code speed} times real time). The voltage follows a deterministic slow wave.
 * Lifecycle: {@link #start} binds and starts updating, {@link #close()} stops. Thread-safe.
 */
public final class ModbusEnergyMeter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModbusEnergyMeter.class);
    public static final int UNIT_ID = 1;
    public static final int POWER = 0, VOLTAGE = 2, CURRENT = 4, ENERGY_KWH = 6, ENERGY_WH = 10;
    private static final double POWER_FACTOR = 0.92;

    private final String host;
    private final int port;
    private final DoubleSupplier powerKw;
    private final InstantSource clock;
    private final double speed;
    private final ProcessImage image = new ProcessImage();
    private final ModbusTcpServer server;
    private final ScheduledExecutorService ticker;
    private Instant last;
    private double energyKwh;
    private long simSeconds;

    private ModbusEnergyMeter(String host, int port, DoubleSupplier powerKw, double speed, InstantSource clock) throws Exception {
        this.host = host;
        this.port = port;
        this.powerKw = powerKw;
        this.speed = speed;
        this.clock = clock;
        this.last = clock.instant();
        update();
        var transport = NettyTcpServerTransport.create(c -> {
            c.setBindAddress(host);
            c.setPort(port);
        });
        server = ModbusTcpServer.create(transport, new ReadWriteModbusServices() {
            @Override
            protected Optional<ProcessImage> getProcessImage(int unitId) {
                return unitId == UNIT_ID ? Optional.of(image) : Optional.empty();
            }
        });
        server.start();
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lathe-modbus-meter");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(this::safeUpdate, 1, 1, TimeUnit.SECONDS);
    }

    /**
     * Starts the server.
     *
     * @param host    address to bind, for example {@code 127.0.0.1}
     * @param port    TCP port; 0 picks a free one
     * @param powerKw active power in kW, read once per second (from the updating thread)
     * @param speed   simulated seconds per real second, in (0, 10000]
     */
    public static ModbusEnergyMeter start(String host, int port, DoubleSupplier powerKw, double speed, InstantSource clock) throws Exception {
        if (!(speed > 0 && speed <= 10_000)) throw new IllegalArgumentException("speed must be in (0, 10000], but was " + speed);
        int p = port == 0 ? FreePort.find(host) : port;
        ModbusEnergyMeter m = new ModbusEnergyMeter(host, p, powerKw, speed, clock);
        LOG.info("Demo Modbus energy meter started [endpoint=modbus-tcp://{}:{}, unit-id={}]", host, p, UNIT_ID);
        return m;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    private void safeUpdate() {
        try {
            update();
        } catch (RuntimeException e) {
            LOG.warn("Demo Modbus energy meter update failed: {}", e.toString());
        }
    }

    private synchronized void update() {
        Instant now = clock.instant();
        double simulated = Duration.between(last, now).toNanos() / 1e9 * speed;
        last = now;
        simSeconds += Math.round(simulated);
        double p = Math.max(0, powerKw.getAsDouble());
        energyKwh += p * simulated / 3600.0;
        double volts = 400.0 + 4.0 * Math.sin(simSeconds / 600.0 * 2 * Math.PI);
        double amps = p * 1000.0 / (Math.sqrt(3) * volts * POWER_FACTOR);
        long wh = ((long) (energyKwh * 1000.0)) & 0xFFFF_FFFFL;
        ByteBuffer b = ByteBuffer.allocate(24);
        b.putFloat((float) p).putFloat((float) volts).putFloat((float) amps).putDouble(energyKwh).putInt((int) wh);
        byte[] all = b.array();
        image.with(tx -> tx.writeInputRegisters(regs -> put(regs, all)));
    }

    private static void put(Map<Integer, byte[]> regs, byte[] all) {
        for (int i = 0; i < all.length / 2; i++) regs.put(i, new byte[] {all[2 * i], all[2 * i + 1]});
    }

    /** Energy imported so far, kWh. */
    public synchronized double energyKwh() {
        return energyKwh;
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        try {
            server.stop();
        } catch (Exception e) {
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            LOG.debug("Demo Modbus energy meter did not stop cleanly: {}", e.toString());
        }
    }
}
