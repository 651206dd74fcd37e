package io.lathe.api.internal;

import io.lathe.ingest.Latest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The hand-off between the ingest thread and one SSE client's writer thread.
 *
 * <p>{@link #accept} runs on the ingest thread: it never blocks beyond a short lock and never allocates more than a
 * map entry. Pending values are coalesced per signal (a newer value replaces the queued one, keeping its place), so a
 * slow client always ends up with the newest value of every signal. The number of distinct pending signals is bounded
 * by {@code capacity}; past it the oldest pending entry is dropped and counted.
 *
 * <p>{@link #take} runs on the client's writer thread. Thread-safe.
 */
public final class LiveSession implements Consumer<Latest> {

    /** Counts what the hand-off did not deliver one by one; called under the session lock, so keep them cheap. */
    public interface Counters {
        void coalesced();

        void dropped();
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private final int capacity;
    private final Predicate<String> signalFilter;
    private final Counters counters;
    private LinkedHashMap<String, Latest> pending = new LinkedHashMap<>();
    private boolean closed;
    private boolean woken;
    private long dropped;

    /**
     * @param capacity     most distinct signals held for a client that is behind; at least 1
     * @param signalFilter which signal ids this client wants
     */
    public LiveSession(int capacity, Predicate<String> signalFilter, Counters counters) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be at least 1, but was " + capacity);
        this.capacity = capacity;
        this.signalFilter = signalFilter;
        this.counters = counters;
    }

    @Override
    public void accept(Latest latest) {
        if (!signalFilter.test(latest.signalId())) return;
        lock.lock();
        try {
            if (closed) return;
            if (pending.put(latest.signalId(), latest) != null) {
                counters.coalesced();
            } else if (pending.size() > capacity) {
                Iterator<Map.Entry<String, Latest>> it = pending.entrySet().iterator();
                it.next();
                it.remove();
                dropped++;
                counters.dropped();
            }
            ready.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits up to {@code timeoutMillis} for values.
     *
     * @return the pending values in arrival order; empty when none came in time; null once the session is closed
     */
    public List<Latest> take(long timeoutMillis) throws InterruptedException {
        LinkedHashMap<String, Latest> batch;
        lock.lock();
        try {
            long nanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            while (!closed && pending.isEmpty() && !woken && nanos > 0) {
                nanos = ready.awaitNanos(nanos);
            }
            woken = false;
            if (closed) return null;
            if (pending.isEmpty()) return List.of();
            batch = pending;
            pending = new LinkedHashMap<>();
        } finally {
            lock.unlock();
        }
        return new ArrayList<>(batch.values());
    }

    /** Wakes a waiting {@link #take} (it returns what is pending, possibly nothing): other events are ready to send. */
    public void wake() {
        lock.lock();
        try {
            woken = true;
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Stops the session: pending values are discarded and {@link #take} returns null. Idempotent. */
    public void close() {
        lock.lock();
        try {
            closed = true;
            pending.clear();
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /** Entries dropped because this client fell more than {@code capacity} signals behind. */
    public long dropped() {
        lock.lock();
        try {
            return dropped;
        } finally {
            lock.unlock();
        }
    }
}
