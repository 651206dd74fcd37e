package io.lathe.predict.rul;

import io.lathe.predict.bench.CmapssFile;
import io.lathe.predict.bench.Metrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Held-out-unit validation on the C-MAPSS training files: units are split into 5 folds; each held-out unit is cut at
 * a random cycle (seeded), as the official test files are, and the model fitted on the other folds predicts its RUL
 * at the cut. RMSE and PHM08 are over all held-out cuts against the true (uncapped) RUL.
 * Usage: {@code CmapssValidation DATA_DIR [FD001 FD003 ...]}.
 */
public final class CmapssValidation {
    private static final int FOLDS = 5, CUTS = 5;

    private CmapssValidation() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]).resolve("cmapss");
        List<String> sets = args.length > 1 ? List.of(args).subList(1, args.length) : List.of("FD001", "FD003");
        for (String set : sets) {
            Path file = dir.resolve("train_" + set + ".txt.gz");
            if (!Files.exists(file)) file = dir.resolve("train_" + set + ".txt");
            CmapssFile data = CmapssFile.read(file);
            long t0 = System.nanoTime();
            RulModel.Settings settings = RulModel.Settings.DEFAULT;
            double[] r = validate(data.units(), settings, 42);
            System.out.printf(Locale.ROOT, "%s held-out units (%d-fold, %d random cuts per unit): RMSE %.2f (against RUL capped at %.0f: %.2f)  PHM08 %.1f  (%d cuts, %.1f s)%n",
                    set, FOLDS, CUTS, r[0], settings.cap(), r[3], r[1], (int) r[2], (System.nanoTime() - t0) / 1e9);
        }
    }

    /** Returns {RMSE, PHM08, number of cuts}. */
    public static double[] validate(List<CmapssFile.Unit> units, RulModel.Settings settings, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] fold = new int[units.size()];
        for (int i = 0; i < fold.length; i++) fold[i] = i % FOLDS;
        for (int i = fold.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = fold[i];
            fold[i] = fold[j];
            fold[j] = t;
        }
        List<Double> pred = new ArrayList<>(), truth = new ArrayList<>();
        for (int f = 0; f < FOLDS; f++) {
            List<CmapssFile.Unit> train = new ArrayList<>(), test = new ArrayList<>();
            for (int i = 0; i < units.size(); i++) (fold[i] == f ? test : train).add(units.get(i));
            RulModel m = RulModel.fit(train, settings);
            for (CmapssFile.Unit u : test) {
                // Cut so the true RUL is uniform in [5, min(150, length - 20)], like the official test files' spread.
                double[] all = m.predictAll(u);
                for (int c = 0; c < CUTS; c++) {
                    int maxRul = Math.max(6, Math.min(150, u.length() - 20));
                    int rul = 5 + rnd.nextInt(maxRul - 5 + 1);
                    pred.add(all[u.length() - rul - 1]);
                    truth.add((double) rul);
                }
            }
        }
        double[] p = pred.stream().mapToDouble(Double::doubleValue).toArray();
        double[] t = truth.stream().mapToDouble(Double::doubleValue).toArray();
        double[] capped = t.clone();
        for (int i = 0; i < capped.length; i++) capped[i] = Math.min(settings.cap(), capped[i]);
        return new double[]{Metrics.rmse(p, t), Metrics.phm08(p, t), p.length, Metrics.rmse(p, capped)};
    }
}
