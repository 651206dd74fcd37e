package io.lathe.store;

import java.util.Map;

/**
 * Size of a store. {@code filePoints}/{@code fileBytes} cover the immutable files (blocks, footers and headers);
 * {@code memoryPoints} are buffered and in the write-ahead log only.
 */
public record StoreStats(int series, long filePoints, long memoryPoints, long fileBytes, long walBytes, int files,
                         Map<String, EncodingStats> byEncoding, long rejectedLatePoints, long rejectedPoints) {

    public long points() { return filePoints + memoryPoints; }

    public double bytesPerPoint() { return filePoints == 0 ? Double.NaN : (double) fileBytes / filePoints; }

    /** Points and block bytes (without footers) per value encoding. */
    public record EncodingStats(long points, long bytes, long blocks) {
        public double bytesPerPoint() { return points == 0 ? Double.NaN : (double) bytes / points; }
    }
}
