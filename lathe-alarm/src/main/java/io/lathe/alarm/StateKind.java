package io.lathe.alarm;

import io.lathe.model.Value;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A machine state: the state signal (text or number) equals one of {@code states}, for at least {@code minDuration}
 * (zero: at once). "In fault for more than 2 minutes" is {@code states: [fault], for: 2m}. The duration counts by the
 * points' timestamps and, between points, by the clock.
 */
public record StateKind(String signal, Set<String> states, Duration minDuration) implements RuleKind {
    public StateKind {
        Objects.requireNonNull(signal, "signal");
        states = Set.copyOf(states);
        if (states.isEmpty()) throw new IllegalArgumentException("states must name at least one state");
        minDuration = minDuration == null ? Duration.ZERO : minDuration;
        if (minDuration.isNegative()) throw new IllegalArgumentException("for must be 0 or positive, but was " + minDuration);
    }

    @Override
    public String id() {
        return "state";
    }

    @Override
    public List<String> inputs() {
        return List.of(signal);
    }

    @Override
    public boolean timed() {
        return !minDuration.isZero();
    }

    @Override
    public double limit() {
        return minDuration.toMillis() / 60_000.0;
    }

    @Override
    public Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("signal", signal);
        m.put("states", states.stream().sorted().toList());
        m.put("for", minDuration.toString());
        return m;
    }

    @Override
    public String defaultMessage() {
        return minDuration.isZero() ? "{name}: state {text}" : "{name}: state {text} for more than {limit} min";
    }

    /** The text a value compares as: text as is, integral numbers without ".0", booleans true/false. */
    public static String text(Value v) {
        return switch (v) {
            case Value.TextValue t -> t.value();
            case Value.LongValue l -> Long.toString(l.value());
            case Value.BooleanValue b -> Boolean.toString(b.value());
            case Value.DoubleValue d -> d.value() == Math.rint(d.value()) && Math.abs(d.value()) < 1e15
                    ? Long.toString((long) d.value()) : Double.toString(d.value());
        };
    }

    @Override
    public Evaluator evaluator() {
        long minMicros = minDuration.toNanos() / 1000;
        return new Evaluator() {
            private long since = Long.MIN_VALUE; // when the matching state began; MIN_VALUE while it does not match
            private double value = Double.NaN;

            @Override
            public int point(int input, long t, Value v) {
                value = v.asDouble();
                if (states.contains(text(v))) {
                    if (since == Long.MIN_VALUE) since = t;
                    return t - since >= minMicros ? ON : OFF;
                }
                since = Long.MIN_VALUE;
                return OFF;
            }

            @Override
            public int tick(long now) {
                if (since == Long.MIN_VALUE) return UNKNOWN;
                return now - since >= minMicros ? ON : UNKNOWN;
            }

            @Override
            public double value() {
                return value;
            }
        };
    }
}
