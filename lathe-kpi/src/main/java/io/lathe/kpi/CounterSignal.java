package io.lathe.kpi;

import java.util.Objects;

/**
 * A quantity signal.
 *
 * @param signal      signal id
 * @param kind        {@link Kind#CUMULATIVE} (a running total) or {@link Kind#PER_INTERVAL} (each value is a quantity)
 * @param rolloverMax for cumulative counters: the largest value before the counter wraps to 0, or 0 when it never
 *                    wraps. A drop is read as a rollover when {@code rolloverMax > 0} and the previous value was in the
 *                    upper half of the range (increment {@code rolloverMax - previous + value + 1}); any other drop is
 *                    a reset and the new value is counted from 0 (increment {@code value}). The first value of a
 *                    cumulative counter is its baseline and adds nothing.
 */
public record CounterSignal(String signal, Kind kind, double rolloverMax) {
    public CounterSignal {
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(kind, "kind");
        if (rolloverMax < 0 || Double.isNaN(rolloverMax)) throw new IllegalArgumentException("Counter [signal=" + signal + "]: rollover-max must be 0 or positive, but was " + rolloverMax + ".");
    }

    public static CounterSignal cumulative(String signal) { return new CounterSignal(signal, Kind.CUMULATIVE, 0); }

    public static CounterSignal perInterval(String signal) { return new CounterSignal(signal, Kind.PER_INTERVAL, 0); }

    /** YAML {@code cumulative} or {@code per-interval}. */
    public enum Kind { CUMULATIVE, PER_INTERVAL }
}
