package io.lathe.kpi.internal;

import java.util.Arrays;

/**
 * Points of one input signal in time order, as growable columns, with optional derived columns (running sums) that
 * move with the points. A point at an existing timestamp replaces it (a correction). Step series (states, cumulative
 * counters, codes) repeat a value without meaning: repeats are kept while a late point could still land before them
 * (within {@code lateWindowMicros} of the newest point) and dropped after, so late data inserted between two equal
 * values is never lost and memory stays bounded. Dropping a repeat leaves every running sum of the kept points as it
 * was (a repeat adds nothing), so derived columns are compacted with the points and need no re-derivation.
 *
 * <p>Points before the raw-data horizon can be evicted ({@link #evictBefore}): the last point before the horizon stays
 * as the head (index 0) with its derived values, so step values and running sums continue exactly after it.
 * Not thread-safe.
 */
public final class Series {
    private static final int COMPACT_EVERY = 4096;

    final boolean step;
    final long lateWindowMicros;
    long[] t = new long[16];
    double[] v = new double[16];
    /** Derived columns, index-aligned with {@link #t}; values of points not yet derived are meaningless. */
    final double[][] d;
    int n;
    /** Earliest timestamp ever stored (also after eviction); MAX_VALUE while empty. */
    long first = Long.MAX_VALUE;
    /** True once points were evicted: index 0 is then the last point before the horizon, its derived values carried. */
    boolean headed;
    private long evicted;
    private int compactedUpTo;
    private int nextCompactAt = COMPACT_EVERY;

    public Series(boolean step, long lateWindowMicros) {
        this(step, lateWindowMicros, 0);
    }

    public Series(boolean step, long lateWindowMicros, int derivedColumns) {
        this.step = step;
        this.lateWindowMicros = lateWindowMicros;
        this.d = new double[derivedColumns][16];
    }

    public int size() { return n; }

    /** Points evicted so far. */
    public long evicted() { return evicted; }

    public long time(int i) { return t[i]; }

    public double value(int i) { return v[i]; }

    public long newest() { return n == 0 ? Long.MIN_VALUE : t[n - 1]; }

    /** True when a point at {@code ts} is later than the late window allows (it must be rejected). */
    public boolean tooLate(long ts) {
        return n > 0 && ts < t[n - 1] && t[n - 1] - ts > lateWindowMicros;
    }

    /** Stores a point; returns false when nothing changed (same value at the same timestamp). */
    public boolean put(long ts, double val) {
        if (ts < first) first = ts;
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
        for (double[] c : d) System.arraycopy(c, at, c, at + 1, n - at);
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
            for (int k = 0; k < d.length; k++) d[k] = Arrays.copyOf(d[k], c);
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
                for (double[] c : d) c[w] = c[r];
                w++;
            }
            r++;
        }
        int keep = w;
        System.arraycopy(t, r, t, w, n - r);
        System.arraycopy(v, r, v, w, n - r);
        for (double[] c : d) System.arraycopy(c, r, c, w, n - r);
        n = w + (n - r);
        compactedUpTo = Math.max(1, keep - 1);
        nextCompactAt = n + Math.max(COMPACT_EVERY, n / 2);
    }

    /**
     * Drops the points before the last point strictly before {@code horizon}, which becomes the head. Returns the
     * number dropped. The caller must have derived the columns first and must reject points before the horizon after.
     */
    public int evictBefore(long horizon) {
        int h = lower(horizon);
        if (h <= 0) return 0;
        System.arraycopy(t, h, t, 0, n - h);
        System.arraycopy(v, h, v, 0, n - h);
        for (double[] c : d) System.arraycopy(c, h, c, 0, n - h);
        n -= h;
        compactedUpTo = Math.max(1, compactedUpTo - h);
        nextCompactAt = Math.max(nextCompactAt - h, n + 1);
        headed = true;
        evicted += h;
        // shrink storage a long stream left behind, keeping room to grow
        if (t.length > 64 && n < t.length / 4) {
            int c = Math.max(16, n * 2);
            t = Arrays.copyOf(t, c);
            v = Arrays.copyOf(v, c);
            for (int k = 0; k < d.length; k++) d[k] = Arrays.copyOf(d[k], c);
        }
        return h;
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

    /** Index of the first point at or after {@code ts}. */
    public int ceil(long ts) {
        return lower(ts) + 1;
    }
}
