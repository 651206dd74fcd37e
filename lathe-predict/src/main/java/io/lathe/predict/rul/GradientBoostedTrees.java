package io.lathe.predict.rul;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Gradient-boosted regression trees for squared loss, histogram based: each feature is cut into at most
 * {@code bins} quantile bins once, and split search sums gradients per bin (O(rows x features) per tree level).
 * Small on purpose (no sparse data, no categorical features): it serves window features of run-to-failure data.
 *
 * <p>A fitted model is immutable and thread-safe. Fitting is deterministic for a given seed.
 */
public final class GradientBoostedTrees {

    /**
     * Settings.
     *
     * @param trees        boosting rounds
     * @param learningRate shrinkage per tree
     * @param maxDepth     depth of each tree (1 = stumps)
     * @param minLeaf      fewest training rows in a leaf
     * @param l2           L2 regularisation of leaf values
     * @param subsample    fraction of rows each tree sees (stochastic boosting), in (0, 1]
     * @param bins         histogram bins per feature, 2..256
     * @param seed         random seed of the row (and column) subsampling
     * @param colsample    chance of each feature to be a split candidate in a tree, in (0, 1]; below 1 it decorrelates
     *                     the trees (and bagged models), which lowered the C-MAPSS held-out RMSE (docs/MODELS.md)
     */
    public record Settings(int trees, double learningRate, int maxDepth, int minLeaf, double l2, double subsample, int bins, long seed, double colsample) {
        public static final Settings DEFAULT = new Settings(300, 0.05, 4, 20, 1.0, 0.7, 64, 1, 1.0);

        public Settings {
            if (trees < 1 || maxDepth < 1 || minLeaf < 1 || bins < 2 || bins > 256 || !(learningRate > 0) || !(l2 >= 0) || !(subsample > 0 && subsample <= 1) || !(colsample > 0 && colsample <= 1)) {
                throw new IllegalArgumentException("invalid GBDT settings " + this + ": trees, depth, minLeaf >= 1, bins in [2, 256], learningRate > 0, l2 >= 0, subsample and colsample in (0, 1]");
            }
        }

        /** Every feature a candidate in every tree (colsample 1). */
        public Settings(int trees, double learningRate, int maxDepth, int minLeaf, double l2, double subsample, int bins, long seed) {
            this(trees, learningRate, maxDepth, minLeaf, l2, subsample, bins, seed, 1.0);
        }

        /** The same settings with another seed. */
        public Settings withSeed(long newSeed) {
            return new Settings(trees, learningRate, maxDepth, minLeaf, l2, subsample, bins, newSeed, colsample);
        }
    }

    private final double base;
    private final List<Tree> trees;

    private GradientBoostedTrees(double base, List<Tree> trees) {
        this.base = base;
        this.trees = trees;
    }

    /** One tree in flat arrays; node 0 is the root, a leaf has feature -1. */
    private record Tree(int[] feature, double[] cut, int[] left, int[] right, double[] value) {
        double predict(double[] x) {
            int n = 0;
            while (feature[n] >= 0) n = x[feature[n]] <= cut[n] ? left[n] : right[n];
            return value[n];
        }
    }

    /** Fits on {@code x[row][feature]} (finite values) and targets {@code y[row]}. */
    public static GradientBoostedTrees fit(double[][] x, double[] y, Settings s) {
        int n = x.length;
        if (n == 0 || y.length != n) throw new IllegalArgumentException("need as many targets as rows (and at least one), but had " + n + " rows and " + y.length + " targets");
        int f = x[0].length;
        // Quantile cut points per feature; code = number of cuts below the value.
        double[][] cuts = new double[f][];
        byte[][] codes = new byte[f][n];
        double[] col = new double[n];
        for (int j = 0; j < f; j++) {
            for (int i = 0; i < n; i++) col[i] = x[i][j];
            double[] sorted = col.clone();
            Arrays.sort(sorted);
            double[] c = new double[s.bins() - 1];
            int m = 0;
            for (int b = 1; b < s.bins(); b++) {
                double v = sorted[(int) ((long) b * (n - 1) / s.bins())];
                if (m == 0 || v > c[m - 1]) c[m++] = v;
            }
            if (m > 0 && c[m - 1] >= sorted[n - 1]) m--; // a cut at the maximum splits nothing off
            cuts[j] = Arrays.copyOf(c, m);
            for (int i = 0; i < n; i++) {
                int code = Arrays.binarySearch(cuts[j], col[i]);
                codes[j][i] = (byte) (code >= 0 ? code : -code - 1);
            }
        }
        double base = 0;
        for (double v : y) base += v / n;
        double[] pred = new double[n];
        Arrays.fill(pred, base);
        double[] grad = new double[n];
        SplittableRandom rnd = new SplittableRandom(s.seed());
        List<Tree> trees = new ArrayList<>();
        int[] all = new int[n];
        for (int t = 0; t < s.trees(); t++) {
            for (int i = 0; i < n; i++) grad[i] = y[i] - pred[i];
            int m = 0;
            for (int i = 0; i < n; i++) if (s.subsample() >= 1 || rnd.nextDouble() < s.subsample()) all[m++] = i;
            boolean[] use = new boolean[f];
            for (int j = 0; j < f; j++) use[j] = s.colsample() >= 1 || rnd.nextDouble() < s.colsample();
            Builder b = new Builder(codes, cuts, grad, s, use);
            b.build(Arrays.copyOf(all, m), 0);
            Tree tree = b.tree();
            trees.add(tree);
            for (int i = 0; i < n; i++) pred[i] += tree.predict(x[i]);
        }
        return new GradientBoostedTrees(base, List.copyOf(trees));
    }

