package io.lathe.store;

/**
 * Why the store refused a point. {@link #label()} is stable: it names the reason in
 * {@link TelemetryStore#rejectedByReason()}, in metrics and in error responses.
 */
public enum RejectReason {
    /** Older than its series' newest point by more than the late window. */
    LATE("late"),
    /** A value the series' type cannot hold (text to a number series, NaN or a fraction to a LONG series, ...). */
    TYPE_MISMATCH("type-mismatch"),
    /** Timestamp outside [{@link TelemetryStore#MIN_TIMESTAMP_MICROS}, {@link TelemetryStore#MAX_TIMESTAMP_MICROS}]. */
    OUT_OF_RANGE_TIMESTAMP("out-of-range-timestamp"),
    /** Text value above {@link TelemetryStore#MAX_TEXT_BYTES} bytes of UTF-8. */
    TOO_LARGE("too-large"),
    /** The store cannot make points durable now (write-ahead log failing, disk full); see {@link TelemetryStore#unavailableReason()}. */
    UNAVAILABLE("unavailable"),
    /** The store is closed or opened read-only. */
    CLOSED("closed"),
    /** Anything else (a bug): the exception is logged. */
    ERROR("error");

    private final String label;

    RejectReason(String label) {
        this.label = label;
    }

    public String label() { return label; }
}
