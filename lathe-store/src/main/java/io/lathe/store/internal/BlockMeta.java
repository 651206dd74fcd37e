package io.lathe.store.internal;

/**
 * Where one block of one series lies in a segment file, and its statistics (over the values as doubles), so that
 * aggregates over buckets that contain the whole block need not decode it.
 * {@code integral} is the sum of value * (next timestamp - timestamp) inside the block (sample-and-hold).
 * Blocks of fewer than {@link #STATS_MIN_POINTS} points carry no statistics ({@link #hasStats} false, the fields are
 * NaN): decoding them costs less than their statistics would cost on disk, which matters for slow series.
 */
public final class BlockMeta {
    public static final int STATS_MIN_POINTS = 128;

    public final int seriesId;
    public final byte type;
    public final byte encoding;
    public final long offset;
    public final int length;
    public final int count;
    public final long minTs, maxTs;
    public final boolean hasStats;
    public final double min, max, sum, first, last, integral;
    public final long tsOfMin, tsOfMax;
    public final byte lastQuality;
    public final int crc;
    final SegmentFile file;

    BlockMeta(SegmentFile file, int seriesId, byte type, byte encoding, long offset, int length, int count, long minTs, long maxTs,
              boolean hasStats, double min, double max, double sum, double first, double last, double integral,
              long tsOfMin, long tsOfMax, byte lastQuality, int crc) {
        this.file = file;
        this.seriesId = seriesId;
        this.type = type;
        this.encoding = encoding;
        this.offset = offset;
        this.length = length;
        this.count = count;
        this.minTs = minTs;
        this.maxTs = maxTs;
        this.hasStats = hasStats;
        this.min = min;
        this.max = max;
        this.sum = sum;
        this.first = first;
        this.last = last;
        this.integral = integral;
        this.tsOfMin = tsOfMin;
        this.tsOfMax = tsOfMax;
        this.lastQuality = lastQuality;
        this.crc = crc;
    }

    public SegmentFile file() { return file; }

    /** Heap bytes of one instance (object header, fields, padding), for the index cache's accounting. */
    static final int HEAP_BYTES = 136;

    /**
     * Compact on-disk form inside a series' meta group: offsets and times as deltas from the previous block of the
     * group (blocks of a series lie back to back and in time order), statistics only for large blocks.
     */
    void writeTo(ByteSink out, long prevEnd, long prevMaxTs) {
        out.put(encoding);
        out.put(hasStats ? 1 : 0);
        out.putVarLong(ByteSink.zigzag(offset - prevEnd));
        out.putVarLong(length);
        out.putVarLong(count);
        out.putVarLong(ByteSink.zigzag(minTs - prevMaxTs));
        out.putVarLong(maxTs - minTs);
        if (hasStats) {
            out.putLong(Double.doubleToRawLongBits(min));
            out.putLong(Double.doubleToRawLongBits(max));
            out.putLong(Double.doubleToRawLongBits(sum));
            out.putLong(Double.doubleToRawLongBits(first));
            out.putLong(Double.doubleToRawLongBits(last));
            out.putLong(Double.doubleToRawLongBits(integral));
            out.putVarLong(tsOfMin - minTs);
            out.putVarLong(tsOfMax - minTs);
        }
        out.put(lastQuality);
        out.putInt(crc);
    }

    static BlockMeta readFrom(ByteSource in, SegmentFile file, int seriesId, byte type, long prevEnd, long prevMaxTs) {
        byte encoding = (byte) in.get();
        int flags = in.get();
        if ((flags & ~1) != 0) throw new CorruptDataException("unknown block flags [flags=" + flags + ", series=" + seriesId + "]");
        long offset = prevEnd + ByteSink.unzigzag(in.getVarLong());
        int length = in.getVarInt();
        int count = in.getVarInt();
        long minTs = prevMaxTs + ByteSink.unzigzag(in.getVarLong());
        long maxTs = minTs + in.getVarLong();
        boolean stats = (flags & 1) != 0;
        double min = Double.NaN, max = Double.NaN, sum = Double.NaN, first = Double.NaN, last = Double.NaN, integral = Double.NaN;
        long tsOfMin = minTs, tsOfMax = minTs;
        if (stats) {
            min = Double.longBitsToDouble(in.getLong());
            max = Double.longBitsToDouble(in.getLong());
            sum = Double.longBitsToDouble(in.getLong());
            first = Double.longBitsToDouble(in.getLong());
            last = Double.longBitsToDouble(in.getLong());
            integral = Double.longBitsToDouble(in.getLong());
            tsOfMin = minTs + in.getVarLong();
            tsOfMax = minTs + in.getVarLong();
        }
        byte lastQuality = (byte) in.get();
        int crc = in.getInt();
        return new BlockMeta(file, seriesId, type, encoding, offset, length, count, minTs, maxTs, stats, min, max, sum, first, last,
                integral, tsOfMin, tsOfMax, lastQuality, crc);
    }
}
