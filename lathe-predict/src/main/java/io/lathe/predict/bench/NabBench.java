package io.lathe.predict.bench;

import io.lathe.predict.anomaly.SeasonalUnivariateDetector;

/** The NAB protocol: one online pass over a series, a likelihood and a 0/1 detection per row. */
public final class NabBench {
    public record Output(double[] scores, int[] anomaly) {
    }

    private NabBench() {
    }

    public static Output detect(long[] epochMillis, double[] values, SeasonalUnivariateDetector.Settings settings) {
        SeasonalUnivariateDetector d = new SeasonalUnivariateDetector(settings);
        double[] scores = new double[values.length];
        int[] flags = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            scores[i] = d.update(epochMillis[i], values[i]);
            flags[i] = d.flagged() ? 1 : 0;
        }
        return new Output(scores, flags);
    }
}
