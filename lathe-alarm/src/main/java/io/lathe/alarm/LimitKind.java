package io.lathe.alarm;

import io.lathe.model.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * An absolute limit: {@code HH}/{@code H} alarm at or above the limit, {@code L}/{@code LL} at or below it. The deadband
 * (ISA-18.2 "alarm deadband", hysteresis) keeps the alarm active until the value is back beyond the limit by that much,
 * so noise around the limit does not chatter.
 */
public record LimitKind(String signal, Type type, double limit, double deadband) implements RuleKind {

    /** HH and H alarm high, L and LL low; the two of each side differ only in priority and message. */
    public enum Type {
        HH, H, L, LL;

        boolean high() {
            return this == HH || this == H;
        }

        public static Type parse(String t) {
            if (t == null) return null;
            for (Type x : values()) if (x.name().equalsIgnoreCase(t.strip())) return x;
            return null;
        }
    }

    public LimitKind {
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(type, "type");
        if (!Double.isFinite(limit)) throw new IllegalArgumentException("limit must be a finite number, but was " + limit);
        if (!(deadband >= 0) || !Double.isFinite(deadband)) throw new IllegalArgumentException("deadband must be 0 or positive, but was " + deadband);
    }

    @Override
    public String id() {
        return "limit";
    }

    @Override
    public List<String> inputs() {
        return List.of(signal);
    }

    @Override
    public double limit() {
        return limit;
    }

    @Override
    public Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("signal", signal);
        m.put("type", type.name());
        m.put("limit", limit);
        m.put("deadband", deadband);
        return m;
    }

    @Override
    public String defaultMessage() {
        return "{name}: {value} {unit} " + (type.high() ? "above" : "below") + " " + type.name().toLowerCase(Locale.ROOT) + " limit {limit} {unit}";
    }

    /** Below a high limit, above a low one: the deadband only matters once the condition holds. */
    @Override
    public Band normalBand() {
        return type.high() ? new Band(Double.NEGATIVE_INFINITY, limit) : new Band(limit, Double.POSITIVE_INFINITY);
    }

    @Override
    public Evaluator evaluator() {
        return new Evaluator() {
            private boolean on;
            private double last = Double.NaN;

            @Override
            public int point(int input, long t, Value value) {
                double v = value.asDouble();
                if (Double.isNaN(v)) return UNKNOWN;
                last = v;
                if (type.high()) on = on ? v > limit - deadband : v >= limit;
                else on = on ? v < limit + deadband : v <= limit;
                return on ? ON : OFF;
            }

            @Override
            public double value() {
                return last;
            }
        };
    }
}
