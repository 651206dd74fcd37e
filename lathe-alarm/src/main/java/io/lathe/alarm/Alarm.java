package io.lathe.alarm;

/**
 * What the API shows of one alarm at one moment (CONTRACTS.md "Alarm"): an immutable snapshot.
 *
 * @param activeSinceMicros when the current activation began, or {@link Long#MIN_VALUE} when not active
 * @param shelvedUntilMicros end of a timed shelve, {@link Long#MAX_VALUE} for a one-shot shelve, {@link Long#MIN_VALUE} when not shelved
 */
public record Alarm(String id, String name, String asset, String assetName, String kind, Priority priority, AlarmState state,
                    boolean active, boolean acknowledged, boolean shelved, long shelvedUntilMicros, boolean oneShot,
                    boolean outOfService, boolean suppressed, String message, double value, String unit,
                    long activeSinceMicros, long lastChangeMicros, String response) {

    /** Not in {@code normal}, or shelved, out of service or suppressed: what the console lists by default. */
    public boolean notable() {
        return state != AlarmState.NORMAL || active || shelved || outOfService;
    }
}
