package io.lathe.predict.rul;

import io.lathe.predict.anomaly.LinearAlgebra;
import io.lathe.predict.bench.CmapssFile;
import java.util.ArrayList;
import java.util.List;

/**
 * Window features of a run-to-failure history for RUL regression (C-MAPSS shaped, but only arrays are used).
 *
 * <p>Steps, all fitted on training units only: (1) operating conditions: rows are grouped by their settings with a
 * per-setting absolute tolerance (the six flight regimes of FD002/FD004 become six groups, FD001's setting noise one);
 * (2) each sensor is standardised with its mean and standard deviation within the row's condition, which removes the
 * regime jumps; (3) sensors that do not vary within conditions are dropped; (4) per kept sensor at cycle t, from
 * cycles up to t only: the mean of the last 10 and last 80 cycles, the least-squares slope over the last 80, an EWMA (span 60),
 * plus the cycle number itself; (5) per kept sensor the slopes over the last 40 and last 150 cycles; (6) a linear health
 * index (ridge regression of the capped RUL on the standardised sensors of single cycles, fitted on the training units)
 * and, of that index, the mean of the last 10 and 30 cycles, the slopes over the last 40 and 80 and an EWMA (span 60).
 * Feature rows therefore never look ahead.
 */
public final class CmapssFeatures {
    /** Absolute tolerance per setting for grouping operating conditions (altitude kft, Mach, throttle angle). */
    private static final double[] TOLERANCE = {2.0, 0.05, 5.0};
    private static final int SHORT = 10, LONG = 80, MID_SLOPE = 40, LONG_SLOPE = 150;
    /** Capped RUL the health index is fitted to when no cap is given. */
    private static final double DEFAULT_CAP = 130;
    /** Ridge penalty of the health index (on standardised sensors; about 16,000 training rows for 100 units). */
    private static final double INDEX_RIDGE = 10;
    /** First training cycle of the health index fit, as for the trees (RulModel.MIN_TRAIN_CYCLE). */
    private static final int INDEX_MIN_CYCLE = 20;
    private static final double EWMA_ALPHA = 2.0 / (60 + 1);

    private final List<double[]> conditions;
    private final double[][] mean;  // [condition][sensor]
    private final double[][] scale;
    private final int[] kept;       // sensor indices kept
    private double[] indexWeights;  // health index: weights per kept sensor's standardised value
    private double indexIntercept;

    private CmapssFeatures(List<double[]> conditions, double[][] mean, double[][] scale, int[] kept) {
        this.conditions = conditions;
        this.mean = mean;
        this.scale = scale;
        this.kept = kept;
    }

    /** Fits conditions, normalisation, the kept sensors and the health index (RUL capped at 130) on training units. */
    public static CmapssFeatures fit(List<CmapssFile.Unit> units) {
        return fit(units, DEFAULT_CAP);
    }

