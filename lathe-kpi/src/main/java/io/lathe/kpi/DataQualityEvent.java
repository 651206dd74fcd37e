package io.lathe.kpi;

import java.util.Objects;

/**
 * A counter or energy-meter reading the engine did not take as it came: a decrease, a jump beyond what the machine can
 * physically make, or a negative per-interval count (see {@link CounterSignal} and {@link EnergyConfig} for the rules).
 * Events are derived from the inputs like the state timeline: a late or corrected reading re-derives them, and a
 * recomputation from the store finds the same ones.
 *
 * @param machine       machine id
 * @param timeMicros    timestamp of the reading, µs since the epoch
 * @param signal        signal id of the reading
 * @param quantity      what the signal feeds: {@code produced}, {@code good}, {@code reject}, {@code inspected},
 *                      {@code firstPassGood} or {@code energy}
 * @param kind          what was wrong
 * @param oldValue      the previous reading (NaN for a per-interval count, which has no running value)
 * @param newValue      this reading
 * @param counted       what was counted for this reading, in parts or kWh: 0 when it was discarded, the new value for
 *                      a reset
 * @param bound         the physical bound of the interval in parts or kWh (NaN when none applies: no ideal cycle time
 *                      or no {@code max-power-kw})
 * @param elapsedMicros time since the reading last changed value (the interval the bound is computed for)
 */
public record DataQualityEvent(String machine, long timeMicros, String signal, String quantity, Kind kind,
                               double oldValue, double newValue, double counted, double bound, long elapsedMicros) {

    public DataQualityEvent {
        Objects.requireNonNull(machine, "machine");
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(quantity, "quantity");
        Objects.requireNonNull(kind, "kind");
    }

    /** What was wrong with a reading; {@link #label()} is the text used in JSON and as the metric tag. */
    public enum Kind {
        /** A counter went down to a value it can have reached since a reset to 0: counted from 0. */
        COUNTER_RESET("counter-reset"),
        /** A counter went down, but not to a value a reset allows (a preset, a glitch, a restart from an older value): nothing counted. */
        COUNTER_DECREASE("counter-decrease"),
        /** A counter rose by more than the machine can make in the elapsed time: nothing counted. */
        COUNTER_JUMP("counter-jump"),
        /** A per-interval count below zero: nothing counted. */
        NEGATIVE_COUNT("negative-count"),
        /** An energy meter went down to a value it can have reached since a reset to 0: counted from 0. */
        METER_RESET("meter-reset"),
        /** An energy meter went down, but not to a value a reset allows: nothing counted. */
        METER_DECREASE("meter-decrease"),
        /** An energy meter rose by more than the machine's maximum power allows: nothing counted. */
        METER_JUMP("meter-jump");

        private final String label;

        Kind(String label) { this.label = label; }

        public String label() { return label; }
    }

    /** One sentence for people: what happened and what the engine did about it. */
    public String cause() {
        boolean meter = kind.ordinal() >= Kind.METER_RESET.ordinal();
        String unit = meter ? " kWh" : " parts";
        String within = " within " + duration(elapsedMicros);
        String possible = "at most " + num(bound) + unit + " were possible" + within;
        return switch (kind) {
            case COUNTER_RESET, METER_RESET -> signal + " went down from " + num(oldValue) + " to " + num(newValue) + within
                    + ": taken as a reset to 0 (" + (Double.isNaN(bound) ? "the new value is at most half the old one" : possible)
                    + "), counted " + num(counted) + unit + ".";
            case COUNTER_DECREASE, METER_DECREASE -> signal + " went down from " + num(oldValue) + " to " + num(newValue) + within
                    + ": not a reset, which restarts near 0 (" + (Double.isNaN(bound) ? "the new value is more than half the old one" : possible)
                    + "), so a preset, glitch or restart from an older value; nothing counted, counting goes on from " + num(newValue) + ".";
            case COUNTER_JUMP -> signal + " rose by " + num(Double.isNaN(oldValue) ? newValue : newValue - oldValue) + unit + within
                    + ", more than the machine can make (" + possible + " at the ideal cycle time); nothing counted."
                    + " Check the counter and the ideal cycle time.";
            case METER_JUMP -> signal + " rose by " + num(newValue - oldValue) + unit + within + ", more than max-power-kw allows ("
                    + possible + "); nothing counted. Check the meter and max-power-kw.";
            case NEGATIVE_COUNT -> signal + " sent a negative per-interval count " + num(newValue) + "; nothing counted.";
        };
    }

    private static String num(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString((long) d);
        return String.format(java.util.Locale.ROOT, "%.3f", d).replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    private static String duration(long micros) {
        long s = Math.round(micros / 1e6);
        if (s < 120) return s + " s";
        if (s < 7200) return Math.round(s / 60.0) + " min";
        return Math.round(s / 360.0) / 10.0 + " h";
    }
}
