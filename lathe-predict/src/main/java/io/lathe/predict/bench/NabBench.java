package io.lathe.predict.bench;

import io.lathe.predict.anomaly.SeasonalUnivariateDetector;

/** The NAB protocol: one online pass over a series, an anomaly score and a 0/1 detection per row. */
public final class NabBench {
    /**
     * One pass's result per row.
     *
     * @param scores      the {@code anomaly_score} column: the likelihood, 0 while a detection's suppression lasts
     *                    ({@link SeasonalUnivariateDetector#score()}), so a threshold swept over it as NAB does sees
     *                    one alert per event
     * @param anomaly     the {@code anomaly} column, 0/1
     * @param likelihoods the likelihoods before suppression, for {@link #flags} (validation's threshold sweep)
     */
    public record Output(double[] scores, int[] anomaly, double[] likelihoods) {
    }

    private NabBench() {
    }

    public static Output detect(long[] epochMillis, double[] values, SeasonalUnivariateDetector.Settings settings) {
        SeasonalUnivariateDetector d = new SeasonalUnivariateDetector(settings);
        double[] scores = new double[values.length];
        double[] likelihoods = new double[values.length];
        int[] flags = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            likelihoods[i] = d.update(epochMillis[i], values[i]);
            scores[i] = d.score();
            flags[i] = d.flagged() ? 1 : 0;
        }
        return new Output(scores, flags, likelihoods);
    }

    /**
     * The detector's decision re-applied to its likelihoods with another threshold and suppression: a flag where the
     * likelihood exceeds {@code 1 - 10^-digits} and more than {@code suppress} rows have passed since the last flag.
     * The same as running the detector with those settings (NAB rows are all finite), so validation can sweep the
     * threshold over one pass, as NAB's own threshold sweep does.
     */
    public static int[] flags(double[] likelihoods, double digits, int suppress) {
        double threshold = 1 - Math.pow(10, -digits);
        int[] f = new int[likelihoods.length];
        long last = Long.MIN_VALUE / 2;
        for (int i = 0; i < likelihoods.length; i++) {
            if (likelihoods[i] > threshold && i - last > suppress) {
                f[i] = 1;
                last = i;
            }
        }
        return f;
    }
}