    /**
     * Fits conditions, normalisation, the kept sensors and the health index on training units that each ran until
     * failure; the index is fitted to their RUL capped at {@code cap}.
     */
    public static CmapssFeatures fit(List<CmapssFile.Unit> units, double cap) {
        List<double[]> conditions = new ArrayList<>();
        for (CmapssFile.Unit u : units) for (double[] s : u.settings()) if (nearest(conditions, s) < 0) conditions.add(s.clone());
        int k = conditions.size(), d = CmapssFile.SENSORS;
        double[][] sum = new double[k][d], sumSq = new double[k][d];
        long[] count = new long[k];
        List<java.util.Set<String>> distinct = new ArrayList<>();
        for (int j = 0; j < d; j++) distinct.add(new java.util.HashSet<>());
        for (CmapssFile.Unit u : units) {
            for (int i = 0; i < u.length(); i++) {
                int c = nearest(conditions, u.settings()[i]);
                count[c]++;
                for (int j = 0; j < d; j++) if (distinct.get(j).size() <= 3 * k) distinct.get(j).add(c + ":" + u.sensors()[i][j]);
                for (int j = 0; j < d; j++) {
                    double v = u.sensors()[i][j];
                    sum[c][j] += v;
                    sumSq[c][j] += v * v;
                }
            }
        }
        double[][] mean = new double[k][d], scale = new double[k][d];
        double[] pooledVar = new double[d];
        double[] pooledMeanAbs = new double[d];
        long total = 0;
        for (int c = 0; c < k; c++) {
            total += count[c];
            for (int j = 0; j < d; j++) {
                mean[c][j] = sum[c][j] / Math.max(1, count[c]);
                double var = Math.max(0, sumSq[c][j] / Math.max(1, count[c]) - mean[c][j] * mean[c][j]);
                scale[c][j] = Math.sqrt(var) + 1e-9;
                pooledVar[j] += var * count[c];
                pooledMeanAbs[j] += Math.abs(mean[c][j]) * count[c];
            }
        }
        List<Integer> keep = new ArrayList<>();
        for (int j = 0; j < d; j++) {
            double sd = Math.sqrt(pooledVar[j] / total), m = pooledMeanAbs[j] / total;
            // Constant sensors (and those with only rounding flicker, like FD001's sensor 6: two values) carry no wear
            // signal. A relative spread test would also drop sensors 8 and 13 (2388 rpm, moving by 0.01): they count.
            if (sd > 1e-9 * (m + 1) && distinct.get(j).size() > 3 * k) keep.add(j);
        }
        CmapssFeatures f = new CmapssFeatures(List.copyOf(conditions), mean, scale, keep.stream().mapToInt(Integer::intValue).toArray());
        f.fitIndex(units, cap);
        return f;
    }

    /**
     * One linear combination of the sensors that tracks wear: the trees split on one feature at a time, so a weighted
     * sum of 14-16 noisy sensors is hard for them to form, and its windows are far less noisy than any single sensor's
     * (held-out RMSE FD001 12.57 -> 11.86 with its five features alone, docs/MODELS.md).
     */
    private void fitIndex(List<CmapssFile.Unit> units, double cap) {
        int d = kept.length;
        double[][] a = new double[d + 1][d + 1];
        double[] b = new double[d + 1];
        double[] r = new double[d + 1];
        for (CmapssFile.Unit u : units) {
            double[][] z = standardised(u);
            int last = u.cycles()[u.length() - 1];
            for (int i = 0; i < z.length; i++) {
                if (u.cycles()[i] < INDEX_MIN_CYCLE) continue;
                double y = Math.min(cap, last - u.cycles()[i]);
                System.arraycopy(z[i], 0, r, 0, d);
                r[d] = 1;
                for (int p = 0; p <= d; p++) {
                    b[p] += r[p] * y;
                    for (int q = 0; q <= d; q++) a[p][q] += r[p] * r[q];
                }
            }
        }
        for (int p = 0; p < d; p++) a[p][p] += INDEX_RIDGE;
        a[d][d] += 1e-9; // no rows at all (units shorter than 20 cycles): weights and intercept 0
        double[] w = LinearAlgebra.solveSpd(a, b);
        indexWeights = java.util.Arrays.copyOf(w, d);
        indexIntercept = w[d];
    }

    private static int nearest(List<double[]> conditions, double[] s) {
        for (int c = 0; c < conditions.size(); c++) {
            double[] ref = conditions.get(c);
            boolean near = true;
            for (int j = 0; j < ref.length && near; j++) near = Math.abs(ref[j] - s[j]) <= TOLERANCE[j];
            if (near) return c;
        }
        return -1;
    }

    /** Number of operating conditions found in training. */
    public int conditions() {
        return conditions.size();
    }

    /** Sensor numbers (1-based, as in the C-MAPSS description) kept as features. */
    public int[] keptSensors() {
        int[] out = kept.clone();
        for (int i = 0; i < out.length; i++) out[i]++;
        return out;
    }

    /** Number of features per row. */
    public int width() {
        return kept.length * 6 + 1 + 5;
    }

