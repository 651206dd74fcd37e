package io.lathe.ingest;

import io.lathe.model.DataType;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import java.util.Arrays;

/**
 * The points (and stale marks) that one message of a source carries, handed over at once with
 * {@link PointSink#accept(PointBatch)}: one Sparkplug payload, one Modbus poll, one OPC UA notification, one JSON
 * message. An {@link IngestQueue} takes its lock once per batch instead of once per point.
 *
 * <p>Columnar and reusable: a connector keeps one batch per receiving thread (or per edge node, under its lock),
 * {@link #clear() clears} it before each message and fills it again; once the arrays have grown to the largest message
 * nothing is allocated. Entries keep the order in which they were added. Not thread-safe; a sink must not keep a
 * reference to the batch after {@code accept} returns.
 */
public final class PointBatch {
    static final int QUALITY_MASK = 0x03;
    static final int HISTORICAL = 0x04;
    static final int STALE = 0x08;
    /** Bits 4-5: how {@link #bits} holds the value when {@link #values} has none (yet): 0 none (a stale mark). */
    static final int KIND_SHIFT = 4;
    static final int KIND_MASK = 0x30;
    static final int KIND_DOUBLE = 1;
    static final int KIND_LONG = 2;
    static final int KIND_BOOLEAN = 3;

    Signal[] signals;
    long[] timestamps;
    /**
     * The value object; for a point added as a primitive, made on the first {@link #value(int)} and kept. Null from
     * {@link #size} on.
     */
    Value[] values;
    /** A primitive value (raw IEEE bits of a double, a long, 0/1), as its kind in {@link #flags} says. */
    long[] bits;
    /** Quality code in bits 0-1, {@link #HISTORICAL}, {@link #STALE}, the primitive kind in bits 4-5. */
    byte[] flags;
    int size;
    /** Some entry of {@link #values} may be set: {@link #clear()} has references to drop. */
    private boolean objects;
    /** When an {@link IngestQueue} queued this batch's first entry ({@link System#nanoTime()}), for its lag. */
    long enqueuedNanos;

    public PointBatch() {
        this(16);
    }

    /** @param initialCapacity entries before the arrays first grow, at least 1 */
    public PointBatch(int initialCapacity) {
        if (initialCapacity < 1) throw new IllegalArgumentException("initialCapacity must be >= 1, but was " + initialCapacity);
        signals = new Signal[initialCapacity];
        timestamps = new long[initialCapacity];
        values = new Value[initialCapacity];
        bits = new long[initialCapacity];
        flags = new byte[initialCapacity];
    }

    /** Adds one point; the arguments mean what they mean in {@link PointSink#accept(Signal, long, Value, Quality, boolean)}. */
    public void add(Signal signal, long timestampMicros, Value value, Quality quality, boolean historical) {
        put(signal, timestampMicros, value, (byte) (quality.code() | (historical ? HISTORICAL : 0)));
    }

    /**
     * Adds a point whose value is a double, without making a {@link Value} for it: the store takes the bits as they
     * are, and a sink that asks for {@link #value(int)} gets one made then. Why: at a million points a second the
     * value objects were most of what the ingest path allocated, made on the receiving thread and read on another.
     */
    public void addDouble(Signal signal, long timestampMicros, double value, Quality quality, boolean historical) {
        putBits(signal, timestampMicros, Double.doubleToRawLongBits(value), KIND_DOUBLE, quality, historical);
    }

    /** As {@link #addDouble} for a long value. */
    public void addLong(Signal signal, long timestampMicros, long value, Quality quality, boolean historical) {
        putBits(signal, timestampMicros, value, KIND_LONG, quality, historical);
    }

    /** As {@link #addDouble} for a boolean value. */
    public void addBoolean(Signal signal, long timestampMicros, boolean value, Quality quality, boolean historical) {
        putBits(signal, timestampMicros, value ? 1 : 0, KIND_BOOLEAN, quality, historical);
    }

    private void putBits(Signal signal, long timestampMicros, long b, int kind, Quality quality, boolean historical) {
        if (size == signals.length) grow(size + 1);
        signals[size] = signal;
        timestamps[size] = timestampMicros;
        // values[size] is null already: entries from size on always are (clear, truncate), so a primitive writes
        // one array less; the consumer's thread reads these arrays, and every line written here moves between cores
        bits[size] = b;
        flags[size] = (byte) (quality.code() | (historical ? HISTORICAL : 0) | (kind << KIND_SHIFT));
        size++;
    }

    /** Adds a stale mark, as {@link PointSink#markStale(Signal, long)}. */
    public void stale(Signal signal, long timestampMicros) {
        put(signal, timestampMicros, null, (byte) (Quality.STALE.code() | STALE));
    }

