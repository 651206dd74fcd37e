package io.lathe.store;

/**
 * A point the store refused, with the reason (already counted in {@link TelemetryStore#rejectedByReason()}).
 * {@link RejectReason#UNAVAILABLE} is temporary (retry later, an HTTP server answers 503);
 * {@link RejectReason#TOO_LARGE} names {@link TelemetryStore#MAX_TEXT_BYTES} (413); the others are bad input (400).
 */
public final class PointRejectedException extends RuntimeException {
    private final RejectReason reason;

    public PointRejectedException(RejectReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public PointRejectedException(RejectReason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public RejectReason reason() { return reason; }
}
