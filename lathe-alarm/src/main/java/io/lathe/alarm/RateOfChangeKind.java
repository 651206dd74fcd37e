package io.lathe.alarm;

import io.lathe.model.Value;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Rate of change: the value moved by more than {@code maxChange} within {@code window} (in either direction, or only
 * up or down). Measured from the oldest point inside the window to the newest, not between neighbours, so one noisy
 * sample does not make a rate.
 */
public record RateOfChangeKind(String signal, double maxChange, Duration window, Direction direction) implements RuleKind {
    /** Which way of change alarms. */
    public enum Direction {
        BOTH, UP, DOWN;

        public static Direction parse(String t) {
            if (t == null) return null;
            for (Direction d : values()) if (d.name().equalsIgnoreCase(t.strip())) return d;
            return null;
        }
    }

    /** Points kept per alarm: bounds memory when a signal updates much faster than its window. */
    static final int MAX_POINTS = 4096;

    public RateOfChangeKind {
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(window, "window");
        direction = direction == null ? Direction.BOTH : direction;
        if (!(maxChange > 0) || !Double.isFinite(maxChange)) throw new IllegalArgumentException("max-change must be positive, but was " + maxChange);
        if (window.isNegative() || window.isZero()) throw new IllegalArgumentException("window must be positive, but was " + window);
    }

    @Override
    public String id() {
        return "rate-of-change";
    }

    @Override
    public List<String> inputs() {
        return List.of(signal);
    }

    @Override
    public double limit() {
        return maxChange;
    }

    @Override
    public Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("signal", signal);
        m.put("max-change", maxChange);
        m.put("window", window.toString());
        m.put("direction", direction.name().toLowerCase(java.util.Locale.ROOT));
        return m;
    }

    @Override
    public String defaultMessage() {
        return "{name}: changed by {value} {unit} within " + window.toString().substring(2).toLowerCase(java.util.Locale.ROOT) + " (limit {limit})";
    }

    @Override
    public Evaluator evaluator() {
        long windowMicros = window.toNanos() / 1000;
        return new Evaluator() {
            // a ring of (time, value) inside the window
            private final long[] ts = new long[MAX_POINTS];
            private final double[] vs = new double[MAX_POINTS];
            private int head; // oldest
            private int size;
            private double change = Double.NaN;

            @Override
            public int point(int input, long t, Value value) {
                double v = value.asDouble();
                if (Double.isNaN(v)) return UNKNOWN;
                while (size > 0 && ts[head] < t - windowMicros) {
                    head = (head + 1) % MAX_POINTS;
                    size--;
                }
                if (size == MAX_POINTS) { // drop the oldest: the window then spans a little less
                    head = (head + 1) % MAX_POINTS;
                    size--;
                }
                ts[(head + size) % MAX_POINTS] = t;
                vs[(head + size) % MAX_POINTS] = v;
                size++;
                change = v - vs[head];
                boolean on = switch (direction) {
                    case BOTH -> Math.abs(change) > maxChange;
                    case UP -> change > maxChange;
                    case DOWN -> -change > maxChange;
                };
                return on ? ON : OFF;
            }

            @Override
            public double value() {
                return change;
            }
        };
    }
}