    void put(Signal signal, long timestampMicros, Value value, byte flag) {
        if (size == signals.length) grow(size + 1);
        signals[size] = signal;
        timestamps[size] = timestampMicros;
        values[size] = value;
        if (value != null) objects = true;
        flags[size] = flag;
        size++;
    }

    /** Appends entry {@code i} of {@code from} as it is (value object or primitive, flags). */
    void copyEntry(PointBatch from, int i) {
        if (size == signals.length) grow(size + 1);
        signals[size] = from.signals[i];
        timestamps[size] = from.timestamps[i];
        Value v = from.values[i];
        values[size] = v;
        if (v != null) objects = true;
        bits[size] = from.bits[i];
        flags[size] = from.flags[i];
        size++;
    }

    void grow(int min) {
        int n = Math.max(min, signals.length * 2);
        signals = Arrays.copyOf(signals, n);
        timestamps = Arrays.copyOf(timestamps, n);
        values = Arrays.copyOf(values, n);
        bits = Arrays.copyOf(bits, n);
        flags = Arrays.copyOf(flags, n);
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Empties the batch, dropping its references to signals and values; the arrays are kept for the next message. */
    public void clear() {
        Arrays.fill(signals, 0, size, null);
        // a batch of primitives (the usual Sparkplug payload) has no value to drop: no second pass over it
        if (objects) Arrays.fill(values, 0, size, null);
        objects = false;
        size = 0;
    }

    /** Drops the entries from {@code newSize} on (a reader that gave up on a message half-way); the rest stay. */
    public void truncate(int newSize) {
        if (newSize < 0 || newSize > size) throw new IndexOutOfBoundsException("size must be in [0, " + size + "], but was " + newSize);
        Arrays.fill(signals, newSize, size, null);
        Arrays.fill(values, newSize, size, null);
        size = newSize;
    }

    public Signal signal(int i) {
        check(i);
        return signals[i];
    }

    /** Microseconds since the Unix epoch (UTC). */
    public long timestampMicros(int i) {
        check(i);
        return timestamps[i];
    }

    /** The value, or null for a stale mark. A point added as a primitive gets its value object made here, once. */
    public Value value(int i) {
        check(i);
        Value v = values[i];
        if (v == null) {
            int f = flags[i];
            if ((f & STALE) != 0) return null;
            v = switch ((f & KIND_MASK) >>> KIND_SHIFT) {
                case KIND_DOUBLE -> Value.of(Double.longBitsToDouble(bits[i]));
                case KIND_LONG -> Value.of(bits[i]);
                case KIND_BOOLEAN -> Value.of(bits[i] != 0);
                default -> null;
            };
            values[i] = v;
            objects = true;
        }
        return v;
    }

    /**
     * The type of the primitive value of entry {@code i}, read with {@link #bits(int)}; null when the entry holds a
     * value object (text, or added with {@link #add}) or is a stale mark: then use {@link #value(int)}.
     */
    public DataType primitiveType(int i) {
        check(i);
        return switch ((flags[i] & KIND_MASK) >>> KIND_SHIFT) {
            case KIND_DOUBLE -> DataType.DOUBLE;
            case KIND_LONG -> DataType.LONG;
            case KIND_BOOLEAN -> DataType.BOOLEAN;
            default -> null;
        };
    }

    /** The primitive value of entry {@code i} as {@link #primitiveType(int)} says: raw IEEE bits of a double, a long, 0 or 1. */
    public long bits(int i) {
        check(i);
        return bits[i];
    }

    public Quality quality(int i) {
        check(i);
        return Quality.ofCode(flags[i] & QUALITY_MASK);
    }

    public boolean historical(int i) {
        check(i);
        return (flags[i] & HISTORICAL) != 0;
    }

    /** True for an entry added with {@link #stale(Signal, long)}. */
    public boolean isStale(int i) {
        check(i);
        return (flags[i] & STALE) != 0;
    }

    /** Hands entry {@code i} to {@code sink} as a point or a stale mark. */
    public void deliver(int i, PointSink sink) {
        check(i);
        byte f = flags[i];
        if ((f & STALE) != 0) sink.markStale(signals[i], timestamps[i]);
        else sink.accept(signals[i], timestamps[i], value(i), Quality.ofCode(f & QUALITY_MASK), (f & HISTORICAL) != 0);
    }

    private void check(int i) {
        if (i < 0 || i >= size) throw new IndexOutOfBoundsException("entry must be in [0, " + size + "), but was " + i);
    }
}
