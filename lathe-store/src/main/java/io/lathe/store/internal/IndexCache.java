package io.lathe.store.internal;

import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Least-recently-used cache of segment directories and per-series block indexes, bounded in heap bytes. This is what
 * keeps the store's heap independent of how much history it holds: files keep their index on disk and queries bring
 * in only the parts they touch. Loads happen outside the cache's lock; two threads may load the same entry at once,
 * which costs a read but is harmless (entries are immutable).
 */
public final class IndexCache {
    private record Key(SegmentFile file, int seriesId) {}

    private record Entry(Object value, long bytes) {}

    private static final int DIRECTORY = -1;

    private final long capacityBytes;
    private final LinkedHashMap<Key, Entry> map = new LinkedHashMap<>(256, 0.75f, true);
    private long usedBytes;

    public IndexCache(long capacityBytes) {
        this.capacityBytes = Math.max(1 << 20, capacityBytes);
    }

    public SegmentFile.Directory directory(SegmentFile f) throws IOException {
        Key k = new Key(f, DIRECTORY);
        Object v = get(k);
        if (v != null) return (SegmentFile.Directory) v;
        SegmentFile.Directory d = f.readDirectory();
        put(k, d, d.heapBytes());
        return d;
    }

    /** Blocks of a series in a file (empty when the file has none). */
    public BlockMeta[] blocks(SegmentFile f, int seriesId) throws IOException {
        Key k = new Key(f, seriesId);
        Object v = get(k);
        if (v != null) return (BlockMeta[]) v;
        SegmentFile.Directory d = directory(f);
        int i = d.find(seriesId);
        BlockMeta[] b = i < 0 ? new BlockMeta[0] : f.readBlocks(d, i);
        put(k, b, 32 + (long) b.length * (BlockMeta.HEAP_BYTES + 4));
        return b;
    }

    /** Adds a directory the caller already has (a file just written), so the first query need not read it. */
    public void offer(SegmentFile f, SegmentFile.Directory d) {
        put(new Key(f, DIRECTORY), d, d.heapBytes());
    }

    private synchronized Object get(Key k) {
        Entry e = map.get(k);
        return e == null ? null : e.value;
    }

    private synchronized void put(Key k, Object v, long bytes) {
        Entry old = map.put(k, new Entry(v, bytes));
        if (old != null) usedBytes -= old.bytes;
        usedBytes += bytes;
        Iterator<Map.Entry<Key, Entry>> it = map.entrySet().iterator();
        while (usedBytes > capacityBytes && it.hasNext()) {
            Map.Entry<Key, Entry> eldest = it.next();
            if (eldest.getKey().equals(k)) continue; // keep what was just asked for, even when it alone exceeds the budget
            usedBytes -= eldest.getValue().bytes;
            it.remove();
        }
    }

    /** Forgets everything of a file (deleted by retention or replaced by compaction). */
    public synchronized void evict(SegmentFile f) {
        Iterator<Map.Entry<Key, Entry>> it = map.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Key, Entry> e = it.next();
            if (e.getKey().file == f) {
                usedBytes -= e.getValue().bytes;
                it.remove();
            }
        }
    }

    public synchronized long usedBytes() { return usedBytes; }
}
