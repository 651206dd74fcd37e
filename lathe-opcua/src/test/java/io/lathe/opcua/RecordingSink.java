package io.lathe.opcua;

import io.lathe.ingest.PointSink;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import java.util.ArrayList;
import java.util.List;

/** Keeps every point it is given, in order, for assertions. */
final class RecordingSink implements PointSink {
    record Point(String signalId, long timestampMicros, Value value, Quality quality) {}

    private final List<Point> points = new ArrayList<>();
    private final List<String> stale = new ArrayList<>();

    @Override
    public synchronized void accept(Signal signal, long timestampMicros, Value value, Quality quality, boolean historical) {
        points.add(new Point(signal.id(), timestampMicros, value, quality));
    }

    @Override
    public synchronized void markStale(Signal signal, long timestampMicros) {
        stale.add(signal.id());
    }

    synchronized List<Point> of(String signalId) {
        return points.stream().filter(p -> p.signalId().equals(signalId)).toList();
    }

    synchronized Point last(String signalId) {
        List<Point> l = of(signalId);
        return l.isEmpty() ? null : l.get(l.size() - 1);
    }

    synchronized List<String> stale() {
        return List.copyOf(stale);
    }
}
