package io.lathe.simulator;

/**
 * The plant's working time: three 8-hour shifts around the clock, every day (so a demo is in a working period whenever
 * it starts), each with a 10-minute break 2 h after its start and a 20-minute meal break 4.5 h after its start.
 * Times are UTC so that a simulation depends only on its seed and start instant, not on the machine's time zone.
 */
final class ShiftPattern {
    private ShiftPattern() {}

    static final long SHIFT_SECONDS = 8 * 3600;
    private static final long FIRST_SHIFT_OFFSET = 6 * 3600;
    private static final String[] NAMES = {"Early", "Late", "Night"};
    private static final long[][] BREAKS = {{2 * 3600, 2 * 3600 + 600}, {4 * 3600 + 1800, 4 * 3600 + 3000}};

    /** Running number of the shift containing this instant (changes at 06:00, 14:00 and 22:00 UTC). */
    static long shiftNumber(long epochSecond) {
        return Math.floorDiv(epochSecond - FIRST_SHIFT_OFFSET, SHIFT_SECONDS);
    }

    static String shiftName(long epochSecond) {
        return NAMES[(int) Math.floorMod(shiftNumber(epochSecond), 3L)];
    }

    /** Seconds since the start of the current shift. */
    static long intoShift(long epochSecond) {
        return Math.floorMod(epochSecond - FIRST_SHIFT_OFFSET, SHIFT_SECONDS);
    }

    static boolean inBreak(long epochSecond) {
        return breakEnd(epochSecond) >= 0;
    }

    /** End of the break containing this instant, or -1 when it is not in a break. */
    static long breakEnd(long epochSecond) {
        long into = intoShift(epochSecond);
        for (long[] b : BREAKS) {
            if (into >= b[0] && into < b[1]) return epochSecond - into + b[1];
        }
        return -1;
    }

    /** Fraction of calendar time that is planned break. */
    static double breakFraction() {
        long total = 0;
        for (long[] b : BREAKS) total += b[1] - b[0];
        return (double) total / SHIFT_SECONDS;
    }
}
