package io.lathe.auth.internal;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Brute-force protection for password checks, per user name and per remote address. After {@code freeFailures}
 * failures in a row a key is locked for {@code firstLock}; every further failure after the lock ends doubles it, up
 * to {@code maxLock}. Attempts while locked are refused without checking the password and do not count. Failures
 * are forgotten {@code forgetAfter} after the last one, and a success clears the user's count (not the address's,
 * or one valid account would reset an attacker's count). The clock is injected so tests need no sleeping.
 * Memory is bounded: at most {@code maxTracked} keys per kind, stale ones dropped first. Thread-safe.
 */
public final class LoginThrottle {
    /** How long the attempt must wait, and which key locked it. */
    public record Lock(Duration retryAfter, String reason) {}

    private static final class Counter {
        int failures;
        Instant lastFailure;
        Instant lockedUntil = Instant.MIN;
    }

    private final InstantSource clock;
    private final int freeFailures;
    private final Duration firstLock;
    private final Duration maxLock;
    private final Duration forgetAfter;
    private final int maxTracked;
    private final Map<String, Counter> users = new ConcurrentHashMap<>();
    private final Map<String, Counter> addresses = new ConcurrentHashMap<>();

    public LoginThrottle(InstantSource clock, int freeFailures, Duration firstLock, Duration maxLock, Duration forgetAfter, int maxTracked) {
        this.clock = clock;
        this.freeFailures = freeFailures;
        this.firstLock = firstLock;
        this.maxLock = maxLock;
        this.forgetAfter = forgetAfter;
        this.maxTracked = maxTracked;
    }

    /** The lock that applies to this attempt, or null when it may go ahead. */
    public Lock check(String user, String address) {
        Instant now = clock.instant();
        Duration u = remaining(users.get(key(user)), now);
        Duration a = remaining(addresses.get(key(address)), now);
        if (u == null && a == null) return null;
        if (a == null || (u != null && u.compareTo(a) >= 0)) return new Lock(u, "user");
        return new Lock(a, "address");
    }

    /** Counts a failed attempt; returns the lock it started, or null. */
    public Lock failure(String user, String address) {
        Instant now = clock.instant();
        Duration u = count(users, key(user), now);
        Duration a = count(addresses, key(address), now);
        if (u == null && a == null) return null;
        if (a == null || (u != null && u.compareTo(a) >= 0)) return new Lock(u, "user");
        return new Lock(a, "address");
    }

    /** A correct password: the user's failures are forgotten. */
    public void success(String user) {
        users.remove(key(user));
    }

    int trackedUsers() {
        return users.size();
    }

    private Duration count(Map<String, Counter> map, String key, Instant now) {
        if (map.size() >= maxTracked && !map.containsKey(key)) makeRoom(map, now);
        Counter c = map.computeIfAbsent(key, k -> new Counter());
        synchronized (c) {
            if (c.lastFailure != null && now.isAfter(c.lastFailure.plus(forgetAfter)) && !now.isBefore(c.lockedUntil)) c.failures = 0;
            c.failures++;
            c.lastFailure = now;
            if (c.failures < freeFailures) return null;
            int doublings = Math.min(c.failures - freeFailures, 30);
            Duration lock = firstLock.multipliedBy(1L << doublings);
            if (lock.compareTo(maxLock) > 0) lock = maxLock;
            c.lockedUntil = now.plus(lock);
            return lock;
        }
    }

    private static Duration remaining(Counter c, Instant now) {
        if (c == null) return null;
        synchronized (c) {
            return now.isBefore(c.lockedUntil) ? Duration.between(now, c.lockedUntil) : null;
        }
    }

    private void makeRoom(Map<String, Counter> map, Instant now) {
        map.values().removeIf(c -> {
            synchronized (c) {
                return !now.isBefore(c.lockedUntil) && c.lastFailure != null && now.isAfter(c.lastFailure.plus(forgetAfter));
            }
        });
        // Still full: drop unlocked counters, which only delays a lock for the keys dropped.
        if (map.size() >= maxTracked) map.values().removeIf(c -> {
            synchronized (c) {
                return !now.isBefore(c.lockedUntil);
            }
        });
    }

    private static String key(String s) {
        return s == null ? "" : s;
    }
}
