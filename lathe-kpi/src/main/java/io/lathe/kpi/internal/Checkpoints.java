package io.lathe.kpi.internal;

import java.util.Arrays;

/**
 * Running sums of a machine's quantities at chosen instants, in time order: one column per quantity (null when the
 * machine does not have it). A value is the same double the raw series give at that instant, so a period whose bounds
 * are checkpoints gives bit-identical differences whether the raw points are still there or not. Not thread-safe.
 */
final class Checkpoints {
    long[] t = new long[16];
    final double[][] v;
    int n;
    /** The last two instants looked up: a period asks for its two bounds once per quantity. */
    private long hitT0 = Long.MIN_VALUE, hitT1 = Long.MIN_VALUE;
    private int hitI0 = -1, hitI1 = -1;

    Checkpoints(boolean[] columns) {
        v = new double[columns.length][];
        for (int c = 0; c < columns.length; c++) if (columns[c]) v[c] = new double[16];
    }

    /** Index of the checkpoint at exactly {@code ts}, -1 when there is none. */
    int find(long ts) {
        if (ts == hitT0) return hitI0;
        if (ts == hitT1) return hitI1;
        int i = Arrays.binarySearch(t, 0, n, ts);
        hitT1 = hitT0;
        hitI1 = hitI0;
        hitT0 = ts;
        hitI0 = i >= 0 ? i : -1;
        return hitI0;
    }

    private void forget() {
        hitT0 = hitT1 = Long.MIN_VALUE;
        hitI0 = hitI1 = -1;
    }

    /** Index of the first checkpoint at or after {@code ts}. */
    int ceil(long ts) {
        int i = Arrays.binarySearch(t, 0, n, ts);
        return i >= 0 ? i : -i - 1;
    }

    long last() { return n == 0 ? Long.MIN_VALUE : t[n - 1]; }

    long firstTime() { return n == 0 ? Long.MAX_VALUE : t[0]; }

    /** Appends instants after the last one (values 0 until computed). */
    void append(long[] ts, int count) {
        forget();
        ensure(n + count);
        System.arraycopy(ts, 0, t, n, count);
        for (double[] c : v) if (c != null) Arrays.fill(c, n, n + count, 0);
        n += count;
    }

    /** Inserts instants before the first one (values 0 until computed). */
    void prepend(long[] ts, int count) {
        forget();
        ensure(n + count);
        System.arraycopy(t, 0, t, count, n);
        System.arraycopy(ts, 0, t, 0, count);
        for (double[] c : v) {
            if (c == null) continue;
            System.arraycopy(c, 0, c, count, n);
            Arrays.fill(c, 0, count, 0);
        }
        n += count;
    }

    private void ensure(int size) {
        if (size <= t.length) return;
        int cap = Math.max(size, t.length * 2);
        t = Arrays.copyOf(t, cap);
        for (int c = 0; c < v.length; c++) if (v[c] != null) v[c] = Arrays.copyOf(v[c], cap);
    }
}
