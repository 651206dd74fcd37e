package io.lathe.kpi;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How a machine's state is derived: from one enumerated signal ({@link Enumerated}) or from rules on other signals
 * ({@link Rules}). YAML: {@code state: {signal: m1.state, values: {"1": running, "2": setup}, otherwise: unplanned-down}}
 * or {@code state: {rules: [{state: running, when: [{signal: m1.spindle-speed, op: gt, value: 50}]}], otherwise: idle}}.
 */
public sealed interface StateSource permits StateSource.Enumerated, StateSource.Rules {

    /** The state used when no value or rule matches. */
    MachineState otherwise();

    /**
     * State from one signal through a value map.
     *
     * @param signal    id of the state signal
     * @param values    value text (numbers as integers when integral, {@code true}/{@code false}, or text) to state
     * @param otherwise state for values not in the map
     */
    record Enumerated(String signal, Map<String, MachineState> values, MachineState otherwise) implements StateSource {
        public Enumerated {
            Objects.requireNonNull(signal, "signal");
            values = Map.copyOf(values);
            Objects.requireNonNull(otherwise, "otherwise");
        }
    }

    /**
     * State from rules: the first rule whose conditions all hold gives the state, else {@code otherwise}. A condition
     * on a signal without any value yet does not hold.
     */
    record Rules(List<StateRule> rules, MachineState otherwise) implements StateSource {
        public Rules {
            rules = List.copyOf(rules);
            Objects.requireNonNull(otherwise, "otherwise");
            int n = rules.stream().mapToInt(r -> r.when().size()).sum();
            if (n > 52) throw new IllegalArgumentException("State rules have too many conditions [count=" + n + "]: must be at most 52. Split the machine's rules.");
        }
    }

    /** One rule: {@code state} while every condition in {@code when} holds. */
    record StateRule(MachineState state, List<Condition> when) {
        public StateRule {
            Objects.requireNonNull(state, "state");
            when = List.copyOf(when);
            if (when.isEmpty()) throw new IllegalArgumentException("State rule [state=" + state.yamlName() + "] has no condition: add at least one to 'when'.");
        }
    }

    /** {@code signal op value}, for example spindle speed {@code gt} 50. Booleans compare as 0/1. */
    record Condition(String signal, Op op, double value) {
        public Condition {
            Objects.requireNonNull(signal, "signal");
            Objects.requireNonNull(op, "op");
        }

        public boolean test(double x) {
            return switch (op) {
                case GT -> x > value;
                case GE -> x >= value;
                case LT -> x < value;
                case LE -> x <= value;
                case EQ -> x == value;
                case NE -> x != value && !Double.isNaN(x);
            };
        }
    }

    /** Comparison of a condition; YAML {@code gt}, {@code ge}, {@code lt}, {@code le}, {@code eq}, {@code ne}. */
    enum Op { GT, GE, LT, LE, EQ, NE }
}
