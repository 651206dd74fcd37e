package io.lathe.predict.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

/** NAB standard-profile scoring, F1, RMSE and PHM08 on hand-made cases whose values are worked out in comments. */
class ScoringTest {
    private static final NabScorer.Profile STD = NabScorer.Profile.STANDARD;

    @Test
    void probationIsFifteenPercentCappedAt750() {
        assertThat(NabScorer.probationaryLength(1000)).isEqualTo(150);
        assertThat(NabScorer.probationaryLength(10_000)).isEqualTo(750);
    }

    @Test
    void detectionAtWindowStartIsPerfectAndNoneIsNull() {
        // 1000 rows, probation 150; windows [300, 399] and [600, 699].
        List<NabScorer.Window> w = List.of(new NabScorer.Window(300, 399), new NabScorer.Window(600, 699));
        int[] d = new int[1000];
        d[300] = 1;
        d[600] = 1;
        d[610] = 1; // a second detection in the same window neither adds nor costs
        NabScorer.Result perfect = NabScorer.score(d, w, STD);
        assertThat(perfect.raw()).isCloseTo(2.0, within(1e-9));
        assertThat(perfect.normalised()).isCloseTo(100.0, within(1e-9));
        assertThat(perfect.truePositives()).isEqualTo(2);
        assertThat(NabScorer.score(new int[1000], w, STD).normalised()).isCloseTo(0.0, within(1e-9));
        assertThat(NabScorer.score(new int[1000], w, STD).raw()).isCloseTo(-2.0, within(1e-9));
    }

    @Test
    void lateDetectionScoresBySigmoidOfPosition() {
        List<NabScorer.Window> w = List.of(new NabScorer.Window(300, 399));
        int[] d = new int[1000];
        d[349] = 1; // position -(399-349+1)/100 = -0.51: (2/(1+e^-2.55) - 1) / (2/(1+e^-5) - 1)
        double expected = (2 / (1 + Math.exp(-2.55)) - 1) / (2 / (1 + Math.exp(-5)) - 1);
        assertThat(NabScorer.score(d, w, STD).raw()).isCloseTo(expected, within(1e-12));
    }

    @Test
    void falsePositivesCostByDistanceFromThePrecedingWindow() {
        List<NabScorer.Window> w = List.of(new NabScorer.Window(300, 399));
        int[] before = new int[1000];
        before[200] = 1; // before any window: full -0.11, and the window is missed: -1
        assertThat(NabScorer.score(before, w, STD).raw()).isCloseTo(-1.11, within(1e-12));
        int[] after = new int[1000];
        after[300] = 1;
        after[449] = 1; // 50 rows after the window's end, width 100: -0.11 * (2/(1+e^(5*50/99)) - 1)
        double fp = 0.11 * (2 / (1 + Math.exp(5 * 50 / 99.0)) - 1);
        assertThat(NabScorer.score(after, w, STD).raw()).isCloseTo(1 + fp, within(1e-12));
        int[] far = new int[1000];
        far[300] = 1;
        far[999] = 1; // more than 3 widths after: full -0.11
        assertThat(NabScorer.score(far, w, STD).raw()).isCloseTo(1 - 0.11, within(1e-12));
    }

    @Test
    void detectionsInProbationAreIgnoredAndWindowsEndingThereAreNotScored() {
        // Probation is 150 rows: the window [100, 120] ends inside it and counts neither as hit nor as miss (NAB
        // leaves it out of the score parts); the window [140, 199] starts inside it, so a detection at 140 is ignored.
        List<NabScorer.Window> w = List.of(new NabScorer.Window(100, 120), new NabScorer.Window(140, 199), new NabScorer.Window(600, 699));
        int[] d = new int[1000];
        d[50] = 1;
        d[100] = 1;
        d[140] = 1;
        d[600] = 1;
        NabScorer.Result r = NabScorer.score(d, w, STD);
        assertThat(r.raw()).isCloseTo(1.0 - 1.0, within(1e-12));
        assertThat(r.falsePositives()).isZero();
        assertThat(r.missedWindows()).isEqualTo(1);
        assertThat(r.nullScore()).isCloseTo(-2.0, within(1e-12));
        // NAB's perfect score is A_TP per labelled window, all three, although the first is not scored for anyone
        // (nab/runner.py: tpCount counts every window of the label file). Normalised: 100 * (0 - -2) / (3 - -2) = 40.
        assertThat(r.perfectScore()).isCloseTo(3.0, within(1e-12));
        assertThat(r.normalised()).isCloseTo(40.0, within(1e-9));
    }

