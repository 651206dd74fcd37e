package io.lathe.predict.anomaly;

import java.util.Arrays;

/**
 * Multivariate anomaly detector for a machine's numeric signals: each signal is standardised with the normal period's
 * mean and standard deviation and smoothed by an EWMA; the score is the Mahalanobis distance (squared) of the smoothed
 * vector from the normal period's, itself smoothed by an EWMA. Correlated signals (current and pressure, say) are
 * judged together, so a pump that draws normal current for an abnormal pressure scores high although neither signal
 * alone leaves its range. The threshold is the largest score seen on the normal period times a factor.
 *
 * <p>Fitted instances are immutable and thread-safe; each {@link Scorer} keeps one stream's state and is not.
 * Scoring is online: the score of a row depends on that row and earlier ones only.
 */
public final class MahalanobisDetector {

    /**
     * Settings.
     *
     * @param signalSpan      EWMA span (rows) applied to the standardised signals; 1 = none
     * @param scoreSpan       EWMA span (rows) applied to the distance; 1 = none
     * @param ridge           added to the covariance diagonal (standardised units) so near-collinear signals invert
     * @param thresholdFactor threshold = factor x the largest score on the normal period
     */
    public record Settings(double signalSpan, double scoreSpan, double ridge, double thresholdFactor) {
        /** Tuned by leave-one-file-out validation on SKAB (docs/MODELS.md). */
        public static final Settings DEFAULT = new Settings(20, 30, 0.001, 4.0);

        public Settings {
            if (!(signalSpan >= 1) || !(scoreSpan >= 1)) throw new IllegalArgumentException("spans must be >= 1, but were " + signalSpan + " and " + scoreSpan);
            if (!(ridge >= 0)) throw new IllegalArgumentException("ridge must be >= 0, but was " + ridge);
            if (!(thresholdFactor > 0)) throw new IllegalArgumentException("thresholdFactor must be > 0, but was " + thresholdFactor);
        }
    }

    private final Settings settings;
    private final double[] mean;
    private final double[] scale;
    private final double[] center;
    private final double[][] precision;
    private final double threshold;

    private MahalanobisDetector(Settings settings, double[] mean, double[] scale, double[] center, double[][] precision, double[][] normal) {
        this.settings = settings;
        this.mean = mean;
        this.scale = scale;
        this.center = center;
        this.precision = precision;
        Scorer s = newScorer();
        double max = 0;
        for (double[] row : normal) max = Math.max(max, s.score(row));
        this.threshold = max * settings.thresholdFactor();
    }

    /**
     * Fits on rows of a normal period ({@code rows[i][signal]}, at least 2 rows, all finite).
     *
     * @throws IllegalArgumentException for too few rows, ragged rows or non-finite values
     */
    public static MahalanobisDetector fit(double[][] rows, Settings settings) {
        return fit(rows, null, 0, settings);
    }

    /**
     * Fits on a normal period and, for the correlation structure only, a longer normal reference run (for example an
     * earlier session of the same machine). The reference is standardised with its own means and scales, so a level
     * offset between the runs (another day, another temperature) does not count as normal variation; means, scales
     * and the threshold come from {@code rows} alone.
     *
     * @param reference       normal rows of another run with the same signals, or null
     * @param referenceWeight share of the reference in the covariance, in [0, 1]
     */
    public static MahalanobisDetector fit(double[][] rows, double[][] reference, double referenceWeight, Settings settings) {
        if (rows.length < 2) throw new IllegalArgumentException("need at least 2 normal rows to fit, but got " + rows.length);
        if (!(referenceWeight >= 0 && referenceWeight <= 1)) throw new IllegalArgumentException("referenceWeight must be in [0, 1], but was " + referenceWeight);
        int d = rows[0].length;
        double[][] ms = meanAndScale(rows, d);
        double[][] cov = new double[d][d];
        double[] center = smoothedCovariance(rows, ms[0], ms[1], settings, cov);
        if (reference != null && reference.length >= 2 && referenceWeight > 0) {
            double[][] rms = meanAndScale(reference, d);
            double[][] rcov = new double[d][d];
            smoothedCovariance(reference, rms[0], rms[1], settings, rcov);
            for (int a = 0; a < d; a++) for (int b = 0; b < d; b++) cov[a][b] = (1 - referenceWeight) * cov[a][b] + referenceWeight * rcov[a][b];
        }
        for (int a = 0; a < d; a++) cov[a][a] += settings.ridge() + 1e-12;
        return new MahalanobisDetector(settings, ms[0], ms[1], center, LinearAlgebra.inverseSpd(cov), rows);
    }

