package io.lathe.store.internal;

import java.util.Arrays;

/**
 * A piece of the store's in-memory buffer: points of all series in arrival order while open; once sealed, the same
 * points grouped by series id, ascending (stably, so each series keeps its arrival order), so a series' points are one
 * run found by binary search on the ids.
 *
 * <p>Why not a growing buffer per series: at 10,000 series every point wrote to the current line of three arrays of
 * its own series plus their headers, about seven cache lines per point, and that was a third of the ingest thread.
 * Here an append writes four arrays sequentially; the grouping costs one counting-sort pass per full chunk over
 * memory that is still in cache. Not thread-safe: the store's lock guards it.
 */
public final class MemChunk {
    public final int capacity;
    private int[] ids;
    private long[] ts;
    private long[] bits;
    private byte[] quality;
    /** Made when the chunk gets its first text point. */
    private Object[] text;
    private int size;
    private boolean sealed;

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
     * Groups the points by series id (a stable counting sort; the arrays are swapped with the scratch's, so nothing is
     * allocated once warm). {@code seriesCount} bounds the ids.
     */
    public void seal(Scratch sc, int seriesCount) {
        if (sealed) return;
        sealed = true;
        int n = size;
        if (n == 0) return;
        int[] count = sc.counts(seriesCount);
        int min = Integer.MAX_VALUE, max = -1;
        boolean grouped = true; // already in series order (one series at a time, as a bulk append sends them)
        for (int i = 0; i < n; i++) {
            int id = ids[i];
            count[id]++;
            if (id < min) min = id;
            if (id > max) max = id;
            if (i > 0 && id < ids[i - 1]) grouped = false;
        }
        if (grouped) {
            Arrays.fill(count, min, max + 1, 0);
            return;
        }
        // start of each id's run: a pass over the id range, which at most a few times the points (dense ids of
        // the series that send) costs less than sorting the distinct ids
        int run = 0;
        for (int id = min; id <= max; id++) {
            int c = count[id];
            count[id] = run;
            run += c;
        }
        sc.ensure(capacity, text != null);
        int[] i2 = sc.ids;
        long[] t2 = sc.ts, b2 = sc.bits;
        byte[] q2 = sc.quality;
        Object[] s2 = text == null ? null : sc.text;
        for (int i = 0; i < n; i++) {
            int id = ids[i];
            int p = count[id]++;
            i2[p] = id;
            t2[p] = ts[i];
            b2[p] = bits[i];
            q2[p] = quality[i];
            if (s2 != null) s2[p] = text[i];
        }
        Arrays.fill(count, min, max + 1, 0);
        sc.ids = ids;
        sc.ts = ts;
        sc.bits = bits;
        sc.quality = quality;
        ids = i2;
        ts = t2;
        bits = b2;
        quality = q2;
        if (s2 != null) {
            Arrays.fill(text, 0, n, null);
            sc.text = text;
            text = s2;
        }
    }

    /** Series id of the point at {@code pos} (a sealed chunk's points are grouped by it, ascending). */
    public int idAt(int pos) {
        return ids[pos];
    }

    /** End of the run of one series' points that starts at {@code pos} in a sealed chunk. */
    public int runEnd(int pos) {
        int id = ids[pos];
        int e = pos + 1;
        while (e < size && ids[e] == id) e++;
        return e;
    }

    /** Copies the points of one series with timestamps in [from, to), in arrival order. */
    public void copyRange(int seriesId, long from, long to, Columns out) {
        if (sealed) {
            int a = lowerBound(seriesId);
            if (a < size && ids[a] == seriesId) copyRun(a, runEnd(a), from, to, out);
            return;
        }
        for (int i = 0; i < size; i++) {
            if (ids[i] == seriesId && ts[i] >= from && ts[i] < to) out.add(ts[i], bits[i], quality[i], text == null ? null : text[i]);
        }
    }

    /** Appends the points [a, b) of a sealed chunk's run with timestamps in [from, to). */
    public void copyRun(int a, int b, long from, long to, Columns out) {
        int i = a;
        while (i < b && ts[i] >= from && ts[i] < to) i++;
        if (i == b) {
            out.addFrom(ts, bits, quality, text, a, b);
            return;
        }
        for (i = a; i < b; i++) if (ts[i] >= from && ts[i] < to) out.add(ts[i], bits[i], quality[i], text == null ? null : text[i]);
    }

    private int lowerBound(int seriesId) {
        int lo = 0, hi = size;
        while (lo < hi) {
            int m = (lo + hi) >>> 1;
            if (ids[m] < seriesId) lo = m + 1;
            else hi = m;
        }
        return lo;
    }

    /** Timestamp of the i-th point (arrival order while open, series order once sealed). */
    public long tsAt(int i) {
        return ts[i];
    }

    /** Lowers {@code min[id]} to the oldest timestamp of each series here. */
    public void minTsInto(long[] min) {
        for (int i = 0; i < size; i++) if (ts[i] < min[ids[i]]) min[ids[i]] = ts[i];
    }

    /** Empties the chunk for reuse (dropping references to texts). */
    public void reset() {
        if (text != null) Arrays.fill(text, 0, size, null);
        size = 0;
        sealed = false;
    }

    /** The sealing pass' working arrays, kept by the store so that sealing allocates nothing once warm. */
    public static final class Scratch {
        private int[] counts = new int[0];
        int[] ids;
        long[] ts;
        long[] bits;
        byte[] quality;
        Object[] text;

        int[] counts(int n) {
            if (counts.length < n) counts = new int[Math.max(n, counts.length * 2)];
            return counts;
        }

        void ensure(int capacity, boolean withText) {
            if (ts == null || ts.length != capacity) {
                ids = new int[capacity];
                ts = new long[capacity];
                bits = new long[capacity];
                quality = new byte[capacity];
                text = null;
            }
            if (withText && text == null) text = new Object[capacity];
        }
    }
}
