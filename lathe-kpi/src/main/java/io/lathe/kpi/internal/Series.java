package io.lathe.kpi.internal;

import java.util.Arrays;

/**
 * Points of one input signal in time order, as growable columns. A point at an existing timestamp replaces it (a
 * correction). Step series (states, cumulative counters, codes) repeat a value without meaning: repeats are kept while
 * a late point could still land before them (within {@code lateWindowMicros} of the newest point) and dropped after,
 * so late data inserted between two equal values is never lost and memory stays bounded. Not thread-safe.
 */
public final class Series {
    private static final int COMPACT_EVERY = 4096;

    final boolean step;
    final long lateWindowMicros;
    long[] t = new long[16];
    double[] v = new double[16];
    int n;
    private int compactedUpTo;
    private int nextCompactAt = COMPACT_EVERY;
    private int compactions;

    public Series(boolean step, long lateWindowMicros) {
        this.step = step;
        this.lateWindowMicros = lateWindowMicros;
    }

    public int size() { return n; }

    /** How often repeats were dropped: indices of older points change then, so derived arrays must be rebuilt. */
    public int compactions() { return compactions; }

    public long time(int i) { return t[i]; }

    public double value(int i) { return v[i]; }

    public long newest() { return n == 0 ? Long.MIN_VALUE : t[n - 1]; }

    /** True when a point at {@code ts} is later than the late window allows (it must be rejected). */
    public boolean tooLate(long ts) {
        return n > 0 && ts < t[n - 1] && t[n - 1] - ts > lateWindowMicros;
    }

    /** Stores a point; returns false when nothing changed (same value at the same timestamp). */
    public boolean put(long ts, double val) {
        if (n == 0 || ts > t[n - 1]) {
            grow();
            t[n] = ts;
            v[n] = val;
            n++;
            if (step && n >= nextCompactAt) compact();
            return true;
        }
        int i = Arrays.binarySearch(t, 0, n, ts);
        if (i >= 0) {
            if (Double.compare(v[i], val) == 0) return false;
            v[i] = val;
            return true;
        }
        int at = -i - 1;
        grow();
        System.arraycopy(t, at, t, at + 1, n - at);
        System.arraycopy(v, at, v, at + 1, n - at);
        t[at] = ts;
        v[at] = val;
        n++;
        if (at < compactedUpTo) compactedUpTo = at;
        return true;
    }

    private void grow() {
        if (n == t.length) {
            int c = t.length * 2;
            t = Arrays.copyOf(t, c);
            v = Arrays.copyOf(v, c);
        }
    }

    /** Drops repeated values older than the late window, where no late point can land any more. */
    private void compact() {
        long limit = t[n - 1] - lateWindowMicros;
        int w = Math.max(1, compactedUpTo);
        int r = w;
        while (r < n && t[r] < limit) {
            if (Double.compare(v[r], v[w - 1]) != 0) {
                t[w] = t[r];
                v[w] = v[r];
                w++;
            }
            r++;
        }
        int keep = w;
        System.arraycopy(t, r, t, w, n - r);
        System.arraycopy(v, r, v, w, n - r);
        n = w + (n - r);
        compactedUpTo = Math.max(1, keep - 1);
        nextCompactAt = n + Math.max(COMPACT_EVERY, n / 2);
        compactions++;
    }

    /** Index of the last point at or before {@code ts}, -1 when none. */
    public int floor(long ts) {
        int i = Arrays.binarySearch(t, 0, n, ts);
        return i >= 0 ? i : -i - 2;
    }

    /** Index of the last point strictly before {@code ts}, -1 when none. */
    public int lower(long ts) {
        int i = Arrays.binarySearch(t, 0, n, ts);
        return i >= 0 ? i - 1 : -i - 2;
    }
}
