package io.lathe.ingest;

import io.lathe.model.DataType;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

/**
 * Latest value, quality and timestamp of every signal, in memory. Listeners (the SSE stream, KPI engines) are told
 * of every change on the caller's thread, after the change, so they must be quick and must not block.
 *
 * <p>The state is a few arrays indexed by a slot per signal (slots given in order of first arrival, so the signals of
 * one device sit next to each other), changed under one lock per batch; no object is made per point. The
 * {@link Latest} a reader gets is made when first asked for after a change and then shared until the next one. Why:
 * with 10,000 signals at millions of points a second, an object per signal with its own monitor cost the ingest thread
 * a cache miss and a lock per point (a third of its time in async-profiler); arrays walked in a batch's order are read
 * ahead by the CPU.
 */
public final class LiveState implements PointSink {
    // A slot's META word: HAS, the DataType of its BITS (bits 1-2; 0 when values[slot] holds the value), the quality's
    // ordinal (bits 3-4), and whether values[slot] or made[slot] may be non-null (then a change clears them; a batch of
    // primitives never writes those reference arrays).
    private static final int HAS = 1;
    private static final int KIND_SHIFT = 1;
    private static final int QUALITY_SHIFT = 3;
    private static final int QUALITY_BITS = 2;
    private static final int OBJECT = 1 << 5;
    private static final int MADE = 1 << 6;
    // Per slot, STRIDE longs: timestamp, bits, META, and the kept listener answers (low 32 bits: the mask of the first
    // 31 versioned listeners that want the slot; high 32: the epoch they were asked in). One cache line for two
    // signals: with 10,000 signals, one array per field (and the store's arrays) did not fit the core's L2 cache.
    private static final int STRIDE = 4, TS = 0, BITS = 1, META = 2, ASKED = 3;
    private static final DataType[] KINDS = {null, DataType.DOUBLE, DataType.LONG, DataType.BOOLEAN};
    /** By {@link Quality#code()}, which is its ordinal. */
    private static final Quality[] QUALITIES = Quality.values();

    private final ReentrantLock lock = new ReentrantLock();
    // Guarded by lock. By slot:
    private final Map<String, Integer> slotById = new HashMap<>();
    private String[] ids = new String[256];
    private long[] cells = new long[256 * STRIDE];
    /** The value object, or null while the value is only bits of its kind. */
    private Value[] values = new Value[256];
    /** Made on demand, dropped on every change. */
    private Latest[] made = new Latest[256];
    private int slots;
    // By Signal.ordinal: the id the slot was found for (checked by identity, as SignalSlots does), and the slot.
    private String[] idByOrdinal = new String[256];
    private int[] slotByOrdinal = new int[256];

    /** The listeners; a new array on every (un)subscribe (under {@link #subscribers}), read without a lock. */
    private volatile Listener[] listenerArray = new Listener[0];
    private final Object subscribers = new Object();
    // Guarded by lock. A slot's ASKED word is valid when its epoch is this; the epoch moves when the listeners or one
    // of their versions change.
    private int epoch = 1;
    private Listener[] askedFor = new Listener[0];
    private long[] askedVersions = new long[0];

    /** {@code version} returns -1 when the answers of {@code wants} must not be kept. */
    private record Listener(Predicate<String> wants, LongSupplier version, Consumer<Latest> then) {}

    private static final int CACHED_LISTENERS = 31;

    @Override
    public void accept(Signal signal, long timestampMicros, Value value, Quality quality, boolean historical) {
        if (historical) return;
        Latest changed = null;
        lock.lock();
        try {
            int slot = slot(signal);
            Listener[] ls = listenerArray;
            if (set(slot, timestampMicros, value, 0, 0, quality) && ls.length > 0) {
                checkEpoch(ls);
                if (wanted(ls, slot)) changed = latestLocked(slot);
            }
        } finally {
            lock.unlock();
        }
        if (changed != null) publish(changed);
    }

    /** Every point of the batch as {@link #accept(Signal, long, Value, Quality, boolean)}, primitives without a value object. */
    @Override
    public void accept(PointBatch batch) {
        int n = batch.size();
        if (n == 0) return;
        Listener[] ls = listenerArray;
        boolean tell = ls.length > 0;
        List<Latest> changes = null;
        Signal[] signals = batch.signals;
        long[] ts = batch.timestamps;
        long[] bs = batch.bits;
        byte[] flags = batch.flags;
        lock.lock();
        try {
            if (tell) checkEpoch(ls);
            for (int i = 0; i < n; i++) {
                int f = flags[i];
                if ((f & (PointBatch.HISTORICAL | PointBatch.STALE)) != 0) {
                    if ((f & PointBatch.STALE) != 0) {
                        int slot = knownSlot(signals[i]);
                        if (slot >= 0 && stale(slot, ts[i]) && tell && wanted(ls, slot)) changes = add(changes, latestLocked(slot));
                    }
                    continue;
                }
                int kind = (f & PointBatch.KIND_MASK) >>> PointBatch.KIND_SHIFT; // PointBatch's codes match KINDS
                int slot = slot(signals[i]);
                boolean set = kind != 0
                        ? set(slot, ts[i], null, kind, bs[i], QUALITIES[f & PointBatch.QUALITY_MASK])
                        : set(slot, ts[i], batch.value(i), 0, 0, QUALITIES[f & PointBatch.QUALITY_MASK]);
                if (set && tell && wanted(ls, slot)) changes = add(changes, latestLocked(slot));
            }
        } finally {
            lock.unlock();
        }
        if (changes != null) for (Latest l : changes) publish(l);
    }

