package io.lathe.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rule for points stamped in the future, shared by every way points come in (connection queues, HTTP ingest):
 * a point whose timestamp is more than {@code ingest.max-clock-skew} ahead of the server clock is rejected. Such a point
 * is a wrong device clock or a wrong unit (microseconds sent as milliseconds), never a measurement; kept, it would be
 * counted as running or down time that has not happened yet and would sit at the head of its series for good.
 *
 * <p>A reject is counted in {@code lathe.ingest.rejected} (tags {@code connection} and {@code reason=future-timestamp})
 * and logged at most once a minute per connection, naming the connection and the signal. Stale marks are not checked:
 * the server stamps them itself.
 *
 * <p>Usage on a hot path: read {@link #limitMicros()} once per batch, compare each point with
 * {@link #isTooFarAhead(long, long)}, and report the rejects of the batch with one {@link #rejected} call. For a single
 * point {@link #check(String, String, long)} does all three. Thread-safe.
 */
public final class TimestampCheck {
    /** Default of {@code ingest.max-clock-skew}: larger than any NTP-synchronised clock is off, smaller than a shift's tick. */
    public static final Duration DEFAULT_MAX_SKEW = Duration.ofMinutes(5);
    /** Value of the {@code reason} tag of {@link #METRIC} for these rejects. */
    public static final String REASON = "future-timestamp";
    /** Counter of points rejected at the hand-off, tagged {@code connection} and {@code reason}. */
    public static final String METRIC = "lathe.ingest.rejected";

    private static final Logger LOG = LoggerFactory.getLogger(TimestampCheck.class);

    private final Duration maxSkew;
    private final long maxSkewMicros;
    private final InstantSource clock;
    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
    private final RateLimitedLog log = new RateLimitedLog(LOG, 60_000);

    /**
     * @param maxSkew  how far ahead of {@code clock} a timestamp may be; {@link Duration#ZERO} disables the check (for
     *                 a simulation that runs faster than real time)
     * @param registry where the reject counters go
     * @throws IllegalArgumentException when {@code maxSkew} is negative
     */
    public TimestampCheck(Duration maxSkew, InstantSource clock, MeterRegistry registry) {
        if (maxSkew.isNegative()) {
            throw new IllegalArgumentException("ingest.max-clock-skew must be >= 0s (0s disables the check), but was " + maxSkew);
        }
        this.maxSkew = maxSkew;
        this.maxSkewMicros = maxSkew.isZero() ? Long.MAX_VALUE : saturatedMicros(maxSkew);
        this.clock = clock;
        this.registry = registry;
    }

    /** A check that accepts every timestamp (and counts nothing). */
    public static TimestampCheck disabled(MeterRegistry registry) {
        return new TimestampCheck(Duration.ZERO, InstantSource.system(), registry);
    }

    public Duration maxSkew() {
        return maxSkew;
    }

    public boolean enabled() {
        return maxSkewMicros != Long.MAX_VALUE;
    }

    /**
     * The newest acceptable timestamp now, in microseconds since the epoch ({@link Long#MAX_VALUE} when the check is
     * disabled). Reads the clock once; call it once per batch.
     */
    public long limitMicros() {
        if (maxSkewMicros == Long.MAX_VALUE) return Long.MAX_VALUE;
        long now = Math.multiplyExact(clock.millis(), 1000L);
        long limit = now + maxSkewMicros;
        return limit < now ? Long.MAX_VALUE : limit;
    }

    /** True when a point stamped {@code timestampMicros} must be rejected against a {@link #limitMicros()} read before. */
    public static boolean isTooFarAhead(long timestampMicros, long limitMicros) {
        return timestampMicros > limitMicros;
    }

    /**
     * Checks one point, counting and logging it when it is rejected.
     *
     * @return true when the point may be accepted
     */
    public boolean check(String connection, String signalId, long timestampMicros) {
        long limit = limitMicros();
        if (!isTooFarAhead(timestampMicros, limit)) return true;
        rejected(connection, signalId, timestampMicros, limit, 1);
        return false;
    }

    /**
     * Counts {@code points} rejected points of one batch and logs (rate-limited) the first of them.
     *
     * @param signalId        the signal of the first rejected point
     * @param timestampMicros the timestamp of the first rejected point
     * @param limitMicros     the limit it was compared with
     */
    public void rejected(String connection, String signalId, long timestampMicros, long limitMicros, int points) {
        if (points <= 0) return;
        counters.computeIfAbsent(connection, c -> Counter.builder(METRIC).tag("connection", c).tag("reason", REASON)
                .description("Points rejected where they are handed over, by connection and reason")
                .register(registry)).increment(points);
        log.warn("future/" + connection, message(connection, signalId, timestampMicros, limitMicros)
                + (points > 1 ? " (" + points + " points of this batch)" : ""));
    }

    /** Points of {@code connection} rejected by this check so far. */
    public long rejectedCount(String connection) {
        Counter c = counters.get(connection);
        return c == null ? 0 : (long) c.count();
    }

    /**
     * The error text for a rejected point, in Lathe's shape, for logs and HTTP answers.
     *
     * @param limitMicros the limit the point was compared with ({@link #limitMicros()})
     */
    public String message(String connection, String signalId, long timestampMicros, long limitMicros) {
        long serverMicros = limitMicros == Long.MAX_VALUE ? clock.millis() * 1000 : limitMicros - maxSkewMicros;
        return "point rejected [connection=" + connection + ", signal=" + signalId + ", timestamp=" + format(timestampMicros)
                + ", server-time=" + format(serverMicros) + ", max-clock-skew=" + maxSkew + "]: stamped more than"
                + " ingest.max-clock-skew ahead of the server clock. Set the source's clock right (NTP) and check the"
                + " timestamp's unit (microseconds sent as milliseconds?), or raise ingest.max-clock-skew.";
    }

    private static String format(long micros) {
        try {
            return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L).toString();
        } catch (java.time.DateTimeException e) {
            return micros + "us";
        }
    }

    private static long saturatedMicros(Duration d) {
        try {
            return Math.multiplyExact(d.getSeconds(), 1_000_000L) + d.getNano() / 1000;
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
