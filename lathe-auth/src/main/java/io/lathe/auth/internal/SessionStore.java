package io.lathe.auth.internal;

import io.lathe.auth.Principal;
import io.lathe.auth.Session;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Server-side sessions in memory (a restart logs everyone out). Looked up by the SHA-256 of the id, so map lookups
 * do not compare the secret itself. Each session ends after {@code idleTimeout} without use or {@code
 * absoluteTimeout} after login, whichever comes first. At most {@code maxSessions}: when full, expired sessions are
 * dropped, then the least recently used. Thread-safe.
 */
public final class SessionStore {
    private static final class Entry {
        final String id;
        final String csrf;
        final Principal.User user;
        final String address;
        final Instant created;
        volatile Instant lastUsed;

        Entry(String id, String csrf, Principal.User user, String address, Instant created) {
            this.id = id;
            this.csrf = csrf;
            this.user = user;
            this.address = address;
            this.created = created;
            this.lastUsed = created;
        }
    }

    private final InstantSource clock;
    private final Duration idleTimeout;
    private final Duration absoluteTimeout;
    private final int maxSessions;
    private final Map<String, Entry> byIdHash = new ConcurrentHashMap<>();
    private volatile Instant lastPurge = Instant.MIN;

    public SessionStore(InstantSource clock, Duration idleTimeout, Duration absoluteTimeout, int maxSessions) {
        this.clock = clock;
        this.idleTimeout = idleTimeout;
        this.absoluteTimeout = absoluteTimeout;
        this.maxSessions = maxSessions;
    }

    /** Starts a session with fresh 256-bit id and CSRF token. */
    public Session create(Principal.User user, String remoteAddress) {
        Instant now = clock.instant();
        if (byIdHash.size() >= maxSessions || now.isAfter(lastPurge.plusSeconds(60))) purge(now);
        while (byIdHash.size() >= maxSessions) evictLeastRecentlyUsed();
        Entry e = new Entry(Secrets.randomUrlSafe(32), Secrets.randomUrlSafe(32), user, remoteAddress, now);
        byIdHash.put(Secrets.sha256Hex(e.id), e);
        return view(e);
    }

    /** The live session with this id, its idle timer restarted; empty when unknown or expired (then it is dropped). */
    public Optional<Session> touch(String id) {
        if (id == null || id.isEmpty() || id.length() > 128) return Optional.empty();
        String key = Secrets.sha256Hex(id);
        Entry e = byIdHash.get(key);
        if (e == null) return Optional.empty();
        Instant now = clock.instant();
        if (expired(e, now)) {
            byIdHash.remove(key, e);
            return Optional.empty();
        }
        e.lastUsed = now;
        return Optional.of(view(e));
    }

    /** Ends one session; true if it existed. */
    public boolean remove(String id) {
        return id != null && byIdHash.remove(Secrets.sha256Hex(id)) != null;
    }

    /** Ends every session of the local user {@code name}; returns how many. */
    public int removeUser(String name) {
        int[] n = {0};
        byIdHash.values().removeIf(e -> {
            boolean match = e.user.source() == Principal.Source.LOCAL && e.user.name().equals(name);
            if (match) n[0]++;
            return match;
        });
        return n[0];
    }

    /** Live sessions (expired ones not yet dropped are counted until the next purge). */
    public int size() {
        return byIdHash.size();
    }

    private boolean expired(Entry e, Instant now) {
        return !now.isBefore(expiry(e));
    }

    private Instant expiry(Entry e) {
        Instant idle = e.lastUsed.plus(idleTimeout);
        Instant absolute = e.created.plus(absoluteTimeout);
        return idle.isBefore(absolute) ? idle : absolute;
    }

    private void purge(Instant now) {
        lastPurge = now;
        byIdHash.values().removeIf(e -> expired(e, now));
    }

    private void evictLeastRecentlyUsed() {
        Map.Entry<String, Entry> oldest = null;
        for (Map.Entry<String, Entry> x : byIdHash.entrySet()) {
            if (oldest == null || x.getValue().lastUsed.isBefore(oldest.getValue().lastUsed)) oldest = x;
        }
        if (oldest != null) byIdHash.remove(oldest.getKey(), oldest.getValue());
    }

    private Session view(Entry e) {
        return new Session(e.id, e.csrf, e.user, e.address, e.created, expiry(e));
    }
}
