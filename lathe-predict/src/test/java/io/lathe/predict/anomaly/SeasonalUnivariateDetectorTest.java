package io.lathe.predict.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.predict.bench.NabBench;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The NAB detector's event handling on a seeded synthetic series (the seed is printed). */
class SeasonalUnivariateDetectorTest {
    private static final long SEED = 20261204L;

    @Test
    void anEventIsFlaggedOnceAndNotAgainOneSeasonLater() {
        System.out.println("SeasonalUnivariateDetectorTest seed " + SEED);
        // Six weeks at 5 minutes with a daily cycle; a drop of 60 for 100 points at row 6000. One week (2,016 points)
        // later the weekly difference is +60 against the drop: without the alarming-reference rule that was a flag.
        SplittableRandom r = new SplittableRandom(SEED);
        int n = 12_096, event = 6_000, week = 2_016;
        long[] t = new long[n];
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = 1_400_000_000_000L + i * 300_000L;
            v[i] = 10 * Math.sin(2 * Math.PI * i / 288.0) + r.nextGaussian() - (i >= event && i < event + 100 ? 60 : 0);
        }
        NabBench.Output o = NabBench.detect(t, v, SeasonalUnivariateDetector.Settings.DEFAULT);
        List<Integer> flags = new ArrayList<>();
        for (int i = 0; i < n; i++) if (o.anomaly()[i] == 1) flags.add(i);
        assertThat(flags).as("flags " + flags).anyMatch(i -> i >= event && i < event + 10);
        assertThat(flags).as("flags " + flags).noneMatch(i -> i > event + 10 && i < event + 400);
        assertThat(flags).as("flags " + flags).noneMatch(i -> i >= event + week - 50 && i < event + week + 150);
        // The score column is 0 while the detection's suppression lasts, so a threshold sweep sees one alert too.
        int first = flags.stream().filter(i -> i >= event).findFirst().orElseThrow();
        for (int i = first + 1; i <= first + SeasonalUnivariateDetector.Settings.DEFAULT.suppressLength(); i++) assertThat(o.scores()[i]).isZero();
        assertThat(o.likelihoods()[first + 1]).isGreaterThan(0.9);
    }
}