    /** Prediction for one row of features (same order as in training). */
    public double predict(double[] x) {
        double p = base;
        for (Tree t : trees) p += t.predict(x);
        return p;
    }

    private static final class Builder {
        private final byte[][] codes;
        private final double[][] cuts;
        private final double[] grad;
        private final Settings s;
        private final List<int[]> nodes = new ArrayList<>(); // {feature, left, right}
        private final List<double[]> values = new ArrayList<>(); // {cut, value}

        private final boolean[] use; // features that may split in this tree

        Builder(byte[][] codes, double[][] cuts, double[] grad, Settings s, boolean[] use) {
            this.use = use;
            this.codes = codes;
            this.cuts = cuts;
            this.grad = grad;
            this.s = s;
        }

        int build(int[] rows, int depth) {
            int id = nodes.size();
            nodes.add(new int[]{-1, -1, -1});
            double sum = 0;
            for (int r : rows) sum += grad[r];
            values.add(new double[]{0, s.learningRate() * sum / (rows.length + s.l2())});
            if (depth >= s.maxDepth() || rows.length < 2 * s.minLeaf()) return id;
            double parentGain = sum * sum / (rows.length + s.l2());
            double bestGain = 1e-12;
            int bestF = -1, bestBin = -1;
            double[] hs = new double[s.bins()];
            int[] hc = new int[s.bins()];
            for (int j = 0; j < codes.length; j++) {
                int nb = cuts[j].length + 1;
                if (nb < 2 || !use[j]) continue;
                Arrays.fill(hs, 0, nb, 0);
                Arrays.fill(hc, 0, nb, 0);
                byte[] c = codes[j];
                for (int r : rows) {
                    int b = c[r] & 0xff;
                    hs[b] += grad[r];
                    hc[b]++;
                }
                double sl = 0;
                int cl = 0;
                for (int b = 0; b < nb - 1; b++) {
                    sl += hs[b];
                    cl += hc[b];
                    int cr = rows.length - cl;
                    if (cl < s.minLeaf()) continue;
                    if (cr < s.minLeaf()) break;
                    double sr = sum - sl;
                    double gain = sl * sl / (cl + s.l2()) + sr * sr / (cr + s.l2()) - parentGain;
                    if (gain > bestGain) {
                        bestGain = gain;
                        bestF = j;
                        bestBin = b;
                    }
                }
            }
            if (bestF < 0) return id;
            byte[] c = codes[bestF];
            int nl = 0;
            for (int r : rows) if ((c[r] & 0xff) <= bestBin) nl++;
            int[] left = new int[nl], right = new int[rows.length - nl];
            int li = 0, ri = 0;
            for (int r : rows) {
                if ((c[r] & 0xff) <= bestBin) left[li++] = r;
                else right[ri++] = r;
            }
            nodes.get(id)[0] = bestF;
            values.get(id)[0] = cuts[bestF][bestBin];
            int l = build(left, depth + 1);
            int rr = build(right, depth + 1);
            nodes.get(id)[1] = l;
            nodes.get(id)[2] = rr;
            return id;
        }

        Tree tree() {
            int k = nodes.size();
            int[] feature = new int[k], left = new int[k], right = new int[k];
            double[] cut = new double[k], value = new double[k];
            for (int i = 0; i < k; i++) {
                feature[i] = nodes.get(i)[0];
                left[i] = nodes.get(i)[1];
                right[i] = nodes.get(i)[2];
                cut[i] = values.get(i)[0];
                value[i] = values.get(i)[1];
            }
            return new Tree(feature, cut, left, right, value);
        }
    }
}
