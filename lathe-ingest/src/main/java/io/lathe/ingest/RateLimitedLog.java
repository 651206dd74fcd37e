package io.lathe.ingest;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs a warning at most once per interval for each key (a connection and an address), with the number of repeats
 * suppressed since the last line. Devices that send bad data every poll must not flood the log. Shared by every
 * connector; the number of keys is bounded so a device inventing addresses cannot grow it without limit.
 */
public final class RateLimitedLog {
    private final Logger log;
    private final long intervalMillis;
    private final ConcurrentHashMap<String, long[]> last = new ConcurrentHashMap<>();
    private final AtomicLong suppressedTotal = new AtomicLong();

    public RateLimitedLog(Logger log, long intervalMillis) {
        this.log = log;
        this.intervalMillis = intervalMillis;
    }

    /** Logs {@code message} (already formatted) under {@code key} unless it was logged within the interval. */
    public void warn(String key, String message) {
        warn(key, message, null);
    }

    /** As {@link #warn(String, String)}, with the stack trace of {@code error} when not null. */
    public void warn(String key, String message, Throwable error) {
        long now = System.currentTimeMillis();
        if (last.size() > 10_000) last.clear();
        long[] s = last.computeIfAbsent(key, k -> new long[] {Long.MIN_VALUE / 2, 0});
        synchronized (s) {
            if (now - s[0] < intervalMillis) {
                s[1]++;
                suppressedTotal.incrementAndGet();
                return;
            }
            long suppressed = s[1];
            s[0] = now;
            s[1] = 0;
            if (suppressed > 0) log.warn("{} ({} similar suppressed)", message, suppressed, error);
            else log.warn("{}", message, error);
        }
    }
}
