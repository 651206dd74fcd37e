package io.lathe.tsfile;

/**
 * Unit of the timestamps written to TsFile. TsFile itself does not record it: it must equal the
 * {@code timestamp_precision} of the IoTDB that loads the files (IoTDB's default is ms, settable only before its
 * first start).
 */
public enum TimePrecision {
    /** Milliseconds: Lathe's microseconds divided by 1000, rounding down (also before 1970). */
    MILLISECONDS("ms"),
    /** Microseconds: Lathe's timestamps unchanged. */
    MICROSECONDS("us");

    private final String label;

    TimePrecision(String label) {
        this.label = label;
    }

    public String label() { return label; }

    /** Converts a Lathe timestamp (µs since the epoch) to this unit. */
    public long fromMicros(long micros) {
        return this == MILLISECONDS ? Math.floorDiv(micros, 1000L) : micros;
    }

    /** Parses {@code ms} or {@code us}. */
    public static TimePrecision parse(String s) {
        for (TimePrecision p : values()) if (p.label.equals(s)) return p;
        throw new IllegalArgumentException("precision must be ms or us, but was " + s);
    }
}
