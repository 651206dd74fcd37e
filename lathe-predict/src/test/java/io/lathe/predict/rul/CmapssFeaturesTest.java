package io.lathe.predict.rul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.lathe.predict.bench.CmapssFile;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * FD002/FD004-style data (six flight regimes that shift every sensor) is grouped into six conditions and normalised
 * per condition, so the regime jumps vanish from the features and the wear trend remains; constant sensors are dropped.
 */
class CmapssFeaturesTest {
    private static final double[][] REGIMES = {{0, 0, 100}, {10, 0.25, 100}, {20, 0.7, 100}, {25, 0.62, 60}, {35, 0.84, 100}, {42, 0.84, 100}};

    @Test
    void sixRegimesBecomeSixConditionsAndTheirJumpsVanish() {
        SplittableRandom r = new SplittableRandom(5);
        List<CmapssFile.Unit> units = new ArrayList<>();
        for (int u = 1; u <= 20; u++) units.add(unit(r, u, 150 + u));
        CmapssFeatures f = CmapssFeatures.fit(units);
        assertThat(f.conditions()).isEqualTo(6);
        assertThat(f.keptSensors()).containsExactly(2, 3); // sensor 1 is constant within each regime, the rest constant
        // The EWMA feature of sensor 2 (index 3 of its four) rises with wear, not with the regime changes.
        double[][] x = f.transform(units.get(0));
        assertThat(x[x.length - 1][3]).isGreaterThan(x[40][3] + 1.0);
        double jumps = 0;
        for (int i = 41; i < 60; i++) jumps = Math.max(jumps, Math.abs(x[i][3] - x[i - 1][3]));
        assertThat(jumps).as("largest cycle-to-cycle step of the smoothed, normalised sensor").isLessThan(0.5);
        assertThat(x[10][4 * f.keptSensors().length]).isCloseTo(11.0, within(1e-12)); // the cycle number follows the four per sensor
    }

    @Test
    void healthIndexFallsTowardFailure() {
        SplittableRandom r = new SplittableRandom(9);
        List<CmapssFile.Unit> units = new ArrayList<>();
        for (int u = 1; u <= 20; u++) units.add(unit(r, u, 150 + u));
        CmapssFeatures f = CmapssFeatures.fit(units, 130);
        CmapssFile.Unit fresh = unit(r, 99, 200);
        double[] h = f.healthIndex(fresh);
        double early = 0, late = 0;
        for (int i = 20; i < 60; i++) early += h[i] / 40;
        for (int i = 190; i < 200; i++) late += h[i] / 10;
        // Sensor 2's wear term grows only near the end (exp((i - life) / 40)), so the index sits near the cap early on
        // and drops by tens of cycles in the last ten.
        assertThat(early).isGreaterThan(100);
        assertThat(late).isLessThan(early - 40);
        double[][] x = f.transform(fresh);
        int d = f.keptSensors().length;
        assertThat(x[0]).hasSize(f.width());
        assertThat(x[199][4 * d + 1]).as("mean of the index over the last 10 cycles").isCloseTo(late, within(1e-9));
        assertThat(x[199][4 * d + 3]).as("slope of the index over the last 40 cycles").isNegative();
    }

    /** Regime drawn per cycle; sensor 1 = regime level only, sensor 2 = regime level + wear + noise, sensor 3 = noise. */
    private static CmapssFile.Unit unit(SplittableRandom r, int id, int life) {
        int[] c = new int[life];
        double[][] s = new double[life][], x = new double[life][21];
        for (int i = 0; i < life; i++) {
            c[i] = i + 1;
            double[] regime = REGIMES[r.nextInt(REGIMES.length)];
            s[i] = new double[]{regime[0] + r.nextGaussian() * 0.002, regime[1] + r.nextGaussian() * 0.0003, regime[2]};
            x[i][0] = 500 + regime[0] * 3;
            x[i][1] = 600 + regime[0] * 5 + 2 * Math.exp((i - life) / 40.0) + 0.05 * r.nextGaussian();
            x[i][2] = 1500 + r.nextGaussian();
            for (int j = 3; j < 21; j++) x[i][j] = 10 * j;
        }
        return new CmapssFile.Unit(id, c, s, x);
    }
}
