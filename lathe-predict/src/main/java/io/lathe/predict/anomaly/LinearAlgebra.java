package io.lathe.predict.anomaly;

/** The few dense matrix operations the detectors and models need (small symmetric matrices, plain arrays). */
public final class LinearAlgebra {
    private LinearAlgebra() {
    }

    /**
     * Inverse of a symmetric positive-definite matrix by Cholesky decomposition.
     *
     * @throws IllegalArgumentException when the matrix is not positive definite (add a ridge to its diagonal)
     */
    public static double[][] inverseSpd(double[][] a) {
        int n = a.length;
        double[][] l = cholesky(a);
        double[][] inv = new double[n][n];
        double[] col = new double[n];
        for (int j = 0; j < n; j++) {
            java.util.Arrays.fill(col, 0);
            col[j] = 1;
            double[] x = solveCholesky(l, col);
            for (int i = 0; i < n; i++) inv[i][j] = x[i];
        }
        return inv;
    }

    /** Solves {@code a x = b} for symmetric positive-definite {@code a}. */
    public static double[] solveSpd(double[][] a, double[] b) {
        return solveCholesky(cholesky(a), b);
    }

    static double[][] cholesky(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) s -= l[i][k] * l[j][k];
                if (i == j) {
                    if (!(s > 0)) throw new IllegalArgumentException("matrix is not positive definite [row=" + i + ", pivot=" + s + "]: add a ridge to the diagonal");
                    l[i][i] = Math.sqrt(s);
                } else {
                    l[i][j] = s / l[j][j];
                }
            }
        }
        return l;
    }

    static double[] solveCholesky(double[][] l, double[] b) {
        int n = l.length;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= l[i][k] * y[k];
            y[i] = s / l[i][i];
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = y[i];
            for (int k = i + 1; k < n; k++) s -= l[k][i] * x[k];
            x[i] = s / l[i][i];
        }
        return x;
    }
}