    @Override
    public void markStale(Signal signal, long timestampMicros) {
        Latest changed = null;
        lock.lock();
        try {
            int slot = knownSlot(signal);
            Listener[] ls = listenerArray;
            if (slot >= 0 && stale(slot, timestampMicros) && ls.length > 0) {
                checkEpoch(ls);
                if (wanted(ls, slot)) changed = latestLocked(slot);
            }
        } finally {
            lock.unlock();
        }
        if (changed != null) publish(changed);
    }

    private static List<Latest> add(List<Latest> changes, Latest l) {
        if (changes == null) changes = new ArrayList<>();
        changes.add(l);
        return changes;
    }

    /** Lock held: starts a new epoch of kept answers when the listeners or their versions moved. */
    private void checkEpoch(Listener[] ls) {
        boolean same = ls == askedFor;
        int kept = Math.min(ls.length, CACHED_LISTENERS);
        if (same) {
            for (int k = 0; k < kept; k++) {
                if (ls[k].version.getAsLong() != askedVersions[k]) {
                    same = false;
                    break;
                }
            }
        }
        if (same) return;
        long[] versions = new long[kept];
        for (int k = 0; k < kept; k++) versions[k] = ls[k].version.getAsLong();
        askedFor = ls;
        askedVersions = versions;
        epoch++;
    }

    /**
     * Lock held, {@link #checkEpoch} done for {@code ls}: whether some listener wants this slot's changes. Answers of
     * versioned listeners are kept per slot for the epoch; with 10,000 signals, asking each listener per point (a hash
     * look-up of the id) was a fifth of the live view's time.
     */
    private boolean wanted(Listener[] ls, int slot) {
        int mask;
        long asked = cells[slot * STRIDE + ASKED];
        if ((int) (asked >>> 32) == epoch) {
            mask = (int) asked;
        } else {
            mask = 0;
            String id = ids[slot];
            for (int k = 0, kept = Math.min(ls.length, CACHED_LISTENERS); k < kept; k++) {
                if (askedVersions[k] >= 0 && wants(ls[k], id)) mask |= 1 << k;
            }
            cells[slot * STRIDE + ASKED] = (long) epoch << 32 | (mask & 0xFFFFFFFFL);
        }
        if (mask != 0) return true;
        String id = ids[slot];
        for (int k = 0; k < ls.length; k++) {
            if ((k >= CACHED_LISTENERS || askedVersions[k] < 0) && wants(ls[k], id)) return true;
        }
        return false;
    }

    /** Lock held. An older point arriving late (rare) does not roll the current value back. */
    private boolean set(int slot, long t, Value v, int kind, long b, Quality q) {
        long[] c = cells;
        int o = slot * STRIDE;
        int st = (int) c[o + META];
        if ((st & HAS) != 0 && c[o + TS] > t) return false;
        if ((st & (OBJECT | MADE)) != 0 || v != null) {
            values[slot] = v;
            made[slot] = null;
        }
        c[o + TS] = t;
        c[o + BITS] = b;
        c[o + META] = HAS | kind << KIND_SHIFT | q.ordinal() << QUALITY_SHIFT | (v != null ? OBJECT : 0);
        return true;
    }

    /** Lock held. */
    private boolean stale(int slot, long t) {
        int o = slot * STRIDE;
        int st = (int) cells[o + META];
        if ((st & HAS) == 0 || quality(st) == Quality.STALE) return false;
        cells[o + TS] = Math.max(cells[o + TS], t);
        cells[o + META] = (st & ~(((1 << QUALITY_BITS) - 1) << QUALITY_SHIFT) & ~MADE) | Quality.STALE.ordinal() << QUALITY_SHIFT;
        made[slot] = null;
        return true;
    }

    private static Quality quality(int meta) {
        return QUALITIES[(meta >>> QUALITY_SHIFT) & ((1 << QUALITY_BITS) - 1)];
    }

