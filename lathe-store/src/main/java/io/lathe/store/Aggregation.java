package io.lathe.store;

import java.util.Arrays;
import java.util.Locale;

/** Aggregate of one time bucket. {@code TWA} is the time-weighted average with sample-and-hold between points. */
public enum Aggregation {
    COUNT, MIN, MAX, AVG, SUM, FIRST, LAST, TWA;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Aggregation parse(String label) {
        for (Aggregation a : values()) if (a.label().equalsIgnoreCase(label)) return a;
        throw new IllegalArgumentException("aggregation must be one of " + Arrays.stream(values()).map(Aggregation::label).toList() + ", but was " + label);
    }
}