    @Test
    void windowStartingInProbationIsScoredByTheFirstDetectionAfterIt() {
        // Probation 150 rows; window [140, 199] (width 60) starts inside it. A detection at 150 is the first one that
        // counts: position -(199 - 150 + 1) / 60 = -5/6, score (2/(1+e^(-25/6)) - 1) / (2/(1+e^-5) - 1) = 0.9826.
        List<NabScorer.Window> w = List.of(new NabScorer.Window(140, 199));
        int[] d = new int[1000];
        d[149] = 1; // still in probation: ignored
        d[150] = 1;
        double expected = (2 / (1 + Math.exp(-25 / 6.0)) - 1) / (2 / (1 + Math.exp(-5)) - 1);
        NabScorer.Result r = NabScorer.score(d, w, STD);
        assertThat(expected).isCloseTo(0.9826, within(1e-4));
        assertThat(r.raw()).isCloseTo(expected, within(1e-12));
        assertThat(r.truePositives()).isEqualTo(1);
        assertThat(r.falsePositives()).isZero();
        assertThat(r.nullScore()).isCloseTo(-1.0, within(1e-12));
        assertThat(r.perfectScore()).isCloseTo(1.0, within(1e-12));
    }

    @Test
    void corpusIsSummedBeforeNormalising() {
        // Series a: one window hit at its start (raw 1, null -1, perfect 1: 100). Series b: two windows missed and two
        // false positives before any window (raw -2.22, null -2, perfect 2: -5.5). NAB sums the corpus first:
        // 100 * (-1.22 - -3) / (3 - -3) = 29.67, not the mean of the per-series figures (47.25).
        int[] hit = new int[1000];
        hit[300] = 1;
        int[] miss = new int[1000];
        miss[200] = 1;
        miss[250] = 1;
        NabScorer.Result a = NabScorer.score(hit, List.of(new NabScorer.Window(300, 399)), STD);
        NabScorer.Result b = NabScorer.score(miss, List.of(new NabScorer.Window(300, 399), new NabScorer.Window(600, 699)), STD);
        assertThat(a.normalised()).isCloseTo(100.0, within(1e-9));
        assertThat(b.normalised()).isCloseTo(-5.5, within(1e-9));
        assertThat(a.plus(b).normalised()).isCloseTo(100 * 1.78 / 6, within(1e-9));
    }

    @Test
    void f1CountsRowsAfterTheFittingPart() {
        int[] labels = {1, 1, 0, 0, 1, 1, 1, 0};
        int[] pred = {0, 0, 1, 0, 1, 1, 0, 0};
        Metrics.Counts c = Metrics.counts(pred, labels, 2); // rows 2..7: tp 2, fp 1, fn 1, tn 2
        assertThat(c).isEqualTo(new Metrics.Counts(2, 1, 1, 2));
        assertThat(c.f1()).isCloseTo(4.0 / 6.0, within(1e-12));
        assertThat(Metrics.counts(new int[8], labels, 0).f1()).isZero();
    }

    @Test
    void rmseAndPhm08PenaliseLateMoreThanEarly() {
        assertThat(Metrics.rmse(new double[]{10, 20}, new double[]{13, 16})).isCloseTo(Math.sqrt((9 + 16) / 2.0), within(1e-12));
        // early by 13: e^1 - 1; late by 10: e^1 - 1
        assertThat(Metrics.phm08(new double[]{0, 20}, new double[]{13, 10})).isCloseTo(2 * (Math.E - 1), within(1e-12));
        assertThat(Metrics.phm08(new double[]{15}, new double[]{10})).isGreaterThan(Metrics.phm08(new double[]{5}, new double[]{10}));
    }
}
