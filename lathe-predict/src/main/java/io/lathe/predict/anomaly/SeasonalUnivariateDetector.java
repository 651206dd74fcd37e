package io.lathe.predict.anomaly;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The NAB detector: two median ensembles of {@link StreamingUnivariateDetector}s, one on the values and one on the
 * difference between each value and the value one season earlier (by timestamp): a taxi count that is normal for a
 * Monday noon but not for a Sunday noon stands out only in the second. Each ensemble runs one member per combination of
 * history, short and likelihood length and reports the median of the members' likelihoods, so no single length has
 * to be chosen: six NAB series could not tell the lengths apart (the length chosen on five series flipped with the
 * series left out, docs/MODELS.md), and the median needs half of the members to agree. The likelihood is the larger
 * of the two medians (the seasonal one counted as 0 where the reference point's likelihood was above 1 - 10^-3, so
 * that an event is not flagged again one season later); a point is flagged when it exceeds
 * {@code 1 - 10^-likelihoodDigits}, at most once per
 * {@code suppressLength} points; {@link #score()} is the likelihood with those suppressed points set to 0, so that a
 * threshold swept over the scores (as NAB's scorer does) sees one alert per event, as the flags do. Online: the
 * season's reference is the latest earlier point at least one season old, so nothing after t is used.
 *
 * <p>Memory: the members' windows (for the default 27 members per ensemble, about 100,000 doubles) and the points of
 * one season (for a weekly season at 5 minutes, 2,016). Not thread-safe.
 */
public final class SeasonalUnivariateDetector {
    /**
     * Likelihood above which a point is too unusual to serve as the seasonal reference. A constant rather than the
     * flag threshold, so that the likelihoods do not depend on the threshold and validation can sweep it over one pass.
     */
    static final double ALARMING = 1 - 1e-3;

    /**
     * Settings.
     *
     * @param historyLengths    members' history lengths (points)
     * @param shortLengths      members' short lengths (points)
     * @param likelihoodLengths members' likelihood lengths (points)
     * @param likelihoodDigits  flag when the likelihood exceeds {@code 1 - 10^-digits}
     * @param suppressLength    points without a new flag after one
     * @param season            season length; {@link Duration#ZERO} turns the seasonal ensemble off
     */
    public record Settings(List<Integer> historyLengths, List<Integer> shortLengths, List<Integer> likelihoodLengths,
                           double likelihoodDigits, int suppressLength, Duration season) {
        /**
         * The member lengths are the earlier tuning grid, all kept rather than one chosen; the weekly season and the
         * suppression of 400 points are fixed, not tuned. The threshold is the one chosen by leave-one-series-out
         * validation on NAB realKnownCause (the same in all six folds, docs/MODELS.md).
         */
        public static final Settings DEFAULT = new Settings(List.of(200, 400, 800), List.of(3, 6, 12), List.of(500, 1000, 3000),
                3.875, 400, Duration.ofDays(7));

        public Settings {
            historyLengths = List.copyOf(historyLengths);
            shortLengths = List.copyOf(shortLengths);
            likelihoodLengths = List.copyOf(likelihoodLengths);
            if (historyLengths.isEmpty() || shortLengths.isEmpty() || likelihoodLengths.isEmpty() || season == null || season.isNegative()
                    || !(likelihoodDigits > 0) || suppressLength < 0) {
                throw new IllegalArgumentException("member lengths must be non-empty, digits > 0, suppression >= 0 and the season non-negative, but were "
                        + historyLengths + ", " + shortLengths + ", " + likelihoodLengths + ", " + likelihoodDigits + ", " + suppressLength + ", " + season);
            }
        }

        /** The same members and season with another threshold and suppression (what validation chooses). */
        public Settings with(double digits, int suppress) {
            return new Settings(historyLengths, shortLengths, likelihoodLengths, digits, suppress, season);
        }
    }

    private final Settings settings;
    private final long seasonMillis;
    private final double threshold;
    private final MedianEnsemble plain;
    private final MedianEnsemble seasonal;
    private long[] times = new long[64];
    private double[] values = new double[64];
    private boolean[] alarming = new boolean[64]; // likelihood above ALARMING at that point
    private int head, size; // ring of the points not yet a season old plus the latest that is
    private long seen, lastFlag = Long.MIN_VALUE / 2, lastTime = Long.MIN_VALUE;
    private boolean flagged;
    private double likelihood, score;

    public SeasonalUnivariateDetector(Settings settings) {
        this.settings = settings;
        this.seasonMillis = settings.season().toMillis();
        this.threshold = 1 - Math.pow(10, -settings.likelihoodDigits());
        this.plain = new MedianEnsemble(settings);
        this.seasonal = new MedianEnsemble(settings);
    }

    /**
     * Feeds the next point and returns its likelihood in [0, 1]. Timestamps must not go backwards; a non-finite
     * value is skipped (likelihood 0, no flag).
     *
     * @throws IllegalArgumentException when the timestamp is before the previous one
     */
    public double update(long epochMillis, double value) {
        if (epochMillis < lastTime) throw new IllegalArgumentException("timestamps must not go backwards, but " + epochMillis + " follows " + lastTime);
        lastTime = epochMillis;
        flagged = false;
        if (!Double.isFinite(value)) {
            likelihood = 0;
            score = 0;
            return 0;
        }
        seen++;
        double a = plain.update(value);
        double b = 0;
        if (seasonMillis > 0) {
            // Drop points older than the newest one that is at least a season old; that one is the reference.
            while (size >= 2 && times[(head + 1) % times.length] <= epochMillis - seasonMillis) {
                head = (head + 1) % times.length;
                size--;
            }
            if (size >= 1 && times[head] <= epochMillis - seasonMillis) {
                b = seasonal.update(value - values[head]);
                // A difference to a reference that was itself alarming is no evidence: without this, every event came
                // back as a false alarm one season later (on cpu_utilization 2 of 14 false positives).
                if (alarming[head]) b = 0;
            }
        }
        likelihood = Math.max(a, b);
        if (seasonMillis > 0) push(epochMillis, value, likelihood > ALARMING);
        boolean suppressed = seen - lastFlag <= settings.suppressLength();
        score = suppressed ? 0 : likelihood;
        if (!suppressed && likelihood > threshold) {
            flagged = true;
            lastFlag = seen;
        }
        return likelihood;
    }

    private void push(long t, double v, boolean alarm) {
        if (size == times.length) {
            long[] nt = new long[size * 2];
            double[] nv = new double[size * 2];
            boolean[] na = new boolean[size * 2];
            for (int i = 0; i < size; i++) {
                nt[i] = times[(head + i) % times.length];
                nv[i] = values[(head + i) % times.length];
                na[i] = alarming[(head + i) % times.length];
            }
            times = nt;
            values = nv;
            alarming = na;
            head = 0;
        }
        int idx = (head + size) % times.length;
        times[idx] = t;
        values[idx] = v;
        alarming[idx] = alarm;
        size++;
    }

    /** Whether the last {@link #update} raised a detection. */
    public boolean flagged() {
        return flagged;
    }

    public double likelihood() {
        return likelihood;
    }

    /**
     * The reported anomaly score of the last point: its likelihood, or 0 while a detection's suppression lasts. Above
     * the detector's threshold exactly where it flags; with a lower threshold an alert per event still.
     */
    public double score() {
        return score;
    }

    /** One member per length combination on the same input; the median likelihood (0 for members still warming up). */
    private static final class MedianEnsemble {
        private final List<StreamingUnivariateDetector> members = new ArrayList<>();
        private final double[] scratch;

        MedianEnsemble(Settings s) {
            for (int h : s.historyLengths()) for (int k : s.shortLengths()) for (int l : s.likelihoodLengths()) {
                members.add(new StreamingUnivariateDetector(new StreamingUnivariateDetector.Settings(h, k, l, s.likelihoodDigits(), s.suppressLength())));
            }
            scratch = new double[members.size()];
        }

        double update(double value) {
            for (int i = 0; i < scratch.length; i++) scratch[i] = members.get(i).update(value);
            Arrays.sort(scratch);
            // For an even count the upper of the two middle values, so that half of the members must agree.
            return scratch[(int) Math.round(0.5 * (scratch.length - 1))];
        }
    }
}
