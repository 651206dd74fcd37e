package io.lathe.alarm;

import java.time.Duration;
import java.util.Objects;

/**
 * Engine settings.
 *
 * @param maxShelve     the longest an operator may shelve an alarm (ISA-18.2 asks for a limit); default 8 h
 * @param tickInterval  how often time-based conditions (stale signals, state durations, delays, shelve ends) are checked
 * @param historyLimit  transitions kept in memory for the events and KPI queries; older ones stay in the journal file
 * @param journalSync   fsync each transition; false only in benchmarks
 */
public record AlarmSettings(Duration maxShelve, Duration tickInterval, int historyLimit, boolean journalSync) {
    public static final AlarmSettings DEFAULTS = new AlarmSettings(Duration.ofHours(8), Duration.ofSeconds(1), 200_000, true);

    public AlarmSettings {
        Objects.requireNonNull(maxShelve, "maxShelve");
        Objects.requireNonNull(tickInterval, "tickInterval");
        if (maxShelve.isNegative() || maxShelve.isZero()) throw new IllegalArgumentException("alarms.max-shelve must be positive, but was " + maxShelve);
        if (tickInterval.toMillis() < 10) throw new IllegalArgumentException("tick interval must be at least 10 ms, but was " + tickInterval);
        if (historyLimit < 100) throw new IllegalArgumentException("history limit must be at least 100, but was " + historyLimit);
    }
}
