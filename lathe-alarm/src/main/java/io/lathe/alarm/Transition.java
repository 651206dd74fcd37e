package io.lathe.alarm;

/**
 * One event in an alarm's life, as journaled: who did what when, and the alarm's status right after it (so a replay
 * restores the status from the last transition alone, without re-running the state machine).
 *
 * @param seq          journal sequence number, strictly increasing; a replay ignores a number it has seen
 * @param event        {@code activate}, {@code clear}, {@code ack}, {@code reset}, {@code shelve}, {@code unshelve},
 *                     {@code out-of-service}, {@code in-service}, {@code suppress}, {@code unsuppress}, {@code comment}
 * @param user         who: a user name, or {@code system} for the engine
 * @param value        the process value at the time, NaN when none
 */
public record Transition(long seq, String alarm, String asset, long atMicros, String event, AlarmState from, AlarmState to,
                         String user, String comment, double value, Status status) {

    /** The alarm's lifecycle status after a transition. */
    public record Status(AlarmState state, boolean active, boolean acknowledged, long shelvedUntilMicros, boolean oneShot,
                         boolean outOfService, boolean suppressed, long activeSinceMicros, long lastChangeMicros, double value) {
        public boolean shelved() {
            return shelvedUntilMicros != Long.MIN_VALUE;
        }
    }

    /** True for an activation that reached the operator (the alarm went to {@code unack} from a non-active state). */
    public boolean annunciated() {
        return to == AlarmState.UNACK && from != AlarmState.UNACK && from != AlarmState.ACK;
    }
}
