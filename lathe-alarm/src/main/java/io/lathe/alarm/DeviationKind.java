package io.lathe.alarm;

import io.lathe.model.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Deviation of a process value from its setpoint signal by more than {@code maxDeviation} (absolute), with a deadband.
 * Undecided until both signals have a value.
 */
public record DeviationKind(String signal, String setpoint, double maxDeviation, double deadband) implements RuleKind {
    public DeviationKind {
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(setpoint, "setpoint");
        if (!(maxDeviation > 0) || !Double.isFinite(maxDeviation)) throw new IllegalArgumentException("max-deviation must be positive, but was " + maxDeviation);
        if (!(deadband >= 0)) throw new IllegalArgumentException("deadband must be 0 or positive, but was " + deadband);
    }

    @Override
    public String id() {
        return "deviation";
    }

    @Override
    public List<String> inputs() {
        return List.of(signal, setpoint);
    }

    @Override
    public double limit() {
        return maxDeviation;
    }

    @Override
    public Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("signal", signal);
        m.put("setpoint", setpoint);
        m.put("max-deviation", maxDeviation);
        m.put("deadband", deadband);
        return m;
    }

    @Override
    public String defaultMessage() {
        return "{name}: {value} {unit} off its setpoint by more than {limit} {unit}";
    }

    @Override
    public Evaluator evaluator() {
        return new Evaluator() {
            private double pv = Double.NaN;
            private double sp = Double.NaN;
            private boolean on;

            @Override
            public int point(int input, long t, Value value) {
                double v = value.asDouble();
                if (Double.isNaN(v)) return UNKNOWN;
                if (input == 0) pv = v;
                else sp = v;
                if (Double.isNaN(pv) || Double.isNaN(sp)) return UNKNOWN;
                double d = Math.abs(pv - sp);
                on = on ? d > maxDeviation - deadband : d > maxDeviation;
                return on ? ON : OFF;
            }

            @Override
            public double value() {
                return pv;
            }
        };
    }
}
