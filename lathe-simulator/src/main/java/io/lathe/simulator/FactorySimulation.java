package io.lathe.simulator;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The virtual factory without any protocol: lines of machines whose states, counters and process values evolve in
 * simulated time. Everything is deterministic: two simulations built with the same arguments and advanced through
 * the same steps have identical snapshots.
 *
 * <p>Time advances in whole ticks of {@link #TICK_SECONDS} simulated seconds; {@link #advance(Duration)} carries the
 * remainder over to the next call, so the state at a simulated instant does not depend on how the steps were cut.
 * The simulated clock starts at the given instant truncated to whole seconds.
 *
 * <p>Not thread-safe: advance and read it from one thread (or guard it).
 */
public final class FactorySimulation {
    /** Length of one simulation tick, in simulated seconds. */
    public static final int TICK_SECONDS = 1;
    public static final int MAX_LINES = 26;
    public static final int MAX_MACHINES_PER_LINE = 50;

    private final String group;
    private final long startEpochSecond;
    private final List<Line> lines;
    private long ticks;
    private long carryNanos;

    /**
     * @param group           Sparkplug group id used in {@link #layout()}
     * @param lines           number of lines in [1, 26]
     * @param machinesPerLine machines per line in [1, 50]
     * @param seed            seed of every random draw
     * @param start           simulated start instant
     */
    public FactorySimulation(String group, int lines, int machinesPerLine, long seed, Instant start) {
        this.group = Objects.requireNonNull(group, "group");
        Objects.requireNonNull(start, "start");
        if (lines < 1 || lines > MAX_LINES) {
            throw new IllegalArgumentException("lines must be in [1, " + MAX_LINES + "], but was " + lines);
        }
        if (machinesPerLine < 1 || machinesPerLine > MAX_MACHINES_PER_LINE) {
            throw new IllegalArgumentException("machinesPerLine must be in [1, " + MAX_MACHINES_PER_LINE + "], but was "
                    + machinesPerLine);
        }
        this.startEpochSecond = start.getEpochSecond();
        var root = new SplittableRandom(seed);
        var ls = new ArrayList<Line>(lines);
        for (int i = 0; i < lines; i++) ls.add(new Line(i, machinesPerLine, root.split(), startEpochSecond));
        this.lines = List.copyOf(ls);
    }

    /** The simulated instant of the last tick. */
    public Instant now() {
        return Instant.ofEpochSecond(startEpochSecond + ticks * TICK_SECONDS);
    }

    /** Ticks run so far. */
    public long ticks() {
        return ticks;
    }

    /** Advances by {@code simulated} time (not negative); returns the number of ticks run. */
    public long advance(Duration simulated) {
        if (simulated.isNegative()) {
            throw new IllegalArgumentException("simulated duration must not be negative, but was " + simulated);
        }
        long total = carryNanos + simulated.toNanos();
        long tickNanos = TICK_SECONDS * 1_000_000_000L;
        long n = total / tickNanos;
        carryNanos = total % tickNanos;
        for (long i = 0; i < n; i++) tick();
        return n;
    }

    /** Advances until {@link #now()} reaches {@code instant} (whole ticks); does nothing when it is not later. */
    public long advanceTo(Instant instant) {
        long target = instant.getEpochSecond();
        long n = 0;
        while (startEpochSecond + ticks * TICK_SECONDS < target) {
            tick();
            n++;
        }
        return n;
    }

    private void tick() {
        ticks++;
        long t = startEpochSecond + ticks * TICK_SECONDS;
        for (Line line : lines) line.step(t);
    }

    public int lineCount() {
        return lines.size();
    }

    public int machineCount(int line) {
        return lines.get(line).machines.size();
    }

    /** Current values of a machine; {@code line} and {@code machine} are zero-based positions as in {@link #layout()}. */
    public MachineSnapshot machine(int line, int machine) {
        return lines.get(line).machines.get(machine).snapshot();
    }

    /** Current line-level values. */
    public LineSnapshot line(int line) {
        return lines.get(line).snapshot();
    }

    /** The lines, their edge node ids, machines, device ids and metrics. */
    public List<LineLayout> layout() {
        var out = new ArrayList<LineLayout>(lines.size());
        for (Line l : lines) {
            var machines = new ArrayList<MachineLayout>(l.machines.size());
            for (Machine m : l.machines) {
                machines.add(new MachineLayout(m.kind.deviceId(), m.kind.name(), m.kind.kind(), SimulatorMetrics.deviceMetrics()));
            }
            out.add(new LineLayout(group, l.edgeNodeId, l.name, SimulatorMetrics.lineMetrics(), machines));
        }
        return List.copyOf(out);
    }
}
