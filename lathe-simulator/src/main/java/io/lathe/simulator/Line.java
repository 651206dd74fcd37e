package io.lathe.simulator;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One simulated production line: machines in series with a buffer between neighbours, raw material at the head and a
 * packing station at the tail. Not thread-safe.
 */
final class Line {
    static final int BUFFER_CAPACITY = 8;
    private static final String[] PRODUCTS = {"Shaft S-100", "Flange F-220", "Bushing B-310", "Pin P-45"};
    private static final double[] PRODUCT_FACTORS = {1.0, 0.85, 1.15, 0.7};
    private static final double CHANGEOVER_PROBABILITY = 0.35;
    private static final double MATERIAL_SHORTAGE_MEAN_INTERVAL_HOURS = 30.0;
    private static final double DOWNSTREAM_BLOCK_MEAN_INTERVAL_HOURS = 20.0;

    final int index;
    final String edgeNodeId;
    final String name;
    final List<Machine> machines;
    private final int[] buffers;
    private final SplittableRandom rng;

    private int product;
    private long shiftNumber;
    private final long breakSuppressedUntil;
    private long changeoverUntil = Long.MIN_VALUE;
    private long nextShortageAt;
    private long shortageUntil = Long.MIN_VALUE;
    private long nextDownstreamBlockAt;
    private long downstreamBlockUntil = Long.MIN_VALUE;

    private long now;

    Line(int index, int machineCount, SplittableRandom rng, long startEpochSecond) {
        this.index = index;
        this.edgeNodeId = "Line-" + (char) ('A' + index);
        this.name = "Line " + (char) ('A' + index);
        this.rng = rng;
        this.now = startEpochSecond;
        this.product = rng.nextInt(PRODUCTS.length);
        this.shiftNumber = ShiftPattern.shiftNumber(startEpochSecond);
        // A demo must show production whenever it starts: a break already under way at the start was taken before.
        this.breakSuppressedUntil = ShiftPattern.breakEnd(startEpochSecond);
        this.nextShortageAt = startEpochSecond + (long) exponential(MATERIAL_SHORTAGE_MEAN_INTERVAL_HOURS * 3600.0);
        this.nextDownstreamBlockAt = startEpochSecond + (long) exponential(DOWNSTREAM_BLOCK_MEAN_INTERVAL_HOURS * 3600.0);
        List<MachineKind> kinds = MachineKind.lineOf(machineCount);
        buffers = new int[Math.max(0, kinds.size() - 1)];
        java.util.Arrays.fill(buffers, BUFFER_CAPACITY / 2);
        var ms = new ArrayList<Machine>(kinds.size());
        for (int i = 0; i < kinds.size(); i++) ms.add(new Machine(kinds.get(i), this, i, rng.split()));
        this.machines = List.copyOf(ms);
    }

    /** Advances the line to {@code epochSecond} (one tick after the previous call). */
    void step(long epochSecond) {
        now = epochSecond;
        long shift = ShiftPattern.shiftNumber(epochSecond);
        if (shift != shiftNumber) {
            shiftNumber = shift;
            if (rng.nextDouble() < CHANGEOVER_PROBABILITY) {
                product = (product + 1 + rng.nextInt(PRODUCTS.length - 1)) % PRODUCTS.length;
                double minutes = Math.max(5.0, Math.min(30.0, 12.0 * Math.exp(0.3 * rng.nextGaussian())));
                changeoverUntil = epochSecond + Math.round(minutes * 60.0);
            }
        }
        if (epochSecond >= nextShortageAt && epochSecond >= shortageUntil) {
            shortageUntil = epochSecond + Math.round(Math.min(3600.0, 12 * 60.0 * Math.exp(0.5 * rng.nextGaussian())));
            nextShortageAt = shortageUntil + (long) exponential(MATERIAL_SHORTAGE_MEAN_INTERVAL_HOURS * 3600.0);
        }
        if (epochSecond >= nextDownstreamBlockAt && epochSecond >= downstreamBlockUntil) {
            downstreamBlockUntil = epochSecond + Math.round(Math.min(1800.0, 6 * 60.0 * Math.exp(0.5 * rng.nextGaussian())));
            nextDownstreamBlockAt = downstreamBlockUntil + (long) exponential(DOWNSTREAM_BLOCK_MEAN_INTERVAL_HOURS * 3600.0);
        }
        ReasonCode planned = null;
        if (epochSecond < changeoverUntil) {
            planned = ReasonCode.CHANGEOVER;
        } else if (epochSecond >= breakSuppressedUntil && ShiftPattern.inBreak(epochSecond)) {
            planned = ReasonCode.BREAK;
        }
        // Downstream first, so a part leaving a buffer frees space for the machine upstream in the same tick.
        for (int i = machines.size() - 1; i >= 0; i--) machines.get(i).step(planned);
    }

    /** Takes a part for the machine at {@code position}; false when there is none. */
    boolean pull(int position) {
        if (position == 0) return now >= shortageUntil;
        if (buffers[position - 1] == 0) return false;
        buffers[position - 1]--;
        return true;
    }

    /** Hands a finished part on from the machine at {@code position}; false when there is no room. */
    boolean push(int position) {
        if (position == machines.size() - 1) return now >= downstreamBlockUntil;
        if (buffers[position] >= BUFFER_CAPACITY) return false;
        buffers[position]++;
        return true;
    }

    double productFactor() {
        return PRODUCT_FACTORS[product];
    }

    LineSnapshot snapshot() {
        return new LineSnapshot(ShiftPattern.shiftName(now), PRODUCTS[product]);
    }

    private double exponential(double mean) {
        return -mean * Math.log(1.0 - rng.nextDouble());
    }
}
