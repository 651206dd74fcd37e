package io.lathe.model;

import java.util.Arrays;

/**
 * A per-signal cache indexed by {@link Signal#ordinal()}: what a sink on the ingest path would otherwise find by a
 * hash lookup of the signal's id for every point. With 10,000 or more signals such a lookup misses the CPU cache
 * almost every time and cost the ingest thread a fifth of its time per sink; an array read at the ordinal, with the
 * signals of one device next to each other, mostly does not.
 * <p>
 * Each slot holds the signal's id next to the value, and {@link #get} answers only when the id is the very string of
 * the signal asked about: a signal made by hand with a reused ordinal, or another model's signal, gets a miss, never
 * another signal's value. It is a cache: the caller resolves a miss its usual way and {@link #put}s the answer. Safe
 * for concurrent use as a cache: two puts racing with a growth can lose one, which costs one more resolve later.
 * Values must be safely published already (immutable, or thread-safe themselves).
 */
public final class SignalSlots<T> {
    /** Id at {@code 2i}, value at {@code 2i + 1}: one cache line for both. */
    private volatile Object[] slots = new Object[128];

    /** The value put for this signal, or null when there is none yet. */
    @SuppressWarnings("unchecked")
    public T get(Signal signal) {
        int i = signal.ordinal() << 1;
        Object[] a = slots;
        if (i < 0 || i + 1 >= a.length || a[i] != signal.id()) return null;
        return (T) a[i + 1];
    }

    public void put(Signal signal, T value) {
        int o = signal.ordinal();
        if (o < 0 || o > (Integer.MAX_VALUE >> 2)) return;
        int i = o << 1;
        Object[] a = slots;
        if (i + 1 >= a.length) {
            a = Arrays.copyOf(a, Math.max(i + 2, a.length * 2));
            slots = a;
        }
        a[i + 1] = value;
        a[i] = signal.id();
    }
}
