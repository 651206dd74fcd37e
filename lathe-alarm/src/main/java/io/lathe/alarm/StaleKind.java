package io.lathe.alarm;

import io.lathe.model.Value;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A signal without a new value for longer than {@code maxAge} (by the engine's clock against the newest point's
 * timestamp), or whose source reported it stale (a Sparkplug death, a lost connection). The age counts from the
 * engine's start when no value came at all, so a signal that never reports alarms too.
 */
public record StaleKind(String signal, Duration maxAge) implements RuleKind {
    public StaleKind {
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(maxAge, "maxAge");
        if (maxAge.isNegative() || maxAge.isZero()) throw new IllegalArgumentException("max-age must be positive, but was " + maxAge);
    }

    @Override
    public String id() {
        return "stale";
    }

    @Override
    public List<String> inputs() {
        return List.of(signal);
    }

    @Override
    public boolean timed() {
        return true;
    }

    @Override
    public double limit() {
        return maxAge.toMillis() / 1000.0;
    }

    @Override
    public Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("signal", signal);
        m.put("max-age", maxAge.toString());
        return m;
    }

    @Override
    public String defaultMessage() {
        return "{name}: no value for more than {limit} s";
    }

    @Override
    public Evaluator evaluator() {
        long maxMicros = maxAge.toNanos() / 1000;
        return new Evaluator() {
            private long last = Long.MIN_VALUE; // set by the first tick when no point came yet
            private boolean sourceStale;
            private double value = Double.NaN;

            @Override
            public int point(int input, long t, Value v) {
                last = Math.max(last, t);
                sourceStale = false;
                value = v.asDouble();
                return OFF;
            }

            @Override
            public int tick(long now) {
                if (last == Long.MIN_VALUE) last = now;
                return sourceStale || now - last > maxMicros ? ON : OFF;
            }

            @Override
            public int stale(int input, long t) {
                sourceStale = true;
                return ON;
            }

            @Override
            public double value() {
                return value;
            }
        };
    }
}
