package io.lathe.ingest;

import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters a connection keeps about itself. Cheap to update from the receiving thread: two atomic adds per message.
 * The message rate is computed when a status is read, over the time since the previous read.
 */
public final class ConnectionStats {
    private final String name;
    private final String protocol;
    private final String endpoint;
    private final InstantSource clock;
    private final AtomicLong messages = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private volatile long lastMessageMillis = -1;
    private volatile ConnectionState state = ConnectionState.CONNECTING;
    private volatile String lastError;
    private volatile long stateSinceMillis;
    private volatile long lastErrorMillis = -1;
    private long rateMessages;
    private long rateMillis;
    private double rate;

    public ConnectionStats(String name, String protocol, String endpoint, InstantSource clock) {
        this.name = name;
        this.protocol = protocol;
        this.endpoint = endpoint;
        this.clock = clock;
        this.rateMillis = clock.millis();
        this.stateSinceMillis = rateMillis;
    }

    public void message() {
        messages.incrementAndGet();
        lastMessageMillis = clock.millis();
    }

    public void error(String message) {
        errors.incrementAndGet();
        lastError = message;
        lastErrorMillis = clock.millis();
    }

    public void state(ConnectionState s) {
        if (s != state) stateSinceMillis = clock.millis();
        state = s;
    }

    public void state(ConnectionState s, String error) {
        if (s != state) stateSinceMillis = clock.millis();
        state = s;
        if (error != null) {
            lastError = error;
            lastErrorMillis = clock.millis();
        }
    }

    public ConnectionState state() {
        return state;
    }

    public synchronized ConnectionStatus snapshot() {
        long now = clock.millis();
        long m = messages.get();
        if (now - rateMillis >= 1000) {
            rate = (m - rateMessages) * 1000.0 / (now - rateMillis);
            rateMessages = m;
            rateMillis = now;
        }
        long last = lastMessageMillis;
        long errorAt = lastErrorMillis;
        return new ConnectionStatus(name, protocol, endpoint, state, lastError,
                last < 0 ? null : Instant.ofEpochMilli(last), m, errors.get(), rate,
                Instant.ofEpochMilli(stateSinceMillis), errorAt < 0 ? null : Instant.ofEpochMilli(errorAt));
    }
}
