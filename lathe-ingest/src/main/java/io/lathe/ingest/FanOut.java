package io.lathe.ingest;

import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import java.util.List;

/** Hands every point to each sink in order (store first, so durable history never lags the live view). */
public final class FanOut implements PointSink {
    private final PointSink[] sinks;

    public FanOut(List<? extends PointSink> sinks) {
        this.sinks = sinks.toArray(new PointSink[0]);
    }

    @Override
    public void accept(Signal signal, long timestampMicros, Value value, Quality quality, boolean historical) {
        for (PointSink s : sinks) s.accept(signal, timestampMicros, value, quality, historical);
    }

    @Override
    public void markStale(Signal signal, long timestampMicros) {
        for (PointSink s : sinks) s.markStale(signal, timestampMicros);
    }
}
