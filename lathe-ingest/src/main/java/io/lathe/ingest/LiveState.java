package io.lathe.ingest;

import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Latest value, quality and timestamp of every signal, in memory. Listeners (the SSE stream, KPI engines) are told
 * of every change on the caller's thread, so they must be quick and must not block.
 */
public final class LiveState implements PointSink {

    private final Map<String, Latest> latest = new ConcurrentHashMap<>();
    private final List<Consumer<Latest>> listeners = new CopyOnWriteArrayList<>();

    @Override
    public void accept(Signal signal, long timestampMicros, Value value, Quality quality, boolean historical) {
        if (historical) return;
        Latest n = new Latest(signal.id(), timestampMicros, value, quality);
        // One map operation for the usual case, a newer point; an older one arriving late (rare) puts the newer back,
        // so it does not roll the current value back.
        Latest prev = latest.put(signal.id(), n);
        if (prev != null && prev.timestampMicros() > timestampMicros) {
            latest.replace(signal.id(), n, prev);
            return;
        }
        publish(n);
    }

    @Override
    public void markStale(Signal signal, long timestampMicros) {
        Latest prev = latest.get(signal.id());
        if (prev == null || prev.quality() == Quality.STALE) return;
        Latest n = new Latest(signal.id(), Math.max(prev.timestampMicros(), timestampMicros), prev.value(), Quality.STALE);
        latest.put(signal.id(), n);
        publish(n);
    }

    /** The current value, or null when the signal has had none yet. */
    public Latest latest(String signalId) {
        return latest.get(signalId);
    }

    public Collection<Latest> all() {
        return List.copyOf(latest.values());
    }

    public int size() {
        return latest.size();
    }

    public Runnable subscribe(Consumer<Latest> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private void publish(Latest n) {
        for (Consumer<Latest> l : listeners) {
            try {
                l.accept(n);
            } catch (RuntimeException e) {
                // One broken listener must not stop ingestion for the others.
                org.slf4j.LoggerFactory.getLogger(LiveState.class).warn("live listener failed [signal={}]: {}", n.signalId(), e.toString());
            }
        }
    }
}
