package io.lathe.store;

/**
 * Aggregates of the points in {@code [startMicros, startMicros + widthMicros)}. Values are doubles (longs and booleans
 * widened, text NaN). {@code timeWeightedAverage}: each point's value is held until the next point of the query (or
 * the bucket end, whichever is first); the last point of the query holds for zero time; with no held time at all it
 * is the plain average.
 */
public record Bucket(long startMicros, long widthMicros, long count, double min, double max, double sum, double first,
                     double last, double timeWeightedAverage) {

    public double average() {
        return count == 0 ? Double.NaN : sum / count;
    }

    public double value(Aggregation a) {
        return switch (a) {
            case COUNT -> count;
            case MIN -> min;
            case MAX -> max;
            case AVG -> average();
            case SUM -> sum;
            case FIRST -> first;
            case LAST -> last;
            case TWA -> timeWeightedAverage;
        };
    }
}
