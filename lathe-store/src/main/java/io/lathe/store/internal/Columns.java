package io.lathe.store.internal;

import io.lathe.model.DataType;
import java.util.Arrays;

/**
 * Points of one series in columns: timestamps (µs), values as 64 bits (raw IEEE bits of doubles, longs, 0/1 for
 * booleans), quality codes, and for text series the strings. Growable; reused by its owner.
 */
public final class Columns {
    public final DataType type;
    public long[] ts;
    public long[] bits;
    public byte[] quality;
    public Object[] text;
    public int size;

    public Columns(DataType type, int capacity) {
        this.type = type;
        capacity = Math.max(1, capacity);
        ts = new long[capacity];
        bits = new long[capacity];
        quality = new byte[capacity];
        if (type == DataType.TEXT) text = new Object[capacity];
    }

    /** Points to another owner's arrays (a view: {@link #ensure} would copy them); {@code text} only for text columns. */
    public Columns wrap(long[] t, long[] b, byte[] q, Object[] s, int n) {
        ts = t;
        bits = b;
        quality = q;
        text = type == DataType.TEXT ? s : null;
        size = n;
        return this;
    }

    public void ensure(int capacity) {
        if (capacity <= ts.length) return;
        int n = Math.max(capacity, ts.length * 2);
        ts = Arrays.copyOf(ts, n);
        bits = Arrays.copyOf(bits, n);
        quality = Arrays.copyOf(quality, n);
        if (text != null) text = Arrays.copyOf(text, n);
    }

    public void add(long t, long b, byte q, Object s) {
        if (size == ts.length) ensure(size + 1);
        ts[size] = t;
        bits[size] = b;
        quality[size] = q;
        if (text != null) text[size] = s;
        size++;
    }

    /** Empties the columns for reuse, keeping the arrays (and dropping references to texts). */
    public void clear() {
        if (text != null) Arrays.fill(text, 0, size, null);
        size = 0;
    }

    public void addFrom(Columns o, int from, int to) {
        int n = to - from;
        if (n <= 0) return;
        ensure(size + n);
        System.arraycopy(o.ts, from, ts, size, n);
        System.arraycopy(o.bits, from, bits, size, n);
        System.arraycopy(o.quality, from, quality, size, n);
        if (text != null) System.arraycopy(o.text, from, text, size, n);
        size += n;
    }

    /** Appends points [from, to) of plain arrays ({@code text} may be null: no texts). */
    public void addFrom(long[] t, long[] b, byte[] q, Object[] s, int from, int to) {
        int n = to - from;
        if (n <= 0) return;
        ensure(size + n);
        System.arraycopy(t, from, ts, size, n);
        System.arraycopy(b, from, bits, size, n);
        System.arraycopy(q, from, quality, size, n);
        if (text != null) {
            if (s != null) System.arraycopy(s, from, text, size, n);
            else Arrays.fill(text, size, size + n, null);
        }
        size += n;
    }

    /** Value of point i as a double: NaN for text. */
    public double doubleAt(int i) {
        return asDouble(type, bits[i]);
    }

    public static double asDouble(DataType type, long bits) {
        return switch (type) {
            case DOUBLE -> Double.longBitsToDouble(bits);
            case LONG, BOOLEAN -> (double) bits;
            case TEXT -> Double.NaN;
        };
    }

    public boolean isSorted() {
        for (int i = 1; i < size; i++) if (ts[i] < ts[i - 1]) return false;
        return true;
    }

    /** True when timestamps strictly increase (sorted, no two points at one time). */
    public boolean isStrictlyIncreasing() {
        for (int i = 1; i < size; i++) if (ts[i] <= ts[i - 1]) return false;
        return true;
    }

    /**
     * Of points with equal timestamps keeps the last one (last write wins); points must be sorted, stably, so that
     * arrival order is kept among equal timestamps. In place, no allocation.
     */
    public void keepLastOfEqualTimestamps() {
        int n = size;
        if (n < 2) return;
        int w = 0;
        for (int i = 0; i < n; i++) {
            if (i + 1 < n && ts[i + 1] == ts[i]) continue; // a later point at the same time replaces this one
            if (w != i) {
                ts[w] = ts[i];
                bits[w] = bits[i];
                quality[w] = quality[i];
                if (text != null) text[w] = text[i];
            }
            w++;
        }
        if (text != null) Arrays.fill(text, w, n, null);
        size = w;
    }

    /** Stable sort by timestamp (equal timestamps keep arrival order). */
    public void sortByTime() {
        if (isSorted()) return;
        int n = size;
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        int[] tmp = new int[n];
        mergeSort(idx, tmp, 0, n);
        long[] t2 = new long[ts.length], b2 = new long[ts.length];
        byte[] q2 = new byte[ts.length];
        Object[] s2 = text == null ? null : new Object[ts.length];
        for (int i = 0; i < n; i++) {
            int k = idx[i];
            t2[i] = ts[k];
            b2[i] = bits[k];
            q2[i] = quality[k];
            if (s2 != null) s2[i] = text[k];
        }
        ts = t2;
        bits = b2;
        quality = q2;
        text = s2;
    }

    private void mergeSort(int[] a, int[] tmp, int lo, int hi) {
        if (hi - lo < 24) {
            for (int i = lo + 1; i < hi; i++) {
                int x = a[i];
                long tx = ts[x];
                int j = i - 1;
                while (j >= lo && ts[a[j]] > tx) {
                    a[j + 1] = a[j];
                    j--;
                }
                a[j + 1] = x;
            }
            return;
        }
        int mid = (lo + hi) >>> 1;
        mergeSort(a, tmp, lo, mid);
        mergeSort(a, tmp, mid, hi);
        if (ts[a[mid - 1]] <= ts[a[mid]]) return;
        System.arraycopy(a, lo, tmp, lo, hi - lo);
        int i = lo, j = mid, k = lo;
        while (i < mid && j < hi) a[k++] = ts[tmp[j]] < ts[tmp[i]] ? tmp[j++] : tmp[i++];
        while (i < mid) a[k++] = tmp[i++];
        while (j < hi) a[k++] = tmp[j++];
    }

    /** Index of the first point with timestamp >= t (points must be sorted). */
    public int lowerBound(long t) {
        int lo = 0, hi = size;
        while (lo < hi) {
            int m = (lo + hi) >>> 1;
            if (ts[m] < t) lo = m + 1;
            else hi = m;
        }
        return lo;
    }
}
