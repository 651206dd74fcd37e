package io.lathe.predict.bench;

import io.lathe.predict.anomaly.StreamingUnivariateDetector.RunningWindow;

import io.lathe.predict.anomaly.SeasonalUnivariateDetector;
import io.lathe.predict.anomaly.StreamingUnivariateDetector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Nested leave-one-series-out validation of the NAB detector's design ({@code Validate nab-nested DATA_DIR}): each
 * fold chooses the design among a family fixed here in code, and the threshold, on five series and scores the sixth,
 * so that the held-out figure does not rest on a design picked by looking at all six (docs/MODELS.md, NAB caveats).
 *
 * <p>Every member detector runs once per series; a design is a way of combining the members' likelihoods (and the
 * weekly echo rule), so the designs and thresholds are replayed without running the detectors again. The family's
 * "median" design is the default detector: its likelihoods are checked to equal {@link NabBench#detect}'s. Besides the
 * family it prints the ideas measured against it (ensembles across designs, other combinations of the value and the
 * weekly ensemble, warm-ups, other member grids), each threshold-only and, where an idea brings a choice, fully nested;
 * and a last figure where each fold chooses among every design measured, since each was looked at on all six.
 * {@code -Dnab.smooth=N} judges a threshold by its mean score over N steps either side (a selection rule, measured
 * too). The figures are in docs/MODELS.md.
 */
public final class NabNested {
    static final List<Integer> H = List.of(200, 400, 800), K = List.of(3, 6, 12), L = List.of(500, 1000, 3000);
    static final int MEMBERS = H.size() * K.size() * L.size();
    static final int SUPPRESS = SeasonalUnivariateDetector.Settings.DEFAULT.suppressLength();
    static final double ALARMING = 1 - 1e-3;
    /** Digits 1 to 6 in steps of 0.125, as {@code Validate nab}. */
    static final int THRESHOLDS = 41;
    /**
     * Selection rule: a (design, threshold) is judged by its mean score over the thresholds within {@code smooth}
     * steps (0: its own score, as {@code Validate nab}), so that a fold does not pick a lone spike of six series.
     */
    static int smooth = Integer.getInteger("nab.smooth", 0);

    /**
     * One series with every member's likelihood per row.
     *
     * @param ref       per row the latest earlier row at least a week older (the weekly reference), or -1
     * @param plainNew  [member][row] likelihoods of the members on the values (the detector's likelihood)
     * @param weeklyNew the same on the weekly difference (0 where there is no reference)
     * @param plainOld  members with the old likelihood (short mean of raw scores against single raw scores)
     * @param weeklyOld the same on the weekly difference
     */
    record Series(String name, int rows, List<NabScorer.Window> labels, int[] ref, double[][] plainNew, double[][] weeklyNew,
                  double[][] plainOld, double[][] weeklyOld, double[] values, Map<List<Integer>, double[][]> cache) {
        /** Plain and weekly likelihoods of the member (h, k, l) with the detector's likelihood, run once and kept. */
        double[][] member(int h, int k, int l) {
            return cache.computeIfAbsent(List.of(h, k, l), key -> {
                var sn = new StreamingUnivariateDetector(new StreamingUnivariateDetector.Settings(h, k, l, 3, SUPPRESS));
                var sw = new StreamingUnivariateDetector(new StreamingUnivariateDetector.Settings(h, k, l, 3, SUPPRESS));
                double[][] out = new double[2][rows];
                for (int i = 0; i < rows; i++) {
                    out[0][i] = sn.update(values[i]);
                    if (ref[i] >= 0) out[1][i] = sw.update(values[i] - values[ref[i]]);
                }
                return out;
            });
        }

        /** [0]: plain members, [1]: weekly members of a grid. */
        double[][][] grid(List<Integer> hs, List<Integer> ks, List<Integer> ls) {
            int n = hs.size() * ks.size() * ls.size(), m = 0;
            double[][][] out = new double[2][n][];
            for (int h : hs) for (int k : ks) for (int l : ls) {
                double[][] x = member(h, k, l);
                out[0][m] = x[0];
                out[1][m++] = x[1];
            }
            return out;
        }
    }

    /** Median design over a member grid. */
    static Design gridMedian(String name, List<Integer> hs, List<Integer> ks, List<Integer> ls) {
        return new Design(name, s -> {
            double[][][] g = s.grid(hs, ks, ls);
            return combine(quantile(g[0], 0.5), quantile(g[1], 0.5), s.ref());
        });
    }

    /** A design: per row likelihood from the members' likelihoods; flags are where it exceeds 1 - 10^-digits. */
    record Design(String name, Function<Series, double[]> likelihoods) {
    }

    private NabNested() {
    }

    static int member(int h, int k, int l) {
        return (H.indexOf(h) * K.size() + K.indexOf(k)) * L.size() + L.indexOf(l);
    }

    static List<Series> load(Path data) throws IOException {
        Path dir = data.resolve("nab");
        NabWindows windows = NabWindows.read(dir.resolve("windows.json"));
        List<Path> paths;
        try (Stream<Path> s = Files.list(dir)) {
            paths = s.filter(p -> p.toString().endsWith(".csv")).sorted().toList();
        }
        List<Series> out = new ArrayList<>();
        long week = SeasonalUnivariateDetector.Settings.DEFAULT.season().toMillis();
        for (Path p : paths) {
            NabFile f = NabFile.read(p);
            long[] t = f.epochMillis();
            double[] v = f.values();
            int n = v.length;
            int[] ref = new int[n];
            int j = -1;
            for (int i = 0; i < n; i++) {
                while (j + 1 < i && t[j + 1] <= t[i] - week) j++;
                ref[i] = j >= 0 && t[j] <= t[i] - week ? j : -1;
            }
            double[][] pn = new double[MEMBERS][n], wn = new double[MEMBERS][n], po = new double[MEMBERS][n], wo = new double[MEMBERS][n];
            var cache = new java.util.concurrent.ConcurrentHashMap<List<Integer>, double[][]>();
            int m = 0;
            for (int h : H) for (int k : K) for (int l : L) {
                cache.put(List.of(h, k, l), new double[][]{pn[m], wn[m]});
                var sn = new StreamingUnivariateDetector(new StreamingUnivariateDetector.Settings(h, k, l, 3, SUPPRESS));
                var sw = new StreamingUnivariateDetector(new StreamingUnivariateDetector.Settings(h, k, l, 3, SUPPRESS));
                OldMember on = new OldMember(h, k, l), ow = new OldMember(h, k, l);
                for (int i = 0; i < n; i++) {
                    pn[m][i] = sn.update(v[i]);
                    po[m][i] = on.update(v[i]);
                    if (ref[i] >= 0) {
                        wn[m][i] = sw.update(v[i] - v[ref[i]]);
                        wo[m][i] = ow.update(v[i] - v[ref[i]]);
                    }
                }
                m++;
            }
            out.add(new Series(p.getFileName().toString(), n, NabWindows.toRows(windows.forFile(p.getFileName().toString()), t), ref, pn, wn, po, wo, v, cache));
        }
        return out;
    }

    /** Per row, the q-quantile of the members' likelihoods (the upper middle one for a median of an even count). */
    static double[] quantile(double[][] members, double q) {
        int n = members[0].length;
        double[] out = new double[n], s = new double[members.length];
        int idx = (int) Math.round(q * (members.length - 1));
        for (int i = 0; i < n; i++) {
            for (int m = 0; m < members.length; m++) s[m] = members[m][i];
            Arrays.sort(s);
            out[i] = s[idx];
        }
        return out;
    }

    static double[] mean(double[][] members) {
        int n = members[0].length;
        double[] out = new double[n];
        for (double[] m : members) for (int i = 0; i < n; i++) out[i] += m[i] / members.length;
        return out;
    }

    /** Digits of a likelihood's tail, -log10(1 - p), capped at 15 (where 1 - p underflows). */
    static double digits(double p) {
        return Math.min(15, -Math.log10(Math.max(1 - p, 1e-15)));
    }

    static double fromDigits(double d) {
        return 1 - Math.pow(10, -d);
    }

    /** Mean of the members' tail digits, as a likelihood. */
    static double[] meanLogTail(double[][] members) {
        int n = members[0].length;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double d = 0;
            for (double[] m : members) d += digits(m[i]);
            out[i] = fromDigits(d / members.length);
        }
        return out;
    }

    static double[][] one(double[][] members, int m) {
        return new double[][]{members[m]};
    }

    /**
     * The detector's combination: the larger of the plain and the weekly likelihood, the weekly one counted as 0 where
     * the reference row's combined likelihood was above {@link #ALARMING}.
     */
    static double[] combine(double[] plain, double[] weekly, int[] ref) {
        double[] out = new double[plain.length];
        for (int i = 0; i < plain.length; i++) {
            double b = ref[i] >= 0 && !(out[ref[i]] > ALARMING) ? weekly[i] : 0;
            out[i] = Math.max(plain[i], b);
        }
        return out;
    }

    /** Design from one aggregation applied to the plain and to the weekly members (new or old likelihood). */
    static Design design(String name, boolean old, Function<double[][], double[]> agg) {
        return new Design(name, s -> combine(agg.apply(old ? s.plainOld() : s.plainNew()), agg.apply(old ? s.weeklyOld() : s.weeklyNew()), s.ref()));
    }

    /**
     * The family each fold chooses from, declared before looking at any fold: the default (median) and the variants of
     * MODELS.md's caveats that the members here rebuild (mean, 25th and 75th percentile, mean of tail digits, median
     * with the old likelihood, the old single setting h 800, k 12, l 3000).
     */
    static final List<Design> FAMILY = List.of(
            design("median", false, m -> quantile(m, 0.5)),
            design("mean", false, NabNested::mean),
            design("p25", false, m -> quantile(m, 0.25)),
            design("p75", false, m -> quantile(m, 0.75)),
            design("mean-log-tail", false, NabNested::meanLogTail),
            design("median-old-likelihood", true, m -> quantile(m, 0.5)),
            design("single-800-12-3000", false, m -> m[member(800, 12, 3000)]));

    /** Per row, the median across designs of their likelihoods (each design with its own echo rule). */
    static Design acrossDesigns(String name, List<Design> designs, Function<double[][], double[]> agg) {
        return new Design(name, s -> {
            double[][] l = new double[designs.size()][];
            for (int d = 0; d < l.length; d++) l[d] = designs.get(d).likelihoods().apply(s);
            return agg.apply(l);
        });
    }

    /** Plain and weekly members of both likelihoods pooled, one aggregation each. */
    static double[][] pooled(double[][] a, double[][] b) {
        double[][] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /**
     * Median over the members whose windows are full (at least history + likelihood length inputs seen), 0 while none
     * is: a member's likelihood compares with a reference distribution it has not yet filled before that.
     */
    static double[] medianWarm(double[][] members, boolean weekly, int[] ref) {
        int n = members[0].length;
        double[] out = new double[n], sc = new double[members.length];
        int[] need = new int[members.length];
        int m = 0;
        for (int h : H) for (int k : K) for (int l : L) need[m++] = h + l;
        long seen = 0;
        for (int i = 0; i < n; i++) {
            if (weekly && ref[i] < 0) continue;
            seen++;
            int c = 0;
            for (int j = 0; j < members.length; j++) if (seen >= need[j]) sc[c++] = members[j][i];
            if (c == 0) continue;
            Arrays.sort(sc, 0, c);
            out[i] = sc[(int) Math.round(0.5 * (c - 1))];
        }
        return out;
    }

    /** The likelihood set to 0 until the weekly ensemble has had {@code n} inputs after its first. */
    static double[] warmUp(double[] lik, int[] ref, int n) {
        double[] out = lik.clone();
        int seen = 0;
        for (int i = 0; i < out.length; i++) {
            if (ref[i] >= 0) seen++;
            if (seen == 0 || seen <= n) out[i] = 0;
        }
        return out;
    }

    /** Ideas measured against the family (each a fixed design: no choice but the threshold). */
    static final List<Design> IDEAS = List.of(
            acrossDesigns("median-of-7-designs", FAMILY, m -> quantile(m, 0.5)),
            acrossDesigns("mean-of-7-designs", FAMILY, NabNested::mean),
            acrossDesigns("meanlogtail-of-7-designs", FAMILY, NabNested::meanLogTail),
            acrossDesigns("median-of-5-new-designs", FAMILY.subList(0, 5), m -> quantile(m, 0.5)),
            acrossDesigns("median-of-6-ensembles", FAMILY.subList(0, 6), m -> quantile(m, 0.5)),
            new Design("median-pooled-old+new", s -> combine(quantile(pooled(s.plainNew(), s.plainOld()), 0.5),
                    quantile(pooled(s.weeklyNew(), s.weeklyOld()), 0.5), s.ref())),
            new Design("median-warm (members with full windows)", s -> combine(medianWarm(s.plainNew(), false, s.ref()),
                    medianWarm(s.weeklyNew(), true, s.ref()), s.ref())),
            new Design("median-pooled-plain+weekly", s -> {
                double[][] w = new double[MEMBERS][];
                for (int m = 0; m < MEMBERS; m++) w[m] = s.weeklyNew()[m];
                return combine(quantile(pooled(s.plainNew(), w), 0.5), new double[s.rows()], s.ref());
            }),
            new Design("median, no flag before the first weekly reference", s -> warmUp(FAMILY.get(0).likelihoods().apply(s), s.ref(), 0)),
            new Design("median, no flag before 200 weekly differences", s -> warmUp(FAMILY.get(0).likelihoods().apply(s), s.ref(), 200)),
            new Design("median, no flag before 800 weekly differences", s -> warmUp(FAMILY.get(0).likelihoods().apply(s), s.ref(), 800)),
            new Design("median-plain-only", s -> quantile(s.plainNew(), 0.5)),
            new Design("median-weekly-only", s -> combine(new double[s.rows()], quantile(s.weeklyNew(), 0.5), s.ref())),
            new Design("median-meandigits(plain,weekly)", s -> {
                double[] a = quantile(s.plainNew(), 0.5), b = quantile(s.weeklyNew(), 0.5), out = new double[s.rows()];
                for (int i = 0; i < out.length; i++) {
                    double w = s.ref()[i] >= 0 && !(out[s.ref()[i]] > ALARMING) ? b[i] : 0;
                    out[i] = fromDigits((digits(a[i]) + digits(w)) / 2);
                }
                return out;
            }));

    /** The family, each design without flags before the first weekly reference (the weekly ensemble's start). */
    static final List<Design> FAMILY_WARM = FAMILY.stream()
            .map(d -> new Design(d.name() + "+warm", s -> warmUp(d.likelihoods().apply(s), s.ref(), 0))).toList();

    /** Median designs over other member grids (MODELS.md's caveats), and over their union. */
    static final List<Design> GRIDS = List.of(
            gridMedian("median h 300/600/1200", List.of(300, 600, 1200), K, L),
            gridMedian("median k 4/8/16", H, List.of(4, 8, 16), L),
            gridMedian("median l 1000/2000/4000", H, K, List.of(1000, 2000, 4000)),
            gridMedian("median 4x4x4", List.of(200, 400, 800, 1200), List.of(3, 6, 12, 16), List.of(500, 1000, 2000, 3000)),
            new Design("median over the union of the 4 grids of 27", s -> {
                double[][][] a = s.grid(H, K, L), b = s.grid(List.of(300, 600, 1200), K, L), c = s.grid(H, List.of(4, 8, 16), L),
                        d = s.grid(H, K, List.of(1000, 2000, 4000));
                return combine(quantile(concat(a[0], b[0], c[0], d[0]), 0.5), quantile(concat(a[1], b[1], c[1], d[1]), 0.5), s.ref());
            }),
            new Design("median over default + h 300/600/1200 grids", s -> {
                double[][][] a = s.grid(H, K, L), b = s.grid(List.of(300, 600, 1200), K, L);
                return combine(quantile(concat(a[0], b[0]), 0.5), quantile(concat(a[1], b[1]), 0.5), s.ref());
            }));

    static double[][] concat(double[][]... parts) {
        return Arrays.stream(parts).flatMap(Arrays::stream).toArray(double[][]::new);
    }

    /** Likelihoods [design][series][row] of a family. */
    static double[][][] likelihoods(List<Design> family, List<Series> series) {
        double[][][] out = new double[family.size()][series.size()][];
        for (int d = 0; d < family.size(); d++) for (int f = 0; f < series.size(); f++) out[d][f] = family.get(d).likelihoods().apply(series.get(f));
        return out;
    }

    /** Scores [design][threshold][series]. */
    static NabScorer.Result[][][] scores(double[][][] lik, List<Series> series) {
        NabScorer.Result[][][] r = new NabScorer.Result[lik.length][THRESHOLDS][series.size()];
        for (int d = 0; d < lik.length; d++) for (int th = 0; th < THRESHOLDS; th++) for (int f = 0; f < series.size(); f++) {
            r[d][th][f] = NabScorer.score(NabBench.flags(lik[d][f], threshold(th), SUPPRESS), series.get(f).labels(), NabScorer.Profile.STANDARD);
        }
        return r;
    }

    static double threshold(int th) {
        return 1.0 + 0.125 * th;
    }

    static NabScorer.Result sum(NabScorer.Result[] perSeries, int leaveOut) {
        NabScorer.Result s = null;
        for (int f = 0; f < perSeries.length; f++) if (f != leaveOut) s = s == null ? perSeries[f] : s.plus(perSeries[f]);
        return s;
    }

    /** Best (design, threshold) over the series except {@code leaveOut} among {@code designs}; earlier wins ties. */
    static int[] best(NabScorer.Result[][][] r, int[] designs, int leaveOut) {
        int[] best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int d : designs) for (int th = 0; th < THRESHOLDS; th++) {
            double s = 0;
            for (int t = th - smooth; t <= th + smooth; t++) s += sum(r[d][Math.max(0, Math.min(THRESHOLDS - 1, t))], leaveOut).normalised();
            if (s > bestScore + 1e-9) {
                bestScore = s;
                best = new int[]{d, th};
            }
        }
        return best;
    }

    /**
     * Best design over the series except {@code leaveOut} by an inner leave-one-series-out on those: each design's
     * figure is its held-out sum over them with the threshold chosen on the others (the threshold-only protocol), so a
     * design that only fits the five with a threshold of its own is not preferred; then its threshold on all five.
     */
    static int[] bestInner(NabScorer.Result[][][] r, int[] designs, int leaveOut) {
        int[] best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        int folds = r[designs[0]][0].length;
        for (int d : designs) {
            NabScorer.Result sum = null;
            for (int f = 0; f < folds; f++) {
                if (f == leaveOut) continue;
                // threshold on the series other than f and leaveOut
                int bt = 0;
                double bs = Double.NEGATIVE_INFINITY;
                for (int th = 0; th < THRESHOLDS; th++) {
                    NabScorer.Result t = null;
                    for (int g = 0; g < folds; g++) if (g != f && g != leaveOut) t = t == null ? r[d][th][g] : t.plus(r[d][th][g]);
                    if (t.normalised() > bs + 1e-9) {
                        bs = t.normalised();
                        bt = th;
                    }
                }
                sum = sum == null ? r[d][bt][f] : sum.plus(r[d][bt][f]);
            }
            if (sum.normalised() > bestScore + 1e-9) {
                bestScore = sum.normalised();
                best = new int[]{d, best(r, new int[]{d}, leaveOut)[1]};
            }
        }
        return best;
    }

    /** Held-out sum when each fold chooses the design by {@link #bestInner}. */
    static NabScorer.Result nestedInner(NabScorer.Result[][][] r, int[] designs, int folds, StringBuilder log) {
        NabScorer.Result total = null;
        for (int f = 0; f < folds; f++) {
            int[] b = bestInner(r, designs, f);
            NabScorer.Result h = r[b[0]][b[1]][f];
            total = total == null ? h : total.plus(h);
            log.append(String.format(Locale.ROOT, "    fold %d: design %d digits %.3f -> %.1f (TP %d FP %d missed %d)%n",
                    f, b[0], threshold(b[1]), h.normalised(), h.truePositives(), h.falsePositives(), h.missedWindows()));
        }
        return total;
    }

    /** Held-out sum when each fold chooses among {@code designs} (one design: the threshold only). */
    static NabScorer.Result nested(NabScorer.Result[][][] r, int[] designs, int folds, StringBuilder log) {
        NabScorer.Result total = null;
        for (int f = 0; f < folds; f++) {
            int[] b = best(r, designs, f);
            NabScorer.Result h = r[b[0]][b[1]][f];
            total = total == null ? h : total.plus(h);
            if (log != null) log.append(String.format(Locale.ROOT, "    fold %d: design %d digits %.3f -> %.1f (TP %d FP %d missed %d)%n",
                    f, b[0], threshold(b[1]), h.normalised(), h.truePositives(), h.falsePositives(), h.missedWindows()));
        }
        return total;
    }

    static void report(List<Design> family, NabScorer.Result[][][] r, List<Series> series) {
        int folds = series.size();
        System.out.println("design                      thr-only-nested  in-sample(digits)  per series held-out TP/FP/missed");
        for (int d = 0; d < family.size(); d++) {
            StringBuilder per = new StringBuilder();
            NabScorer.Result held = null;
            for (int f = 0; f < folds; f++) {
                int[] b = best(r, new int[]{d}, f);
                NabScorer.Result h = r[d][b[1]][f];
                held = held == null ? h : held.plus(h);
                per.append(String.format(Locale.ROOT, " %d/%d/%d@%.3f", h.truePositives(), h.falsePositives(), h.missedWindows(), threshold(b[1])));
            }
            int[] all = best(r, new int[]{d}, -1);
            System.out.printf(Locale.ROOT, "%-28s %6.1f   %6.1f (%.3f)  %s%n", family.get(d).name(), held.normalised(),
                    sum(r[d][all[1]], -1).normalised(), threshold(all[1]), per);
        }
    }

    /**
     * The figures of one run.
     *
     * @param defaultDifference largest difference between the median design's likelihoods and the default detector's
     * @param medianHeldOut     the median design, threshold chosen per fold ({@code Validate nab}'s figure)
     * @param familyHeldOut     design and threshold chosen per fold among {@link #FAMILY}
     */
    public record Summary(double defaultDifference, NabScorer.Result medianHeldOut, NabScorer.Result familyHeldOut) {
    }

    public static void main(String[] args) throws IOException {
        run(Path.of(args.length > 0 ? args[0] : "/work/shared/data"), true);
    }

    /** Runs the family (and, with {@code ideas}, every other design measured) and prints the figures. */
    public static Summary run(Path data, boolean ideas) throws IOException {
        long t0 = System.nanoTime();
        List<Series> series = load(data);
        System.out.printf(Locale.ROOT, "members run in %.1f s; series:", (System.nanoTime() - t0) / 1e9);
        for (Series s : series) System.out.print(" " + s.name());
        System.out.println();
        double diff = checkDefault(data, series);
        System.out.printf(Locale.ROOT, "median design vs the default detector: largest likelihood difference %.2e%n", diff);
        double[][][] lik = likelihoods(FAMILY, series);
        NabScorer.Result[][][] r = scores(lik, series);
        System.out.println("== the family (" + FAMILY.size() + " designs x " + THRESHOLDS + " thresholds)");
        report(FAMILY, r, series);
        NabScorer.Result family = printNested("fully nested over the family", r, range(0, FAMILY.size()), series.size(), false);
        NabScorer.Result median = nested(r, new int[]{0}, series.size(), null);
        StringBuilder curve = new StringBuilder();
        for (int th = 16; th <= 32; th++) curve.append(String.format(Locale.ROOT, " %.3f:%.1f", threshold(th), sum(r[0][th], -1).normalised()));
        System.out.println("median, in-sample on all six at each threshold:" + curve);
        if (!ideas) return new Summary(diff, median, family);

        printNested("  the same, design chosen by inner leave-one-out on the five", r, range(0, FAMILY.size()), series.size(), true);
        calibrated(lik, series);

        System.out.println("== the family, each without flags before the first weekly reference");
        NabScorer.Result[][][] wr = scores(likelihoods(FAMILY_WARM, series), series);
        report(FAMILY_WARM, wr, series);
        printNested("fully nested over the warm family", wr, range(0, FAMILY.size()), series.size(), false);
        printNested("fully nested over the family and the warm family", cat(r, wr), range(0, 2 * FAMILY.size()), series.size(), false);

        System.out.println("== other member grids (median)");
        NabScorer.Result[][][] gr = scores(likelihoods(GRIDS, series), series);
        report(GRIDS, gr, series);
        NabScorer.Result[][][] rg = cat(r, gr);
        int[] grids = {0, FAMILY.size(), FAMILY.size() + 1, FAMILY.size() + 2, FAMILY.size() + 3};
        printNested("fully nested over the median's 5 grids", rg, grids, series.size(), false);
        printNested("fully nested over the family and the 4 other grids", rg, range(0, FAMILY.size() + 4), series.size(), false);
        printNested("  the same, design chosen by inner leave-one-out on the five", rg, range(0, FAMILY.size() + 4), series.size(), true);

        System.out.println("== ideas (fixed designs, threshold chosen per fold)");
        NabScorer.Result[][][] ir = scores(likelihoods(IDEAS, series), series);
        report(IDEAS, ir, series);
        // Ideas that come with a choice of their own: the fold chooses within the group and the default it would replace.
        NabScorer.Result[][][] ri = cat(r, ir);
        List<Design> names = new ArrayList<>(FAMILY);
        names.addAll(IDEAS);
        for (List<String> g : IDEA_GROUPS) {
            int[] idx = new int[g.size() + 1];
            for (int i = 0; i < g.size(); i++) {
                String name = g.get(i);
                idx[i + 1] = names.indexOf(names.stream().filter(d -> d.name().equals(name)).findFirst().orElseThrow());
            }
            printNested("fully nested over median + " + g, ri, idx, series.size(), false);
        }
        // Every design measured here was looked at on all six: the honest figure lets each fold choose among all.
        NabScorer.Result[][][] every = cat(r, wr, gr, ir);
        printNested("fully nested over every design measured here (" + every.length + ")", every, range(0, every.length), series.size(), false);
        return new Summary(diff, median, family);
    }

    static final List<List<String>> IDEA_GROUPS = List.of(
            List.of("median-of-7-designs", "mean-of-7-designs", "meanlogtail-of-7-designs"),
            List.of("median, no flag before the first weekly reference", "median, no flag before 200 weekly differences",
                    "median, no flag before 800 weekly differences"),
            List.of("median-meandigits(plain,weekly)", "median-pooled-plain+weekly"));

    static int[] range(int from, int to) {
        int[] out = new int[to - from];
        for (int i = 0; i < out.length; i++) out[i] = from + i;
        return out;
    }

    static NabScorer.Result[][][] cat(NabScorer.Result[][][]... parts) {
        return Arrays.stream(parts).flatMap(Arrays::stream).toArray(NabScorer.Result[][][]::new);
    }

    static NabScorer.Result printNested(String label, NabScorer.Result[][][] r, int[] designs, int folds, boolean inner) {
        StringBuilder log = new StringBuilder();
        NabScorer.Result n = inner ? nestedInner(r, designs, folds, log) : nested(r, designs, folds, log);
        System.out.printf(Locale.ROOT, "%s: %.1f (TP %d FP %d missed %d)%n%s", label, n.normalised(), n.truePositives(), n.falsePositives(),
                n.missedWindows(), log);
        return n;
    }

    /**
     * Vote of the family at each design's own threshold: each design's tail digits are rescaled by the threshold the
     * fold chose for it alone (to the default's scale, 3.875), the median across designs is the combined digits, and
     * its threshold is chosen in the fold too. Fully nested: every choice is made on the five other series.
     */
    static void calibrated(double[][][] lik, List<Series> series) {
        int folds = series.size();
        NabScorer.Result total = null;
        StringBuilder per = new StringBuilder();
        for (int f = -1; f < folds; f++) {
            double[] thr = new double[lik.length];
            for (int d = 0; d < lik.length; d++) {
                NabScorer.Result[][][] one = scores(new double[][][]{lik[d]}, series);
                thr[d] = threshold(best(one, new int[]{0}, f)[1]);
            }
            double[][][] comb = new double[1][folds][];
            for (int s = 0; s < folds; s++) {
                int n = series.get(s).rows();
                double[][] dg = new double[lik.length][n];
                for (int d = 0; d < lik.length; d++) for (int i = 0; i < n; i++) dg[d][i] = digits(lik[d][s][i]) * 3.875 / thr[d];
                double[] med = quantile(dg, 0.5);
                for (int i = 0; i < n; i++) med[i] = fromDigits(med[i]);
                comb[0][s] = med;
            }
            NabScorer.Result[][][] r = scores(comb, series);
            int[] b = best(r, new int[]{0}, f);
            if (f < 0) {
                System.out.printf(Locale.ROOT, "calibrated vote, in-sample (all choices on all six): %.1f at %.3f, design thresholds %s%n",
                        sum(r[0][b[1]], -1).normalised(), threshold(b[1]), Arrays.toString(thr));
                continue;
            }
            NabScorer.Result h = r[0][b[1]][f];
            total = total == null ? h : total.plus(h);
            per.append(String.format(Locale.ROOT, " %d/%d/%d@%.3f", h.truePositives(), h.falsePositives(), h.missedWindows(), threshold(b[1])));
        }
        System.out.printf(Locale.ROOT, "calibrated vote, fully nested: %.1f %s%n", total.normalised(), per);
    }

    /** Largest difference between the family's median design and the default detector (0: the same detector). */
    static double checkDefault(Path data, List<Series> series) throws IOException {
        double maxDiff = 0;
        for (Series s : series) {
            NabFile f = NabFile.read(data.resolve("nab").resolve(s.name()));
            double[] expected = NabBench.detect(f.epochMillis(), f.values(), SeasonalUnivariateDetector.Settings.DEFAULT).likelihoods();
            double[] got = FAMILY.get(0).likelihoods().apply(s);
            for (int i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(expected[i] - got[i]));
        }
        return maxDiff;
    }

    /**
     * A member with the old likelihood: the short mean of raw scores compared with the distribution of single raw
     * scores over the likelihood length (the raw score as {@link StreamingUnivariateDetector}'s).
     */
    static final class OldMember {
        private final int h, k;
        private final RunningWindow history, recent, raws, recentRaw;
        private long seen;

        OldMember(int h, int k, int l) {
            this.h = h;
            this.k = k;
            history = new RunningWindow(h);
            recent = new RunningWindow(k);
            raws = new RunningWindow(l);
            recentRaw = new RunningWindow(k);
        }

        double update(double value) {
            seen++;
            if (recent.full()) history.add(recent.oldest());
            recent.add(value);
            if (history.size() < 2) return 0;
            double sd = Math.max(history.std(), 1e-9 * Math.max(1, Math.abs(history.mean())));
            double raw = Math.max(Math.abs(recent.mean() - history.mean()), Math.abs(value - history.mean()) / 2) / sd;
            recentRaw.add(raw);
            double z = raws.size() < 2 ? 0 : (recentRaw.mean() - raws.mean()) / Math.max(raws.std(), 1e-3);
            raws.add(raw);
            if (seen < h) return 0;
            return cdf(z);
        }
    }

    static double cdf(double z) {
        double x = Math.abs(z) / Math.sqrt(2);
        double t = 1 / (1 + 0.3275911 * x);
        double erf = 1 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
        return z >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
    }
}
