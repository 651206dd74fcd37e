package io.lathe.store;

import io.lathe.model.DataType;

/** A series known to the store. Times are µs; both are {@code Long.MIN_VALUE} when the series has no points. */
public record SeriesInfo(String name, DataType type, long firstMicros, long lastMicros) {}
