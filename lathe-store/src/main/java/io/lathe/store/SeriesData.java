package io.lathe.store;

import io.lathe.model.DataType;
import io.lathe.model.Quality;
import io.lathe.model.Value;

/**
 * Points of one series in time order, as columns (no object per point). Values are 64-bit patterns: raw IEEE bits
 * for doubles, the value for longs, 0/1 for booleans; text series carry the strings in {@code text}.
 */
public record SeriesData(String series, DataType type, int size, long[] timestamps, long[] bits, byte[] qualities, String[] text) {

    public long timestampAt(int i) { return timestamps[i]; }

    public double doubleAt(int i) {
        return switch (type) {
            case DOUBLE -> Double.longBitsToDouble(bits[i]);
            case LONG, BOOLEAN -> (double) bits[i];
            case TEXT -> Double.NaN;
        };
    }

    public Value valueAt(int i) {
        return switch (type) {
            case DOUBLE -> Value.of(Double.longBitsToDouble(bits[i]));
            case LONG -> Value.of(bits[i]);
            case BOOLEAN -> Value.of(bits[i] != 0);
            case TEXT -> Value.of(text[i]);
        };
    }

    public Quality qualityAt(int i) { return Quality.ofCode(qualities[i]); }
}
