package io.lathe.predict.bench;

import io.lathe.predict.anomaly.MahalanobisDetector;
import java.util.Arrays;

/** The SKAB protocol: fit on the first {@value #TRAIN_ROWS} rows (plus an optional normal run), score every row. */
public final class SkabBench {
    /** Rows of each file the detector may fit on (the SKAB leaderboard's protocol). */
    public static final int TRAIN_ROWS = 400;

    /** Scores and 0/1 decisions, one per row of the file. */
    public record Output(double[] scores, int[] anomaly, double threshold) {
    }

    private SkabBench() {
    }

    /**
     * Runs the detector over one file. Fits on its first {@link #TRAIN_ROWS} rows (fewer if the file is shorter),
     * with {@code normal}'s correlation structure blended in when given; labels are never read.
     *
     * @param normal rows of an anomaly-free run with the same signals, or null
     */
    public static Output detect(SkabFile file, double[][] normal, MahalanobisDetector.Settings settings) {
        return detect(file, normal, NORMAL_WEIGHT, settings);
    }

    /**
     * Default share of the {@code --normal} run in the covariance: 0. The anomaly-free run sits at other levels than
     * the labelled runs (another session): pooling its rows with a file's 400 cut leave-one-file-out F1 from 0.83 to
     * 0.22, and blending only its correlation structure (weights 0.2, 0.5, 0.8) to 0.76-0.79 (docs/MODELS.md). The
     * run is still read and checked, and {@code lathe detect --normal-weight} opts in.
     */
    public static final double NORMAL_WEIGHT = 0;

    public static Output detect(SkabFile file, double[][] normal, double normalWeight, MahalanobisDetector.Settings settings) {
        int n = Math.min(TRAIN_ROWS, file.size());
        double[][] train = Arrays.copyOf(file.signals(), n);
        if (train.length < 2) throw new IllegalArgumentException("a SKAB file needs at least 2 rows to fit on, but has " + file.size());
        MahalanobisDetector d = MahalanobisDetector.fit(train, normal, normalWeight, settings);
        MahalanobisDetector.Scorer s = d.newScorer();
        double[] scores = new double[file.size()];
        int[] flags = new int[file.size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = s.score(file.signals()[i]);
            flags[i] = scores[i] > d.threshold() ? 1 : 0;
        }
        return new Output(scores, flags, d.threshold());
    }
}
