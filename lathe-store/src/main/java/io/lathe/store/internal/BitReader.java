package io.lathe.store.internal;

/** Reads what {@link BitWriter} wrote. Past the end it reads zeros; callers bound reads by counts they stored. */
public final class BitReader {
    private byte[] buf;
    private int pos;
    private int end;
    private long acc;
    private int avail;

    /** Starts reading at the source's position; {@link #finish(ByteSource)} moves the source past the bytes used. */
    public BitReader start(ByteSource src) {
        buf = src.buf;
        pos = src.pos;
        end = src.end;
        acc = 0;
        avail = 0;
        return this;
    }

    public void finish(ByteSource src) {
        // Bytes consumed: everything loaded minus whole bytes still unread in the accumulator.
        int consumed = pos - (avail >>> 3);
        if (consumed > end) throw new CorruptDataException("bit stream ran past end of block [end=" + end + ", position=" + consumed + "]");
        src.pos = consumed;
    }

    private void refill() {
        long v = 0;
        int loaded = 0;
        if (pos + 8 <= end) {
            for (int i = 0; i < 8; i++) v = (v << 8) | (buf[pos + i] & 0xFF);
            pos += 8;
            loaded = 64;
        } else {
            while (loaded < 64 && pos < end) {
                v |= (long) (buf[pos++] & 0xFF) << (56 - loaded);
                loaded += 8;
            }
            if (loaded == 0) throw new CorruptDataException("bit stream ran past end of block [end=" + end + "]");
            if (loaded < 64 && loaded > 0) {
                // v already aligned to the top by the shifts above
            }
        }
        acc = v;
        avail = loaded;
    }

    public long read(int n) {
        if (n == 0) return 0;
        if (n <= avail) {
            long r = acc >>> (64 - n);
            acc = n == 64 ? 0 : acc << n;
            avail -= n;
            return r;
        }
        long hi = avail == 0 ? 0 : acc >>> (64 - avail);
        int need = n - avail;
        refill();
        if (need > avail) throw new CorruptDataException("bit stream ran past end of block [end=" + end + "]");
        long lo = acc >>> (64 - need);
        acc = need == 64 ? 0 : acc << need;
        avail -= need;
        return need == 64 ? lo : (hi << need) | lo;
    }

    public boolean readBit() {
        return read(1) != 0;
    }
}
