package io.lathe.ingest;

import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;

/**
 * What connectors write to. Implementations must be thread-safe: each connector calls from its own threads.
 * A sink must not throw for a bad value; it counts and drops what it cannot keep.
 */
public interface PointSink {

    /**
     * One point.
     *
     * @param timestampMicros source timestamp, microseconds since the Unix epoch (UTC)
     * @param historical      true for back-filled values (Sparkplug {@code is_historical}): stored as history, they
     *                        never replace the current value
     */
    void accept(Signal signal, long timestampMicros, Value value, Quality quality, boolean historical);

    /** The source of this signal went away (Sparkplug NDEATH/DDEATH, a lost connection): keep the value, mark it stale. */
    void markStale(Signal signal, long timestampMicros);

    /**
     * Every entry of one message, in order: what connectors call, once per payload, poll or notification. The
     * default hands the entries over one by one; an {@link IngestQueue} takes them under one lock, and a
     * {@link FanOut} serves each sink the whole batch, isolating failures per sink and point. The batch belongs to
     * the caller again when this returns. A sink that overrides this must not throw for one point's sake: it counts
     * and drops what it cannot keep, and goes on with the rest of the batch.
     */
    default void accept(PointBatch batch) {
        for (int i = 0, n = batch.size(); i < n; i++) if (wants(batch.signals[i])) batch.deliver(i, this);
    }

    /**
     * As {@link #accept(PointBatch)} for a caller that fills one batch per message and then needs an empty one: returns
     * the batch to fill next. The default accepts the batch, clears it and returns it. An {@link IngestQueue} may keep
     * the batch itself (no copy of its points) and return another, empty one; so after this returns the caller must
     * use only the batch returned. Should this throw, the batch passed is still the caller's, with its entries.
     */
    default PointBatch handOff(PointBatch batch) {
        accept(batch);
        batch.clear();
        return batch;
    }

    /**
     * False when this sink does nothing with the points and stale marks of {@code signal} (an alarm engine for a
     * signal without alarms): batches pass them over without making their value objects (see
     * {@link PointBatch#addDouble}). Must be quick, and must not throw. Default: every signal.
     */
    default boolean wants(Signal signal) {
        return true;
    }

    /**
     * A number that changes (after the change is made) whenever {@link #wants} may answer differently for some signal,
     * so that callers may keep its answers per signal while the number stays; -1, the default, when answers must not
     * be kept. A {@link FanOut} keeps them in an array by signal ordinal: with 10,000 signals a sink's own lookup per
     * point (a hash map by id) missed the CPU cache almost every time.
     */
    default long wantsVersion() {
        return -1;
    }
}