    /** Lock held: the signal's slot, made on its first point. */
    private int slot(Signal signal) {
        int o = signal.ordinal();
        String id = signal.id();
        if (o >= 0 && o < idByOrdinal.length && idByOrdinal[o] == id) return slotByOrdinal[o];
        Integer known = slotById.get(id);
        int slot;
        if (known != null) {
            slot = known;
        } else {
            slot = slots++;
            if (slot == ids.length) grow();
            ids[slot] = id;
            slotById.put(id, slot);
        }
        if (o >= 0 && o <= (Integer.MAX_VALUE >> 2)) {
            if (o >= idByOrdinal.length) {
                int len = Math.max(o + 1, idByOrdinal.length * 2);
                idByOrdinal = Arrays.copyOf(idByOrdinal, len);
                slotByOrdinal = Arrays.copyOf(slotByOrdinal, len);
            }
            idByOrdinal[o] = id;
            slotByOrdinal[o] = slot;
        }
        return slot;
    }

    /** Lock held: the signal's slot, or -1 when it has had no point. */
    private int knownSlot(Signal signal) {
        int o = signal.ordinal();
        if (o >= 0 && o < idByOrdinal.length && idByOrdinal[o] == signal.id()) return slotByOrdinal[o];
        Integer known = slotById.get(signal.id());
        return known == null ? -1 : known;
    }

    private void grow() {
        int len = ids.length * 2;
        ids = Arrays.copyOf(ids, len);
        cells = Arrays.copyOf(cells, len * STRIDE);
        values = Arrays.copyOf(values, len);
        made = Arrays.copyOf(made, len);
    }

    /** Lock held: the slot's current value, made once per change. */
    private Latest latestLocked(int slot) {
        int o = slot * STRIDE;
        int st = (int) cells[o + META];
        if ((st & HAS) == 0) return null;
        if ((st & MADE) != 0) return made[slot];
        Value v = (st & OBJECT) != 0 ? values[slot] : null;
        if (v == null) {
            long b = cells[o + BITS];
            v = switch (KINDS[(st >>> KIND_SHIFT) & 3]) {
                case DOUBLE -> Value.of(Double.longBitsToDouble(b));
                case LONG -> Value.of(b);
                case null, default -> Value.of(b != 0);
            };
            values[slot] = v;
        }
        Latest l = new Latest(ids[slot], cells[o + TS], v, quality(st));
        made[slot] = l;
        cells[o + META] = st | OBJECT | MADE;
        return l;
    }

    /** The current value, or null when the signal has had none yet. */
    public Latest latest(String signalId) {
        lock.lock();
        try {
            Integer slot = slotById.get(signalId);
            return slot == null ? null : latestLocked(slot);
        } finally {
            lock.unlock();
        }
    }

    public Collection<Latest> all() {
        lock.lock();
        try {
            List<Latest> out = new ArrayList<>(slots);
            for (int s = 0; s < slots; s++) {
                Latest l = latestLocked(s);
                if (l != null) out.add(l);
            }
            return List.copyOf(out);
        } finally {
            lock.unlock();
        }
    }

    public int size() {
        lock.lock();
        try {
            int n = 0;
            for (int s = 0; s < slots; s++) if ((cells[s * STRIDE + META] & HAS) != 0) n++;
            return n;
        } finally {
            lock.unlock();
        }
    }

    /** Tells {@code listener} of every change of every signal; the returned action unsubscribes. */
    public Runnable subscribe(Consumer<Latest> listener) {
        return subscribe(id -> true, () -> 0, listener);
    }

    /**
     * Tells {@code listener} of the changes of the signals {@code wants} accepts (asked per change with the signal's
     * id, so it may change its mind; it must be quick and must not call back into this live state). A change no
     * listener wants makes no {@link Latest}.
     */
    public Runnable subscribe(Predicate<String> wants, Consumer<Latest> listener) {
        return subscribe(wants, () -> -1, listener);
    }

    /**
     * As {@link #subscribe(Predicate, Consumer)}, with {@code wants}' answers kept per signal while {@code wantsVersion}
     * returns the same number (as {@link PointSink#wantsVersion}; -1: ask every time).
     */
    public Runnable subscribe(Predicate<String> wants, LongSupplier wantsVersion, Consumer<Latest> listener) {
        Listener l = new Listener(wants, wantsVersion, listener);
        synchronized (subscribers) {
            Listener[] now = listenerArray;
            Listener[] more = Arrays.copyOf(now, now.length + 1);
            more[now.length] = l;
            listenerArray = more;
        }
        return () -> {
            synchronized (subscribers) {
                List<Listener> rest = new ArrayList<>(List.of(listenerArray));
                rest.remove(l);
                listenerArray = rest.toArray(new Listener[0]);
            }
        };
    }

    private static boolean wants(Listener l, String id) {
        try {
            return l.wants.test(id);
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(LiveState.class).warn("live listener failed [signal={}]: {}", id, e.toString());
            return false;
        }
    }

    private void publish(Latest change) {
        for (Listener l : listenerArray) {
            try {
                if (l.wants.test(change.signalId())) l.then.accept(change);
            } catch (RuntimeException e) {
                // One broken listener must not stop ingestion for the others.
                org.slf4j.LoggerFactory.getLogger(LiveState.class).warn("live listener failed [signal={}]: {}", change.signalId(), e.toString());
            }
        }
    }
}
