package io.lathe.ingest;

import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hand-off between one connection's receiving threads (MQTT callbacks, OPC UA notifications, a Modbus poller) and
 * the ingest side (store, processors, live view): a bounded ring of point slots drained by one consumer thread into
 * the downstream sink, so a slow store never holds a network thread for longer than {@code ingest.max-block}.
 *
 * <p><b>Accepted.</b> A point is accepted when {@link #accept(PointBatch)} has put it in the ring; the consumer hands
 * it to the downstream sink (the store first) as soon as it is there, in the order of acceptance, so points of one
 * signal keep their order. The age of the oldest queued point is exported as {@code lathe.ingest.queue.lag}.
 *
 * <p><b>Backpressure.</b> When the ring is full a producer waits up to {@code maxBlock} for room; points that still do
 * not fit are rejected, counted in {@code lathe.ingest.queue.rejected} ({@code reason=queue-full}) and logged at most
 * once a minute, never dropped silently. After such a timeout, producers are rejected at once (without waiting) until
 * the consumer has made room again, so a stalled store costs a network thread one {@code maxBlock}, not one per
 * message, and an MQTT client keeps answering its keep-alive. A batch larger than the free room is taken in part and
 * the rest waits; points of a batch are never reordered.
 *
 * <p><b>Future timestamps.</b> Points stamped more than the {@link TimestampCheck}'s skew ahead of the server clock are
 * rejected here (stale marks are not checked).
 *
 * <p><b>Memory.</b> The queue is a line of {@link PointBatch}es holding at most {@code capacity} points, and up to
 * {@value #MAX_FREE} emptied batches kept for reuse; once their arrays have grown nothing is allocated. A batch given
 * with {@link #handOff} of at least {@value #MIN_HAND_OFF} points is queued as it is and the producer gets an empty one
 * back: no copy on either side. Why: copying every point into a ring and out again was a fifth of a Sparkplug
 * receiving thread's time and a twentieth of the ingest thread's (async-profiler, 10,000 signals at 5 M points/s).
 * Other batches are copied into queued ones of up to {@value #DRAIN_CHUNK} points. Values stay as the connectors made
 * them: objects, or primitives with no object at all (see {@link PointBatch#addDouble}).
 *
 * <p><b>Close.</b> {@link #close()} refuses new points (counted as {@code reason=closed}), lets the consumer deliver
 * everything already accepted, and returns when it has; close the connection first and the store after.
 *
 * <p>Thread-safe: any number of producers.
 */
public final class IngestQueue implements PointSink, AutoCloseable {
    public static final String REASON_FULL = "queue-full";
    public static final String REASON_CLOSED = "closed";
    /** Default of {@code ingest.queue-capacity}, in points. */
    public static final int DEFAULT_CAPACITY = 65_536;
    /** Default of {@code ingest.max-block}: well under MQTT keep-alives (30-60 s), over a slow fsync. */
    public static final Duration DEFAULT_MAX_BLOCK = Duration.ofSeconds(2);
    /** Longest wait in {@link #close()} for the downstream sink to take what is queued. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    /** Copied points per queued batch: at most this many go downstream per call, so producers get room back sooner. */
    static final int DRAIN_CHUNK = 4096;
    /** Smaller hand-offs are copied, so that the queue never holds thousands of nearly empty batches. */
    static final int MIN_HAND_OFF = 64;
    /** Emptied batches kept for reuse. */
    static final int MAX_FREE = 16;
    /** A batch whose arrays grew beyond this is not kept for reuse (a one-off huge message). */
    private static final int MAX_FREE_ENTRIES = 1 << 16;

    private static final Logger LOG = LoggerFactory.getLogger(IngestQueue.class);

    private final String connection;
    private final PointSink downstream;
    private final TimestampCheck timestampCheck;
    private final int capacity;
    private final long maxBlockNanos;
    private final Duration maxBlock;

    // Guarded by lock: the queued batches, oldest first, holding count points; emptied batches for reuse.
    private final java.util.ArrayDeque<PointBatch> queued = new java.util.ArrayDeque<>();
    private final java.util.ArrayDeque<PointBatch> free = new java.util.ArrayDeque<>();
    private int count;
    /** Slots the consumer has taken out since start; tells a producer whether the consumer moved since a timeout. */
    private long taken;
    private boolean overloaded;
    private long takenAtOverload;
    private boolean closing;
    private int inFlight;
    private long inFlightSinceNanos;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final Condition idle = lock.newCondition();

    private final ThreadLocal<PointBatch> single = ThreadLocal.withInitial(() -> new PointBatch(1));
    private final Thread consumer;

    private final Counter rejectedFull;
    private final Counter rejectedClosed;
    private final Counter downstreamErrors;
    private final java.util.concurrent.atomic.LongAdder accepted = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder delivered = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder blocked = new java.util.concurrent.atomic.LongAdder();
    private final RateLimitedLog log = new RateLimitedLog(LOG, 60_000);

    /**
     * Creates the queue, registers its metrics (tag {@code connection}) and starts its consumer thread
     * ({@code lathe-ingest-<connection>}).
     *
     * @param connection     the connection's name, for metrics and messages
     * @param downstream     where the consumer delivers, typically a {@link FanOut} of store, processors and live view
     * @param capacity       {@code ingest.queue-capacity}: points the ring holds, at least 1
     * @param maxBlock       {@code ingest.max-block}: longest a producer waits for room, >= 0
     * @param timestampCheck the future-timestamp rule, shared by all connections
     */
    public IngestQueue(String connection, PointSink downstream, int capacity, Duration maxBlock, TimestampCheck timestampCheck,
                       MeterRegistry registry) {
        if (capacity < 1) {
            throw new IllegalArgumentException("ingest.queue-capacity must be >= 1, but was " + capacity + " [connection=" + connection + "]");
        }
        if (maxBlock.isNegative()) {
            throw new IllegalArgumentException("ingest.max-block must be >= 0s, but was " + maxBlock + " [connection=" + connection + "]");
        }
        this.connection = connection;
        this.downstream = downstream;
        this.timestampCheck = timestampCheck;
        this.capacity = capacity;
        this.maxBlock = maxBlock;
        this.maxBlockNanos = saturatedNanos(maxBlock);

        Gauge.builder("lathe.ingest.queue.depth", this, IngestQueue::depth).tag("connection", connection)
                .description("Points accepted from a connection and not yet handed to the store").register(registry);
        Gauge.builder("lathe.ingest.queue.capacity", this, q -> q.capacity).tag("connection", connection)
                .description("Points a connection's ingest queue holds (ingest.queue-capacity)").register(registry);
        TimeGauge.builder("lathe.ingest.queue.lag", this, TimeUnit.NANOSECONDS, IngestQueue::lagNanos).tag("connection", connection)
                .description("Age of the oldest point in a connection's ingest queue").register(registry);
        FunctionCounter.builder("lathe.ingest.queue.accepted", accepted, java.util.concurrent.atomic.LongAdder::sum)
                .tag("connection", connection).description("Points a connection's ingest queue accepted").register(registry);
        FunctionCounter.builder("lathe.ingest.queue.blocked", blocked, java.util.concurrent.atomic.LongAdder::sum)
                .tag("connection", connection).description("Hand-offs that had to wait for room in the ingest queue").register(registry);
        rejectedFull = Counter.builder("lathe.ingest.queue.rejected").tag("connection", connection).tag("reason", REASON_FULL)
                .description("Points a connection's ingest queue rejected, by reason").register(registry);
        rejectedClosed = Counter.builder("lathe.ingest.queue.rejected").tag("connection", connection).tag("reason", REASON_CLOSED)
                .description("Points a connection's ingest queue rejected, by reason").register(registry);
        downstreamErrors = Counter.builder(FanOut.ERRORS_METRIC).tag("sink", "queue:" + connection)
                .description("Points a sink failed on (the other sinks still got them)").register(registry);

        consumer = new Thread(this::consume, "lathe-ingest-" + connection);
        consumer.setDaemon(true);
        consumer.start();
    }

    public String connection() {
        return connection;
    }

    public int capacity() {
        return capacity;
    }

    public Duration maxBlock() {
        return maxBlock;
    }

    // ---- producers ---------------------------------------------------------------------------------------------------

    @Override
    public void accept(Signal signal, long timestampMicros, Value value, Quality quality, boolean historical) {
        PointBatch b = single.get();
        b.add(signal, timestampMicros, value, quality, historical);
        try {
            accept(b);
        } finally {
            b.clear();
        }
    }

    @Override
    public void markStale(Signal signal, long timestampMicros) {
        PointBatch b = single.get();
        b.stale(signal, timestampMicros);
        try {
            accept(b);
        } finally {
            b.clear();
        }
    }

    /**
     * Puts every entry of {@code batch} in the queue under one lock, waiting up to {@code maxBlock} for room; what is
     * rejected (future timestamp, queue full, closed) is counted and logged. Never throws for a full queue.
     */
    @Override
    public void accept(PointBatch batch) {
        int n = batch.size;
        if (n == 0) return;
        long limit = timestampCheck.limitMicros();
        long start = System.nanoTime();
        int future = 0;
        int firstFuture = -1;
        int full = 0;
        int closed = 0;
        boolean waited = false;
        boolean interrupted = false;
        Signal[] bs = batch.signals;
        long[] bt = batch.timestamps;
        byte[] bf = batch.flags;
        lock.lock();
        try {
            long deadline = start + maxBlockNanos;
            int i = 0;
            while (i < n) {
                if (closing) {
                    closed = n - i;
                    break;
                }
                if (count == capacity) {
                    if (overloaded && taken == takenAtOverload) {
                        full = n - i;
                        break;
                    }
                    overloaded = false;
                    long remaining = deadline - System.nanoTime();
                    if (remaining <= 0 || interrupted) {
                        overloaded = true;
                        takenAtOverload = taken;
                        full = n - i;
                        break;
                    }
                    waited = true;
                    try {
                        notFull.awaitNanos(remaining);
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                    continue;
                }
                PointBatch tail = queued.peekLast();
                boolean fresh = tail == null || tail.size >= DRAIN_CHUNK;
                if (fresh) tail = takeFree();
                int added = 0;
                int room = Math.min(capacity - count, DRAIN_CHUNK - tail.size);
                while (i < n && added < room) {
                    if ((bf[i] & PointBatch.STALE) == 0 && bt[i] > limit) {
                        if (firstFuture < 0) firstFuture = i;
                        future++;
                        i++;
                        continue;
                    }
                    tail.copyEntry(batch, i);
                    added++;
                    i++;
                }
                if (added > 0) {
                    if (fresh) {
                        tail.enqueuedNanos = start;
                        queued.addLast(tail);
                    }
                    count += added;
                    notEmpty.signal();
                } else if (fresh) {
                    putFree(tail);
                }
            }
        } finally {
            lock.unlock();
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (waited) blocked.increment();
        int rejected = future + full + closed;
        if (n - rejected > 0) accepted.add(n - rejected);
        if (future > 0) timestampCheck.rejected(connection, bs[firstFuture].id(), bt[firstFuture], limit, future);
        if (full > 0) {
            rejectedFull.increment(full);
            log.warn("full", "points rejected [connection=" + connection + ", points=" + full + ", queue-capacity=" + capacity
                    + ", max-block=" + maxBlock + "]: the ingest queue stayed full because the store or a processor does not keep"
                    + " up; they are counted in lathe_ingest_queue_rejected_total. Look at the store's disk and at"
                    + " lathe_ingest_queue_lag_seconds, or raise ingest.queue-capacity.");
        }
        if (closed > 0) {
            rejectedClosed.increment(closed);
            log.warn("closed", "points rejected [connection=" + connection + ", points=" + closed + "]: the ingest queue is"
                    + " closed because Lathe is stopping. Nothing to do; the source should resend after the restart.");
        }
    }

    /**
     * Queues {@code batch} itself when it has at least {@value #MIN_HAND_OFF} points, none stamped in the future, and
     * they fit now; returns an empty batch for the producer to fill next. Otherwise the points are taken as by
     * {@link #accept(PointBatch)} and the same batch comes back, cleared.
     */
    @Override
    public PointBatch handOff(PointBatch batch) {
        int n = batch.size;
        if (n < MIN_HAND_OFF) return copied(batch);
        long limit = timestampCheck.limitMicros();
        long[] bt = batch.timestamps;
        byte[] bf = batch.flags;
        for (int i = 0; i < n; i++) if (bt[i] > limit && (bf[i] & PointBatch.STALE) == 0) return copied(batch);
        long start = System.nanoTime();
        PointBatch next;
        lock.lock();
        try {
            if (closing || count + n > capacity) return copied(batch); // waits, takes part or rejects, as accept does
            batch.enqueuedNanos = start;
            queued.addLast(batch);
            count += n;
            notEmpty.signal();
            next = takeFree();
        } finally {
            lock.unlock();
        }
        accepted.add(n);
        return next;
    }

    private PointBatch copied(PointBatch batch) {
        accept(batch);
        batch.clear();
        return batch;
    }

    /** Lock held. */
    private PointBatch takeFree() {
        PointBatch b = free.pollLast();
        return b != null ? b : new PointBatch(256);
    }

    /** Lock held; {@code b} is empty. */
    private void putFree(PointBatch b) {
        if (free.size() < MAX_FREE && b.signals.length <= MAX_FREE_ENTRIES) free.addLast(b);
    }

    // ---- consumer ----------------------------------------------------------------------------------------------------

    private void consume() {
        PointBatch done = null;
        while (true) {
            PointBatch drain;
            int n;
            lock.lock();
            try {
                if (done != null) putFree(done);
                done = null;
                inFlight = 0;
                idle.signalAll();
                while (queued.isEmpty()) {
                    if (closing) return;
                    notEmpty.awaitUninterruptibly();
                }
                drain = queued.pollFirst();
                n = drain.size;
                count -= n;
                taken += n;
                inFlight = n;
                inFlightSinceNanos = drain.enqueuedNanos;
                notFull.signalAll();
            } finally {
                lock.unlock();
            }
            try {
                downstream.accept(drain);
            } catch (RuntimeException e) {
                // A FanOut isolates its sinks; any other downstream that throws loses at most this chunk, counted.
                downstreamErrors.increment(n);
                log.warn("downstream", "ingest queue could not deliver points [connection=" + connection + ", points=" + n
                        + "]: " + e + ". This is a bug in Lathe; please report it with this message.", e);
            } catch (Error e) {
                downstreamErrors.increment(n);
                LOG.error("ingest queue consumer stopped [connection={}]: {}. Points of this connection are no longer stored;"
                        + " restart Lathe.", connection, e.toString(), e);
                throw e;
            } finally {
                drain.clear();
                delivered.add(n);
                done = drain;
            }
        }
    }

    // ---- state -------------------------------------------------------------------------------------------------------

    /** Points accepted and not yet delivered downstream (queued and in delivery). */
    public int depth() {
        lock.lock();
        try {
            return count + inFlight;
        } finally {
            lock.unlock();
        }
    }

    /** Age of the oldest point not yet delivered downstream, in nanoseconds; 0 when there is none. */
    public long lagNanos() {
        lock.lock();
        try {
            PointBatch oldest = queued.peekFirst();
            if (inFlight == 0 && oldest == null) return 0;
            return Math.max(0, System.nanoTime() - (inFlight > 0 ? inFlightSinceNanos : oldest.enqueuedNanos));
        } finally {
            lock.unlock();
        }
    }

    /** Points accepted so far. */
    public long accepted() {
        return accepted.sum();
    }

    /** Points handed downstream so far (including ones a sink failed on). */
    public long delivered() {
        return delivered.sum();
    }

    /** Points rejected because the queue stayed full, so far. */
    public long rejectedFull() {
        return (long) rejectedFull.count();
    }

    /** Points rejected because the queue was closed, so far. */
    public long rejectedClosed() {
        return (long) rejectedClosed.count();
    }

    /**
     * Waits until every point accepted before this call has been delivered downstream, for tests and for a flush
     * before a snapshot.
     *
     * @return false when {@code timeout} passed first
     */
    public boolean awaitDelivered(Duration timeout) throws InterruptedException {
        long target = accepted.sum();
        long deadline = System.nanoTime() + saturatedNanos(timeout);
        lock.lock();
        try {
            while (delivered.sum() < target) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) return false;
                idle.awaitNanos(remaining);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Refuses new points, delivers what was accepted and stops the consumer. Waits up to 30 s for a stuck downstream
     * and then logs how many accepted points were not delivered. Idempotent.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            closing = true;
            notEmpty.signalAll();
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() == consumer) return;
        try {
            consumer.join(CLOSE_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (consumer.isAlive()) {
            LOG.error("ingest queue not drained on stop [connection={}, points={}, waited={}]: the store or a processor does"
                    + " not answer; these accepted points are not stored. Look for a full or hung disk.", connection, depth(), CLOSE_TIMEOUT);
        }
    }

    /** Capped at a day so that adding it to {@link System#nanoTime()} cannot overflow. */
    private static long saturatedNanos(Duration d) {
        return d.compareTo(Duration.ofDays(1)) > 0 ? Duration.ofDays(1).toNanos() : d.toNanos();
    }
}
