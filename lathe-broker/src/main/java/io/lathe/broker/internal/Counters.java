package io.lathe.broker.internal;

import io.lathe.broker.BrokerCounter;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;

/**
 * Counts refusals per {@link BrokerCounter} and logs them, at most one line per counter every
 * {@value #LOG_INTERVAL_SECONDS} s (with the number left out), so that a misbehaving client cannot flood the log.
 */
public final class Counters {
    static final long LOG_INTERVAL_SECONDS = 10;
    private static final long LOG_INTERVAL_NANOS = LOG_INTERVAL_SECONDS * 1_000_000_000L;

    private final LongAdder[] counts = new LongAdder[BrokerCounter.values().length];
    private final AtomicLong[] lastLog = new AtomicLong[counts.length];
    private final LongAdder[] suppressed = new LongAdder[counts.length];
    private final Logger log;

    public Counters(Logger log) {
        this.log = log;
        for (int i = 0; i < counts.length; i++) {
            counts[i] = new LongAdder();
            lastLog[i] = new AtomicLong(System.nanoTime() - LOG_INTERVAL_NANOS);
            suppressed[i] = new LongAdder();
        }
    }

    public long get(BrokerCounter c) {
        return counts[c.ordinal()].sum();
    }

    /** Counts one {@code c} and logs {@code message} at WARN unless a line for {@code c} was logged recently. */
    public void count(BrokerCounter c, String message) {
        int i = c.ordinal();
        counts[i].increment();
        long now = System.nanoTime();
        long last = lastLog[i].get();
        if (now - last >= LOG_INTERVAL_NANOS && lastLog[i].compareAndSet(last, now)) {
            long left = suppressed[i].sumThenReset();
            log.warn(left == 0 ? message : message + " (" + left + " more like it in the last " + LOG_INTERVAL_SECONDS + " s not logged)");
        } else {
            suppressed[i].increment();
        }
    }
}
