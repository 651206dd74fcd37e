package io.lathe.alarm;

import io.lathe.model.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A boolean or discrete signal in its alarm value: {@code alarmValue} {@code true} for a fault bit, or a code such as
 * {@code 202}. Compared as text ({@link StateKind#text}), so 1, 1.0 and "1" match alike.
 */
public record DiscreteKind(String signal, String alarmValue) implements RuleKind {
    public DiscreteKind {
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(alarmValue, "alarmValue");
    }

    @Override
    public String id() {
        return "discrete";
    }

    @Override
    public List<String> inputs() {
        return List.of(signal);
    }

    @Override
    public Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("signal", signal);
        m.put("value", alarmValue);
        return m;
    }

    @Override
    public String defaultMessage() {
        return "{name}: {text}";
    }

    @Override
    public Evaluator evaluator() {
        return new Evaluator() {
            private double value = Double.NaN;

            @Override
            public int point(int input, long t, Value v) {
                value = v.asDouble();
                String s = StateKind.text(v);
                boolean on = s.equals(alarmValue) || (v instanceof Value.BooleanValue b && alarmValue.equals(b.value() ? "1" : "0"));
                return on ? ON : OFF;
            }

            @Override
            public double value() {
                return value;
            }
        };
    }
}
