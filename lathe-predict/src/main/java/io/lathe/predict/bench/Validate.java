package io.lathe.predict.bench;

import io.lathe.predict.anomaly.MahalanobisDetector;
import io.lathe.predict.anomaly.SeasonalUnivariateDetector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Validation figures for docs/MODELS.md: {@code java -cp lathe-predict/target/classes io.lathe.predict.bench.Validate
 * skab|nab|nab-wide|nab-nested|cmapss DATA_DIR}, or {@code skab-normal DATA_DIR WEIGHT} (with the anomaly-free run, as
 * {@code --normal --normal-weight WEIGHT}); {@code nab-nested} also chooses the NAB detector's design per fold
 * ({@link NabNested}). Hyper-parameters are chosen inside each fold on the other files only (leave-one-out),
 * so the printed figures are held-out ones.
 */
public final class Validate {
    private static double normalWeight;

    private Validate() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: Validate skab|skab-normal|nab|nab-wide|nab-nested|cmapss DATA_DIR");
            System.exit(2);
        }
        Path data = Path.of(args[1]);
        switch (args[0]) {
            case "skab" -> skab(data, null);
            case "skab-normal" -> {
                normalWeight = Double.parseDouble(args.length > 2 ? args[2] : "0.5");
                skab(data, SkabFile.read(data.resolve("skab/anomaly-free.csv")).signals());
            }
            case "nab" -> nab(data, false);
            case "nab-wide" -> nab(data, true);
            case "nab-nested" -> NabNested.run(data, true);
            case "cmapss" -> io.lathe.predict.rul.CmapssValidation.main(new String[]{args[1]});
            default -> throw new IllegalArgumentException("unknown benchmark " + args[0]);
        }
    }

    static List<Path> skabFiles(Path data) throws IOException {
        try (Stream<Path> s = Files.list(data.resolve("skab/valve1"))) {
            return s.filter(p -> p.toString().endsWith(".csv")).sorted().toList();
        }
    }

    /** @param normal rows of the anomaly-free run added to each file's fitting rows ({@code --normal}), or null */
    static void skab(Path data, double[][] normal) throws IOException {
        List<SkabFile> files = new ArrayList<>();
        for (Path p : skabFiles(data)) files.add(SkabFile.read(p));
        List<MahalanobisDetector.Settings> grid = new ArrayList<>();
        for (double span : new double[]{5, 10, 20, 40}) for (double sspan : new double[]{1, 10, 30})
            for (double ridge : new double[]{0.001, 0.01, 0.1}) for (double f : new double[]{2, 3, 4, 5, 6})
                grid.add(new MahalanobisDetector.Settings(span, sspan, ridge, f));
        // counts[g][file]
        Metrics.Counts[][] counts = new Metrics.Counts[grid.size()][files.size()];
        for (int g = 0; g < grid.size(); g++) {
            for (int f = 0; f < files.size(); f++) {
                SkabFile file = files.get(f);
                var out = SkabBench.detect(file, normal, normalWeight, grid.get(g));
                counts[g][f] = Metrics.counts(out.anomaly(), file.labels(), SkabBench.TRAIN_ROWS);
            }
        }
        Metrics.Counts held = new Metrics.Counts(0, 0, 0, 0);
        double meanF1 = 0;
        for (int f = 0; f < files.size(); f++) {
            int best = bestSkab(counts, f);
            held = held.plus(counts[best][f]);
            meanF1 += counts[best][f].f1() / files.size();
            System.out.printf(Locale.ROOT, "fold %2d  chosen %s  held-out F1 %.3f%n", f, grid.get(best), counts[best][f].f1());
        }
        int all = bestSkab(counts, -1);
        Metrics.Counts def = new Metrics.Counts(0, 0, 0, 0);
        int gDef = grid.indexOf(MahalanobisDetector.Settings.DEFAULT);
        if (gDef >= 0) for (Metrics.Counts c : counts[gDef]) def = def.plus(c);
        System.out.printf(Locale.ROOT, "SKAB leave-one-file-out: pooled F1 %.3f (precision %.3f, recall %.3f), mean per-file F1 %.3f%n",
                held.f1(), held.precision(), held.recall(), meanF1);
        System.out.printf(Locale.ROOT, "best on all files: %s; DEFAULT settings pooled F1 on all files %.3f%n", grid.get(all), def.f1());
    }

    /** Grid index with the best pooled F1 over all files except {@code leaveOut} (-1: none left out). */
    private static int bestSkab(Metrics.Counts[][] counts, int leaveOut) {
        int best = 0;
        double bestF1 = -1;
        for (int g = 0; g < counts.length; g++) {
            Metrics.Counts c = new Metrics.Counts(0, 0, 0, 0);
            for (int f = 0; f < counts[g].length; f++) if (f != leaveOut) c = c.plus(counts[g][f]);
            if (c.f1() > bestF1 + 1e-12) {
                bestF1 = c.f1();
                best = g;
            }
        }
        return best;
    }

    /**
     * NAB leave-one-series-out; returns the held-out results summed (NAB's corpus sum). The detector's members, season
     * and (without {@code wide}) suppression are fixed; each fold chooses only the threshold on the other five series,
     * as NAB chooses one threshold per detector on its corpus. {@code wide} also lets each fold choose the suppression
     * (200, 400, 800 points).
     */
    static NabScorer.Result nab(Path data, boolean wide) throws IOException {
        Path dir = data.resolve("nab");
        NabWindows windows = NabWindows.read(dir.resolve("windows.json"));
        List<Path> paths;
        try (Stream<Path> s = Files.list(dir)) {
            paths = s.filter(p -> p.toString().endsWith(".csv")).sorted().toList();
        }
        SeasonalUnivariateDetector.Settings base = SeasonalUnivariateDetector.Settings.DEFAULT;
        List<SeasonalUnivariateDetector.Settings> grid = new ArrayList<>();
        int[] suppressions = wide ? new int[]{200, 400, 800} : new int[]{base.suppressLength()};
        for (int step = 0; step <= 40; step++) for (int sup : suppressions) grid.add(base.with(1.0 + 0.125 * step, sup));
        NabScorer.Result[][] res = new NabScorer.Result[grid.size()][paths.size()];
        for (int f = 0; f < paths.size(); f++) {
            NabFile file = NabFile.read(paths.get(f));
            List<NabScorer.Window> labels = NabWindows.toRows(windows.forFile(paths.get(f).getFileName().toString()), file.epochMillis());
            // One pass per series: the threshold and suppression only act on the likelihoods (NabBench.flags).
            double[] likelihoods = NabBench.detect(file.epochMillis(), file.values(), base).likelihoods();
            for (int g = 0; g < grid.size(); g++) {
                int[] flags = NabBench.flags(likelihoods, grid.get(g).likelihoodDigits(), grid.get(g).suppressLength());
                res[g][f] = NabScorer.score(flags, labels, NabScorer.Profile.STANDARD);
            }
        }
        NabScorer.Result total = null;
        for (int f = 0; f < paths.size(); f++) {
            int best = bestNab(res, f);
            NabScorer.Result r = res[best][f];
            total = total == null ? r : total.plus(r);
            System.out.printf(Locale.ROOT, "held out %-45s chosen digits %.3f suppress %d  normalised %.1f (TP %d, FP %d, missed %d)%n",
                    paths.get(f).getFileName(), grid.get(best).likelihoodDigits(), grid.get(best).suppressLength(), r.normalised(),
                    r.truePositives(), r.falsePositives(), r.missedWindows());
        }
        System.out.printf(Locale.ROOT, "NAB leave-one-series-out (%d settings per fold), standard profile, held-out series summed: %.1f%n", grid.size(), total.normalised());
        int all = bestNab(res, -1);
        NabScorer.Result a = null;
        for (NabScorer.Result r : res[all]) a = a == null ? r : a.plus(r);
        System.out.printf(Locale.ROOT, "best on all series (in-sample): digits %.3f suppress %d -> %.1f%n", grid.get(all).likelihoodDigits(), grid.get(all).suppressLength(), a.normalised());
        int gDef = grid.indexOf(base);
        if (gDef >= 0) {
            NabScorer.Result d = null;
            StringBuilder per = new StringBuilder();
            for (int f = 0; f < paths.size(); f++) {
                NabScorer.Result r = res[gDef][f];
                d = d == null ? r : d.plus(r);
                per.append(String.format(Locale.ROOT, " %.1f", r.normalised()));
            }
            System.out.printf(Locale.ROOT, "DEFAULT settings on all series (in-sample): %.1f  (per series:%s)%n", d.normalised(), per);
        }
        return total;
    }

    private static int bestNab(NabScorer.Result[][] res, int leaveOut) {
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int g = 0; g < res.length; g++) {
            NabScorer.Result sum = null;
            for (int f = 0; f < res[g].length; f++) if (f != leaveOut) sum = sum == null ? res[g][f] : sum.plus(res[g][f]);
            if (sum.normalised() > bestScore + 1e-9) {
                bestScore = sum.normalised();
                best = g;
            }
        }
        return best;
    }
}
