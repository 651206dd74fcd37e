package io.lathe.predict.bench;

/** Benchmark figures: point-wise F1 (SKAB), RMSE and the PHM08 score (C-MAPSS). */
public final class Metrics {
    private Metrics() {
    }

    /** Confusion counts of a binary detector; {@link #f1()} is 0 when there is no true positive. */
    public record Counts(long tp, long fp, long fn, long tn) {
        public Counts plus(Counts o) {
            return new Counts(tp + o.tp, fp + o.fp, fn + o.fn, tn + o.tn);
        }

        public double f1() {
            return tp == 0 ? 0 : 2.0 * tp / (2.0 * tp + fp + fn);
        }

        public double precision() {
            return tp == 0 ? 0 : (double) tp / (tp + fp);
        }

        public double recall() {
            return tp == 0 ? 0 : (double) tp / (tp + fn);
        }
    }

    /** Counts over rows {@code from..end} of predictions against labels (both 0/1, same length). */
    public static Counts counts(int[] predicted, int[] labels, int from) {
        if (predicted.length != labels.length) throw new IllegalArgumentException("predicted and labels must have the same length, but were " + predicted.length + " and " + labels.length);
        long tp = 0, fp = 0, fn = 0, tn = 0;
        for (int i = Math.max(0, from); i < labels.length; i++) {
            boolean p = predicted[i] != 0, y = labels[i] != 0;
            if (p && y) tp++;
            else if (p) fp++;
            else if (y) fn++;
            else tn++;
        }
        return new Counts(tp, fp, fn, tn);
    }

    /** Root mean squared error of predicted against true values. */
    public static double rmse(double[] predicted, double[] truth) {
        check(predicted, truth);
        double s = 0;
        for (int i = 0; i < truth.length; i++) s += (predicted[i] - truth[i]) * (predicted[i] - truth[i]);
        return Math.sqrt(s / truth.length);
    }

    /**
     * PHM08 challenge score: sum over units of {@code exp(-d/13) - 1} for early predictions (d = predicted - true &lt; 0)
     * and {@code exp(d/10) - 1} for late ones; lower is better and late predictions cost more.
     */
    public static double phm08(double[] predicted, double[] truth) {
        check(predicted, truth);
        double s = 0;
        for (int i = 0; i < truth.length; i++) {
            double d = predicted[i] - truth[i];
            s += d < 0 ? Math.exp(-d / 13.0) - 1 : Math.exp(d / 10.0) - 1;
        }
        return s;
    }

    private static void check(double[] p, double[] t) {
        if (p.length != t.length || t.length == 0) throw new IllegalArgumentException("predicted and truth must have the same non-zero length, but were " + p.length + " and " + t.length);
    }
}
