package io.lathe.predict.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.predict.bench.CmapssFile;
import io.lathe.predict.rul.CmapssFeatures;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The no-look-ahead rule: a score (or feature row) at t is the same whether later rows are absent, appended
 * or different. Seeded random data; the seed is printed.
 */
class NoLookAheadTest {
    private static final long SEED = 20261204L;

    @Test
    void mahalanobisScoreAtTIgnoresLaterRows() {
        System.out.println("NoLookAheadTest seed " + SEED);
        SplittableRandom r = new SplittableRandom(SEED);
        double[][] normal = gaussian(r, 400, 4);
        MahalanobisDetector d = MahalanobisDetector.fit(normal, MahalanobisDetector.Settings.DEFAULT);
        double[][] a = gaussian(r, 300, 4);
        double[][] b = Arrays.copyOf(a, 600);
        for (int i = 150; i < 600; i++) b[i] = new double[]{r.nextDouble() * 100, -50, 3, 7}; // later rows changed and appended
        double[] sa = scores(d, a), sb = scores(d, b);
        assertThat(Arrays.copyOf(sb, 150)).containsExactly(Arrays.copyOf(sa, 150));
        assertThat(sb[200]).isGreaterThan(d.threshold()); // the changed rows do score high, so the comparison means something
    }

    @Test
    void streamingDetectorAtTIgnoresLaterValues() {
        SplittableRandom r = new SplittableRandom(SEED);
        double[] a = new double[3000];
        for (int i = 0; i < a.length; i++) a[i] = Math.sin(i / 50.0) + 0.1 * r.nextGaussian();
        double[] b = a.clone();
        for (int i = 2000; i < b.length; i++) b[i] += 20;
        StreamingUnivariateDetector da = new StreamingUnivariateDetector(StreamingUnivariateDetector.Settings.DEFAULT);
        StreamingUnivariateDetector db = new StreamingUnivariateDetector(StreamingUnivariateDetector.Settings.DEFAULT);
        boolean flaggedAfterShift = false;
        for (int i = 0; i < a.length; i++) {
            double la = da.update(a[i]), lb = db.update(b[i]);
            if (i < 2000) {
                assertThat(lb).isEqualTo(la);
                assertThat(db.flagged()).isEqualTo(da.flagged());
            } else {
                flaggedAfterShift |= db.flagged();
            }
        }
        assertThat(flaggedAfterShift).as("a level shift of 200 noise sigmas is flagged").isTrue();
    }

    @Test
    void seasonalDetectorAtTIgnoresLaterPoints() {
        SplittableRandom r = new SplittableRandom(SEED);
        int n = 6000;
        long[] t = new long[n];
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = 1_400_000_000_000L + i * 300_000L; // 5 minutes: a week is 2,016 points
            a[i] = 10 * Math.sin(2 * Math.PI * i / 2016.0 * 7) + r.nextGaussian();
        }
        double[] b = a.clone();
        for (int i = 4000; i < n; i++) b[i] = a[i] + 15 * Math.sin(2 * Math.PI * i / 288.0 + 1); // day pattern shifted
        SeasonalUnivariateDetector da = new SeasonalUnivariateDetector(SeasonalUnivariateDetector.Settings.DEFAULT);
        SeasonalUnivariateDetector db = new SeasonalUnivariateDetector(SeasonalUnivariateDetector.Settings.DEFAULT);
        boolean flaggedAfterChange = false;
        for (int i = 0; i < n; i++) {
            double la = da.update(t[i], a[i]), lb = db.update(t[i], b[i]);
            if (i < 4000) {
                assertThat(lb).isEqualTo(la);
                assertThat(db.score()).isEqualTo(da.score());
                assertThat(db.flagged()).isEqualTo(da.flagged());
            } else {
                flaggedAfterChange |= db.flagged();
            }
        }
        assertThat(flaggedAfterChange).as("the changed daily pattern is flagged").isTrue();
    }

    @Test
    void rulFeaturesAtCycleTIgnoreLaterCycles() {
        SplittableRandom r = new SplittableRandom(SEED);
        CmapssFile.Unit full = unit(r, 200, 0);
        CmapssFile.Unit cut = new CmapssFile.Unit(1, Arrays.copyOf(full.cycles(), 120), Arrays.copyOf(full.settings(), 120), Arrays.copyOf(full.sensors(), 120));
        CmapssFeatures f = CmapssFeatures.fit(List.of(full, unit(r, 150, 1)));
        double[][] a = f.transform(full), b = f.transform(cut);
        for (int i = 0; i < 120; i++) assertThat(b[i]).containsExactly(a[i]);
    }

    static CmapssFile.Unit unit(SplittableRandom r, int n, int id) {
        int[] c = new int[n];
        double[][] s = new double[n][3], x = new double[n][21];
        for (int i = 0; i < n; i++) {
            c[i] = i + 1;
            s[i] = new double[]{r.nextGaussian() * 0.001, 0, 100};
            for (int j = 0; j < 21; j++) x[i][j] = (j % 3 == 0 ? 5 : j + 0.01 * i) + r.nextGaussian() * (j % 3 == 0 ? 0 : 0.1);
        }
        return new CmapssFile.Unit(id, c, s, x);
    }

    private static double[] scores(MahalanobisDetector d, double[][] rows) {
        MahalanobisDetector.Scorer s = d.newScorer();
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) out[i] = s.score(rows[i]);
        return out;
    }

    private static double[][] gaussian(SplittableRandom r, int n, int d) {
        double[][] x = new double[n][d];
        for (int i = 0; i < n; i++) {
            double common = r.nextGaussian();
            for (int j = 0; j < d; j++) x[i][j] = common + 0.3 * r.nextGaussian() + j;
        }
        return x;
    }
}
