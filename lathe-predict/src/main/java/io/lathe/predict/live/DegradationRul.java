package io.lathe.predict.live;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Remaining useful life from a health index: the machine's anomaly score, which rises as a part wears. Past cycles
 * that began with a repair and ended in a wear-out failure give, for each of a few index levels, the ratio of the
 * running hours that were left when the index first reached the level (its running maximum, after a half-hour mean, so
 * noise does not count as wear) to the part's age then (running hours since the repair). The current cycle's age at
 * reaching the highest of those levels times the median ratio, less the hours run since, is the estimate (see
 * {@link #point}); the band is calibrated by leave-one-cycle-out ratios (see calibrate). A cycle that was not begun
 * with a repair (the first one of a machine monitored mid-life) has no known age: it gives no ratio, and no estimate is
 * made in such a cycle or from such cycles alone.
 *
 * @param cycles   the cycles learned from
 * @param capHours longest band edge given: 1.5 × the longest cycle
 * @param logRatio 10 %, 50 %, 90 % quantiles of log((truth + ε) / (estimate + ε)) over past cycles, or null
 */
public record DegradationRul(List<Cycle> cycles, double capHours, double[] logRatio) {

    /** Running hours averaged for a level. */
    static final double LEVEL_HOURS = 0.5;
    /** Points kept per cycle in a saved model. */
    static final int MAX_POINTS = 400;

    /** Residuals needed before the band and the bias correction come from them rather than the fixed fallback. */
    static final int MIN_RESIDUALS = 12;
    /** Added to hours before taking ratios (an estimate of 0 h must not make an infinite ratio). */
    static final double RATIO_EPS = 0.25;
    /** Index levels whose first crossing ages are compared (0.5 is the top of normal, 1.0 the threshold). */
    static final double[] REFERENCE_LEVELS = {0.4, 0.6, 0.8, 1.0, 1.2, 1.4};
    /** Longest estimate, as a fraction of the longest past cycle's scored hours. */
    static final double CAP_FRACTION = 0.6;

    public DegradationRul {
        cycles = List.copyOf(cycles);
        if (cycles.isEmpty()) throw new IllegalArgumentException("no cycle ending in a wear-out failure with index data to learn from");
    }

    /**
     * A model over {@code cycles}; its calibration (10 %, 50 %, 90 % quantiles of log((truth + ε) / (estimate + ε)))
     * comes from estimating every repair-begun cycle's last 8 h from the other such cycles, so it is derived from the
     * cycles alone and a saved model needs nothing more.
     */
    public DegradationRul(List<Cycle> cycles, double capHours) {
        this(cycles, capHours, calibrate(cycles));
    }

    /** Mean of the index over the last {@code window} hours of the first {@code n} points; NaN with none. */
    static double meanOfLast(double[] hours, double[] index, int n, double window) {
        if (n == 0) return Double.NaN;
        double now = hours[n - 1];
        double sum = 0;
        int k = 0;
        for (int i = n - 1; i >= 0 && hours[i] >= now - window; i--) {
            sum += index[i];
            k++;
        }
        return sum / k;
    }

    private static double levelNow(double[] hours, double[] index, int n) {
        return meanOfLast(hours, index, n, LEVEL_HOURS);
    }

    /**
     * Why: a band from the spread of the past cycles alone (lowest..highest of two or three) covered 33 %; the errors
     * the estimator makes on cycles it has not seen measure it. Null with under two repair-begun cycles or too few
     * residuals.
     */
    private static double[] calibrate(List<Cycle> cycles) {
        List<Cycle> aged = aged(cycles);
        if (aged.size() < 2) return null;
        List<Double> r = new ArrayList<>();
        for (int k = 0; k < aged.size(); k++) {
            List<Cycle> others = new ArrayList<>(aged);
            others.remove(k);
            Cycle c = aged.get(k);
            double end = c.length();
            double next = Math.max(0, end - 8);
            for (int i = 7; i < c.hours().length; i++) {
                if (c.hours()[i] < next) continue;
                next = c.hours()[i] + 0.25;
                double raw = point(others, c.hours(), c.index(), i + 1, c.offset());
                r.add(Math.log((end - c.hours()[i] + RATIO_EPS) / (raw + RATIO_EPS)));
            }
        }
        if (r.size() < MIN_RESIDUALS) return null;
        double[] v = r.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        // Residuals within a cycle move together, so the sample is about as large as the number of cycles: with fewer
        // than 5 the 10 % and 90 % quantiles would be the extremes of two or three curves and cover too little; the
        // band then spans all ratios seen.
        boolean few = aged.size() < 5;
        return new double[] {few ? v[0] : quantile(v, 0.1), quantile(v, 0.5), few ? v[v.length - 1] : quantile(v, 0.9)};
    }

    private static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /**
     * One run-to-failure cycle of the index.
     *
     * @param hours       running hours since scoring began in the cycle, ascending; the failure is at the last
     * @param index       health index at each
     * @param afterRepair true when the cycle began with a repair (its model learned from the part as new)
     * @param offset      running hours from the repair to the first index point (the anomaly model's learning); 0
     *                    when not after a repair
     */
    public record Cycle(double[] hours, double[] index, boolean afterRepair, double offset) {
        public double length() {
            return hours.length == 0 ? 0 : hours[hours.length - 1];
        }

        /** Running maximum of the half-hour mean of the index. */
        double[] levels() {
            return DegradationRul.levels(hours, index, hours.length);
        }

        /** At most {@code max} points, evenly spread (a saved model stays small). */
        Cycle thinned(int max) {
            if (hours.length <= max) return this;
            double[] h = new double[max], x = new double[max];
            for (int i = 0; i < max; i++) {
                int k = (int) Math.round((double) i * (hours.length - 1) / (max - 1));
                h[i] = hours[k];
                x[i] = index[k];
            }
            return new Cycle(h, x, afterRepair, offset);
        }
    }

    /** An estimate: running hours to the failure, and the band. */
    public record Estimate(double value, double lower, double upper, boolean rising) {}

    public static DegradationRul fit(List<Cycle> all) {
        List<Cycle> use = new ArrayList<>();
        for (Cycle c : all) if (c.afterRepair() && c.hours().length >= 8) use.add(c.thinned(MAX_POINTS));
        if (use.isEmpty()) for (Cycle c : all) if (c.hours().length >= 8) use.add(c.thinned(MAX_POINTS));
        double longest = 0;
        for (Cycle c : use) longest = Math.max(longest, c.length());
        return new DegradationRul(use, Math.max(1.0, 1.5 * longest));
    }

    /**
     * Estimates from the current cycle's index up to now (ascending hours); null with under 8 points, and null when the
     * current cycle or every learned cycle has no known age (did not begin with a repair): hours since the repair are
     * what the estimate scales.
     *
     * @param offset running hours from the repair to the first point, or NaN when the cycle did not begin with a repair
     */
    public Estimate estimate(double[] hours, double[] index, int n, double offset) {
        if (n < 8 || Double.isNaN(offset)) return null;
        double raw = point(aged(cycles), hours, index, n, offset);
        if (Double.isNaN(raw)) return null;
        double lower, upper;
        if (logRatio != null) {
            lower = Math.max(0, (raw + RATIO_EPS) * Math.exp(logRatio[0]) - RATIO_EPS);
            upper = Math.min(capHours, (raw + RATIO_EPS) * Math.exp(logRatio[2]) - RATIO_EPS);
        } else {
            // Too few past cycles to measure the error: a wide band (÷3 .. ×3) rather than a false precision.
            lower = raw / 3;
            upper = Math.min(capHours, 3 * raw);
        }
        boolean rising = levelNow(hours, index, n) > cycles.getFirst().levels()[0];
        return new Estimate(raw, Math.min(lower, raw), Math.max(upper, raw), rising);
    }

    private static List<Cycle> aged(List<Cycle> cycles) {
        List<Cycle> out = new ArrayList<>();
        for (Cycle c : cycles) if (c.afterRepair()) out.add(c);
        return out;
    }

    /**
     * The point estimate over the cycles {@code aged} (all begun with a repair), NaN with none. Why not the hours left
     * at the current level: the index saturates hours before the failure (a clipped distance), so its level says little
     * then, and wear life varies by a factor of two between parts. The age at which the index first reached a level
     * does say how fast this part wears: in each past cycle, hours left when reaching level r divided by the age then;
     * the current cycle's age at reaching the highest such level times the median ratio, less the hours run since, is
     * the estimate. It is capped at {@link #CAP_FRACTION} of the longest past cycle's scored hours: a wear reset the
     * index did not see (a part replaced during another repair) makes a past cycle long and its ratios high.
     */
    static double point(List<Cycle> aged, double[] hours, double[] index, int n, double offset) {
        if (aged.isEmpty()) return Double.NaN;
        double[] lv = levels(hours, index, n);
        double now = offset + hours[n - 1];
        double est = Double.NaN;
        for (double r : REFERENCE_LEVELS) {
            int i = firstAt(lv, n, r);
            if (i < 0) break;
            double[] ratio = new double[aged.size()];
            int k = 0;
            for (Cycle c : aged) {
                double[] cl = c.levels();
                int j = firstAt(cl, cl.length, r);
                if (j >= 0) ratio[k++] = (c.length() - c.hours()[j]) / Math.max(RATIO_EPS, c.offset() + c.hours()[j]);
            }
            if (k == 0) continue;
            double age = offset + hours[i];
            est = Math.max(0, RobustMahalanobis.median(Arrays.copyOf(ratio, k)) * age - (now - age));
        }
        double longest = 0;
        double[] life = new double[aged.size()];
        for (int c = 0; c < life.length; c++) {
            life[c] = aged.get(c).offset() + aged.get(c).length();
            longest = Math.max(longest, aged.get(c).length());
        }
        // Below the lowest level: the median life less the age.
        if (Double.isNaN(est)) est = Math.max(0, RobustMahalanobis.median(life) - now);
        return Math.min(est, CAP_FRACTION * longest);
    }

    private static int firstAt(double[] levels, int n, double level) {
        for (int i = 0; i < n; i++) if (levels[i] >= level) return i;
        return -1;
    }

    /** Running maximum of the half-hour mean of the first {@code n} points. */
    static double[] levels(double[] hours, double[] index, int n) {
        double[] out = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        int from = 0;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += index[i];
            while (hours[from] < hours[i] - LEVEL_HOURS) sum -= index[from++];
            max = Math.max(max, sum / (i - from + 1));
            out[i] = max;
        }
        return out;
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
                Estimate e = m.estimate(c.hours(), c.index(), i + 1, c.afterRepair() ? c.offset() : Double.NaN);
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
