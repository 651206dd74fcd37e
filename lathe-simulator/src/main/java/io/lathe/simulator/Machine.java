package io.lathe.simulator;

import java.util.SplittableRandom;

/**
 * One simulated machine, advanced in whole ticks of {@link FactorySimulation#TICK_SECONDS}. Not thread-safe: the
 * owning {@link FactorySimulation} steps it from one thread.
 */
final class Machine {
    private static final double TICK = FactorySimulation.TICK_SECONDS;
    private static final double THERMAL_TAU_SECONDS = 900.0;
    private static final double THERMAL_ALPHA = 1.0 - Math.exp(-TICK / THERMAL_TAU_SECONDS);
    /** Fraction of a cycle in which the spindle cuts; the rest is loading and unloading. */
    private static final double CUTTING_FRACTION = 0.85;
    private static final double MICRO_STOPS_PER_RUNNING_HOUR = 2.5;
    private static final double WEAR_LIFE_MEDIAN_HOURS = 14.0;

    final MachineKind kind;
    private final Line line;
    private final int position;
    private final SplittableRandom rng;

    private MachineState state = MachineState.RUNNING;
    private ReasonCode reason = ReasonCode.NONE;

    private boolean hasPart;
    private boolean holdingFinished;
    private double cycleElapsed;
    private double cycleDuration;
    private double lastCycleTime;

    private long goodCount;
    private long rejectCount;

    private double rpm;
    private double vibration;
    private double temperature;
    private double power;
    private double energyKwh;

    private double runningSeconds;
    private double runningSinceRepair;
    private double wearLifeSeconds;
    private double nextMicroStopAt;
    private double nextRandomFaultAt;
    private int partsSinceToolChange;
    private int toolLife;

    private ReasonCode stopReason;
    private double stopRemaining;
    private boolean faulted;

    Machine(MachineKind kind, Line line, int position, SplittableRandom rng) {
        this.kind = kind;
        this.line = line;
        this.position = position;
        this.rng = rng;
        // A plant that has been running for a while: warm machines, partly worn, counters well past zero.
        wearLifeSeconds = drawWearLife();
        runningSinceRepair = rng.nextDouble(0.0, 0.6) * wearLifeSeconds;
        temperature = MachineKind.AMBIENT_C + kind.temperatureRise() * 0.9;
        goodCount = rng.nextLong(5_000, 60_000);
        rejectCount = goodCount / 100 + rng.nextLong(0, 50);
        energyKwh = Math.round(rng.nextDouble(5_000, 40_000) * 1000.0) / 1000.0;
        nextMicroStopAt = exponential(3600.0 / MICRO_STOPS_PER_RUNNING_HOUR);
        nextRandomFaultAt = exponential(kind.mtbfRunningHours() * 3600.0);
        toolLife = drawToolLife();
        partsSinceToolChange = toolLife > 0 ? rng.nextInt(toolLife) : 0;
        hasPart = true;
        cycleDuration = drawCycleDuration(kind.idealCycleSeconds() * line.productFactor());
        cycleElapsed = rng.nextDouble(0.0, cycleDuration);
        lastCycleTime = Math.round(cycleDuration * 100.0) / 100.0;
    }

    /** Advances one tick. {@code plannedStop} is the line's planned-stop reason, or null when production is planned. */
    void step(ReasonCode plannedStop) {
        if (faulted) {
            stopRemaining -= TICK;
            if (stopRemaining <= 0) {
                faulted = false;
                if (stopReason == ReasonCode.BEARING_WEAR_OUT || stopReason == ReasonCode.SPINDLE_OVERHEAT) {
                    // The technician replaced the spindle bearing: wear starts again from zero.
                    runningSinceRepair = 0;
                    wearLifeSeconds = drawWearLife();
                }
                stopReason = null;
            }
        }
        if (faulted) {
            set(MachineState.FAULT, stopReason);
        } else if (plannedStop != null) {
            set(MachineState.PLANNED_STOP, plannedStop);
        } else if (stopRemaining > 0) {
            stopRemaining -= TICK;
            set(MachineState.IDLE, stopReason);
        } else {
            produce();
        }
        updatePhysics();
    }

    private void produce() {
        if (holdingFinished) {
            if (line.push(position)) {
                holdingFinished = false;
            } else {
                set(MachineState.BLOCKED, ReasonCode.DOWNSTREAM_FULL);
                return;
            }
        }
        if (!hasPart) {
            if (line.pull(position)) {
                hasPart = true;
                cycleElapsed = 0;
                cycleDuration = drawCycleDuration(kind.idealCycleSeconds() * line.productFactor());
            } else {
                set(MachineState.STARVED, position == 0 ? ReasonCode.MATERIAL_SHORTAGE : ReasonCode.UPSTREAM_EMPTY);
                return;
            }
        }
        set(MachineState.RUNNING, ReasonCode.NONE);
        cycleElapsed += TICK;
        runningSeconds += TICK;
        runningSinceRepair += TICK;
        if (cycleElapsed >= cycleDuration) completeCycle();
        checkStops();
    }

    private void completeCycle() {
        lastCycleTime = Math.round(cycleElapsed * 100.0) / 100.0;
        hasPart = false;
        if (rng.nextDouble() < rejectProbability()) {
            rejectCount++;
        } else {
            goodCount++;
            holdingFinished = true;
            if (line.push(position)) holdingFinished = false;
        }
        if (toolLife > 0 && ++partsSinceToolChange >= toolLife) {
            partsSinceToolChange = 0;
            toolLife = drawToolLife();
            startStop(ReasonCode.TOOL_CHANGE, clamp(lognormal(150.0, 0.3), 60.0, 600.0));
        }
    }

