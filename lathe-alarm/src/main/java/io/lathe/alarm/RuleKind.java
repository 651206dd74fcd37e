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

    /**
     * The values of the first input that are normal whatever the evaluator saw before, or null when the kind has no
     * such band (kinds that keep a history of their inputs or depend on time). A kind that gives one promises: while
     * its evaluator's newest answer other than {@link Evaluator#UNKNOWN} is {@link Evaluator#OFF} (or it has given
     * none), a point of the first input strictly inside the band answers {@code OFF} and changes nothing in the
     * evaluator that the next such point would not overwrite (only {@link Evaluator#value()}). The engine relies on
     * that to take a plant's normal points without calling the evaluator: it keeps the newest one and hands it over
     * only when something reads or changes the alarm.
     */
    default Band normalBand() {
        return null;
    }

    /** First-input values {@code v} with {@code above < v < below}; NaN is never inside. */
    record Band(double above, double below) {}
}
