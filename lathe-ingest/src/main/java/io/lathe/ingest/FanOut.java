package io.lathe.ingest;

import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands every point to each sink in order (store first, so durable history never lags the live view).
 *
 * <p>A sink that throws does not stop the others, nor the rest of the batch for itself: every point is offered to every
 * sink. Each failure is counted in {@code lathe.ingest.sink.errors} (tag {@code sink}) and logged at most once a minute
 * per sink, with the signal and the stack trace. Thread-safe when the sinks are.
 */
public final class FanOut implements PointSink {
    /** Counter of points a sink threw on, tagged {@code sink}. */
    public static final String ERRORS_METRIC = "lathe.ingest.sink.errors";

    private static final Logger LOG = LoggerFactory.getLogger(FanOut.class);

    private final PointSink[] sinks;
    private final String[] names;
    private final Counter[] errors;
    /** Per sink: it has its own batch method, so it gets whole batches. */
    private final boolean[] batched;
    private final RateLimitedLog log = new RateLimitedLog(LOG, 60_000);
    /** Sinks served point by point (no batch method of their own), in order. */
    private final int[] unbatched;
    /** Bit {@code 1 << s} for each sink served point by point. */
    private final int unbatchedBits;
    /** Bit {@code 1 << s} for each such sink that versioned its {@link PointSink#wants} when this fan-out was built. */
    private final int versioned;
    /** The per-point sinks' answers by signal, one bit per sink, for the versions they were asked at. */
    private volatile MaskCache maskCache;
    private final ThreadLocal<int[]> maskBuffer = ThreadLocal.withInitial(() -> new int[256]);

    /** {@code versions[k]} is the version of sink {@code unbatched[k]} (0 for a sink that keeps no answers). */
    private record MaskCache(long[] versions, io.lathe.model.SignalSlots<Integer> masks) {}

    /** Sinks named after their class (for example {@code telemetrystore}); errors are counted but not exported. */
    public FanOut(List<? extends PointSink> sinks) {
        this(namesOf(sinks), sinks, new SimpleMeterRegistry());
    }

    private FanOut(List<String> names, List<? extends PointSink> sinks, MeterRegistry registry) {
        this.sinks = sinks.toArray(new PointSink[0]);
        this.names = names.toArray(new String[0]);
        this.errors = new Counter[this.sinks.length];
        this.batched = new boolean[this.sinks.length];
        if (this.sinks.length > 31) {
            throw new IllegalArgumentException("a fan-out serves at most 31 sinks (one bit each), but got " + this.sinks.length);
        }
        for (int i = 0; i < batched.length; i++) batched[i] = overridesBatch(this.sinks[i]);
        int[] perPoint = new int[this.sinks.length];
        int count = 0, bits = 0, withVersion = 0;
        for (int i = 0; i < batched.length; i++) {
            if (batched[i]) continue;
            perPoint[count++] = i;
            bits |= 1 << i;
            if (this.sinks[i].wantsVersion() >= 0) withVersion |= 1 << i;
        }
        this.unbatched = java.util.Arrays.copyOf(perPoint, count);
        this.unbatchedBits = bits;
        this.versioned = withVersion;
        for (int i = 0; i < errors.length; i++) {
            errors[i] = Counter.builder(ERRORS_METRIC).tag("sink", this.names[i])
                    .description("Points a sink failed on (the other sinks still got them)").register(registry);
        }
    }

    /** Starts a fan-out whose sinks have names for metrics and logs. */
    public static Builder builder(MeterRegistry registry) {
        return new Builder(registry);
    }

    @Override
    public void accept(Signal signal, long timestampMicros, Value value, Quality quality, boolean historical) {
        for (int s = 0; s < sinks.length; s++) {
            try {
                sinks[s].accept(signal, timestampMicros, value, quality, historical);
            } catch (RuntimeException e) {
                failed(s, signal, e);
            }
        }
    }

    @Override
    public void markStale(Signal signal, long timestampMicros) {
        for (int s = 0; s < sinks.length; s++) {
            try {
                sinks[s].markStale(signal, timestampMicros);
            } catch (RuntimeException e) {
                failed(s, signal, e);
            }
        }
    }

    /**
     * Sink by sink, so the store has the whole batch before a processor or the live view sees any of it. A sink with
     * its own {@link PointSink#accept(PointBatch)} (the store: one lock per batch instead of one per point) gets the
     * batch in one call and must isolate its points' failures itself; should it throw all the same, every point of the
     * batch is counted as failed for it. The others get the points one by one, each failure isolated here.
     *
     * <p>Which of those others want a point is looked up once per point for all of them: a bit per sink, kept per signal
     * while no sink's {@link PointSink#wantsVersion} moves. With one cached answer per sink the three processors' three
     * look-ups per point were a third of the ingest thread's time (async-profiler, 10,000 signals).
     */
    @Override
    public void accept(PointBatch batch) {
        int n = batch.size();
        int[] masks = null;
        for (int s = 0; s < sinks.length; s++) {
            PointSink sink = sinks[s];
            if (batched[s]) {
                try {
                    sink.accept(batch);
                } catch (RuntimeException e) {
                    if (n > 1) errors[s].increment(n - 1);
                    failed(s, n > 0 ? batch.signals[0] : null, e);
                }
                continue;
            }
            if (masks == null) masks = masks(batch, n);
            int bit = 1 << s;
            if ((masks[n] & bit) == 0) continue; // no point of the batch for this sink (most batches, most processors)
            for (int i = 0; i < n; i++) {
                if ((masks[i] & bit) == 0) continue;
                try {
                    batch.deliver(i, sink);
                } catch (RuntimeException e) {
                    failed(s, batch.signals[i], e);
                }
            }
        }
    }

