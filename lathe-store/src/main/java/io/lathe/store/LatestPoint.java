package io.lathe.store;

import io.lathe.model.Quality;
import io.lathe.model.Value;

/** The newest point of a series. */
public record LatestPoint(String series, long timestampMicros, Value value, Quality quality) {}
