package io.lathe.alarm;

import io.lathe.model.Value;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The anomaly score of a machine (a signal the predictive-maintenance models publish, 0 normal, 1 and above anomalous)
 * at or above a threshold. Kept apart from {@link LimitKind} because it means "the model sees something unusual", not a
 * process limit: its default message says so, and the console can show it as an advisory alarm.
 */
public record AnomalyScoreKind(String signal, double threshold, double deadband) implements RuleKind {
    public AnomalyScoreKind {
        Objects.requireNonNull(signal, "signal");
        if (!Double.isFinite(threshold)) throw new IllegalArgumentException("threshold must be a finite number, but was " + threshold);
        if (!(deadband >= 0)) throw new IllegalArgumentException("deadband must be 0 or positive, but was " + deadband);
    }

    @Override
    public String id() {
        return "anomaly-score";
    }

    @Override
    public List<String> inputs() {
        return List.of(signal);
    }

    @Override
    public double limit() {
        return threshold;
    }

    @Override
    public Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("signal", signal);
        m.put("threshold", threshold);
        m.put("deadband", deadband);
        return m;
    }

    @Override
    public String defaultMessage() {
        return "{name}: anomaly score {value} at or above {limit}";
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
                on = on ? v > threshold - deadband : v >= threshold;
                return on ? ON : OFF;
            }

            @Override
            public double value() {
                return last;
            }
        };
    }
}
