package io.lathe.predict.bench;

import java.util.List;

/**
 * NAB's scoring of one series' detections (re-implemented from the NAB paper and its scorer's documented rules,
 * standard profile by default): a detection inside a labelled window scores by a scaled sigmoid of its position (1 at
 * the window's start, near 0 at its end), only the earliest detection of a window counts; a detection outside windows
 * costs {@code A_FP} times a sigmoid of its distance after the preceding window (a full {@code A_FP} before any
 * window); an undetected window costs {@code A_FN}. Rows in the probationary period (the first 15 %, at most 750) are
 * ignored, and windows that end in it are not scored. The normalised score is
 * {@code 100 * (raw - null) / (perfect - null)}, the null detector detecting nothing and the perfect score being
 * {@code A_TP} per labelled window, as NAB's {@code nab/runner.py} normalises. Checked against the rules of NAB's
 * {@code nab/sweeper.py} (scaled sigmoid, window entry and exit, probation, the earliest detection per window, a
 * false positive before any window costing the full {@code A_FP}); NAB additionally sweeps one threshold over the
 * scores of a whole corpus, here the detector's own 0/1 decision is scored (its threshold is chosen the same way,
 * on the corpus, in {@code Validate}).
 */
public final class NabScorer {

    /** Costs of a NAB application profile. */
    public record Profile(double tpWeight, double fpWeight, double fnWeight) {
        public static final Profile STANDARD = new Profile(1.0, 0.11, 1.0);
        public static final Profile REWARD_LOW_FP = new Profile(1.0, 0.22, 1.0);
        public static final Profile REWARD_LOW_FN = new Profile(1.0, 0.11, 2.0);
    }

    /** A labelled anomaly window, as row indices (inclusive) of the series. */
    public record Window(int first, int last) {
        public Window {
            if (first < 0 || last < first) throw new IllegalArgumentException("window must have 0 <= first <= last, but was [" + first + ", " + last + "]");
        }

        int width() {
            return last - first + 1;
        }
    }

    /** Raw score and its parts; {@link #normalised()} is the figure NAB reports (per series here). */
    public record Result(double raw, double nullScore, double perfectScore, int truePositives, int falsePositives, int missedWindows) {
        public double normalised() {
            return 100.0 * (raw - nullScore) / (perfectScore - nullScore);
        }

        /** Sums results of several series, as NAB does before normalising a corpus. */
        public Result plus(Result o) {
            return new Result(raw + o.raw, nullScore + o.nullScore, perfectScore + o.perfectScore,
                    truePositives + o.truePositives, falsePositives + o.falsePositives, missedWindows + o.missedWindows);
        }
    }

    private NabScorer() {
    }

    /** NAB's probationary length for a series of {@code rows} rows: {@code min(floor(0.15 rows), 0.15 * 5000)}. */
    public static int probationaryLength(int rows) {
        return (int) Math.min(Math.floor(0.15 * rows), 0.15 * 5000);
    }

    /** NAB's scaled sigmoid: {@code 2 / (1 + e^(5y)) - 1}, and -1 from {@code y >= 3}. */
    public static double scaledSigmoid(double y) {
        if (y >= 3.0) return -1.0;
        return 2.0 / (1.0 + Math.exp(5.0 * y)) - 1.0;
    }

    /**
     * Scores binary detections of one series.
     *
     * @param detections 0/1 per row
     * @param windows    non-overlapping windows in increasing order
     */
    public static Result score(int[] detections, List<Window> windows, Profile profile) {
        int n = detections.length;
        int probation = probationaryLength(n);
        double maxTp = scaledSigmoid(-1.0);
        double raw = 0;
        int tp = 0, fp = 0;
        int w = 0; // next window not yet left behind
        Window prev = null;
        boolean[] detected = new boolean[windows.size()];
        for (int i = 0; i < n; i++) {
            while (w < windows.size() && windows.get(w).last < i) {
                prev = windows.get(w);
                w++;
            }
            Window cur = w < windows.size() && windows.get(w).first <= i ? windows.get(w) : null;
            if (detections[i] == 0 || i < probation) continue;
            if (cur != null) {
                if (!detected[w]) {
                    detected[w] = true;
                    double position = -(cur.last - i + 1) / (double) cur.width();
                    raw += scaledSigmoid(position) * profile.tpWeight() / maxTp;
                    tp++;
                }
            } else {
                double unweighted = prev == null ? -1.0 : scaledSigmoid(Math.abs(prev.last - i) / (double) (prev.width() - 1));
                raw += unweighted * profile.fpWeight();
                fp++;
            }
        }
        // As in NAB's sweeper, a window that ends inside the probationary period is not scored at all (neither the
        // detector's nor the null detector's score has it). NAB's normalisation takes the perfect score as A_TP times
        // the number of labelled windows, every window of the label file, probation or not (nab/runner.py).
        int missed = 0, scorable = 0;
        for (int k = 0; k < windows.size(); k++) {
            if (windows.get(k).last < probation) continue;
            scorable++;
            if (!detected[k]) missed++;
        }
        raw -= missed * profile.fnWeight();
        double nullScore = -scorable * profile.fnWeight();
        double perfect = windows.size() * profile.tpWeight();
        return new Result(raw, nullScore, perfect, tp, fp, missed);
    }
}