    /**
     * Per point of the batch, the bits of the per-point sinks that want it, and at {@code [n]} the union of them all (in
     * a buffer of this thread).
     */
    private int[] masks(PointBatch batch, int n) {
        int[] masks = maskBuffer.get();
        if (masks.length < n + 1) {
            masks = new int[Math.max(n + 1, masks.length * 2)];
            maskBuffer.set(masks);
        }
        MaskCache cache = maskCache();
        Signal[] signals = batch.signals;
        int any = 0;
        for (int i = 0; i < n; i++) {
            Signal signal = signals[i];
            Integer kept = cache == null ? null : cache.masks.get(signal);
            int m = kept != null ? kept | uncachedMask(signal) : mask(cache, signal);
            masks[i] = m;
            any |= m;
        }
        masks[n] = any;
        return masks;
    }

    /**
     * The kept masks for the sinks' current versions, or null when no per-point sink keeps its answers. Masks are put
     * only into the cache of the versions read before asking, so a mask never outlives versions older than itself.
     */
    private MaskCache maskCache() {
        if (versioned == 0) return null;
        MaskCache c = maskCache;
        boolean same = c != null;
        for (int k = 0; k < unbatched.length; k++) {
            int s = unbatched[k];
            if ((versioned & (1 << s)) == 0) continue;
            long v = sinks[s].wantsVersion();
            if (v < 0) return null; // stopped versioning: ask every time
            if (same && c.versions[k] != v) same = false;
        }
        if (same) return c; // the usual case: no allocation per batch
        long[] versions = new long[unbatched.length];
        for (int k = 0; k < unbatched.length; k++) {
            int s = unbatched[k];
            if ((versioned & (1 << s)) == 0) continue;
            long v = sinks[s].wantsVersion();
            if (v < 0) return null;
            versions[k] = v;
        }
        c = new MaskCache(versions, new io.lathe.model.SignalSlots<>());
        maskCache = c;
        return c;
    }

    /** Asks every per-point sink about a signal the cache has no mask for, and keeps the versioned sinks' answers. */
    private int mask(MaskCache cache, Signal signal) {
        if (cache == null) return ask(signal, unbatchedBits) & ~FAILED;
        int keep = ask(signal, versioned);
        if ((keep & FAILED) == 0) cache.masks.put(signal, keep);
        return (keep & ~FAILED) | uncachedMask(signal);
    }

    /** Bits of the per-point sinks that keep no answers, asked for this point. */
    private int uncachedMask(Signal signal) {
        int unversioned = unbatchedBits & ~versioned;
        return unversioned == 0 ? 0 : ask(signal, unversioned) & ~FAILED;
    }

    /** Set in an {@link #ask} answer when a sink's wants threw (at most 31 sinks, so bit 31 is free). */
    private static final int FAILED = 1 << 31;

    /**
     * The bits among {@code which} of the sinks that want {@code signal}; a wants that throws (it must not) is counted,
     * its sink passed over for this point, and {@link #FAILED} set so that the answer is not kept.
     */
    private int ask(Signal signal, int which) {
        int wanted = 0;
        for (int s : unbatched) {
            if ((which & (1 << s)) == 0) continue;
            try {
                if (sinks[s].wants(signal)) wanted |= 1 << s;
            } catch (RuntimeException e) {
                wanted |= FAILED;
                failed(s, signal, e);
            }
        }
        return wanted;
    }

    /** Points the named sink failed on so far. */
    public long errors(String sink) {
        for (int s = 0; s < names.length; s++) if (names[s].equals(sink)) return (long) errors[s].count();
        throw new IllegalArgumentException("no sink named " + sink + " in this fan-out; sinks are " + List.of(names));
    }

    private void failed(int s, Signal signal, RuntimeException e) {
        errors[s].increment();
        log.warn("sink/" + names[s], "point sink failed [sink=" + names[s] + ", signal=" + (signal == null ? "?" : signal.id())
                + "]: " + e + ". The other sinks got the point and the rest of the batch went on; this is a bug in that"
                + " sink, please report it with this message.", e);
    }

    private static boolean overridesBatch(PointSink sink) {
        try {
            return sink.getClass().getMethod("accept", PointBatch.class).getDeclaringClass() != PointSink.class;
        } catch (NoSuchMethodException | SecurityException e) {
            return false;
        }
    }

    private static List<String> namesOf(List<? extends PointSink> sinks) {
        List<String> out = new ArrayList<>(sinks.size());
        for (PointSink s : sinks) {
            String name = s.getClass().getSimpleName().toLowerCase(Locale.ROOT);
            out.add(out.contains(name) ? name + "-" + out.size() : name);
        }
        return out;
    }

    /** Collects named sinks in the order they are served. */
    public static final class Builder {
        private final MeterRegistry registry;
        private final List<String> names = new ArrayList<>();
        private final List<PointSink> sinks = new ArrayList<>();

        private Builder(MeterRegistry registry) {
            this.registry = registry;
        }

        /** @param name the {@code sink} tag of its error counter, for example {@code store} */
        public Builder add(String name, PointSink sink) {
            if (names.contains(name)) throw new IllegalArgumentException("sink name must be unique, but " + name + " was added twice");
            names.add(name);
            sinks.add(java.util.Objects.requireNonNull(sink, "sink"));
            return this;
        }

        public FanOut build() {
            return new FanOut(names, sinks, registry);
        }
    }
}
