package io.lathe.predict.rul;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The boosted trees learn a non-linear function with an interaction far better than the mean does. */
class GradientBoostedTreesTest {
    @Test
    void fitsNonLinearFunctionWithInteraction() {
        SplittableRandom r = new SplittableRandom(11);
        int n = 3000;
        double[][] x = new double[n][3];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = new double[]{r.nextDouble() * 4 - 2, r.nextDouble() * 4 - 2, r.nextDouble()};
            y[i] = target(x[i]) + 0.1 * r.nextGaussian();
        }
        GradientBoostedTrees m = GradientBoostedTrees.fit(x, y, new GradientBoostedTrees.Settings(200, 0.1, 4, 10, 1.0, 0.8, 64, 3));
        double se = 0, var = 0;
        for (int i = 0; i < 500; i++) {
            double[] t = {r.nextDouble() * 4 - 2, r.nextDouble() * 4 - 2, r.nextDouble()};
            double truth = target(t);
            se += Math.pow(m.predict(t) - truth, 2);
            var += truth * truth;
        }
        assertThat(se / var).as("error relative to the signal").isLessThan(0.05);
    }

    @Test
    void sameSeedSameModel() {
        double[][] x = {{1}, {2}, {3}, {4}, {5}, {6}, {7}, {8}};
        double[] y = {1, 1, 1, 1, 5, 5, 5, 5};
        var s = new GradientBoostedTrees.Settings(20, 0.3, 2, 1, 0, 0.5, 8, 9);
        assertThat(GradientBoostedTrees.fit(x, y, s).predict(new double[]{7})).isEqualTo(GradientBoostedTrees.fit(x, y, s).predict(new double[]{7}));
        assertThat(GradientBoostedTrees.fit(x, y, new GradientBoostedTrees.Settings(100, 0.3, 1, 1, 0, 1, 8, 1)).predict(new double[]{7})).isCloseTo(5, org.assertj.core.api.Assertions.within(0.01));
    }

    private static double target(double[] x) {
        return Math.sin(x[0]) * 2 + (x[1] > 0 ? x[0] * x[1] : 0);
    }
}
