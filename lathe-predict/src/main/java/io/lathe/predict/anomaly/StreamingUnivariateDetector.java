package io.lathe.predict.anomaly;

/**
 * Online anomaly detector for one numeric series (the NAB setting): no fitting step, no look-ahead.
 *
 * <p>At each point the raw score is how far the mean of the last {@code shortLength} values (or, at half weight, the
 * value itself) lies from the mean of the {@code historyLength} values before them, in standard deviations of that
 * history. Raw scores are turned into
 * an anomaly likelihood as Numenta's anomaly likelihood does: the mean of the last {@code shortLength} raw scores is
 * compared with the distribution (mean, standard deviation) of the same short means over the last
 * {@code likelihoodLength} points, and the likelihood is the normal cumulative probability of that z value. (Comparing
 * a short mean with the spread of single raw scores, as before, understated z by roughly the square root of the
 * short length and made the threshold depend on it.) A point is flagged when the likelihood exceeds
 * {@code 1 - 10^-likelihoodDigits}; after a flag no other is raised for {@code suppressLength} points, because one
 * detection per event is what an operator (and NAB's scoring) wants. The likelihood is 0, and nothing is flagged,
 * before {@code historyLength} points have been seen.
 *
 * <p>Cost per point is O(1) (running sums over ring buffers). Not thread-safe: one instance per series.
 */
public final class StreamingUnivariateDetector {

    /**
     * Settings (lengths in points).
     *
     * @param historyLength     points of normal history the current level is compared with
     * @param shortLength       points averaged for the current level and for the recent raw scores
     * @param likelihoodLength  raw scores whose distribution defines "usual"
     * @param likelihoodDigits  flag when likelihood > 1 - 10^-digits
     * @param suppressLength    points without a new flag after one
     */
    public record Settings(int historyLength, int shortLength, int likelihoodLength, double likelihoodDigits, int suppressLength) {
        /**
         * A single detector's settings for direct use; {@link SeasonalUnivariateDetector} (the NAB detector) runs a
         * median ensemble of 27 of these instead of one tuned setting (docs/MODELS.md).
         */
        public static final Settings DEFAULT = new Settings(800, 12, 3000, 2.0, 400);

        public Settings {
            if (historyLength < 2 || shortLength < 1 || likelihoodLength < 2 || suppressLength < 0 || !(likelihoodDigits > 0)) {
                throw new IllegalArgumentException("lengths must be positive (history and likelihood >= 2) and digits > 0, but were " + this);
            }
        }
    }

    private final Settings s;
    private final RunningWindow history;
    private final RunningWindow recentValues;
    private final RunningWindow shortMeans; // short means of raw scores: the likelihood's reference distribution
    private final RunningWindow recentRaw;
    private long seen;
    private long lastFlag = Long.MIN_VALUE / 2;
    private double likelihood;
    private boolean flagged;

    public StreamingUnivariateDetector(Settings settings) {
        this.s = settings;
        this.history = new RunningWindow(settings.historyLength());
        this.recentValues = new RunningWindow(settings.shortLength());
        this.shortMeans = new RunningWindow(settings.likelihoodLength());
        this.recentRaw = new RunningWindow(settings.shortLength());
    }

    /**
     * Feeds the next value and returns its anomaly likelihood in [0, 1]; {@link #flagged()} then tells whether this
     * point raised a detection. A non-finite value is skipped (likelihood 0, no flag, state unchanged).
     */
    public double update(double value) {
        flagged = false;
        if (!Double.isFinite(value)) {
            likelihood = 0;
            return 0;
        }
        seen++;
        // The value that leaves the short window joins the history, so the two never overlap.
        if (recentValues.full()) history.add(recentValues.oldest());
        recentValues.add(value);
        if (history.size() < 2) {
            likelihood = 0;
            return 0;
        }
        double sd = Math.max(history.std(), 1e-9 * Math.max(1, Math.abs(history.mean())));
        // Level shift of the recent mean, or a single spike (at half weight, as one point is weaker evidence).
        double raw = Math.max(Math.abs(recentValues.mean() - history.mean()), Math.abs(value - history.mean()) / 2) / sd;
        recentRaw.add(raw);
        double shortMean = recentRaw.mean();
        double z;
        if (shortMeans.size() < 2) z = 0;
        else z = (shortMean - shortMeans.mean()) / Math.max(shortMeans.std(), 1e-3);
        shortMeans.add(shortMean);
        if (seen < s.historyLength()) {
            likelihood = 0;
            return 0;
        }
        likelihood = normalCdf(z);
        if (seen - lastFlag > s.suppressLength() && likelihood > 1 - Math.pow(10, -s.likelihoodDigits())) {
            flagged = true;
            lastFlag = seen;
        }
        return likelihood;
    }

    /** Whether the last {@link #update} raised a detection. */
    public boolean flagged() {
        return flagged;
    }

    /** The last likelihood returned. */
    public double likelihood() {
        return likelihood;
    }

    /** Standard normal cumulative distribution (Abramowitz-Stegun 7.1.26 erf, error below 1.5e-7). */
    static double normalCdf(double z) {
        double x = Math.abs(z) / Math.sqrt(2);
        double t = 1 / (1 + 0.3275911 * x);
        double erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
        return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
    }

    /**
     * Fixed-capacity window with running sum and sum of squares (re-summed every capacity adds against drift); public
     * for the validation harness's variants of a member.
     */
    public static final class RunningWindow {
        private final double[] buf;
        private int start, size, sinceResum;
        private double sum, sumSq;

        public RunningWindow(int capacity) {
            buf = new double[capacity];
        }

        public boolean full() {
            return size == buf.length;
        }

        public int size() {
            return size;
        }

        public double oldest() {
            return buf[start];
        }

        public void add(double v) {
            if (size == buf.length) {
                double old = buf[start];
                sum -= old;
                sumSq -= old * old;
                buf[start] = v;
                start = (start + 1) % buf.length;
            } else {
                buf[(start + size) % buf.length] = v;
                size++;
            }
            sum += v;
            sumSq += v * v;
            if (++sinceResum >= buf.length) resum();
        }

        private void resum() {
            sinceResum = 0;
            sum = 0;
            sumSq = 0;
            for (int i = 0; i < size; i++) {
                double v = buf[(start + i) % buf.length];
                sum += v;
                sumSq += v * v;
            }
        }

        public double mean() {
            return size == 0 ? 0 : sum / size;
        }

        public double std() {
            if (size < 2) return 0;
            double m = sum / size;
            return Math.sqrt(Math.max(0, sumSq / size - m * m));
        }
    }
}
