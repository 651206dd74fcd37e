package io.lathe.predict.live;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Remaining useful life from a health index: the machine's anomaly score, which rises as a part wears. Each past cycle
 * that ended in a wear-out failure gives the level the index had reached at the failure; the current cycle's index
 * over the last {@link #TREND_HOURS} of running is fitted with a quadratic trend (wear accelerates) and extrapolated
 * to that level. The band comes from the spread of the failure levels (lowest level: earliest failure).
 *
 * @param failureLevel  median index at past failures
 * @param lowerLevel    lowest (widened when there are few cycles)
 * @param upperLevel    highest (widened when there are few cycles)
 * @param capHours      longest life estimate given: 1.5 × the longest cycle seen (a flat trend gives this)
 * @param cycles        cycles learned from
 */
public record DegradationRul(double failureLevel, double lowerLevel, double upperLevel, double capHours, int cycles) {

    /** Running hours of index the trend is fitted on. */
    public static final double TREND_HOURS = 2.0;
    /** Running hours before a failure averaged for its failure level. */
    static final double FAILURE_LEVEL_HOURS = 0.5;

    /**
     * One run-to-failure cycle of the index.
     *
     * @param hours running hours since the cycle's start (or since monitoring began), ascending
     * @param index health index at each
     */
    public record Cycle(double[] hours, double[] index) {
        public double length() {
            return hours.length == 0 ? 0 : hours[hours.length - 1];
        }

        /** Mean index over the last half hour of running before the failure. */
        double failureLevel() {
            double end = length();
            double sum = 0;
            int n = 0;
            for (int i = 0; i < hours.length; i++) {
                if (hours[i] >= end - FAILURE_LEVEL_HOURS) {
                    sum += index[i];
                    n++;
                }
            }
            return n == 0 ? Double.NaN : sum / n;
        }
    }

    /** An estimate: hours of running to the failure level, and the band. */
    public record Estimate(double value, double lower, double upper, boolean rising) {}

    public static DegradationRul fit(List<Cycle> cycles) {
        List<Double> levels = new ArrayList<>();
        double longest = 0;
        for (Cycle c : cycles) {
            double l = c.failureLevel();
            if (Double.isFinite(l)) levels.add(l);
            longest = Math.max(longest, c.length());
        }
        if (levels.isEmpty()) throw new IllegalArgumentException("no cycle ending in a wear-out failure with index data to learn from");
        double[] v = levels.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        double median = RobustMahalanobis.median(v);
        // With few cycles the spread is not known: at least ±25 % of the level.
        double lo = Math.min(v[0], median * 0.75);
        double hi = Math.max(v[v.length - 1], median * 1.25);
        return new DegradationRul(median, lo, hi, Math.max(1.0, 1.5 * longest), v.length);
    }

    /**
     * Estimates from the current cycle's index up to now (ascending hours). Null when it covers too little running
     * time (less than a quarter of {@link #TREND_HOURS} or under 8 points).
     */
    public Estimate estimate(double[] hours, double[] index, int n) {
        if (n < 8) return null;
        double now = hours[n - 1];
        int from = n - 1;
        while (from > 0 && hours[from - 1] >= now - TREND_HOURS) from--;
        if (n - from < 8 || now - hours[from] < TREND_HOURS / 4) return null;
        double[] coef = quadratic(hours, index, from, n, now);
        double level = coef[0];
        double value = hoursTo(coef, failureLevel);
        double lower = hoursTo(coef, lowerLevel);
        double upper = hoursTo(coef, upperLevel);
        boolean rising = Double.isFinite(value);
        return new Estimate(Math.min(value, capHours), Math.min(lower, capHours), Math.min(upper, capHours), rising || level >= failureLevel);
    }

    /** Least squares a + b t + c t² on (hours - now); falls back to a line when the curve bends down. */
    static double[] quadratic(double[] x, double[] y, int from, int to, double now) {
        double[][] a = new double[3][3];
        double[] r = new double[3];
        for (int i = from; i < to; i++) {
            double t = x[i] - now;
            double[] f = {1, t, t * t};
            for (int p = 0; p < 3; p++) {
                r[p] += f[p] * y[i];
                for (int q = 0; q < 3; q++) a[p][q] += f[p] * f[q];
            }
        }
        for (int p = 0; p < 3; p++) a[p][p] += 1e-9;
        double[] c = solve(a, r);
        if (c[2] < 0) {
            double[][] a2 = {{a[0][0], a[0][1]}, {a[1][0], a[1][1]}};
            double[] l = solve(a2, new double[] {r[0], r[1]});
            c = new double[] {l[0], l[1], 0};
        }
        return c;
    }

    /** Smallest t ≥ 0 with a + b t + c t² = level; 0 when already there; +∞ when never. */
    static double hoursTo(double[] c, double level) {
        double a = c[0] - level, b = c[1], q = c[2];
        if (a >= 0) return 0;
        if (q > 1e-12) {
            double disc = b * b - 4 * q * a; // a < 0, q > 0: positive
            return (-b + Math.sqrt(disc)) / (2 * q);
        }
        return b > 1e-12 ? -a / b : Double.POSITIVE_INFINITY;
    }

    private static double[] solve(double[][] m, double[] r) {
        int n = r.length;
        double[][] a = new double[n][];
        for (int i = 0; i < n; i++) a[i] = m[i].clone();
        double[] b = r.clone();
        for (int c = 0; c < n; c++) {
            int piv = c;
            for (int i = c + 1; i < n; i++) if (Math.abs(a[i][c]) > Math.abs(a[piv][c])) piv = i;
            double[] t = a[c]; a[c] = a[piv]; a[piv] = t;
            double tb = b[c]; b[c] = b[piv]; b[piv] = tb;
            if (Math.abs(a[c][c]) < 1e-300) return new double[n];
            for (int i = c + 1; i < n; i++) {
                double f = a[i][c] / a[c][c];
                for (int k = c; k < n; k++) a[i][k] -= f * a[c][k];
                b[i] -= f * b[c];
            }
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = b[i];
            for (int k = i + 1; k < n; k++) s -= a[i][k] * x[k];
            x[i] = s / a[i][i];
        }
        return x;
    }

    /**
     * Leave-one-cycle-out validation (in-sample with one cycle): estimates every half hour of each cycle's last
     * {@code horizonHours}, against the true running hours left. Figures: RMSE and mean absolute error in hours,
     * share of true values inside the band, estimates made.
     */
    public static Map<String, Object> validate(List<Cycle> cycles, double horizonHours) {
        double se = 0, ae = 0;
        int n = 0, inside = 0;
        for (int k = 0; k < cycles.size(); k++) {
            List<Cycle> others = new ArrayList<>(cycles);
            if (cycles.size() > 1) others.remove(k);
            DegradationRul m;
            try {
                m = fit(others);
            } catch (IllegalArgumentException e) {
                continue;
            }
            Cycle c = cycles.get(k);
            double end = c.length();
            double next = Math.max(0, end - horizonHours);
            for (int i = 0; i < c.hours().length; i++) {
                if (c.hours()[i] < next) continue;
                next = c.hours()[i] + 0.5;
                Estimate e = m.estimate(c.hours(), c.index(), i + 1);
                if (e == null) continue;
                double truth = end - c.hours()[i];
                se += (e.value() - truth) * (e.value() - truth);
                ae += Math.abs(e.value() - truth);
                if (truth >= e.lower() && truth <= e.upper()) inside++;
                n++;
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("method", cycles.size() > 1 ? "leave-one-cycle-out" : "in-sample (one cycle)");
        out.put("horizonHours", horizonHours);
        out.put("estimates", n);
        out.put("rmseHours", n == 0 ? null : Math.sqrt(se / n));
        out.put("maeHours", n == 0 ? null : ae / n);
        out.put("bandCoverage", n == 0 ? null : (double) inside / n);
        return out;
    }
}
