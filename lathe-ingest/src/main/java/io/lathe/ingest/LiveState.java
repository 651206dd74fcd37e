package io.lathe.ingest;

import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.SignalSlots;
import io.lathe.model.Value;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Latest value, quality and timestamp of every signal, in memory. Listeners (the SSE stream, KPI engines) are told
 * of every change on the caller's thread, so they must be quick and must not block.
 */
public final class LiveState implements PointSink {

    /** One cell per signal, made once: a point then changes the cell, not the map (no bin lock, no hash per point). */
    private final Map<String, AtomicReference<Latest>> latest = new ConcurrentHashMap<>();
    private final SignalSlots<AtomicReference<Latest>> cells = new SignalSlots<>();
    private final List<Consumer<Latest>> listeners = new CopyOnWriteArrayList<>();

    @Override
    public void accept(Signal signal, long timestampMicros, Value value, Quality quality, boolean historical) {
        if (historical) return;
        AtomicReference<Latest> cell = cell(signal);
        Latest n = new Latest(signal.id(), timestampMicros, value, quality);
        while (true) {
            Latest prev = cell.get();
            // an older point arriving late (rare) does not roll the current value back
            if (prev != null && prev.timestampMicros() > timestampMicros) return;
            if (cell.compareAndSet(prev, n)) break;
        }
        publish(n);
    }

    @Override
    public void markStale(Signal signal, long timestampMicros) {
        AtomicReference<Latest> cell = latest.get(signal.id());
        if (cell == null) return;
        Latest n;
        while (true) {
            Latest prev = cell.get();
            if (prev == null || prev.quality() == Quality.STALE) return;
            n = new Latest(signal.id(), Math.max(prev.timestampMicros(), timestampMicros), prev.value(), Quality.STALE);
            if (cell.compareAndSet(prev, n)) break;
        }
        publish(n);
    }

    private AtomicReference<Latest> cell(Signal signal) {
        AtomicReference<Latest> cell = cells.get(signal);
        if (cell == null) {
            cell = latest.computeIfAbsent(signal.id(), k -> new AtomicReference<>());
            cells.put(signal, cell);
        }
        return cell;
    }

    /** The current value, or null when the signal has had none yet. */
    public Latest latest(String signalId) {
        AtomicReference<Latest> cell = latest.get(signalId);
        return cell == null ? null : cell.get();
    }

    public Collection<Latest> all() {
        List<Latest> out = new ArrayList<>(latest.size());
        for (AtomicReference<Latest> cell : latest.values()) {
            Latest l = cell.get();
            if (l != null) out.add(l);
        }
        return List.copyOf(out);
    }

    public int size() {
        int n = 0;
        for (AtomicReference<Latest> cell : latest.values()) if (cell.get() != null) n++;
        return n;
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
