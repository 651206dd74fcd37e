package io.lathe.predict.anomaly;

import java.time.Duration;

/**
 * A {@link StreamingUnivariateDetector} on the values, OR'd with a second one on the difference between each value
 * and the value one season earlier (by timestamp): a taxi count that is normal for a Monday noon but not for a Sunday
 * noon stands out only in the second. The combined detector flags at most once per {@code suppressLength} points
 * and its likelihood is the larger of the two. Online: the season's reference is the latest earlier point at least
 * one season old, so nothing after t is used.
 *
 * <p>Memory: the points of one season (for a weekly season at 5 minutes, 2,016). Not thread-safe.
 */
public final class SeasonalUnivariateDetector {

    /**
     * Settings.
     *
     * @param base   settings of both inner detectors
     * @param season season length; {@link Duration#ZERO} turns the seasonal part off
     */
    public record Settings(StreamingUnivariateDetector.Settings base, Duration season) {
        /**
         * The weekly season is fixed, not tuned: a week holds the daily cycle too, and letting validation choose the
         * season per fold overfitted (leave-one-series-out 34.4 against 47.8 with it fixed, docs/MODELS.md).
         */
        public static final Settings DEFAULT = new Settings(StreamingUnivariateDetector.Settings.DEFAULT, Duration.ofDays(7));

        public Settings {
            if (base == null || season == null || season.isNegative()) throw new IllegalArgumentException("base and a non-negative season are required, but were " + base + " and " + season);
        }
    }

    private final Settings settings;
    private final long seasonMillis;
    private final StreamingUnivariateDetector plain;
    private final StreamingUnivariateDetector seasonal;
    private long[] times = new long[64];
    private double[] values = new double[64];
    private int head, size; // ring of the points not yet a season old plus the latest that is
    private long seen, lastFlag = Long.MIN_VALUE / 2, lastTime = Long.MIN_VALUE;
    private boolean flagged;
    private double likelihood;

    public SeasonalUnivariateDetector(Settings settings) {
        this.settings = settings;
        this.seasonMillis = settings.season().toMillis();
        this.plain = new StreamingUnivariateDetector(settings.base());
        this.seasonal = new StreamingUnivariateDetector(settings.base());
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
            return 0;
        }
        seen++;
        double a = plain.update(value);
        boolean f = plain.flagged();
        double b = 0;
        if (seasonMillis > 0) {
            // Drop points older than the newest one that is at least a season old; that one is the reference.
            while (size >= 2 && times[(head + 1) % times.length] <= epochMillis - seasonMillis) {
                head = (head + 1) % times.length;
                size--;
            }
            if (size >= 1 && times[head] <= epochMillis - seasonMillis) {
                b = seasonal.update(value - values[head]);
                f |= seasonal.flagged();
            }
            push(epochMillis, value);
        }
        likelihood = Math.max(a, b);
        if (f && seen - lastFlag > settings.base().suppressLength()) {
            flagged = true;
            lastFlag = seen;
        }
        return likelihood;
    }

    private void push(long t, double v) {
        if (size == times.length) {
            long[] nt = new long[size * 2];
            double[] nv = new double[size * 2];
            for (int i = 0; i < size; i++) {
                nt[i] = times[(head + i) % times.length];
                nv[i] = values[(head + i) % times.length];
            }
            times = nt;
            values = nv;
            head = 0;
        }
        int idx = (head + size) % times.length;
        times[idx] = t;
        values[idx] = v;
        size++;
    }

    /** Whether the last {@link #update} raised a detection. */
    public boolean flagged() {
        return flagged;
    }

    public double likelihood() {
        return likelihood;
    }
}
