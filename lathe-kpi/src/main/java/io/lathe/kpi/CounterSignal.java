package io.lathe.kpi;

import java.util.Objects;

/**
 * A quantity signal.
 *
 * <p>Production in an interval can never exceed what the machine could physically make. The bound of an increment is
 * {@code elapsed / ideal cycle time × 1.5 + 1} parts, with elapsed the time since the counter last changed value and
 * the ideal cycle time current at the reading (1.5 leaves room for an ideal cycle time set a little slow, the one part
 * for the cycle under way at the previous reading). Without an ideal cycle time there is no bound. For a cumulative
 * counter:
 * <ul>
 *   <li>the first value is its baseline and adds nothing; the first change after it counts at most
 *       {@code floor((time − baseline time) / ideal cycle time)} parts, so a part whose cycle began before Lathe first
 *       saw the counter is not counted against the few seconds observed;</li>
 *   <li>an increase within the bound counts; a larger one is a {@link DataQualityEvent.Kind#COUNTER_JUMP} and counts
 *       nothing (counting goes on from the new value);</li>
 *   <li>a drop is a rollover when {@code rolloverMax > 0}, the previous value was in the upper half of the range and
 *       the increment {@code rolloverMax − previous + value + 1} is within the bound;</li>
 *   <li>any other drop is a {@link DataQualityEvent.Kind#COUNTER_RESET} counted from 0 (increment {@code value}) when
 *       the new value is within the bound (without a bound: at most half the previous value), else a
 *       {@link DataQualityEvent.Kind#COUNTER_DECREASE} (a preset, a glitch, a restart from an older value) that counts
 *       nothing.</li>
 * </ul>
 * A per-interval value counts as it is when it is not negative and within the bound since the previous value
 * (the first value has no bound), else it is an event and counts nothing.
 *
 * @param signal      signal id
 * @param kind        {@link Kind#CUMULATIVE} (a running total) or {@link Kind#PER_INTERVAL} (each value is a quantity)
 * @param rolloverMax for cumulative counters: the largest value before the counter wraps to 0, or 0 when it never
 *                    wraps
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
