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
    /** Per sink that versions its {@link PointSink#wants}: its answers by signal, for the version they were asked at. */
    private final java.util.concurrent.atomic.AtomicReferenceArray<WantsCache> wantsCaches;

    private record WantsCache(long version, io.lathe.model.SignalSlots<Boolean> answers) {}

    /** Sinks named after their class (for example {@code telemetrystore}); errors are counted but not exported. */
    public FanOut(List<? extends PointSink> sinks) {
        this(namesOf(sinks), sinks, new SimpleMeterRegistry());
    }

    private FanOut(List<String> names, List<? extends PointSink> sinks, MeterRegistry registry) {
        this.sinks = sinks.toArray(new PointSink[0]);
        this.names = names.toArray(new String[0]);
        this.errors = new Counter[this.sinks.length];
        this.batched = new boolean[this.sinks.length];
        this.wantsCaches = new java.util.concurrent.atomic.AtomicReferenceArray<>(this.sinks.length);
        for (int i = 0; i < batched.length; i++) batched[i] = overridesBatch(this.sinks[i]);
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
     */
    @Override
    public void accept(PointBatch batch) {
        int n = batch.size();
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
            io.lathe.model.SignalSlots<Boolean> answers = wantsCache(s, sink);
            for (int i = 0; i < n; i++) {
                try {
                    if (answers == null ? sink.wants(batch.signals[i]) : wants(sink, answers, batch.signals[i])) batch.deliver(i, sink);
                } catch (RuntimeException e) {
                    failed(s, batch.signals[i], e);
                }
            }
        }
    }

    /**
     * The kept answers of a sink for its current version, or null when it keeps none. Answers are put only into the
     * cache of the version read before asking, so an answer never outlives a version older than itself.
     */
    private io.lathe.model.SignalSlots<Boolean> wantsCache(int s, PointSink sink) {
        long v = sink.wantsVersion();
        if (v < 0) return null;
        WantsCache c = wantsCaches.get(s);
        if (c == null || c.version != v) {
            c = new WantsCache(v, new io.lathe.model.SignalSlots<>());
            wantsCaches.set(s, c);
        }
        return c.answers;
    }

    private static boolean wants(PointSink sink, io.lathe.model.SignalSlots<Boolean> answers, Signal signal) {
        Boolean b = answers.get(signal);
        if (b == null) {
            b = sink.wants(signal);
            answers.put(signal, b);
        }
        return b;
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
