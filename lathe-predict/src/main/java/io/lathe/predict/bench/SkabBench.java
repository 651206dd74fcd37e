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
     * Runs the detector over one file. Fits on its first {@link #TRAIN_ROWS} rows (fewer if the file is shorter)
     * followed by {@code normal}'s rows when given; labels are never read.
     *
     * @param normal rows of an anomaly-free run with the same signals, or null
     */
    public static Output detect(SkabFile file, double[][] normal, MahalanobisDetector.Settings settings) {
        int n = Math.min(TRAIN_ROWS, file.size());
        double[][] train = Arrays.copyOf(file.signals(), n);
        if (normal != null) {
            double[][] both = Arrays.copyOf(train, n + normal.length);
            System.arraycopy(normal, 0, both, n, normal.length);
            train = both;
        }
        if (train.length < 2) throw new IllegalArgumentException("a SKAB file needs at least 2 rows to fit on, but has " + file.size());
        MahalanobisDetector d = MahalanobisDetector.fit(train, settings);
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
