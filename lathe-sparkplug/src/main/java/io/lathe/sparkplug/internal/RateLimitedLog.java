package io.lathe.sparkplug.internal;

import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.ConcurrentHashMap;

/** Lets one message per key through per interval, so a misbehaving device cannot flood the log. */
public final class RateLimitedLog {
    private static final int MAX_KEYS = 10_000;
    private final InstantSource clock;
    private final long intervalMillis;
    private final ConcurrentHashMap<String, Long> last = new ConcurrentHashMap<>();

    public RateLimitedLog(InstantSource clock, Duration interval) {
        this.clock = clock;
        this.intervalMillis = interval.toMillis();
    }

    /** True when a message for this key may be logged now. */
    public boolean allow(String key) {
        long now = clock.millis();
        if (last.size() > MAX_KEYS) last.clear();
        boolean[] allowed = {false};
        last.compute(key, (k, prev) -> {
            if (prev == null || now - prev >= intervalMillis) {
                allowed[0] = true;
                return now;
            }
            return prev;
        });
        return allowed[0];
    }
}