    /** Health index per cycle of a unit (the capped RUL a linear fit on that cycle's sensors alone would give). */
    public double[] healthIndex(CmapssFile.Unit u) {
        double[][] z = standardised(u);
        double[] h = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            double s = indexIntercept;
            for (int j = 0; j < indexWeights.length; j++) s += indexWeights[j] * z[i][j];
            h[i] = s;
        }
        return h;
    }

    /** Feature rows for every cycle of a unit ({@code [cycle index][feature]}), each from cycles up to it only. */
    public double[][] transform(CmapssFile.Unit u) {
        int n = u.length(), d = kept.length;
        double[][] z = standardised(u);
        double[][] h = new double[n][1];
        double[] index = healthIndex(u);
        for (int i = 0; i < n; i++) h[i][0] = index[i];
        double[][] out = new double[n][width()];
        double[] ewma = z.length > 0 ? z[0].clone() : new double[d];
        double indexEwma = n > 0 ? index[0] : 0;
        for (int i = 0; i < n; i++) {
            double[] row = out[i];
            for (int j = 0; j < d; j++) {
                if (i > 0) ewma[j] += EWMA_ALPHA * (z[i][j] - ewma[j]);
                row[4 * j] = meanOf(z, j, i, SHORT);
                row[4 * j + 1] = meanOf(z, j, i, LONG);
                row[4 * j + 2] = slopeOf(z, j, i, LONG);
                row[4 * j + 3] = ewma[j];
            }
            row[4 * d] = u.cycles()[i];
            int p = 4 * d + 1;
            if (i > 0) indexEwma += EWMA_ALPHA * (index[i] - indexEwma);
            row[p++] = meanOf(h, 0, i, SHORT);
            row[p++] = meanOf(h, 0, i, 30);
            row[p++] = slopeOf(h, 0, i, MID_SLOPE);
            row[p++] = slopeOf(h, 0, i, LONG);
            row[p++] = indexEwma;
            // Slopes over several lengths: a short one reacts to late, fast wear, a long one averages the noise of slow wear.
            for (int j = 0; j < d; j++) {
                row[p++] = slopeOf(z, j, i, MID_SLOPE);
                row[p++] = slopeOf(z, j, i, LONG_SLOPE);
            }
        }
        return out;
    }

    private double[][] standardised(CmapssFile.Unit u) {
        int n = u.length(), d = kept.length;
        double[][] z = new double[n][d];
        for (int i = 0; i < n; i++) {
            int c = nearest(conditions, u.settings()[i]);
            if (c < 0) c = closest(u.settings()[i]);
            for (int j = 0; j < d; j++) z[i][j] = (u.sensors()[i][kept[j]] - mean[c][kept[j]]) / scale[c][kept[j]];
        }
        return z;
    }

    private int closest(double[] s) {
        int best = 0;
        double bestD = Double.MAX_VALUE;
        for (int c = 0; c < conditions.size(); c++) {
            double dist = 0;
            for (int j = 0; j < s.length; j++) dist += Math.pow((s[j] - conditions.get(c)[j]) / TOLERANCE[j], 2);
            if (dist < bestD) {
                bestD = dist;
                best = c;
            }
        }
        return best;
    }

    private static double meanOf(double[][] z, int j, int end, int len) {
        int from = Math.max(0, end - len + 1);
        double s = 0;
        for (int i = from; i <= end; i++) s += z[i][j];
        return s / (end - from + 1);
    }

    private static double slopeOf(double[][] z, int j, int end, int len) {
        int from = Math.max(0, end - len + 1), m = end - from + 1;
        if (m < 3) return 0;
        double mx = (m - 1) / 2.0, my = meanOf(z, j, end, len), sxy = 0, sxx = 0;
        for (int i = from; i <= end; i++) {
            double dx = i - from - mx;
            sxy += dx * (z[i][j] - my);
            sxx += dx * dx;
        }
        return sxy / sxx;
    }
}
