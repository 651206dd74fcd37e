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
    /** Oldest and newest timestamps, known once sealed (a flush finds the partitions it writes from them). */
    private long minTs, maxTs;

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
        minTs = Long.MAX_VALUE;
        maxTs = Long.MIN_VALUE;
        if (n == 0) return;
        int[] count = sc.counts(seriesCount);
        int min = Integer.MAX_VALUE, max = -1;
        long tMin = Long.MAX_VALUE, tMax = Long.MIN_VALUE;
        boolean grouped = true; // already in series order (one series at a time, as a bulk append sends them)
        for (int i = 0; i < n; i++) {
            int id = ids[i];
            count[id]++;
            if (id < min) min = id;
            if (id > max) max = id;
            if (i > 0 && id < ids[i - 1]) grouped = false;
            long t = ts[i];
            if (t < tMin) tMin = t;
            if (t > tMax) tMax = t;
        }
        minTs = tMin;
        maxTs = tMax;
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

    /** Oldest timestamp of a sealed chunk ({@link Long#MAX_VALUE} when empty). */
    public long minTs() {
        if (!sealed) throw new IllegalStateException("open chunk");
        return minTs;
    }

    /** Newest timestamp of a sealed chunk ({@link Long#MIN_VALUE} when empty). */
    public long maxTs() {
        if (!sealed) throw new IllegalStateException("open chunk");
        return maxTs;
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

    /**
     * Regroups the points of sealed chunks series by series for a flush: series ids are taken in ranges of about
     * {@code target} points; for each range every chunk gives one contiguous slice (its points are grouped by id), which
     * is scattered into reused arrays at each series' place, so a series' points end up side by side, chunk order and
     * arrival order kept. Why not copy each series' run out of each chunk: at 10,000 series a chunk holds about six
     * points per series, and visiting tens of chunks per series touched four cold arrays per run; here every chunk is
     * read front to back once and the writes stay inside arrays of {@code target} points.
     */
    public static final class Gather {
        public long[] ts = new long[0];
        public long[] bits = new long[0];
        public byte[] quality = new byte[0];
        /** Null unless a chunk held text. */
        public Object[] text;
        private int[] count = new int[0];
        private int[] next = new int[0];

        /** Receives one series' points: positions [from, to) of the gather's arrays. */
        public interface Visitor {
            void series(int seriesId, int from, int to) throws java.io.IOException;
        }

        /**
         * Visits, in ascending series id, each series with points of {@code chunks} (all sealed) with timestamps in
         * [{@code fromTs}, {@code toTs}); ids are below {@code seriesCount}.
         */
        public void run(java.util.List<MemChunk> chunks, int seriesCount, long fromTs, long toTs, int target, Visitor v) throws java.io.IOException {
            if (count.length < seriesCount) {
                count = new int[seriesCount];
                next = new int[seriesCount];
            } else {
                Arrays.fill(count, 0, seriesCount, 0);
            }
            int[] cnt = count;
            boolean anyText = false;
            for (MemChunk c : chunks) {
                if (!c.sealed) throw new IllegalStateException("gathering an open chunk");
                int[] ids = c.ids;
                long[] t = c.ts;
                for (int i = 0, n = c.size; i < n; i++) {
                    long x = t[i];
                    if (x >= fromTs && x < toTs) cnt[ids[i]]++;
                }
                anyText |= c.text != null;
            }
            int m = chunks.size();
            int[] pos = new int[m];
            int[] nx = next;
            for (int lo = 0; lo < seriesCount; ) {
                int hi = lo, total = 0;
                while (hi < seriesCount && (hi == lo || total + cnt[hi] <= target)) total += cnt[hi++];
                if (total > 0) {
                    ensure(total, anyText);
                    for (int id = lo, p = 0; id < hi; id++) {
                        nx[id] = p;
                        p += cnt[id];
                    }
                    long[] ts2 = ts, bits2 = bits;
                    byte[] q2 = quality;
                    Object[] s2 = text;
                    for (int j = 0; j < m; j++) {
                        MemChunk c = chunks.get(j);
                        int[] ids = c.ids;
                        long[] t = c.ts, b = c.bits;
                        byte[] q = c.quality;
                        Object[] s = c.text;
                        int i = pos[j], n = c.size;
                        for (; i < n; i++) {
                            int id = ids[i];
                            if (id >= hi) break;
                            long x = t[i];
                            if (x < fromTs || x >= toTs) continue;
                            int k = nx[id]++;
                            ts2[k] = x;
                            bits2[k] = b[i];
                            q2[k] = q[i];
                            if (s2 != null) s2[k] = s == null ? null : s[i];
                        }
                        pos[j] = i;
                    }
                    for (int id = lo, a = 0; id < hi; id++) {
                        int e = a + cnt[id];
                        if (e > a) v.series(id, a, e);
                        a = e;
                    }
                    if (s2 != null) Arrays.fill(s2, 0, total, null);
                } else {
                    for (int j = 0; j < m; j++) { // nothing of these ids in range: step over them
                        MemChunk c = chunks.get(j);
                        int i = pos[j];
                        while (i < c.size && c.ids[i] < hi) i++;
                        pos[j] = i;
                    }
                }
                lo = hi;
            }
        }

        private void ensure(int n, boolean withText) {
            if (ts.length < n) {
                int cap = Math.max(n, ts.length + (ts.length >> 1));
                ts = new long[cap];
                bits = new long[cap];
                quality = new byte[cap];
                if (text != null) text = new Object[cap];
            }
            if (withText && text == null) text = new Object[ts.length];
        }
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
