package io.lathe.store.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Reads what {@link ByteSink} wrote. Throws {@link CorruptDataException} on reads past the end. */
public final class ByteSource {
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    final byte[] buf;
    int pos;
    final int end;

    public ByteSource(byte[] buf, int off, int len) {
        this.buf = buf;
        this.pos = off;
        this.end = off + len;
    }

    public int position() { return pos; }

    public int remaining() { return end - pos; }

    private void need(int n) {
        if (pos + n > end) throw new CorruptDataException("read past end of data [position=" + pos + ", need=" + n + ", end=" + end + "]");
    }

    public int get() {
        need(1);
        return buf[pos++] & 0xFF;
    }

    public int getInt() {
        need(4);
        int v = (int) INT_LE.get(buf, pos);
        pos += 4;
        return v;
    }

    public long getLong() {
        need(8);
        long v = (long) LONG_LE.get(buf, pos);
        pos += 8;
        return v;
    }

    public long getVarLong() {
        long v = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            need(1);
            int b = buf[pos++];
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) return v;
        }
        throw new CorruptDataException("varint longer than 10 bytes [position=" + pos + "]");
    }

    public int getVarInt() {
        long v = getVarLong();
        if (v < 0 || v > Integer.MAX_VALUE) throw new CorruptDataException("count out of range [value=" + v + "]");
        return (int) v;
    }

    public void getBytes(byte[] dst, int off, int len) {
        need(len);
        System.arraycopy(buf, pos, dst, off, len);
        pos += len;
    }

    public void skip(int n) {
        need(n);
        pos += n;
    }
}
