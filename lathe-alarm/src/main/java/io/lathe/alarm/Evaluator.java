package io.lathe.alarm;

import io.lathe.model.Value;

/**
 * The running state of one rule kind for one alarm: fed the points of its inputs (and a clock tick for kinds that
 * depend on time), it says whether the alarm condition holds. Not thread-safe: the engine calls it under the alarm's
 * lock.
 */
public interface Evaluator {
    /** The condition now holds. */
    int ON = 1;
    /** The condition no longer holds. */
    int OFF = 0;
    /** Nothing to decide from this input (for example an expression still missing an operand). */
    int UNKNOWN = -1;

    /**
     * A point of one of the kind's {@link RuleKind#inputs()}.
     *
     * @param input index of the signal in {@code inputs()}
     * @return {@link #ON}, {@link #OFF} or {@link #UNKNOWN}
     */
    int point(int input, long timestampMicros, Value value);

    /** The clock moved to {@code nowMicros}; only kinds that depend on time answer other than {@link #UNKNOWN}. */
    default int tick(long nowMicros) {
        return UNKNOWN;
    }

    /** The source of an input went away (Sparkplug death, lost connection). */
    default int stale(int input, long timestampMicros) {
        return UNKNOWN;
    }

    /** The value the message shows (the process value of the first input, a rate, a score); NaN when none yet. */
    double value();
}
