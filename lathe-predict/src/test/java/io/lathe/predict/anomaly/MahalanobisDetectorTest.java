package io.lathe.predict.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The multivariate detector judges correlated signals together and names the signal that broke the pattern. */
class MahalanobisDetectorTest {
    @Test
    void brokenCorrelationScoresHighAndTopContributorIsNamed() {
        SplittableRandom r = new SplittableRandom(7);
        double[][] normal = new double[500][3];
        for (double[] row : normal) {
            double load = r.nextGaussian();
            row[0] = load;                            // current
            row[1] = 2 * load + 0.05 * r.nextGaussian(); // pressure follows the current
            row[2] = r.nextGaussian();                // unrelated
        }
        MahalanobisDetector d = MahalanobisDetector.fit(normal, new MahalanobisDetector.Settings(1, 1, 0.001, 1.5));
        MahalanobisDetector.Scorer s = d.newScorer();
        // Each value within its normal range, but pressure no longer follows current.
        double score = s.score(new double[]{1.0, -2.0, 0.0});
        assertThat(score).isGreaterThan(d.threshold());
        double[] c = s.contributions();
        assertThat(c[0] + c[1] + c[2]).isCloseTo(score, org.assertj.core.api.Assertions.within(1e-6));
        assertThat(Math.max(c[0], c[1])).as("current or pressure is the top contributor").isGreaterThan(10 * Math.abs(c[2]));
        MahalanobisDetector.Scorer fresh = d.newScorer();
        assertThat(fresh.score(new double[]{1.0, 2.0, 0.0})).isLessThan(d.threshold());
    }

    @Test
    void missingValueKeepsTheSignalsLastState() {
        double[][] normal = {{0, 0}, {1, 1}, {2, 2.1}, {3, 2.9}, {1, 1.2}};
        MahalanobisDetector d = MahalanobisDetector.fit(normal, MahalanobisDetector.Settings.DEFAULT);
        MahalanobisDetector.Scorer s = d.newScorer();
        double first = s.score(new double[]{1, 1});
        assertThat(s.score(new double[]{Double.NaN, 1})).isEqualTo(first);
    }

    @Test
    void tooFewOrRaggedRowsAreRefused() {
        assertThatThrownBy(() -> MahalanobisDetector.fit(new double[][]{{1}}, MahalanobisDetector.Settings.DEFAULT)).hasMessageContaining("at least 2");
        assertThatThrownBy(() -> MahalanobisDetector.fit(new double[][]{{1, 2}, {1}}, MahalanobisDetector.Settings.DEFAULT)).hasMessageContaining("must have 2 signals");
    }
}
