package io.lathe.sparkplug;

import io.lathe.ingest.Latest;
import io.lathe.ingest.LiveState;
import io.lathe.ingest.PointSink;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every point (live and historical) and feeds a LiveState, so tests see both views. */
final class RecordingSink implements PointSink {
    record Point(Signal signal, long timestampMicros, Value value, Quality quality, boolean historical) {}

    final LiveState live = new LiveState();
    final List<Point> points = new CopyOnWriteArrayList<>();

    @Override
    public void accept(Signal signal, long timestampMicros, Value value, Quality quality, boolean historical) {
        points.add(new Point(signal, timestampMicros, value, quality, historical));
        live.accept(signal, timestampMicros, value, quality, historical);
    }

    @Override
    public void markStale(Signal signal, long timestampMicros) {
        live.markStale(signal, timestampMicros);
    }

    Latest latest(Signal s) {
        return s == null ? null : live.latest(s.id());
    }

    List<Point> pointsOf(Signal s) {
        return points.stream().filter(p -> p.signal().id().equals(s.id())).toList();
    }
}
