package io.lathe.ingest;

import io.lathe.model.Quality;
import io.lathe.model.Value;

/** The current value of one signal. */
public record Latest(String signalId, long timestampMicros, Value value, Quality quality) {}
