package io.lathe.api;

import io.lathe.api.internal.IngestRoute;

/**
 * What one {@code POST /api/ingest} request may hold. Each limit is answered with the limit and the setting that
 * raises it: a body over {@code maxBodyBytes} with 413, a line over {@code maxLineBytes} with 413 for that line, a
 * series beyond {@code maxNewSeries} new ones with 400 for its lines.
 *
 * @param maxBodyBytes largest request body in bytes ({@value #MAX_BODY_KEY}), at least 1
 * @param maxLineBytes longest line in bytes ({@value #MAX_LINE_KEY}), from {@value #MIN_LINE_BYTES} to
 *                     {@value #MAX_LINE_LIMIT}
 * @param maxNewSeries series one request may create ({@value #MAX_NEW_SERIES_KEY}); 0 lets a request write only to
 *                     series that exist already
 */
public record IngestLimits(long maxBodyBytes, int maxLineBytes, int maxNewSeries) {
    public static final String MAX_BODY_KEY = "server.ingest.max-body-bytes";
    public static final String MAX_LINE_KEY = "server.ingest.max-line-bytes";
    public static final String MAX_NEW_SERIES_KEY = "server.ingest.max-new-series";
    public static final long DEFAULT_MAX_BODY_BYTES = 64L << 20;
    /** A text value at the store's limit with room for the name, the timestamp and JSON escapes. */
    public static final int DEFAULT_MAX_LINE_BYTES = IngestRoute.MAX_LINE_BYTES;
    public static final int DEFAULT_MAX_NEW_SERIES = 1000;
    /** Below this even a short line with a long series name would not fit. */
    public static final int MIN_LINE_BYTES = 1024;
    /** The line buffer is one array. */
    public static final int MAX_LINE_LIMIT = Integer.MAX_VALUE - 16;

    public static final IngestLimits DEFAULTS = new IngestLimits(DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_LINE_BYTES, DEFAULT_MAX_NEW_SERIES);

    public IngestLimits {
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("ingest body limit too small [" + MAX_BODY_KEY + "=" + maxBodyBytes
                    + "]: must be at least 1 byte. Set it to the largest batch a sender posts, for example 67108864 (64 MiB).");
        }
        if (maxLineBytes < MIN_LINE_BYTES || maxLineBytes > MAX_LINE_LIMIT) {
            throw new IllegalArgumentException("ingest line limit out of range [" + MAX_LINE_KEY + "=" + maxLineBytes
                    + ", min=" + MIN_LINE_BYTES + ", max=" + MAX_LINE_LIMIT + "]: choose a value in that range, for example "
                    + DEFAULT_MAX_LINE_BYTES + ".");
        }
        if (maxNewSeries < 0) {
            throw new IllegalArgumentException("ingest new-series limit negative [" + MAX_NEW_SERIES_KEY + "=" + maxNewSeries
                    + "]: use 0 to allow no new series, or a positive number such as " + DEFAULT_MAX_NEW_SERIES + ".");
        }
    }
}
