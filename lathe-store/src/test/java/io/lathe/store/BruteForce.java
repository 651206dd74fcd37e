package io.lathe.store;

import java.util.ArrayList;
import java.util.List;

/** Straightforward reference implementations of the bucket aggregates, for property tests. */
final class BruteForce {
    private BruteForce() {}

    /** ts/v sorted by time (stable), all inside [from, to). */
    static List<Bucket> aggregate(long[] ts, double[] v, int n, long from, long to, int buckets) {
        long width = Math.max(1, -Math.floorDiv(-(to - from), buckets));
        int nb = (int) -Math.floorDiv(-(to - from), width);
        List<Bucket> out = new ArrayList<>();
        int i = 0;
        for (int b = 0; b < nb; b++) {
            long start = from + b * width, end = start + width;
            while (i < n && ts[i] < start) i++;
            int j = i;
            while (j < n && ts[j] < end) j++;
            if (j > i) {
                double min = v[i], max = v[i], sum = 0, integral = 0, held = 0;
                for (int k = i; k < j; k++) {
                    min = Math.min(min, v[k]);
                    max = Math.max(max, v[k]);
                    sum += v[k];
                    if (k + 1 < n) {
                        long h = Math.min(ts[k + 1], end) - ts[k];
                        integral += v[k] * h;
                        held += h;
                    }
                }
                double twa = held > 0 ? integral / held : sum / (j - i);
                out.add(new Bucket(start, width, j - i, min, max, sum, v[i], v[j - 1], twa));
            }
            i = j;
        }
        return out;
    }
}