    private static double[][] meanAndScale(double[][] rows, int d) {
        double[] mean = new double[d], scale = new double[d];
        for (double[] r : rows) {
            if (r.length != d) throw new IllegalArgumentException("all rows must have " + d + " signals, but one has " + r.length);
            for (int j = 0; j < d; j++) {
                if (!Double.isFinite(r[j])) throw new IllegalArgumentException("normal rows must be finite, but signal " + j + " was " + r[j]);
                mean[j] += r[j];
            }
        }
        for (int j = 0; j < d; j++) mean[j] /= rows.length;
        for (double[] r : rows) for (int j = 0; j < d; j++) scale[j] += (r[j] - mean[j]) * (r[j] - mean[j]);
        // A signal constant in the normal period gets a small scale (0.01 % of its level): a later move of it is a
        // strong signal, but sensor rounding noise on a large value does not flood every later row.
        for (int j = 0; j < d; j++) scale[j] = Math.max(Math.sqrt(scale[j] / rows.length), 1e-4 * Math.abs(mean[j])) + 1e-6;
        return new double[][]{mean, scale};
    }

    /** Covariance (into {@code cov}) of the smoothed, standardised rows, so the scorer compares like with like; returns their mean. */
    private static double[] smoothedCovariance(double[][] rows, double[] mean, double[] scale, Settings settings, double[][] cov) {
        int d = mean.length;
        double[][] z = new double[rows.length][];
        double alpha = 2.0 / (settings.signalSpan() + 1);
        double[] state = null;
        for (int i = 0; i < rows.length; i++) {
            double[] x = standardise(rows[i], mean, scale);
            if (state == null) state = x.clone();
            else for (int j = 0; j < d; j++) state[j] += alpha * (x[j] - state[j]);
            z[i] = state.clone();
        }
        double[] center = new double[d];
        for (double[] r : z) for (int j = 0; j < d; j++) center[j] += r[j] / z.length;
        for (double[] r : z) {
            for (int a = 0; a < d; a++) for (int b = 0; b < d; b++) cov[a][b] += (r[a] - center[a]) * (r[b] - center[b]) / (z.length - 1);
        }
        return center;
    }

    private static double[] standardise(double[] x, double[] mean, double[] scale) {
        double[] z = new double[x.length];
        for (int j = 0; j < x.length; j++) z[j] = (x[j] - mean[j]) / scale[j];
        return z;
    }

    /** Score above which a row is anomalous. */
    public double threshold() {
        return threshold;
    }

    public int signals() {
        return mean.length;
    }

    public Settings settings() {
        return settings;
    }

    /** A new stream state (fresh EWMAs). */
    public Scorer newScorer() {
        return new Scorer();
    }

    /** One stream's online state. Not thread-safe. */
    public final class Scorer {
        private double[] smoothed;
        private double score = Double.NaN;
        private final double signalAlpha = 2.0 / (settings.signalSpan() + 1);
        private final double scoreAlpha = 2.0 / (settings.scoreSpan() + 1);

        private Scorer() {
        }

        /**
         * Feeds one row and returns the smoothed score. A non-finite value in the row is treated as "unchanged" for
         * that signal (the signal's smoothed value is kept), so a missing reading does not raise the score.
         */
        public double score(double[] row) {
            if (row.length != mean.length) throw new IllegalArgumentException("row must have " + mean.length + " signals, but has " + row.length);
            if (smoothed == null) {
                smoothed = new double[row.length];
                for (int j = 0; j < row.length; j++) smoothed[j] = Double.isFinite(row[j]) ? (row[j] - mean[j]) / scale[j] : center[j];
            } else {
                for (int j = 0; j < row.length; j++) {
                    if (Double.isFinite(row[j])) smoothed[j] += signalAlpha * ((row[j] - mean[j]) / scale[j] - smoothed[j]);
                }
            }
            double d2 = distance();
            score = Double.isNaN(score) ? d2 : score + scoreAlpha * (d2 - score);
            return score;
        }

        private double distance() {
            int d = mean.length;
            double s = 0;
            for (int a = 0; a < d; a++) {
                double da = smoothed[a] - center[a];
                double t = 0;
                for (int b = 0; b < d; b++) t += precision[a][b] * (smoothed[b] - center[b]);
                s += da * t;
            }
            return s;
        }

        /**
         * Each signal's share of the current (unsmoothed) distance: {@code (x-c)_a * (P (x-c))_a}; they sum to the
         * distance, and the largest name the signals that drive a high score. Empty before the first row.
         */
        public double[] contributions() {
            if (smoothed == null) return new double[0];
            int d = mean.length;
            double[] c = new double[d];
            for (int a = 0; a < d; a++) {
                double t = 0;
                for (int b = 0; b < d; b++) t += precision[a][b] * (smoothed[b] - center[b]);
                c[a] = (smoothed[a] - center[a]) * t;
            }
            return c;
        }

        /** The last score returned, NaN before the first row. */
        public double lastScore() {
            return score;
        }
    }

    @Override
    public String toString() {
        return "MahalanobisDetector[signals=" + mean.length + ", threshold=" + threshold + ", settings=" + settings + ", mean=" + Arrays.toString(mean) + "]";
    }
}
