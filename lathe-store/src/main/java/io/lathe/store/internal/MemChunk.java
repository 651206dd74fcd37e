package io.lathe.store.internal;

import java.util.Arrays;

/**
 * A piece of the store's in-memory buffer: points of all series in arrival order while open; once sealed, the same
 * points grouped by series (stably, so each series keeps its arrival order) with a directory of where each series lies.
 *
 * <p>Why not a growing buffer per series: at 10,000 series every point wrote to the current line of three arrays of
 * its own series plus their headers, about seven cache lines per point, and that was a third of the ingest thread.
 * Here an append writes four arrays sequentially; the grouping costs one counting-sort pass per full chunk over
 * memory that is still in cache. Not thread-safe: the store's lock guards it.
 */
public final class MemChunk {
    private static final int[] NO_INTS = new int[0];

    public final int capacity;
    private int[] ids;
    private long[] ts;
    private long[] bits;
    private byte[] quality;
    /** Made when the chunk gets its first text point. */
    private Object[] text;
    private int size;
    private boolean sealed;
    private int[] dirIds = NO_INTS;
    private int[] dirStart = NO_INTS;
    private int dirCount;

    public MemChunk(int capacity) {
        this.capacity = capacity;
        ids = new int[capacity];
        ts = new long[capacity];
        bits = new long[capacity];
        quality = new byte[capacity];
    }

    public int size() {
        return size;
    }

    public boolean full() {
        return size == capacity;
    }

    public boolean sealed() {
        return sealed;
    }

    /** Appends a point; the chunk must be open and not full. */
    public void add(int seriesId, long t, long b, byte q, Object s) {
        int i = size;
        ids[i] = seriesId;
        ts[i] = t;
        bits[i] = b;
        quality[i] = q;
        if (s != null) {
            if (text == null) text = new Object[capacity];
            text[i] = s;
        }
        size = i + 1;
    }

    /**
     * Groups the points by series, in place as far as the caller is concerned (the arrays are swapped with the
     * scratch's). {@code seriesCount} bounds the series ids.
     */
    public void seal(Scratch sc, int seriesCount) {
        if (sealed) return;
        int n = size;
        int[] count = sc.counts(seriesCount);
        int[] distinct = sc.distinct(capacity);
        int d = 0;
        boolean grouped = true; // already in series order (one series at a time, as a bulk append sends them)
        for (int i = 0; i < n; i++) {
            int id = ids[i];
            if (count[id]++ == 0) distinct[d++] = id;
            if (i > 0 && id < ids[i - 1]) grouped = false;
        }
        Arrays.sort(distinct, 0, d);
        if (dirIds.length < d) {
            dirIds = new int[d];
            dirStart = new int[d + 1];
        }
        int run = 0;
        for (int k = 0; k < d; k++) {
            int id = distinct[k];
            dirIds[k] = id;
            dirStart[k] = run;
            int c = count[id];
            count[id] = run; // from here the next slot of that series
            run += c;
        }
        dirStart[d] = n;
        dirCount = d;
        if (grouped) {
            for (int k = 0; k < d; k++) count[dirIds[k]] = 0;
            sealed = true;
            return;
        }
        sc.ensure(capacity, text != null);
        long[] t2 = sc.ts, b2 = sc.bits;
        byte[] q2 = sc.quality;
        Object[] s2 = text == null ? null : sc.text;
        for (int i = 0; i < n; i++) {
            int p = count[ids[i]]++;
            t2[p] = ts[i];
            b2[p] = bits[i];
            q2[p] = quality[i];
            if (s2 != null) s2[p] = text[i];
        }
        for (int k = 0; k < d; k++) count[dirIds[k]] = 0;
        sc.ts = ts;
        sc.bits = bits;
        sc.quality = quality;
        ts = t2;
        bits = b2;
        quality = q2;
        if (s2 != null) {
            Arrays.fill(text, 0, n, null);
            sc.text = text;
            text = s2;
        }
        sealed = true;
    }

    /** Series ids in a sealed chunk, ascending, and where their points lie: {@code [start(k), start(k + 1))}. */
    public int seriesCount() {
        return dirCount;
    }

    public int seriesAt(int k) {
        return dirIds[k];
    }

    public int start(int k) {
        return dirStart[k];
    }

    /** Copies the points of one series with timestamps in [from, to), in arrival order. */
    public void copyRange(int seriesId, long from, long to, Columns out) {
        if (sealed) {
            int k = Arrays.binarySearch(dirIds, 0, dirCount, seriesId);
            if (k >= 0) copySeries(k, from, to, out);
            return;
        }
        for (int i = 0; i < size; i++) {
            if (ids[i] == seriesId && ts[i] >= from && ts[i] < to) out.add(ts[i], bits[i], quality[i], text == null ? null : text[i]);
        }
    }

    /** Appends the points of the k-th series of a sealed chunk with timestamps in [from, to). */
    public void copySeries(int k, long from, long to, Columns out) {
        int a = dirStart[k], b = dirStart[k + 1];
        int i = a;
        while (i < b && ts[i] >= from && ts[i] < to) i++;
        if (i == b) {
            out.addFrom(ts, bits, quality, text, a, b);
            return;
        }
        for (i = a; i < b; i++) if (ts[i] >= from && ts[i] < to) out.add(ts[i], bits[i], quality[i], text == null ? null : text[i]);
    }

    /** Timestamp of the i-th point (arrival order while open, series order once sealed). */
    public long tsAt(int i) {
        return ts[i];
    }

    /** Lowers {@code min[id]} to the oldest timestamp of each series here. */
    public void minTsInto(long[] min) {
        if (sealed) {
            for (int k = 0; k < dirCount; k++) {
                int id = dirIds[k];
                long m = min[id];
                for (int i = dirStart[k]; i < dirStart[k + 1]; i++) m = Math.min(m, ts[i]);
                min[id] = m;
            }
            return;
        }
        for (int i = 0; i < size; i++) min[ids[i]] = Math.min(min[ids[i]], ts[i]);
    }

    /** Empties the chunk for reuse (dropping references to texts). */
    public void reset() {
        if (text != null) Arrays.fill(text, 0, size, null);
        size = 0;
        sealed = false;
        dirCount = 0;
    }

    /** Bytes the chunk holds, for the memory budget. */
    public long bytes() {
        return (long) capacity * (4 + 8 + 8 + 1) + (text == null ? 0 : (long) capacity * 4) + dirIds.length * 8L;
    }

    /** The sealing pass' working arrays, kept by the store so that sealing allocates nothing once warm. */
    public static final class Scratch {
        private int[] counts = NO_INTS;
        private int[] distinct = NO_INTS;
        long[] ts;
        long[] bits;
        byte[] quality;
        Object[] text;

        int[] counts(int n) {
            if (counts.length < n) counts = new int[Math.max(n, counts.length * 2)];
            return counts;
        }

        int[] distinct(int n) {
            if (distinct.length < n) distinct = new int[n];
            return distinct;
        }

        void ensure(int capacity, boolean withText) {
            if (ts == null || ts.length != capacity) {
                ts = new long[capacity];
                bits = new long[capacity];
                quality = new byte[capacity];
                text = null;
            }
            if (withText && text == null) text = new Object[capacity];
        }
    }
}
