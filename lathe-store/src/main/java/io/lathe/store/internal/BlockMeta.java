package io.lathe.store.internal;

/**
 * Where one block of one series lies in a segment file, and its statistics (over the values as doubles), so that
 * aggregates over buckets that contain the whole block need not decode it.
 * {@code integral} is the sum of value * (next timestamp - timestamp) inside the block (sample-and-hold).
 */
public final class BlockMeta {
    public final int seriesId;
    public final byte type;
    public final byte encoding;
    public final long offset;
    public final int length;
    public final int count;
    public final long minTs, maxTs;
    public final double min, max, sum, first, last, integral;
    public final long tsOfMin, tsOfMax;
    public final byte lastQuality;
    public final int crc;
    /** Set after construction by the owning file. */
    SegmentFile file;

    public BlockMeta(int seriesId, byte type, byte encoding, long offset, int length, int count, long minTs, long maxTs,
                     double min, double max, double sum, double first, double last, double integral,
                     long tsOfMin, long tsOfMax, byte lastQuality, int crc) {
        this.seriesId = seriesId;
        this.type = type;
        this.encoding = encoding;
        this.offset = offset;
        this.length = length;
        this.count = count;
        this.minTs = minTs;
        this.maxTs = maxTs;
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

    void writeTo(ByteSink out) {
        out.putInt(seriesId);
        out.put(type);
        out.put(encoding);
        out.putVarLong(offset);
        out.putVarLong(length);
        out.putVarLong(count);
        out.putLong(minTs);
        out.putLong(maxTs);
        out.putLong(Double.doubleToRawLongBits(min));
        out.putLong(Double.doubleToRawLongBits(max));
        out.putLong(Double.doubleToRawLongBits(sum));
        out.putLong(Double.doubleToRawLongBits(first));
        out.putLong(Double.doubleToRawLongBits(last));
        out.putLong(Double.doubleToRawLongBits(integral));
        out.putLong(tsOfMin);
        out.putLong(tsOfMax);
        out.put(lastQuality);
        out.putInt(crc);
    }

    static BlockMeta readFrom(ByteSource in) {
        return new BlockMeta(in.getInt(), (byte) in.get(), (byte) in.get(), in.getVarLong(), in.getVarInt(), in.getVarInt(),
                in.getLong(), in.getLong(),
                Double.longBitsToDouble(in.getLong()), Double.longBitsToDouble(in.getLong()), Double.longBitsToDouble(in.getLong()),
                Double.longBitsToDouble(in.getLong()), Double.longBitsToDouble(in.getLong()), Double.longBitsToDouble(in.getLong()),
                in.getLong(), in.getLong(), (byte) in.get(), in.getInt());
    }
}
