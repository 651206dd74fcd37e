package io.lathe.alarm;

import java.util.List;
import java.util.Map;

/**
 * What makes an alarm active: one record per kind, each with its own {@link Evaluator}. A new kind is one more record
 * (plus its name here in {@code permits}); the engine knows kinds only through this
 * interface.
 */
public sealed interface RuleKind permits LimitKind, RateOfChangeKind, DeviationKind, StaleKind, StateKind, DiscreteKind,
        ExpressionKind, AnomalyScoreKind {

    /** The kind's name in YAML and JSON, for example {@code limit}. */
    String id();

    /** Signal ids whose points the kind reads, the first one being the alarm's process value. */
    List<String> inputs();

    /** A fresh evaluator (no history). */
    Evaluator evaluator();

    /** True when the kind needs clock ticks (stale signals, states lasting longer than a time). */
    default boolean timed() {
        return false;
    }

    /** The kind's own settings, as written in YAML and JSON (without {@code kind}). */
    Map<String, Object> settings();

    /** The threshold the message template shows as {@code {limit}}; NaN when the kind has none. */
    default double limit() {
        return Double.NaN;
    }

    /** The default message when the rule gives none. */
    String defaultMessage();
}
