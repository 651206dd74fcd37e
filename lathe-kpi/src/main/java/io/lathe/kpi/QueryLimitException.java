package io.lathe.kpi;

import java.time.Instant;

/**
 * A KPI query asks for more than the engine answers at once: a range longer than {@link KpiEngine#MAX_RANGE} or more
 * than {@link KpiEngine#MAX_PERIODS} periods. Nothing was computed; the engine is unaffected. The API answers 400.
 */
public final class QueryLimitException extends IllegalArgumentException {

    /** Which limit was exceeded. */
    public enum Limit { RANGE, PERIODS }

    private final Limit limit;

    private QueryLimitException(Limit limit, String message) {
        super(message);
        this.limit = limit;
    }

    static QueryLimitException range(long fromMicros, long toMicros) {
        return new QueryLimitException(Limit.RANGE, "KPI period too long [from=" + iso(fromMicros) + ", to=" + iso(toMicros)
                + "]: at most " + KpiEngine.MAX_RANGE.toDays() + " days (about ten years) are computed at once. Ask for a shorter range.");
    }

    static QueryLimitException periods(Grouping by, long fromMicros, long toMicros) {
        return new QueryLimitException(Limit.PERIODS, "KPI query has too many periods [by=" + by.name().toLowerCase(java.util.Locale.ROOT)
                + ", from=" + iso(fromMicros) + ", to=" + iso(toMicros) + "]: at most " + KpiEngine.MAX_PERIODS
                + " periods are computed at once. Use a coarser grouping (shift, day, week) or a shorter range.");
    }

    public Limit limit() { return limit; }

    private static String iso(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000).toString();
    }
}
