package io.lathe.kpi;

import java.time.Instant;

/**
 * A KPI period bound lies before a machine's raw-data horizon (see {@link KpiConfig#rawRetention()}) at an instant the
 * engine kept no running sums for: quantities and energy up to that instant can no longer be told exactly. Bounds on
 * the site's local hours, shift starts and ends, and the machine's product changes stay exact for ever; so does any
 * bound at or after {@link #rawFromMicros()}. Recompute such a period from the store (as {@code lathe kpi} does) to get
 * arbitrary bounds.
 */
public final class OutsideRetentionException extends IllegalArgumentException {
    private final String machine;
    private final long timeMicros;
    private final long rawFromMicros;

    public OutsideRetentionException(String machine, long timeMicros, long rawFromMicros) {
        super("KPI period bound " + iso(timeMicros) + " is before the raw-data horizon " + iso(rawFromMicros) + " of machine "
                + machine + " and not on a local hour, shift start or end, or product change [machine=" + machine
                + ", time=" + timeMicros + "]: its quantities are kept per hour only. Use a whole-hour or shift bound, or recompute"
                + " the period from the store (lathe kpi).");
        this.machine = machine;
        this.timeMicros = timeMicros;
        this.rawFromMicros = rawFromMicros;
    }

    public String machine() { return machine; }

    /** The period bound that cannot be answered, µs since the epoch. */
    public long timeMicros() { return timeMicros; }

    /** The machine's raw-data horizon: any bound at or after it is exact. */
    public long rawFromMicros() { return rawFromMicros; }

    private static String iso(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000).toString();
    }
}
