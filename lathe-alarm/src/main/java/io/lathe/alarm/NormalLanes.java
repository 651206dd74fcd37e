package io.lathe.alarm;

import io.lathe.model.Signal;
import io.lathe.model.Value;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * The normal-band fast path of {@link AlarmEngine}, by signal ordinal, in primitive arrays.
 * <p>
 * Most points of a limit alarm are normal and stay so: all the engine does with them is remember the newest value and
 * time. Doing that in the alarm's own object costs a cache miss per point with many signals (10,000 alarms' objects
 * do not stay in the cache next to the store's buffers), and the object's lock waits for it. Here the band, the newest
 * time and value of each signal sit in arrays indexed by {@link Signal#ordinal()}, so the signals of one device, which
 * arrive together, share cache lines, and no lock is taken. The engine folds the newest value into the alarm under its
 * lock before anything reads or changes the alarm ({@code AlarmEngine.catchUp}).
 * <p>
 * Threads: {@link #take} runs on ingest threads without a lock; a signal's points come from one connector at a time,
 * so one writer per ordinal. Everything else runs under the alarm's lock. The time is written after the value with
 * release semantics and read with acquire, so a reader sees a value at least as new as the time it read.
 * A lane is taken only while {@link #QUIET} is set, which the engine clears under the lock before an alarm's condition
 * can hold: a point outside the band always goes to the evaluator.
 */
final class NormalLanes {
    private static final int CHUNK_BITS = 10;
    private static final int CHUNK = 1 << CHUNK_BITS;
    /** Longs per ordinal: band above, band below (double bits), newest time of the first input, flags. */
    private static final int WORDS = 4;
    private static final long OPEN = 1, QUIET = 2;
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    /** Chunks never move once made, so a lane's slots stay put while the outer arrays grow. */
    private volatile long[][] words = new long[0][];
    /** Per ordinal: the signal's id (what {@link #take} checks, by reference) and the newest value. */
    private volatile Object[][] values = new Object[0][];

    /**
     * Takes a good, live point when the signal has an open lane and either the point is older than the newest one
     * (counted in {@code late}: it would not change the alarm) or the lane is quiet and the value lies inside the band;
     * false sends it the usual way (evaluator, lifecycle).
     */
    boolean take(Signal signal, long t, Value value, LongAdder late) {
        int o = signal.ordinal();
        int c = o >>> CHUNK_BITS;
        long[][] w = words;
        if (o < 0 || c >= w.length) return false;
        long[] chunk = w[c];
        Object[] vals = values[c];
        if (chunk == null || vals == null) return false;
        int j = o & (CHUNK - 1);
        int i = j * WORDS;
        long flags = chunk[i + 3];
        if ((flags & OPEN) == 0 || vals[2 * j] != signal.id()) return false;
        if (t < (long) LONGS.getAcquire(chunk, i + 2)) {
            // several HTTP requests in flight interleave their timestamps: keep those off the alarm's lock
            late.increment();
            return true;
        }
        if ((flags & QUIET) == 0) return false;
        double v = value.asDouble();
        if (!(v > Double.longBitsToDouble(chunk[i]) && v < Double.longBitsToDouble(chunk[i + 1]))) return false;
        vals[2 * j + 1] = value;
        LONGS.setRelease(chunk, i + 2, t);
        return true;
    }

    /** Opens the lane of a signal whose one alarm has this band; under the alarm's lock. Returns the lane (the ordinal). */
    synchronized int open(Signal signal, double above, double below, long newest, boolean quiet) {
        int o = signal.ordinal();
        if (o < 0) return -1;
        int c = o >>> CHUNK_BITS;
        long[][] w = words;
        Object[][] vs = values;
        if (c >= w.length) {
            w = Arrays.copyOf(w, Math.max(c + 1, w.length * 2));
            vs = Arrays.copyOf(vs, w.length);
        }
        if (w[c] == null) {
            w[c] = new long[CHUNK * WORDS];
            vs[c] = new Object[CHUNK * 2];
        }
        int j = o & (CHUNK - 1);
        int i = j * WORDS;
        w[c][i] = Double.doubleToRawLongBits(above);
        w[c][i + 1] = Double.doubleToRawLongBits(below);
        w[c][i + 2] = newest;
        vs[c][2 * j] = signal.id();
        LONGS.setVolatile(w[c], i + 3, OPEN | (quiet ? QUIET : 0)); // last: a lane seen open has its band and id
        values = vs;
        words = w; // published last: a reader that sees the chunk sees its contents
        return o;
    }

    /** Newest time of the first input; under the alarm's lock. */
    long time(int lane) {
        return (long) LONGS.getAcquire(words[lane >>> CHUNK_BITS], (lane & (CHUNK - 1)) * WORDS + 2);
    }

    /** The value that came with {@link #time}; read after it. */
    Value value(int lane) {
        return (Value) values[lane >>> CHUNK_BITS][2 * (lane & (CHUNK - 1)) + 1];
    }

    /** A newer first-input point the engine handled itself; under the alarm's lock. */
    void time(int lane, long t) {
        LONGS.setRelease(words[lane >>> CHUNK_BITS], (lane & (CHUNK - 1)) * WORDS + 2, t);
    }

    /** Whether {@link #take} may take points: the alarm is not active and its condition does not hold. */
    void quiet(int lane, boolean quiet) {
        long[] chunk = words[lane >>> CHUNK_BITS];
        int i = (lane & (CHUNK - 1)) * WORDS + 3;
        LONGS.setVolatile(chunk, i, quiet ? (OPEN | QUIET) : OPEN);
    }
}