    private void checkStops() {
        if (stopRemaining > 0) return;
        double wear = wear();
        if (wear >= 1.0) {
            startFault(ReasonCode.BEARING_WEAR_OUT, clamp(lognormal(45 * 60.0, 0.4), 15 * 60.0, 4 * 3600.0));
        } else if (temperature > kind.overheatThresholdC()
                && rng.nextDouble() < 0.25 * (temperature - kind.overheatThresholdC()) * TICK / 3600.0) {
            startFault(ReasonCode.SPINDLE_OVERHEAT, clamp(lognormal(25 * 60.0, 0.4), 5 * 60.0, 3 * 3600.0));
        } else if (runningSeconds >= nextRandomFaultAt) {
            nextRandomFaultAt = runningSeconds + exponential(kind.mtbfRunningHours() * 3600.0);
            var faults = kind.randomFaults();
            ReasonCode r = faults.get(rng.nextInt(faults.size()));
            startFault(r, clamp(lognormal(kind.mttrMedianMinutes() * 60.0, 0.7), 120.0, 4 * 3600.0));
        } else if (runningSeconds >= nextMicroStopAt) {
            nextMicroStopAt = runningSeconds + exponential(3600.0 / MICRO_STOPS_PER_RUNNING_HOUR);
            startStop(rng.nextDouble() < 0.6 ? ReasonCode.JAM : ReasonCode.MISFEED,
                    clamp(lognormal(25.0, 0.7), 3.0, 115.0));
        }
    }

    private void startStop(ReasonCode r, double seconds) {
        stopReason = r;
        stopRemaining = seconds;
    }

    private void startFault(ReasonCode r, double seconds) {
        startStop(r, seconds);
        faulted = true;
    }

    private void updatePhysics() {
        double wear = wear();
        double wear2 = wear * wear;
        boolean running = state == MachineState.RUNNING;
        boolean cutting = running && hasPart && cycleElapsed < cycleDuration * CUTTING_FRACTION;
        double g1 = rng.nextGaussian(), g2 = rng.nextGaussian(), g3 = rng.nextGaussian(), g4 = rng.nextGaussian();

        double factor = line.productFactor();
        rpm = cutting ? kind.nominalRpm() * (2.0 - factor) * (1.0 + 0.004 * g1) : rpm < 5.0 ? 0.0 : rpm * 0.3;
        double spinning = Math.min(1.0, rpm / kind.nominalRpm());
        vibration = Math.max(0.02, 0.12 + spinning * (kind.baseVibration() + 3.8 * wear2)) * (1.0 + 0.04 * g2);

        double heat = running ? (cutting ? 1.0 : 0.6) : state == MachineState.FAULT || state == MachineState.PLANNED_STOP ? 0.0 : 0.3;
        double target = MachineKind.AMBIENT_C + kind.temperatureRise() * heat + 14.0 * wear2 * heat;
        temperature += (target - temperature) * THERMAL_ALPHA + 0.03 * g3;

        double idle = kind.idlePowerKw();
        double load = cutting ? (0.85 + 0.1 * wear) * spinning : running ? 0.15 : 0.0;
        power = switch (state) {
            case RUNNING -> idle + kind.cuttingPowerKw() * load;
            case IDLE, STARVED, BLOCKED -> idle;
            case FAULT -> idle * 0.5;
            case PLANNED_STOP -> idle * 0.35;
        };
        power = Math.max(0.0, power * (1.0 + 0.02 * g4));
        energyKwh += power * TICK / 3600.0;
    }

    private double rejectProbability() {
        double p = 0.006 + 0.02 * Math.max(0.0, vibration - 2.5) + 0.01 * Math.max(0.0, temperature - (kind.overheatThresholdC() - 4.0));
        return Math.min(0.5, p);
    }

    private void set(MachineState s, ReasonCode r) {
        state = s;
        reason = r;
    }

    double wear() {
        return Math.min(1.0, runningSinceRepair / wearLifeSeconds);
    }

    MachineState state() {
        return state;
    }

    MachineSnapshot snapshot() {
        return new MachineSnapshot(state, reason, goodCount, rejectCount, lastCycleTime,
                round(kind.idealCycleSeconds() * line.productFactor(), 100.0), Math.round(rpm),
                round(vibration, 100.0), round(temperature, 10.0), round(power, 100.0), round(energyKwh, 1000.0), wear());
    }

    private double drawCycleDuration(double ideal) {
        return Math.max(ideal * 0.95, ideal * 1.03 * Math.exp(0.025 * rng.nextGaussian()) * (1.0 + 0.05 * wear()));
    }

    private double drawWearLife() {
        return clamp(lognormal(WEAR_LIFE_MEDIAN_HOURS, 0.3), 6.0, 40.0) * 3600.0;
    }

    private int drawToolLife() {
        return kind.toolLifeParts() <= 0 ? 0 : (int) Math.round(kind.toolLifeParts() * rng.nextDouble(0.8, 1.2));
    }

    private double exponential(double mean) {
        return -mean * Math.log(1.0 - rng.nextDouble());
    }

    private double lognormal(double median, double sigma) {
        return median * Math.exp(sigma * rng.nextGaussian());
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    private static double round(double v, double scale) {
        return Math.round(v * scale) / scale;
    }
}
