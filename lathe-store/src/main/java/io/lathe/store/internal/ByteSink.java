package io.lathe.store.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/** A growable byte array written front to back. Reused across blocks: {@link #reset()} keeps the array. */
public final class ByteSink {
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    byte[] buf;
    int pos;

    public ByteSink(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    public void reset() { pos = 0; }

    public int size() { return pos; }

    public byte[] array() { return buf; }

    public byte[] toByteArray() { return Arrays.copyOf(buf, pos); }

    public void ensure(int n) {
        if (pos + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
    }

    public void put(int b) {
        ensure(1);
        buf[pos++] = (byte) b;
    }

    public void putInt(int v) {
        ensure(4);
        INT_LE.set(buf, pos, v);
        pos += 4;
    }

    public void putLong(long v) {
        ensure(8);
        LONG_LE.set(buf, pos, v);
        pos += 8;
    }

    void putLongBigEndian(long v) {
        ensure(8);
        LONG_BE.set(buf, pos, v);
        pos += 8;
    }

    /** A tag, an int, two longs and a byte (22 bytes, the log's point record) with one capacity check. */
    public void putPoint(byte tag, int i, long a, long b, byte q) {
        ensure(22);
        byte[] buf = this.buf;
        int p = pos;
        buf[p] = tag;
        INT_LE.set(buf, p + 1, i);
        LONG_LE.set(buf, p + 5, a);
        LONG_LE.set(buf, p + 13, b);
        buf[p + 21] = q;
        pos = p + 22;
    }

    /** Unsigned LEB128. */
    public void putVarLong(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
    }

    public void putBytes(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, pos, len);
        pos += len;
    }

    public static long zigzag(long v) { return (v << 1) ^ (v >> 63); }

    public static long unzigzag(long v) { return (v >>> 1) ^ -(v & 1); }
}
