package io.lathe.predict.live;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Remaining useful life from degradation paths of the machine's condition features, learned from past cycles that
 * ended in a wear-out failure. A wearing part drives its features along the same kind of path each cycle and fails
 * when they reach about the same level, while its life varies (a factor of two between parts); the anomaly score does
 * not share this, as each repair re-learns the model and rescales it. So, per feature, past cycles give the level at
 * failure (median of the half-hour mean at the end of each cycle) and the shape exponent p of level(age) = f0 + c *
 * age^p (one p per feature, the one that fits the repair-begun cycles best, from a small grid); in the current cycle
 * f0 and c are fitted by least squares on its points so far, and the age at which the failure level is reached, less
 * the age now (running hours since the repair), is the estimate (see {@link #point}). Features are weighted by how well
 * their failure level pinned the failure in past cycles: the spread of that level across cycles (and the noise of a
 * half-hour mean) relative to the rise, divided by p. Cycles saved without feature points (an older model file), or a
 * machine whose features show no consistent rise, fall back to the health-index method: the ratio of the running
 * hours left to the age when the anomaly score first reached a level (see {@link #pointByIndex}). The band is
 * calibrated by leave-one-cycle-out errors (see calibrate). A cycle that was not begun with a repair (the first one of
 * a machine monitored mid-life) has no known age: it gives failure levels but no shape, and no estimate is made in
 * such a cycle or from such cycles alone.
 */
public final class DegradationRul {
    private final List<Cycle> cycles;
    /** Longest band edge given: 1.5 x the longest cycle. */
    private final double capHours;
    /** 10 %, 50 %, 90 % quantiles of log((truth + eps) / (estimate + eps)) over past cycles, or null. */
    private final double[] logRatio;
    private final Learned learned;

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
    /** Longest estimate, as a fraction of the longest past cycle's scored hours (health-index method). */
    static final double CAP_FRACTION = 0.6;
    /** Shape exponents tried for a feature's path level(age) = f0 + c * age^p. */
    static final double[] EXPONENTS = {0.75, 1, 1.5, 2, 2.5, 3, 4};
    /** Squared error (h^2) below which a path is not trusted more (a few cycles can agree by chance). */
    static final double MIN_MSE = 0.05;
    /** Running hours before a failure over which a path's error is measured (as the RUL is judged). */
    static final double ERROR_HOURS = 8;
    /** Running hours a feature must stay fallen by half its rise before the part counts as renewed (see renewedAt). */
    static final double RENEWED_HOURS = 1.0;
    /** Points a feature needs in a cycle to be fitted. */
    static final int MIN_FIT_POINTS = 8;

    public DegradationRul(List<Cycle> cycles, double capHours, double[] logRatio) {
        this.cycles = List.copyOf(cycles);
        if (this.cycles.isEmpty()) throw new IllegalArgumentException("no cycle ending in a wear-out failure with index data to learn from");
        this.capHours = capHours;
        this.logRatio = logRatio;
        this.learned = learn(stats(this.cycles));
    }

    /**
     * A model over {@code cycles}; its calibration (10 %, 50 %, 90 % quantiles of log((truth + eps) / (estimate + eps)))
     * comes from estimating every repair-begun cycle's last 8 h from the other cycles, so it is derived from the
     * cycles alone and a saved model needs nothing more.
     */
    public DegradationRul(List<Cycle> cycles, double capHours) {
        this(cycles, capHours, calibrate(cycles));
    }

    public List<Cycle> cycles() {
        return cycles;
    }

    public double capHours() {
        return capHours;
    }

    public double[] logRatio() {
        return logRatio;
    }

    /** The learned degradation paths, one per feature that rose consistently in past cycles; empty: the index method. */
    public List<Path> paths() {
        return learned.paths();
    }

    /**
     * What the cycles taught: the paths. (Adding the median past life as one more estimate, weighted by its own
     * leave-one-cycle-out error, made it worse: 1.83 h pooled over 7 seeds instead of 1.70, 2.42 on seed 13.)
     */
    record Learned(List<Path> paths) {}

    /**
     * A feature's learned degradation path.
     *
     * @param feature   signal id
     * @param direction +1 when the feature rises with wear, -1 when it falls
     * @param failLevel median of the half-hour mean at failure over past cycles
     * @param exponent  p of level(age) = f0 + c * age^p
     * @param spread    spread of the failure level across cycles (with the noise of a half-hour mean) over the median
     *                  rise from f0 to failure (for reading)
     * @param mse       mean squared error (h^2) of the hours left it gave in the last 8 running hours of each past
     *                  repair-begun cycle, from the failure level of the other cycles; its weight is the inverse
     * @param rise      median rise (in the direction of wear) from f0 to the failure level
     */
    public record Path(String feature, double direction, double failLevel, double exponent, double spread, double mse, double rise) {
        double weight() {
            return 1 / Math.max(MIN_MSE, mse);
        }
    }

    /** Mean of the index over the last {@code window} hours of the first {@code n} points; NaN with none. */
    static double meanOfLast(double[] hours, double[] index, int n, double window) {
        if (n == 0) return Double.NaN;
        double now = hours[n - 1];
        double sum = 0;
        int k = 0;
        for (int i = n - 1; i >= 0 && hours[i] >= now - window; i--) {
            if (Double.isNaN(index[i])) continue;
            sum += index[i];
            k++;
        }
        return k == 0 ? Double.NaN : sum / k;
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
        List<CycleStats> all = stats(cycles);
        List<Double> r = new ArrayList<>();
        for (int k = 0; k < cycles.size(); k++) {
            Cycle c = cycles.get(k);
            if (!c.afterRepair()) continue;
            List<Cycle> others = new ArrayList<>(cycles);
            others.remove(k);
            List<CycleStats> otherStats = new ArrayList<>(all);
            otherStats.remove(k);
            Learned ps = learn(otherStats);
            double end = c.length();
            double next = Math.max(0, end - 8);
            for (int i = 7; i < c.hours().length; i++) {
                if (c.hours()[i] < next) continue;
                next = c.hours()[i] + 0.25;
                double raw = point(others, ps, c, i + 1, c.offset());
                if (Double.isNaN(raw)) continue;
                r.add(Math.log((end - c.hours()[i] + RATIO_EPS) / (raw + RATIO_EPS)));
            }
        }
        if (r.size() < MIN_RESIDUALS) return null;
        double[] v = r.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        // The 10 % and 90 % quantiles however few the cycles: the index method's residuals needed all of them (its
        // curves strayed more), the paths' cover 82 % (0.72-0.87 a seed) on the survey seeds and 82 % on
        // HealthMonitorSimulationTest with 10/90, 88 % and 85 % with 5/95 under 5 cycles.
        double tail = 0.1;
        return new double[] {quantile(v, tail), quantile(v, 0.5), quantile(v, 1 - tail)};
    }

    private static double quantile(double[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    /**
     * One run-to-failure cycle of the index and of the condition features.
     *
     * @param hours       running hours since scoring began in the cycle, ascending; the failure is at the last
     * @param index       health index at each
     * @param afterRepair true when the cycle began with a repair (its model learned from the part as new)
     * @param offset      running hours from the repair to the first index point (the anomaly model's learning); 0
     *                    when not after a repair
     * @param features    signal ids of the condition features (the anomaly model's); empty in a model saved before
     *                    they were kept
     * @param values      per feature, its mean over the minute before each point (NaN when missing)
     */
    public record Cycle(double[] hours, double[] index, boolean afterRepair, double offset, List<String> features, double[][] values) {
        public Cycle {
            features = features == null ? List.of() : List.copyOf(features);
            if (values == null) values = new double[0][];
            if (values.length != features.size()) throw new IllegalArgumentException("features " + features.size() + " but values for " + values.length);
        }

        public Cycle(double[] hours, double[] index, boolean afterRepair, double offset) {
            this(hours, index, afterRepair, offset, List.of(), new double[0][]);
        }

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
            double[][] v = new double[values.length][max];
            for (int i = 0; i < max; i++) {
                int k = (int) Math.round((double) i * (hours.length - 1) / (max - 1));
                h[i] = hours[k];
                x[i] = index[k];
                for (int j = 0; j < v.length; j++) v[j][i] = values[j][k];
            }
            return new Cycle(h, x, afterRepair, offset, features, v);
        }
    }

    /** An estimate: running hours to the failure, and the band. */
    public record Estimate(double value, double lower, double upper, boolean rising) {}

    public static DegradationRul fit(List<Cycle> all) {
        // Cycles not begun with a repair are kept: their failure levels count, though they give no age.
        List<Cycle> use = new ArrayList<>();
        for (Cycle c : all) if (c.hours().length >= 8) use.add(c.thinned(MAX_POINTS));
        use = fromRenewals(use);
        double longest = 0;
        for (Cycle c : use) longest = Math.max(longest, c.length());
        return new DegradationRul(use, Math.max(1.0, 1.5 * longest));
    }

    /**
     * The cycles with a part renewed in a repair the monitor did not judge a renewal (see {@link #renewedAt}, by the
     * path with the least error learned from all of them) cut to what follows the renewal, their age counted from it:
     * counted from the earlier repair, such a cycle looks long and slow and bends the shape learned (seed 6: an
     * exponent of 0.75 for temperature).
     */
    private static List<Cycle> fromRenewals(List<Cycle> cycles) {
        Learned first = learn(stats(cycles));
        Path best = null;
        for (Path p : first.paths()) if (best == null || p.mse() < best.mse()) best = p;
        if (best == null) return cycles;
        List<Cycle> out = new ArrayList<>();
        for (Cycle c : cycles) {
            int j = c.features().indexOf(best.feature());
            double origin = !c.afterRepair() || j < 0 ? Double.NaN : renewedAt(best, c.hours(), c.values()[j], c.hours().length);
            if (Double.isNaN(origin)) {
                out.add(c);
                continue;
            }
            int from = 0;
            while (from < c.hours().length && c.hours()[from] <= origin) from++;
            int n = c.hours().length - from;
            if (n < 8) continue;
            double[] h = new double[n], x = Arrays.copyOfRange(c.index(), from, from + n);
            for (int i = 0; i < n; i++) h[i] = c.hours()[from + i] - origin;
            double[][] v = new double[c.values().length][];
            for (int k = 0; k < v.length; k++) v[k] = Arrays.copyOfRange(c.values()[k], from, from + n);
            out.add(new Cycle(h, x, true, 0, c.features(), v));
        }
        return out;
    }

    /**
     * Estimates from the current cycle up to now (ascending hours); null with under 8 points, and null when the
     * current cycle or every learned cycle has no known age (did not begin with a repair): hours since the repair are
     * what the estimate scales.
     *
     * @param offset running hours from the repair to the first point, or NaN when the cycle did not begin with a repair
     */
    public Estimate estimate(Cycle current, int n, double offset) {
        if (n < 8 || Double.isNaN(offset)) return null;
        double raw = point(cycles, learned, current, n, offset);
        if (Double.isNaN(raw)) return null;
        double lower, upper;
        if (logRatio != null) {
            lower = Math.max(0, (raw + RATIO_EPS) * Math.exp(logRatio[0]) - RATIO_EPS);
            upper = Math.min(capHours, (raw + RATIO_EPS) * Math.exp(logRatio[2]) - RATIO_EPS);
        } else {
            // Too few past cycles to measure the error: a wide band (/3 .. x3) rather than a false precision.
            lower = raw / 3;
            upper = Math.min(capHours, 3 * raw);
        }
        boolean rising = levelNow(current.hours(), current.index(), n) > cycles.getFirst().levels()[0];
        return new Estimate(raw, Math.min(lower, raw), Math.max(upper, raw), rising);
    }

    /** Estimates from the index alone (a cycle without feature points). */
    public Estimate estimate(double[] hours, double[] index, int n, double offset) {
        return estimate(new Cycle(hours, index, true, offset), n, offset);
    }

    private static List<Cycle> aged(List<Cycle> cycles) {
        List<Cycle> out = new ArrayList<>();
        for (Cycle c : cycles) if (c.afterRepair()) out.add(c);
        return out;
    }

    /**
     * The point estimate for the first {@code n} points of {@code current} from the past cycles and their paths; NaN
     * when no past cycle began with a repair. The degradation paths give it when at least one feature of the current
     * cycle has a path and rises in it; otherwise the health index does ({@link #pointByIndex}).
     */
    static double point(List<Cycle> past, Learned learned, Cycle current, int n, double offset) {
        List<Cycle> aged = aged(past);
        if (aged.isEmpty()) return Double.NaN;
        double now = offset + current.hours()[n - 1];
        double longest = 0;
        for (Cycle c : past) longest = Math.max(longest, c.offset() + c.length());
        double sw = 0, sa = 0;
        for (Path p : learned.paths()) {
            int j = current.features().indexOf(p.feature());
            if (j < 0) continue;
            double a = failureAge(p, current.hours(), current.values()[j], n, offset);
            if (Double.isNaN(a)) continue;
            double w = p.weight();
            // A small rise early in a cycle, or a machine cooling after stops, can extrapolate to any age: a path that
            // leaves more than the longest past life says nothing and is left out (capped there instead: RMSE 1.69 h
            // pooled over seeds 42/7/99/1/2/3/13 instead of 1.58; the age capped at 1.5 x the longest life gave 0 h to
            // parts that outlived it: 2.09). A weighted mean: the weighted median gave 1.86 h against 1.69 when capped.
            if (a > now + longest) continue;
            a = Math.max(a, now);
            sa += w * a;
            sw += w;
        }
        if (sw > 0) return Math.max(0, sa / sw - now);
        return pointByIndex(aged, current.hours(), current.index(), n, offset);
    }

    /**
     * The age (running hours since the repair) at which the feature reaches its failure level on the path fitted to
     * the first {@code n} points: f0 and c of f0 + c * age^p by least squares with the learned p. NaN when the fit is
     * not possible or the feature does not rise (yet) in this cycle; the age now or earlier when the failure level is
     * already passed.
     */
    static double failureAge(Path p, double[] hours, double[] y, int n, double offset) {
        double origin = renewedAt(p, hours, y, n);
        if (!Double.isNaN(origin)) {
            // The part was renewed in this cycle without the monitor seeing it: its age counts from then.
            int from = 0;
            while (from < n && hours[from] <= origin) from++;
            double a = fitAge(p, hours, y, from, n, -origin);
            return Double.isNaN(a) ? a : offset + origin + a;
        }
        return fitAge(p, hours, y, 0, n, offset);
    }

    /**
     * Hours (of the cycle) at which the feature fell back by half its rise to failure and stayed there at least
     * {@link #RENEWED_HOURS} (the last such fall), or NaN: a part renewed in a repair the monitor did not judge a
     * renewal (a short or unlabelled one) leaves the cycle's age counted from the earlier repair, and a path fitted to
     * that age extrapolates far too late. A feature that only dips after a stop (a machine cooling) comes back within
     * the time asked.
     */
    static double renewedAt(Path p, double[] hours, double[] y, int n) {
        double drop = 0.5 * p.rise();
        if (!(drop > 0)) return Double.NaN;
        double max = Double.NEGATIVE_INFINITY, sum = 0, found = Double.NaN, below = Double.NaN;
        int from = 0, k = 0;
        for (int i = 0; i < n; i++) {
            if (!Double.isNaN(y[i])) {
                sum += p.direction() * y[i];
                k++;
            }
            while (hours[from] < hours[i] - LEVEL_HOURS) {
                if (!Double.isNaN(y[from])) {
                    sum -= p.direction() * y[from];
                    k--;
                }
                from++;
            }
            if (k == 0) continue;
            double level = sum / k;
            if (level < max - drop) {
                if (Double.isNaN(below)) below = hours[i];
                if (hours[i] - below >= RENEWED_HOURS) {
                    // Renewed: the trailing mean crossed about half a window after the level fell.
                    found = Math.max(0, below - LEVEL_HOURS / 2);
                    max = level;
                    below = Double.NaN;
                }
            } else {
                below = Double.NaN;
                max = Math.max(max, level);
            }
        }
        return found;
    }

    /** The failure age on the path fitted to points {@code from} to {@code n}, their ages hours + {@code offset}. */
    private static double fitAge(Path p, double[] hours, double[] y, int from, int n, double offset) {
        double s1 = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        double e = p.exponent();
        for (int i = from; i < n; i++) {
            double v = y[i];
            if (Double.isNaN(v)) continue;
            double x = pow(offset + hours[i], e);
            v *= p.direction();
            s1++;
            sx += x;
            sy += v;
            sxx += x * x;
            sxy += x * v;
        }
        if (s1 < MIN_FIT_POINTS) return Double.NaN;
        double vxx = sxx - sx * sx / s1;
        if (!(vxx > 0)) return Double.NaN;
        double c = (sxy - sx * sy / s1) / vxx;
        double f0 = (sy - c * sx) / s1;
        double target = p.direction() * p.failLevel();
        if (!(c > 0) || !(target > f0)) return Double.NaN;
        return Math.pow((target - f0) / c, 1 / e);
    }

    /** a^e; the exponents of {@link #EXPONENTS} without Math.pow (an estimate a minute sums it over the whole cycle). */
    private static double pow(double a, double e) {
        a = Math.max(0, a);
        if (e == 1) return a;
        if (e == 2) return a * a;
        if (e == 1.5) return a * Math.sqrt(a);
        if (e == 2.5) return a * a * Math.sqrt(a);
        if (e == 3) return a * a * a;
        if (e == 4) return a * a * a * a;
        if (e == 0.75) return Math.sqrt(a * Math.sqrt(a));
        return Math.pow(a, e);
    }

    /**
     * Sums of one cycle's feature against age^p for each exponent (count, x, y, xx, xy, yy, then the mean of x over
     * the last half hour and x at the failure), the half-hour mean at the failure and the points in a half hour.
     */
    private record FeatureStats(double[][] sums, double endLevel, double perHalfHour) {}

    /** A cycle's statistics by feature. */
    private record CycleStats(Cycle cycle, Map<String, FeatureStats> features) {
        boolean aged() {
            return cycle.afterRepair();
        }
    }

    private static List<CycleStats> stats(List<Cycle> cycles) {
        List<CycleStats> out = new ArrayList<>();
        for (Cycle c : cycles) {
            Map<String, FeatureStats> m = new LinkedHashMap<>();
            int n = c.hours().length;
            for (int j = 0; j < c.features().size(); j++) {
                double[] y = c.values()[j];
                double end = meanOfLast(c.hours(), y, n, LEVEL_HOURS);
                if (Double.isNaN(end)) continue;
                double[][] sums = new double[EXPONENTS.length][8];
                int count = 0;
                for (int i = 0; i < n; i++) {
                    if (Double.isNaN(y[i])) continue;
                    count++;
                    double a = c.offset() + c.hours()[i];
                    for (int k = 0; k < EXPONENTS.length; k++) {
                        double x = pow(a, EXPONENTS[k]);
                        double[] s = sums[k];
                        s[0]++;
                        s[1] += x;
                        s[2] += y[i];
                        s[3] += x * x;
                        s[4] += x * y[i];
                        s[5] += y[i] * y[i];
                    }
                }
                if (count < MIN_FIT_POINTS) continue;
                double endHours = c.hours()[n - 1];
                for (int k = 0; k < EXPONENTS.length; k++) {
                    double sx = 0;
                    int last = 0;
                    for (int i = n - 1; i >= 0 && c.hours()[i] >= endHours - LEVEL_HOURS; i--) {
                        if (Double.isNaN(y[i])) continue;
                        sx += pow(c.offset() + c.hours()[i], EXPONENTS[k]);
                        last++;
                    }
                    sums[k][6] = sx / last;
                    sums[k][7] = pow(c.offset() + endHours, EXPONENTS[k]);
                }
                m.put(c.features().get(j), new FeatureStats(sums, end, Math.max(1, count * LEVEL_HOURS / Math.max(LEVEL_HOURS, c.length()))));
            }
            out.add(new CycleStats(c, m));
        }
        return out;
    }

    /**
     * Per feature: the exponent whose least-squares path leaves the least of each repair-begun cycle's variance
     * (summed over cycles, each cycle counting alike), the failure level (median over all cycles that have the
     * feature), its spread relative to the median rise f0 to failure, and its error: each repair-begun cycle's last
     * {@link #ERROR_HOURS} estimated with the failure level of the other cycles. A feature whose rise is not clearly
     * above the noise (under {@code 3 x} the spread of a half-hour mean) is left out: it does not tell wear.
     */
    private static Learned learn(List<CycleStats> cycles) {
        Map<String, List<CycleStats>> agedBy = new LinkedHashMap<>(), allBy = new LinkedHashMap<>();
        for (CycleStats c : cycles) {
            for (String f : c.features().keySet()) {
                allBy.computeIfAbsent(f, x -> new ArrayList<>()).add(c);
                if (c.aged()) agedBy.computeIfAbsent(f, x -> new ArrayList<>()).add(c);
            }
        }
        double longest = 0;
        for (CycleStats c : cycles) longest = Math.max(longest, c.cycle().offset() + c.cycle().length());
        List<Path> out = new ArrayList<>();
        for (var e : agedBy.entrySet()) {
            String feature = e.getKey();
            List<FeatureStats> aged = new ArrayList<>();
            for (CycleStats c : e.getValue()) aged.add(c.features().get(feature));
            int best = -1;
            double bestLoss = Double.POSITIVE_INFINITY;
            for (int k = 0; k < EXPONENTS.length; k++) {
                double loss = 0;
                for (FeatureStats f : aged) {
                    double[] s = f.sums()[k];
                    double vxx = s[3] - s[1] * s[1] / s[0], vyy = s[5] - s[2] * s[2] / s[0], vxy = s[4] - s[1] * s[2] / s[0];
                    if (!(vxx > 0) || !(vyy > 0)) continue;
                    loss += Math.max(0, vyy - vxy * vxy / vxx) / vyy;
                }
                if (loss < bestLoss) {
                    bestLoss = loss;
                    best = k;
                }
            }
            if (best < 0) continue;
            double[] rise = new double[aged.size()];
            double[] lag = new double[aged.size()];
            Map<FeatureStats, Double> atFailure = new java.util.IdentityHashMap<>();
            double noise = 0;
            for (int i = 0; i < rise.length; i++) {
                double[] s = aged.get(i).sums()[best];
                double vxx = s[3] - s[1] * s[1] / s[0];
                double c = vxx > 0 ? (s[4] - s[1] * s[2] / s[0]) / vxx : 0;
                double f0 = (s[2] - c * s[1]) / s[0];
                // The half-hour mean lags the level at the failure (a quarter hour of the steepest rise): the fitted path
                // gives the difference.
                lag[i] = c * (s[7] - s[6]);
                atFailure.put(aged.get(i), aged.get(i).endLevel() + lag[i]);
                rise[i] = aged.get(i).endLevel() + lag[i] - f0;
                double sse = Math.max(0, s[5] - s[2] * s[2] / s[0] - c * (s[4] - s[1] * s[2] / s[0]));
                noise += sse / Math.max(1, s[0] - 2) / aged.get(i).perHalfHour();
            }
            noise /= rise.length;
            double medianRise = RobustMahalanobis.median(rise.clone());
            List<CycleStats> all = allBy.get(feature);
            // A cycle of unknown age has no path of its own to correct the lag with: the repair-begun cycles' median.
            double medianLag = RobustMahalanobis.median(lag.clone());
            for (CycleStats c : all) atFailure.putIfAbsent(c.features().get(feature), c.features().get(feature).endLevel() + medianLag);
            double[] ends = new double[all.size()];
            for (int i = 0; i < ends.length; i++) ends[i] = atFailure.get(all.get(i).features().get(feature));
            double fail = RobustMahalanobis.median(ends.clone());
            double var = 0;
            for (double v : ends) var += (v - fail) * (v - fail);
            var = ends.length > 1 ? var / (ends.length - 1) : 0;
            double spread = Math.sqrt(var + noise) / Math.abs(medianRise);
            if (!(Math.abs(medianRise) > 3 * Math.sqrt(noise)) || Double.isNaN(spread)) continue;
            double direction = Math.signum(medianRise);
            double exponent = EXPONENTS[best];
            // The error of the hours left each repair-begun cycle would have been given, from the others' failure level.
            double se = 0;
            int n = 0;
            for (CycleStats c : e.getValue()) {
                double[] others = new double[all.size() - 1];
                int k = 0;
                for (CycleStats o : all) if (o != c) others[k++] = atFailure.get(o.features().get(feature));
                double level = k == 0 ? atFailure.get(c.features().get(feature)) : RobustMahalanobis.median(Arrays.copyOf(others, k));
                Path loo = new Path(feature, direction, level, exponent, spread, Double.NaN, Math.abs(medianRise));
                Cycle cy = c.cycle();
                int j = cy.features().indexOf(feature);
                double end = cy.length();
                double next = Math.max(0, end - ERROR_HOURS);
                for (int i = MIN_FIT_POINTS - 1; i < cy.hours().length; i++) {
                    if (cy.hours()[i] < next) continue;
                    next = cy.hours()[i] + 0.5;
                    double age = failureAge(loo, cy.hours(), cy.values()[j], i + 1, cy.offset());
                    if (Double.isNaN(age)) continue;
                    double left = Math.max(0, age - cy.offset() - cy.hours()[i]);
                    if (left > longest) continue; // left out, as in point

                    se += (left - (end - cy.hours()[i])) * (left - (end - cy.hours()[i]));
                    n++;
                }
            }
            if (n == 0) continue;
            out.add(new Path(feature, direction, fail, exponent, spread, se / n, Math.abs(medianRise)));
        }
        return new Learned(List.copyOf(out));
    }

    /**
     * The health-index estimate over the cycles {@code aged} (all begun with a repair), NaN with none. Why not the
     * hours left at the current level: the index saturates hours before the failure (a clipped distance), so its level
     * says little then, and wear life varies by a factor of two between parts. The age at which the index first reached
     * a level does say how fast this part wears: in each past cycle, hours left when reaching level r divided by the
     * age then; the current cycle's age at reaching the highest such level times the median ratio, less the hours run
     * since, is the estimate. It is capped at {@link #CAP_FRACTION} of the longest past cycle's scored hours: a wear
     * reset the index did not see (a part replaced during another repair) makes a past cycle long and its ratios high.
     */
    static double pointByIndex(List<Cycle> aged, double[] hours, double[] index, int n, double offset) {
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
                Estimate e = m.estimate(c, i + 1, c.afterRepair() ? c.offset() : Double.NaN);
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
