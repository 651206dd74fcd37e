package io.lathe.simulator;

import io.lathe.simulator.internal.BrokerAddress;
import io.lathe.simulator.internal.EdgeSession;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A plant of production lines that publishes over MQTT exactly as Sparkplug B 3.0 edge nodes do: one edge node per
 * line ({@code Line-A}, {@code Line-B}, ...), one device per machine ({@code Saw}, {@code CNC-1}, ..., {@code Wash}).
 * Values come from a {@link FactorySimulation} that starts at {@code clock.instant()} and runs {@link FactoryConfig#speed()}
 * times faster than {@code clock} (above speed 1 from the moment the first edge node is online); payload timestamps are
 * simulated time.
 *
 * <p>Lifecycle: construct (binds nothing), {@link #start()} (connects every edge node, then publishes every
 * {@link FactoryConfig#publishInterval()}), {@link #close()} (NDEATH, disconnect). Thread-safe; one internal thread
 * runs the simulation and all Sparkplug logic.
 */
public final class VirtualFactory implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VirtualFactory.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    /** Upper bound of simulated time run in one step, so a stalled thread cannot start an endless catch-up. */
    private static final long MAX_TICKS_PER_STEP = 86_400;

    private final FactoryConfig cfg;
    private final InstantSource clock;
    private final BrokerAddress broker;
    private final FactorySimulation sim;
    private final List<LineLayout> layout;
    private final ScheduledExecutorService executor;
    private final List<LineEdgeNode> nodes = new ArrayList<>();
    private final List<EdgeSession> sessions = new ArrayList<>();
    private volatile Instant simNow;
    private volatile double totalPowerKw;
    private Instant realStart;
    private Instant simStart;
    private boolean started;
    private boolean closed;
    private boolean warnedBehind;
    /** Set once an edge node first went online: from then on simulated time runs with the clock. */
    private boolean running;

    /**
     * @param cfg   configuration
     * @param clock real time source; the simulation starts at its current instant
     * @throws IllegalArgumentException when the broker URL is malformed
     */
    public VirtualFactory(FactoryConfig cfg, InstantSource clock) {
        this.cfg = Objects.requireNonNull(cfg, "cfg");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.broker = BrokerAddress.parse(cfg.brokerUrl());
        this.sim = new FactorySimulation(cfg.group(), cfg.lines(), cfg.machinesPerLine(), cfg.seed(), clock.instant());
        this.simNow = sim.now();
        this.layout = sim.layout();
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "lathe-virtual-factory-" + cfg.group());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Connects every edge node (waiting up to 10 s each) and starts publishing.
     *
     * @throws IllegalStateException when an edge node cannot connect (the factory is then closed) or when already started
     */
    public synchronized void start() {
        if (closed) throw new IllegalStateException("Virtual factory is closed [group=" + cfg.group() + "]. Create a new one.");
        if (started) throw new IllegalStateException("Virtual factory already started [group=" + cfg.group() + "].");
        started = true;
        for (int i = 0; i < layout.size(); i++) {
            var node = new LineEdgeNode(sim, i, layout.get(i));
            var session = new EdgeSession(broker, cfg.username(), cfg.password(), cfg.group(), layout.get(i).edgeNodeId(),
                    cfg.primaryHostId(), executor, () -> simNow, node);
            node.attach(session);
            nodes.add(node);
            sessions.add(session);
        }
        try {
            for (EdgeSession s : sessions) s.connect(CONNECT_TIMEOUT);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        realStart = clock.instant();
        simStart = sim.now();
        long period = cfg.publishInterval().toNanos();
        executor.scheduleAtFixedRate(this::step, period, period, TimeUnit.NANOSECONDS);
        LOG.info("Virtual factory started [broker={}, group={}, lines={}, machinesPerLine={}, seed={}, speed={}, publishInterval={}, primaryHostId={}]",
                broker, cfg.group(), cfg.lines(), cfg.machinesPerLine(), cfg.seed(), cfg.speed(), cfg.publishInterval(), cfg.primaryHostId());
    }

    private void step() {
        try {
            if (!running && cfg.speed() > 1) {
                // Faster than real time, simulated time starts with the first publication, not with start(): while the
                // edge nodes wait for the primary host (or the broker), a fast demo would otherwise run minutes to
                // hours of the plant unseen, and what the platform sees first (the learning window of its health
                // models) would depend on how long the host took to come online. At real-time speed simulated time
                // stays the clock's, so payload timestamps are real times.
                boolean online = false;
                for (EdgeSession s : sessions) online |= s.isOnline();
                realStart = clock.instant();
                if (!online) return;
                running = true;
            }
            Duration real = Duration.between(realStart, clock.instant());
            Instant target = simStart.plusNanos((long) (real.toNanos() * cfg.speed()));
            long behind = target.getEpochSecond() - sim.now().getEpochSecond();
            if (behind > MAX_TICKS_PER_STEP) {
                if (!warnedBehind) {
                    LOG.warn("Virtual factory falls behind [group={}, speed={}, behindSeconds={}]: the simulation cannot keep up. Lower the speed.",
                            cfg.group(), cfg.speed(), behind);
                    warnedBehind = true;
                }
                target = sim.now().plusSeconds(MAX_TICKS_PER_STEP);
            }
            sim.advanceTo(target);
            simNow = sim.now();
            totalPowerKw = sumPowerKw();
            for (LineEdgeNode n : nodes) n.publishChanges();
        } catch (RuntimeException e) {
            LOG.error("Virtual factory step failed [group={}]: {}", cfg.group(), e.toString(), e);
        }
    }

    /** The lines with edge node ids, machines with device ids and human names, and their metrics. Never null. */
    public List<LineLayout> layout() {
        return layout;
    }

    /** The configuration this factory runs with. */
    public FactoryConfig config() {
        return cfg;
    }

    private double sumPowerKw() {
        double sum = 0;
        for (int l = 0; l < sim.lineCount(); l++) {
            for (int m = 0; m < sim.machineCount(l); m++) sum += sim.machine(l, m).power();
        }
        return sum;
    }

    /** Electrical power of all machines together at the last step, kW (0 before the first step); for an energy meter. */
    public double totalPowerKw() {
        return totalPowerKw;
    }

    /** The simulated instant of the last step. */
    public Instant simulatedNow() {
        return simNow;
    }

    /** Publishes NDEATH for every edge node and disconnects. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        var stop = executor.submit(() -> {
            // Stop publishing before the deaths: no DDATA after NDEATH.
        });
        executor.shutdown();
        try {
            stop.get(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            executor.awaitTermination(CLOSE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("Virtual factory executor did not stop in time [group={}]", cfg.group());
        }
        for (EdgeSession s : sessions) s.close(CLOSE_TIMEOUT);
        if (started) LOG.info("Virtual factory stopped [group={}]", cfg.group());
    }
}
