package io.lathe.predict.live;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The anomaly model of one machine: each feature robustly standardised (median, 1.4826 × median absolute deviation,
 * fitted on normal running data), then the Mahalanobis distance of the standardised vector under the normal data's
 * covariance (with a small ridge, so correlated or nearly constant features cannot blow it up). The distance is
 * smoothed over running time by an exponentially weighted mean whose input is clipped, so one odd sample (a cycle's
 * loading phase caught mid-way) cannot raise the score alone, and divided by twice the 99.5 % quantile of the smoothed
 * training distances: normal running stays below 0.5, and {@link #THRESHOLD} 1.0 is twice the highest normal level.
 *
 * <p>Immutable; {@link Scorer} keeps the smoothing state of one stream.
 *
 * @param features         ids of the feature signals, in column order
 * @param center           per-feature median of the normal data
 * @param scale            per-feature robust spread (never 0)
 * @param mean             mean of the standardised normal data
 * @param precision        inverse covariance of the standardised normal data (ridge-regularised), row-major p × p
 * @param clip             raw distances above this are clipped before smoothing (99th percentile of normal × 3)
 * @param normalLevel      99.5 % quantile of the smoothed training distances
 * @param smoothingSeconds time constant of the smoothing, in seconds of running time
 */
public record RobustMahalanobis(List<String> features, double[] center, double[] scale, double[] mean, double[][] precision,
                                double clip, double normalLevel, double smoothingSeconds) {

    /** A score at or above this is abnormal: twice the highest level seen in normal running. */
    public static final double THRESHOLD = 1.0;

    public RobustMahalanobis {
        features = List.copyOf(features);
        int p = features.size();
        if (p == 0) throw new IllegalArgumentException("an anomaly model needs at least one feature");
        Objects.requireNonNull(center, "center");
        if (center.length != p || scale.length != p || mean.length != p || precision.length != p) {
            throw new IllegalArgumentException("model arrays must have one entry per feature [features=" + p + "]");
        }
        if (!(normalLevel > 0) || !(clip > 0) || !(smoothingSeconds > 0)) {
            throw new IllegalArgumentException("normalLevel, clip and smoothingSeconds must be positive, but were "
                    + normalLevel + ", " + clip + ", " + smoothingSeconds);
        }
    }

    /**
     * Fits on normal rows. Columns whose values never vary are unusable; the caller drops them first ({@link #usable}).
     *
     * @param rows             one row per time step, values of {@code features} in order; NaN for a missing value
     * @param seconds          running time of each row, non-decreasing (for the smoothing)
     * @param smoothingSeconds time constant of the smoothing
     */
    public static RobustMahalanobis fit(List<String> features, double[][] rows, double[] seconds, double smoothingSeconds) {
        int p = features.size();
        int n = rows.length;
        if (n < 10) throw new IllegalArgumentException("too little normal data to fit [rows=" + n + "]: need at least 10");
        double[] center = new double[p];
        double[] scale = new double[p];
        for (int j = 0; j < p; j++) {
            double[] col = column(rows, j);
            center[j] = median(col);
            double[] dev = new double[col.length];
            for (int i = 0; i < col.length; i++) dev[i] = Math.abs(col[i] - center[j]);
            double mad = 1.4826 * median(dev);
            double sd = std(col);
            // A feature mostly at one level (MAD 0) still has a spread: fall back to the standard deviation.
            double s = mad > 0 ? mad : sd;
            scale[j] = Math.max(s, 1e-9 * Math.max(1.0, Math.abs(center[j])));
        }
        double[][] z = new double[n][p];
        for (int i = 0; i < n; i++) z[i] = standardise(rows[i], center, scale);
        double[] mean = new double[p];
        for (double[] r : z) for (int j = 0; j < p; j++) mean[j] += r[j] / n;
        double[][] cov = new double[p][p];
        for (double[] r : z) {
            for (int a = 0; a < p; a++) for (int b = 0; b < p; b++) cov[a][b] += (r[a] - mean[a]) * (r[b] - mean[b]) / (n - 1);
        }
        double trace = 0;
        for (int a = 0; a < p; a++) trace += cov[a][a];
        double ridge = 1e-3 * Math.max(trace / p, 1e-6) + 1e-6;
        for (int a = 0; a < p; a++) cov[a][a] += ridge;
        double[][] precision = invert(cov);

        double[] raw = new double[n];
        for (int i = 0; i < n; i++) raw[i] = distance(z[i], mean, precision);
        double clip = 3 * Math.max(quantile(raw, 0.99), 1e-9);
        // Smoothed training distances, the same way the live scorer smooths; the warm-up is left out.
        RobustMahalanobis provisional = new RobustMahalanobis(features, center, scale, mean, precision, clip, 1.0, smoothingSeconds);
        Scorer sc = provisional.newScorer();
        double[] smooth = new double[n];
        int m = 0;
        for (int i = 0; i < n; i++) {
            sc.score(rows[i], seconds[i]);
            if (seconds[i] - seconds[0] >= smoothingSeconds || i >= n / 4) smooth[m++] = sc.smoothedDistance();
        }
        double level = Math.max(quantile(Arrays.copyOf(smooth, m), 0.995), 1e-9);
        return new RobustMahalanobis(features, center, scale, mean, precision, clip, level, smoothingSeconds);
    }

    /** True when a column varies in the rows (at least two distinct finite values): only those can be features. */
    public static boolean usable(double[][] rows, int column) {
        double first = Double.NaN;
        for (double[] r : rows) {
            double v = r[column];
            if (Double.isNaN(v)) continue;
            if (Double.isNaN(first)) first = v;
            else if (v != first) return true;
        }
        return false;
    }

    public Scorer newScorer() {
        return new Scorer();
    }

    /** Smoothing state of one stream. Not thread-safe. */
    public final class Scorer {
        private double smoothed = Double.NaN;
        private final double[] share = new double[features.size()];
        private double lastSeconds = Double.NaN;
        private double lastRaw = Double.NaN;

        /**
         * Scores one row at {@code seconds} of running time (non-decreasing); NaN entries are missing and count as the
         * normal centre. Returns the score (smoothed distance / (2 × normal level)), or NaN when every value is missing.
         */
        public double score(double[] row, double seconds) {
            int p = features.size();
            int present = 0;
            for (double v : row) if (!Double.isNaN(v)) present++;
            if (present == 0) return Double.NaN;
            double[] z = standardise(row, center, scale);
            for (int j = 0; j < p; j++) if (Double.isNaN(row[j])) z[j] = mean[j];
            double d = Math.min(distance(z, mean, precision), clip);
            lastRaw = d;
            double dt = Double.isNaN(lastSeconds) ? 0 : Math.max(0, seconds - lastSeconds);
            lastSeconds = seconds;
            double alpha = Double.isNaN(smoothed) ? 1.0 : 1.0 - Math.exp(-Math.max(dt, 1e-3) / smoothingSeconds);
            smoothed = Double.isNaN(smoothed) ? d : smoothed + alpha * (d - smoothed);
            for (int j = 0; j < p; j++) {
                double dz = z[j] - mean[j];
                double sq = Math.min(dz * dz, clip * clip * p);
                share[j] = Double.isNaN(smoothed) || alpha == 1.0 ? sq : share[j] + alpha * (sq - share[j]);
            }
            return score();
        }

        /** The current score, NaN before the first row. */
        public double score() {
            return smoothed / (2 * normalLevel);
        }

        public double smoothedDistance() {
            return smoothed;
        }

        public double lastRawDistance() {
            return lastRaw;
        }

        /** Each feature's share (0..1, summing to 1) of the smoothed squared standardised deviation. */
        public double[] contributions() {
            double sum = 0;
            for (double s : share) sum += s;
            double[] out = new double[share.length];
            for (int j = 0; j < out.length; j++) out[j] = sum > 0 ? share[j] / sum : 0;
            return out;
        }
    }

    static double[] standardise(double[] row, double[] center, double[] scale) {
        double[] z = new double[row.length];
        for (int j = 0; j < row.length; j++) z[j] = (row[j] - center[j]) / scale[j];
        return z;
    }

    /** sqrt(d' P d / p): per-dimension, so models with different feature counts are on one scale. */
    static double distance(double[] z, double[] mean, double[][] precision) {
        int p = z.length;
        double q = 0;
        for (int a = 0; a < p; a++) {
            double da = z[a] - mean[a];
            double row = 0;
            for (int b = 0; b < p; b++) row += precision[a][b] * (z[b] - mean[b]);
            q += da * row;
        }
        return Math.sqrt(Math.max(0, q) / p);
    }

    private static double[] column(double[][] rows, int j) {
        double[] c = new double[rows.length];
        int k = 0;
        for (double[] r : rows) if (!Double.isNaN(r[j])) c[k++] = r[j];
        return Arrays.copyOf(c, k);
    }

    static double median(double[] v) {
        return quantile(v, 0.5);
    }

    /** Linear-interpolated quantile; NaN for no values. */
    static double quantile(double[] v, double q) {
        if (v.length == 0) return Double.NaN;
        double[] s = v.clone();
        Arrays.sort(s);
        double pos = q * (s.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(s.length - 1, lo + 1);
        return s[lo] + (pos - lo) * (s[hi] - s[lo]);
    }

    private static double std(double[] v) {
        if (v.length < 2) return 0;
        double m = 0;
        for (double x : v) m += x / v.length;
        double ss = 0;
        for (double x : v) ss += (x - m) * (x - m);
        return Math.sqrt(ss / (v.length - 1));
    }

    /** Gauss-Jordan inverse with partial pivoting; the ridge keeps the matrix well conditioned. */
    static double[][] invert(double[][] m) {
        int n = m.length;
        double[][] a = new double[n][2 * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(m[i], 0, a[i], 0, n);
            a[i][n + i] = 1;
        }
        for (int c = 0; c < n; c++) {
            int piv = c;
            for (int r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) piv = r;
            double[] t = a[c];
            a[c] = a[piv];
            a[piv] = t;
            double d = a[c][c];
            if (Math.abs(d) < 1e-300) throw new IllegalArgumentException("covariance matrix is singular");
            for (int k = 0; k < 2 * n; k++) a[c][k] /= d;
            for (int r = 0; r < n; r++) {
                if (r == c) continue;
                double f = a[r][c];
                if (f == 0) continue;
                for (int k = 0; k < 2 * n; k++) a[r][k] -= f * a[c][k];
            }
        }
        double[][] inv = new double[n][n];
        for (int i = 0; i < n; i++) System.arraycopy(a[i], n, inv[i], 0, n);
        return inv;
    }
}
