package io.lathe.store.internal;

/** Writes bit fields most significant bit first into a {@link ByteSink}. Call {@link #finish()} once at the end. */
public final class BitWriter {
    private ByteSink sink;
    private long acc;
    private int filled;

    public BitWriter start(ByteSink sink) {
        this.sink = sink;
        acc = 0;
        filled = 0;
        return this;
    }

    /** Writes the low {@code n} bits of {@code v}, n in [0, 64]. */
    public void write(long v, int n) {
        if (n == 0) return;
        if (n < 64) v &= (1L << n) - 1;
        int free = 64 - filled;
        if (n < free) {
            acc |= v << (free - n);
            filled += n;
        } else {
            int rest = n - free;
            acc |= v >>> rest;
            sink.putLongBigEndian(acc);
            acc = rest == 0 ? 0 : v << (64 - rest);
            filled = rest;
        }
    }

    /** Pads the last byte with zeros and writes it. */
    public void finish() {
        int bytes = (filled + 7) >>> 3;
        for (int i = 0; i < bytes; i++) sink.put((int) (acc >>> (56 - 8 * i)));
        acc = 0;
        filled = 0;
    }
}
