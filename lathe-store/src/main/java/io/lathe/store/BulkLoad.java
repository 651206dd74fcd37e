package io.lathe.store;

import io.lathe.model.DataType;
import io.lathe.store.internal.Columns;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Loads many DOUBLE points into a store at once, for {@code lathe import}: points are gathered per series in memory,
 * sorted, and written straight into compressed segment files, without the write-ahead log and the memory buffers.
 * Nothing is visible until {@link #commit()}, which lists every file of the load in the store's manifest in one atomic
 * write: an interrupted load ({@code kill -9}, power cut, an exception, {@link #close()} without commit) leaves the
 * points of the store as they were, a committed one is complete. The series a load defines are defined in the
 * write-ahead log as they appear, so after a crash they may exist without points.
 *
 * <p>Of points of one series with the same timestamp the one added last wins, and the load's points win over points
 * of the store written before the commit (as if they had been appended then). When more points are gathered than fit
 * the memory it may use, they are written into files early ("staged"); those files still become visible only at the
 * commit. Not thread-safe: one thread adds.
 */
public final class BulkLoad implements AutoCloseable {
    private final TelemetryStore store;
    /** Gathered points per series id; null where the load has none. */
    private Columns[] buffers = new Columns[16];
    /** Arrays handed over by the parallel parser per series id (see {@link #addOwned}), joined when staged. */
    private List<long[][]>[] owned = newOwned(16);
    private final List<TelemetryStore.Staged> staged = new ArrayList<>();
    private long spillPoints;
    private int threads = Runtime.getRuntime().availableProcessors();
    private long buffered, points, outOfRange;
    private boolean finished;

    BulkLoad(TelemetryStore store) {
        this.store = store;
        // about 17 bytes per gathered point plus a sorted copy at most: stay well inside the heap
        this.spillPoints = Math.max(1L << 20, Math.min(64L << 20, Runtime.getRuntime().maxMemory() / 96));
    }

    /** Tests: gathered points after which they are written into (still invisible) files. */
    BulkLoad spillPoints(long n) {
        this.spillPoints = Math.max(1, n);
        return this;
    }

    /** Threads that write segment files (default: the number of processors). */
    public BulkLoad threads(int n) {
        this.threads = Math.max(1, n);
        return this;
    }

    /**
     * Id of a DOUBLE series, defined when new. Throws {@link IllegalArgumentException} for a name the store refuses
     * (empty, too long) or a series of another type.
     */
    public int series(String name) {
        return store.bulkSeries(name);
    }

    /**
     * Adds points [from, to) of a series: timestamps in µs, values as raw bits of doubles
     * ({@link Double#doubleToRawLongBits}). Points outside the store's time range are skipped and counted
     * ({@link #outOfRange()}); callers that report lines check {@link #inRange(long)} first.
     */
    public void add(int seriesId, long[] timestamps, long[] valueBits, int from, int to) throws IOException {
        check();
        if (to <= from) return;
        if (seriesId < owned.length && owned[seriesId] != null) join(); // keep the order of the points
        Columns c = buffer(seriesId, to - from);
        int n = c.size;
        for (int i = from; i < to; i++) {
            long t = timestamps[i];
            if (!inRange(t)) {
                outOfRange++;
                continue;
            }
            c.ts[n] = t;
            c.bits[n] = valueBits[i];
            n++;
        }
        buffered += n - c.size;
        c.size = n;
        if (buffered >= spillPoints) stage();
    }

    @SuppressWarnings("unchecked")
    private static List<long[][]>[] newOwned(int n) {
        return (List<long[][]>[]) new List[n];
    }

    /**
     * Takes over the first {@code n} entries of {@code timestamps} and {@code valueBits} (the caller never touches the
     * arrays again; every timestamp in range), without copying them now: the parser's per-range arrays are joined
     * once, when the points are staged. Order of calls is the order of the points.
     */
    void addOwned(int seriesId, long[] timestamps, long[] valueBits, int n) throws IOException {
        check();
        if (n <= 0) return;
        if (seriesId >= owned.length) {
            owned = Arrays.copyOf(owned, Math.max(seriesId + 1, owned.length * 2));
        }
        if (owned[seriesId] == null) owned[seriesId] = new ArrayList<>();
        owned[seriesId].add(new long[][] {timestamps, valueBits, {n}});
        buffered += n;
        if (buffered >= spillPoints) stage();
    }

    /** Joins the arrays taken over for a series with its gathered points into one column set of exact size. */
    private void join() {
        for (int id = 0; id < owned.length; id++) {
            List<long[][]> parts = owned[id];
            if (parts == null) continue;
            Columns c = id < buffers.length ? buffers[id] : null;
            long total = c == null ? 0 : c.size;
            for (long[][] p : parts) total += p[2][0];
            if (total > Integer.MAX_VALUE - 16) throw new IllegalStateException("too many points of one series in one bulk load [seriesId=" + id + "]");
            if (c == null) c = buffer(id, (int) total);
            else c.ensure((int) total);
            for (long[][] p : parts) {
                int n = (int) p[2][0];
                System.arraycopy(p[0], 0, c.ts, c.size, n);
                System.arraycopy(p[1], 0, c.bits, c.size, n);
                c.size += n;
            }
            owned[id] = null;
        }
    }

    /** Adds one point (see {@link #add(int, long[], long[], int, int)}). */
    public void add(int seriesId, long timestampMicros, double value) throws IOException {
        check();
        if (!inRange(timestampMicros)) {
            outOfRange++;
            return;
        }
        if (seriesId < owned.length && owned[seriesId] != null) join();
        Columns c = buffer(seriesId, 1);
        c.ts[c.size] = timestampMicros;
        c.bits[c.size] = Double.doubleToRawLongBits(value);
        c.size++;
        if (++buffered >= spillPoints) stage();
    }

    /** True when the store keeps points at this time (0001-01-01 to 9999-12-31). */
    public static boolean inRange(long timestampMicros) {
        return timestampMicros >= TelemetryStore.MIN_TIMESTAMP_MICROS && timestampMicros <= TelemetryStore.MAX_TIMESTAMP_MICROS;
    }

    /** Columns of a series with room for {@code more} points (quality stays 0: good). */
    private Columns buffer(int id, int more) {
        if (id < 0) throw new IllegalArgumentException("unknown series id [id=" + id + "]");
        if (id >= buffers.length) buffers = Arrays.copyOf(buffers, Math.max(id + 1, buffers.length * 2));
        Columns c = buffers[id];
        if (c == null) c = buffers[id] = new Columns(DataType.DOUBLE, Math.max(1024, more));
        c.ensure(c.size + more);
        return c;
    }


    /** Writes the gathered points into files that stay invisible until {@link #commit()}, and frees the memory. */
    private void stage() throws IOException {
        join();
        int n = 0;
        for (Columns c : buffers) if (c != null && c.size > 0) n++;
        if (n == 0) return;
        int[] ids = new int[n];
        Columns[] data = new Columns[n];
        int k = 0;
        for (int id = 0; id < buffers.length; id++) {
            Columns c = buffers[id];
            if (c == null || c.size == 0) continue;
            if (!c.isStrictlyIncreasing()) {
                c.sortByTime(); // stable: of equal timestamps the last added stays last
                c.keepLastOfEqualTimestamps();
            }
            ids[k] = id;
            data[k++] = c;
        }
        List<TelemetryStore.Staged> files = store.writeBulk(ids, data, threads);
        staged.addAll(files);
        points += buffered;
        buffered = 0;
        Arrays.fill(buffers, null);
    }

    /**
     * Writes what is gathered and makes the whole load visible and durable at once. Returns the number of points
     * added (duplicates of one series and time included, out-of-range ones not).
     */
    public long commit() throws IOException {
        check();
        stage();
        finished = true; // from here the store owns the files: it deletes them when the commit fails before they are live
        List<TelemetryStore.Staged> files = List.copyOf(staged);
        staged.clear();
        store.commitBulk(files);
        return points;
    }

    /** Points skipped for a timestamp outside the store's range. */
    public long outOfRange() { return outOfRange; }

    private void check() {
        if (finished) throw new IllegalStateException("bulk load already committed or closed");
    }

    /** Without a commit: deletes the files written so far; the store stays as it was. */
    @Override
    public void close() {
        if (finished) return;
        finished = true;
        store.discardBulk(staged);
        staged.clear();
        buffers = new Columns[0];
        owned = newOwned(0);
    }
}
