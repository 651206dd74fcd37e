package io.lathe.ingest;

import io.lathe.model.DataType;
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
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * Latest value, quality and timestamp of every signal, in memory. Listeners (the SSE stream, KPI engines) are told
 * of every change on the caller's thread, so they must be quick and must not block.
 *
 * <p>A point changes its signal's cell in place: no object is made per point. The {@link Latest} a reader or a
 * listener gets is made when first asked for after a change and then shared until the next one. Why: at a million
 * points a second a new {@code Latest} (and the value it holds) per point was most of what the ingest path
 * allocated, and reading the previous one to compare timestamps cost a cache miss per point.
 */
public final class LiveState implements PointSink {

    /** One cell per signal, made once. */
    private final Map<String, Cell> latest = new ConcurrentHashMap<>();
    private final SignalSlots<Cell> cells = new SignalSlots<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    private record Listener(Predicate<String> wants, Consumer<Latest> then) {}

    /** A signal's current value; fields guarded by the cell's monitor. */
    private static final class Cell {
        final String id;
        boolean has;
        long ts;
        Quality quality;
        /** The value object, or null while the value is only {@link #bits} of {@link #kind}. */
        Value value;
        DataType kind;
        long bits;
        /** Made on demand, dropped on every change. */
        Latest made;

        Cell(String id) {
            this.id = id;
        }

        synchronized boolean set(long t, Value v, DataType k, long b, Quality q) {
            // an older point arriving late (rare) does not roll the current value back
            if (has && ts > t) return false;
            has = true;
            ts = t;
            value = v;
            kind = k;
            bits = b;
            quality = q;
            made = null;
            return true;
        }

        synchronized boolean stale(long t) {
            if (!has || quality == Quality.STALE) return false;
            ts = Math.max(ts, t);
            quality = Quality.STALE;
            made = null;
            return true;
        }

        synchronized Latest get() {
            if (!has) return null;
            Latest l = made;
            if (l == null) {
                Value v = value;
                if (v == null) {
                    v = switch (kind) {
                        case DOUBLE -> Value.of(Double.longBitsToDouble(bits));
                        case LONG -> Value.of(bits);
                        default -> Value.of(bits != 0);
                    };
                    value = v;
                }
                l = new Latest(id, ts, v, quality);
                made = l;
            }
            return l;
        }
    }

    @Override
    public void accept(Signal signal, long timestampMicros, Value value, Quality quality, boolean historical) {
        if (historical) return;
        Cell cell = cell(signal);
        if (cell.set(timestampMicros, value, null, 0, quality)) publish(cell);
    }

    /** Every point of the batch as {@link #accept(Signal, long, Value, Quality, boolean)}, primitives without a value object. */
    @Override
    public void accept(PointBatch batch) {
        int n = batch.size();
        for (int i = 0; i < n; i++) {
            if (batch.historical(i)) continue;
            DataType kind = batch.primitiveType(i);
            if (kind != null) {
                Cell cell = cell(batch.signal(i));
                if (cell.set(batch.timestampMicros(i), null, kind, batch.bits(i), batch.quality(i))) publish(cell);
            } else {
                batch.deliver(i, this);
            }
        }
    }

    @Override
    public void markStale(Signal signal, long timestampMicros) {
        Cell cell = latest.get(signal.id());
        if (cell != null && cell.stale(timestampMicros)) publish(cell);
    }

    private Cell cell(Signal signal) {
        Cell cell = cells.get(signal);
        if (cell == null) {
            cell = latest.computeIfAbsent(signal.id(), Cell::new);
            cells.put(signal, cell);
        }
        return cell;
    }

    /** The current value, or null when the signal has had none yet. */
    public Latest latest(String signalId) {
        Cell cell = latest.get(signalId);
        return cell == null ? null : cell.get();
    }

    public Collection<Latest> all() {
        List<Latest> out = new ArrayList<>(latest.size());
        for (Cell cell : latest.values()) {
            Latest l = cell.get();
            if (l != null) out.add(l);
        }
        return List.copyOf(out);
    }

    public int size() {
        int n = 0;
        for (Cell cell : latest.values()) {
            synchronized (cell) {
                if (cell.has) n++;
            }
        }
        return n;
    }

    /** Tells {@code listener} of every change of every signal; the returned action unsubscribes. */
    public Runnable subscribe(Consumer<Latest> listener) {
        return subscribe(id -> true, listener);
    }

    /**
     * Tells {@code listener} of the changes of the signals {@code wants} accepts (asked per change with the signal's
     * id, so it may change its mind; it must be quick). A change no listener wants makes no {@link Latest}.
     */
    public Runnable subscribe(Predicate<String> wants, Consumer<Latest> listener) {
        Listener l = new Listener(wants, listener);
        listeners.add(l);
        return () -> listeners.remove(l);
    }

    private void publish(Cell cell) {
        for (Listener l : listeners) {
            try {
                if (!l.wants.test(cell.id)) continue;
                Latest n = cell.get();
                if (n != null) l.then.accept(n);
            } catch (RuntimeException e) {
                // One broken listener must not stop ingestion for the others.
                org.slf4j.LoggerFactory.getLogger(LiveState.class).warn("live listener failed [signal={}]: {}", cell.id, e.toString());
            }
        }
    }
}
