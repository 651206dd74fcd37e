package io.lathe.broker.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Slows password guessing per user name: after {@code freeFailures} failures in a row, each further failure locks the
 * name for twice as long as the last (from {@code baseNanos} up to {@code maxNanos}); a success clears it. Only
 * configured user names are tracked, so memory stays bounded. Thread-safe.
 */
final class LoginThrottle {
    private final int freeFailures;
    private final long baseNanos;
    private final long maxNanos;
    private final LongSupplier nanoTime;
    private final Map<String, long[]> state = new HashMap<>();

    LoginThrottle(int freeFailures, long baseNanos, long maxNanos, LongSupplier nanoTime) {
        this.freeFailures = freeFailures;
        this.baseNanos = baseNanos;
        this.maxNanos = maxNanos;
        this.nanoTime = nanoTime;
    }

    /** Nanoseconds {@code user} stays locked; 0 when it may try now. */
    synchronized long lockedNanos(String user) {
        long[] s = state.get(user);
        if (s == null) return 0;
        long left = s[1] - nanoTime.getAsLong();
        return Math.max(0, left);
    }

    synchronized void failed(String user) {
        long[] s = state.computeIfAbsent(user, u -> new long[2]);
        s[0]++;
        if (s[0] > freeFailures) {
            int doublings = (int) Math.min(30, s[0] - freeFailures - 1);
            long lock = Math.min(maxNanos, baseNanos << doublings);
            s[1] = nanoTime.getAsLong() + lock;
        }
    }

    synchronized void succeeded(String user) {
        state.remove(user);
    }
}
