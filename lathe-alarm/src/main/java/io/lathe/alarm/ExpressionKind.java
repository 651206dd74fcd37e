package io.lathe.alarm;

import io.lathe.model.Value;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An {@link Expression} over several signals of one machine, for example {@code temperature > 60 and spindle_speed < 100};
 * active while it is true (not 0). Undecided until every signal it names has a value.
 */
public record ExpressionKind(Expression expression) implements RuleKind {
    public ExpressionKind {
        Objects.requireNonNull(expression, "expression");
    }

    @Override
    public String id() {
        return "expression";
    }

    @Override
    public List<String> inputs() {
        return expression.signals();
    }

    @Override
    public Map<String, Object> settings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("expression", expression.text());
        return m;
    }

    @Override
    public String defaultMessage() {
        return "{name}: " + expression.text();
    }

    @Override
    public Evaluator evaluator() {
        return new Evaluator() {
            private final double[] values = new double[expression.signals().size()];
            {
                Arrays.fill(values, Double.NaN);
            }

            @Override
            public int point(int input, long t, Value value) {
                values[input] = value.asDouble();
                double r = expression.evaluate(values);
                if (Double.isNaN(r)) return UNKNOWN;
                return r != 0 ? ON : OFF;
            }

            @Override
            public double value() {
                return values[0];
            }
        };
    }
}
