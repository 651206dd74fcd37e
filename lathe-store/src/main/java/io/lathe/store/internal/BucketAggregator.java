package io.lathe.store.internal;

import io.lathe.store.Bucket;
import java.util.ArrayList;
import java.util.List;

/**
 * Aggregates points and whole blocks, fed in time order, into equal-width buckets over {@code [from, to)}.
 * Feeding a block's statistics gives the same result as feeding its points one by one (up to rounding of sums).
 */
public final class BucketAggregator {
    public final long from, to, width;
    public final int n;
    final long[] count, firstTs, lastTs, tsMin, tsMax;
    final double[] min, max, sum, first, last, integral, held;
    private boolean pending;
    private long pTs;
    private double pV;
    private int pB;

    public BucketAggregator(long from, long to, int buckets) {
        if (buckets <= 0) throw new IllegalArgumentException("buckets must be positive, but was " + buckets);
        if (to <= from) throw new IllegalArgumentException("time range must not be empty [from=" + from + ", to=" + to + "]");
        this.from = from;
        this.to = to;
        long span = to - from;
        if (span < 0) throw new IllegalArgumentException("time range too wide [from=" + from + ", to=" + to + "]");
        this.width = Math.max(1, -Math.floorDiv(-span, buckets));
        this.n = (int) -Math.floorDiv(-span, width);
        count = new long[n];
        firstTs = new long[n];
        lastTs = new long[n];
        tsMin = new long[n];
        tsMax = new long[n];
        min = new double[n];
        max = new double[n];
        sum = new double[n];
        first = new double[n];
        last = new double[n];
        integral = new double[n];
        held = new double[n];
    }

    public int bucketOf(long t) {
        return (int) ((t - from) / width);
    }

    public long bucketStart(int b) {
        return from + b * width;
    }

    private void settle(long nextTs) {
        if (!pending) return;
        long end = Math.min(nextTs, from + (pB + 1) * width);
        long h = end - pTs;
        integral[pB] += pV * (double) h;
        held[pB] += h;
    }

    /** One point inside [from, to). */
    public void point(long t, double v) {
        int b = bucketOf(t);
        settle(t);
        if (count[b] == 0) {
            min[b] = v;
            max[b] = v;
            first[b] = v;
            firstTs[b] = t;
            tsMin[b] = t;
            tsMax[b] = t;
        } else {
            if (v < min[b]) { min[b] = v; tsMin[b] = t; }
            if (v > max[b]) { max[b] = v; tsMax[b] = t; }
        }
        count[b]++;
        sum[b] += v;
        last[b] = v;
        lastTs[b] = t;
        pending = true;
        pTs = t;
        pV = v;
        pB = b;
    }

    /**
     * Points {@code [i0, i1)} of {@code c}, sorted and inside [from, to): the same as {@link #point} for each, in the
     * same order of additions (so bit-identical sums), but with one division per bucket instead of one per point.
     */
    public void run(Columns c, int i0, int i1) {
        int i = i0;
        while (i < i1) {
            long t = c.ts[i];
            double v = c.doubleAt(i);
            point(t, v);
            int b = pB;
            long end = from + (b + 1) * width;
            double mn = min[b], mx = max[b], s = sum[b], integ = integral[b], hd = held[b];
            long tmn = tsMin[b], tmx = tsMax[b], cnt = count[b], pt = t;
            double pv = v;
            for (i++; i < i1 && (t = c.ts[i]) < end; i++) {
                v = c.doubleAt(i);
                long h = t - pt; // settle inside one bucket: the previous value holds until this point
                integ += pv * (double) h;
                hd += h;
                if (v < mn) { mn = v; tmn = t; }
                if (v > mx) { mx = v; tmx = t; }
                cnt++;
                s += v;
                pt = t;
                pv = v;
            }
            min[b] = mn; max[b] = mx; sum[b] = s; integral[b] = integ; held[b] = hd;
            tsMin[b] = tmn; tsMax[b] = tmx; count[b] = cnt;
            last[b] = pv;
            lastTs[b] = pt;
            pTs = pt;
            pV = pv;
        }
    }

    /** True when the whole block lies in one bucket of [from, to). */
    public boolean fitsOneBucket(BlockMeta m) {
        return m.minTs >= from && m.maxTs < to && bucketOf(m.minTs) == bucketOf(m.maxTs);
    }

    /** A whole block that {@link #fitsOneBucket fits one bucket}, from its statistics alone. */
    public void block(BlockMeta m) {
        int b = bucketOf(m.minTs);
        settle(m.minTs);
        if (count[b] == 0) {
            min[b] = m.min;
            max[b] = m.max;
            first[b] = m.first;
            firstTs[b] = m.minTs;
            tsMin[b] = m.tsOfMin;
            tsMax[b] = m.tsOfMax;
        } else {
            if (m.min < min[b]) { min[b] = m.min; tsMin[b] = m.tsOfMin; }
            if (m.max > max[b]) { max[b] = m.max; tsMax[b] = m.tsOfMax; }
        }
        count[b] += m.count;
        sum[b] += m.sum;
        last[b] = m.last;
        lastTs[b] = m.maxTs;
        integral[b] += m.integral;
        held[b] += (double) (m.maxTs - m.minTs);
        pending = true;
        pTs = m.maxTs;
        pV = m.last;
        pB = b;
    }

    /** Non-empty buckets in time order. */
    public List<Bucket> buckets() {
        List<Bucket> out = new ArrayList<>();
        for (int b = 0; b < n; b++) {
            if (count[b] == 0) continue;
            double twa = held[b] > 0 ? integral[b] / held[b] : sum[b] / count[b];
            out.add(new Bucket(bucketStart(b), width, count[b], min[b], max[b], sum[b], first[b], last[b], twa));
        }
        return out;
    }

    /** M4: per non-empty bucket the first, min, max and last point, in time order without duplicates. */
    public void m4(Columns out) {
        long[] t = new long[4];
        double[] v = new double[4];
        for (int b = 0; b < n; b++) {
            if (count[b] == 0) continue;
            t[0] = firstTs[b]; v[0] = first[b];
            t[1] = tsMin[b]; v[1] = min[b];
            t[2] = tsMax[b]; v[2] = max[b];
            t[3] = lastTs[b]; v[3] = last[b];
            // sort the four by time (insertion sort), then drop repeats of a timestamp
            for (int i = 1; i < 4; i++) {
                long tk = t[i];
                double vk = v[i];
                int j = i - 1;
                while (j >= 0 && t[j] > tk) { t[j + 1] = t[j]; v[j + 1] = v[j]; j--; }
                t[j + 1] = tk;
                v[j + 1] = vk;
            }
            for (int i = 0; i < 4; i++) {
                if (i > 0 && t[i] == t[i - 1]) continue;
                out.add(t[i], Double.doubleToRawLongBits(v[i]), (byte) 0, null);
            }
        }
    }
}
