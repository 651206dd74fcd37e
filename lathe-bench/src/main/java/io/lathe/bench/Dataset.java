package io.lathe.bench;

import java.util.Random;

/**
 * Points in time-major order (all series at t, then t+1 s, ...): series {@code i % series}, time
 * {@code T0 + (i / series)} seconds, value a random walk with 2 decimals (steps of up to ±0.10).
 */
final class Dataset {
    static final long T0 = 1_700_000_000_000_000L;
    final String name;
    final int series;
    final int pointsPerSeries;
    final long stepMicros;
    final double[] values;

    Dataset(String name, int series, int pointsPerSeries, long stepMicros, long seed) {
        this.name = name;
        this.series = series;
        this.pointsPerSeries = pointsPerSeries;
        this.stepMicros = stepMicros;
        values = new double[Math.multiplyExact(series, pointsPerSeries)];
        Random r = new Random(seed);
        long[] cents = new long[series];
        for (int s = 0; s < series; s++) cents[s] = 2000 + r.nextInt(8000);
        for (int i = 0; i < values.length; i++) {
            int s = i % series;
            cents[s] += r.nextInt(21) - 10;
            values[i] = cents[s] / 100.0;
        }
    }

    long size() { return values.length; }

    long ts(long i) { return T0 + (i / series) * stepMicros; }

    int seriesOf(long i) { return (int) (i % series); }

    long endMicros() { return T0 + (long) pointsPerSeries * stepMicros; }
}
