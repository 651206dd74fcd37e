package io.lathe.store.internal;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Column codecs of Lathe's block format. Stateless apart from reused scratch space: one instance per thread.
 *
 * <ul>
 *   <li>timestamps: first value, first delta, then constant-delta flag or Gorilla-style delta-of-delta bit buckets;</li>
 *   <li>longs: first value, then zigzag deltas bit-packed in mini-blocks of 128 with one width each;</li>
 *   <li>doubles: decimal-aware when every value round-trips exactly through {@code long / 10^scale} (then the long
 *       codec); when only some do (values printed with float noise such as {@code 30.72300000000001} next to
 *       {@code 30.723}), decimal with a per-value correction in units in the last place, bit-packed with a
 *       non-zero flag, unless Gorilla XOR comes out smaller; decimal blocks with at most 256 distinct values (a
 *       valve position, a flow switching between a few set points) as a sorted dictionary plus bit-packed indices when
 *       that is smaller than the deltas;</li>
 *   <li>booleans, quality codes and dictionary indices of text: run-length (value, run) varints.</li>
 * </ul>
 */
public final class Codecs {
    public static final int MINI_BLOCK = 128;
    public static final int MAX_SCALE = 9;
    public static final int GORILLA = 0xFF;
    /** Tag bit of decimal values with ULP corrections; the low bits hold the scale. */
    public static final int DECIMAL_ULP = 0x40;
    /** Tag bit of decimal values stored as a dictionary of distinct values and indices; the low bits hold the scale. */
    public static final int DECIMAL_DICT = 0x80;
    private static final int MAX_DICT = 256;
    private static final double[] POW10 = new double[MAX_SCALE + 1];
    private static final double TWO_53 = 9007199254740992.0;

    static {
        double p = 1;
        for (int i = 0; i <= MAX_SCALE; i++, p *= 10) POW10[i] = p;
    }

    private final BitWriter bits = new BitWriter();
    private final BitReader reader = new BitReader();
    private long[] scratch = new long[2048];
    private long[] corrections = new long[2048];
    private final ByteSink spare = new ByteSink(16 * 1024);
    /** Open-addressing set of a block's distinct values (dictionary check); slot 0 of {@code dictUsed} marks empty. */
    private final long[] dictKeys = new long[MAX_DICT * 4];
    private final boolean[] dictUsed = new boolean[MAX_DICT * 4];
    private final long[] dict = new long[MAX_DICT + 1];

    // ---------------------------------------------------------------- timestamps

    public void encodeTimestamps(long[] ts, int off, int n, ByteSink out) {
        if (n == 0) return;
        out.putLong(ts[off]);
        if (n == 1) return;
        long d0 = ts[off + 1] - ts[off];
        out.putVarLong(ByteSink.zigzag(d0));
        boolean constant = true;
        for (int i = off + 2; i < off + n; i++) {
            if (ts[i] - ts[i - 1] != d0) {
                constant = false;
                break;
            }
        }
        if (constant) {
            out.put(0);
            return;
        }
        // Clocks that tick in whole seconds or milliseconds: delta-of-deltas in that unit are 10^6 or 10^3 times smaller.
        long unit = 0;
        for (int i = off + 1; i < off + n && unit != 1; i++) {
            long d = ts[i] - ts[i - 1];
            if (d < 0) { // unsorted or overflowing input: plain microseconds
                unit = 1;
                break;
            }
            unit = gcd(unit, d);
        }
        if (unit > 1) {
            out.put(2);
            out.putVarLong(unit);
        } else {
            unit = 1;
            out.put(1);
        }
        BitWriter w = bits.start(out);
        long prevDelta = d0;
        for (int i = off + 2; i < off + n; i++) {
            long d = ts[i] - ts[i - 1];
            long z = ByteSink.zigzag((d - prevDelta) / unit);
            prevDelta = d;
            if (z == 0) w.write(0, 1);
            else if (z < (1L << 2)) { w.write(0b10, 2); w.write(z, 2); } // a tick early or late, in the clock's unit
            else if (z < (1L << 7)) { w.write(0b110, 3); w.write(z, 7); }
            else if (z < (1L << 12)) { w.write(0b1110, 4); w.write(z, 12); }
            else if (z < (1L << 20)) { w.write(0b11110, 5); w.write(z, 20); }
            else { w.write(0b11111, 5); w.write(z, 64); }
        }
        w.finish();
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    public void decodeTimestamps(ByteSource in, long[] ts, int n) {
        if (n == 0) return;
        ts[0] = in.getLong();
        if (n == 1) return;
        long d = ByteSink.unzigzag(in.getVarLong());
        ts[1] = ts[0] + d;
        int mode = in.get();
        if (mode == 0) {
            for (int i = 2; i < n; i++) ts[i] = ts[i - 1] + d;
            return;
        }
        if (mode != 1 && mode != 2) throw new CorruptDataException("unknown timestamp mode [mode=" + mode + "]");
        long unit = mode == 2 ? in.getVarLong() : 1;
        if (unit < 1) throw new CorruptDataException("timestamp unit out of range [unit=" + unit + "]");
        BitReader r = reader.start(in);
        for (int i = 2; i < n; i++) {
            long z;
            if (!r.readBit()) z = 0;
            else if (!r.readBit()) z = r.read(2);
            else if (!r.readBit()) z = r.read(7);
            else if (!r.readBit()) z = r.read(12);
            else if (!r.readBit()) z = r.read(20);
            else z = r.read(64);
            d += ByteSink.unzigzag(z) * unit;
            ts[i] = ts[i - 1] + d;
        }
        r.finish(in);
    }

    // ---------------------------------------------------------------- longs

    public void encodeLongs(long[] v, int off, int n, ByteSink out) {
        if (n == 0) return;
        out.putVarLong(ByteSink.zigzag(v[off]));
        BitWriter w = bits.start(out);
        for (int start = off + 1; start < off + n; start += MINI_BLOCK) {
            int stop = Math.min(off + n, start + MINI_BLOCK);
            long or = 0;
            for (int i = start; i < stop; i++) or |= ByteSink.zigzag(v[i] - v[i - 1]);
            int width = 64 - Long.numberOfLeadingZeros(or);
            w.write(width, 7);
            if (width == 0) continue;
            for (int i = start; i < stop; i++) w.write(ByteSink.zigzag(v[i] - v[i - 1]), width);
        }
        w.finish();
    }

    public void decodeLongs(ByteSource in, long[] v, int n) {
        if (n == 0) return;
        v[0] = ByteSink.unzigzag(in.getVarLong());
        BitReader r = reader.start(in);
        for (int start = 1; start < n; start += MINI_BLOCK) {
            int stop = Math.min(n, start + MINI_BLOCK);
            int width = (int) r.read(7);
            if (width > 64) throw new CorruptDataException("bit width out of range [width=" + width + "]");
            if (width == 0) {
                for (int i = start; i < stop; i++) v[i] = v[i - 1];
            } else {
                for (int i = start; i < stop; i++) v[i] = v[i - 1] + ByteSink.unzigzag(r.read(width));
            }
        }
        r.finish(in);
    }

    // ---------------------------------------------------------------- doubles (raw IEEE bits in, raw bits out)

    /** True when {@code v} round-trips through a long at decimal scale {@code s} (as {@link #decimalScale} tests it). */
    private static boolean roundTrips(double v, int s) {
        if (!Double.isFinite(v) || Double.doubleToRawLongBits(v) == Long.MIN_VALUE) return false;
        double m = v * POW10[s];
        return Math.abs(m) < TWO_53 && Math.rint(m) / POW10[s] == v;
    }

    /** Smallest decimal scale at which {@code v} round-trips through a long, or -1. */
    static int decimalScale(double v) {
        if (!Double.isFinite(v) || Double.doubleToRawLongBits(v) == Long.MIN_VALUE) return -1;
        for (int s = 0; s <= MAX_SCALE; s++) {
            double m = v * POW10[s];
            if (Math.abs(m) >= TWO_53) return -1;
            double r = Math.rint(m);
            if (r / POW10[s] == v) return s;
        }
        return -1;
    }

    /** Writes a one-byte encoding tag (decimal scale 0..9 or {@link #GORILLA}) and the values; returns the tag. */
    public int encodeDoubles(long[] rawBits, int off, int n, ByteSink out) {
        if (n == 0) {
            out.put(GORILLA);
            return GORILLA;
        }
        int scale = 0;
        for (int i = off; i < off + n && scale >= 0; i++) {
            double v = Double.longBitsToDouble(rawBits[i]);
            // a value that round-trips at the scale so far has its smallest scale at or below it: the maximum stays,
            // so one check per value instead of trying scales 0, 1, 2, ... for each
            if (roundTrips(v, scale)) continue;
            int s = decimalScale(v);
            if (s < 0) scale = -1;
            else if (s > scale) scale = s;
        }
        if (scale >= 0) {
            if (scratch.length < n) scratch = new long[n];
            double p = POW10[scale];
            for (int i = 0; i < n && scale >= 0; i++) {
                long raw = rawBits[off + i];
                long l = (long) Math.rint(Double.longBitsToDouble(raw) * p);
                if (Double.doubleToRawLongBits(l / p) != raw) scale = -1;
                scratch[i] = l;
            }
        }
        if (scale >= 0) {
            int start = out.pos;
            out.put(scale);
            encodeLongs(scratch, 0, n, out);
            int d = n >= 64 ? distinct(scratch, n, usefulDictionary(n, out.pos - start - 1)) : -1;
            if (d > 0) {
                spare.reset();
                encodeDictionary(scratch, n, d, spare);
                if (spare.pos + 1 < out.pos - start) {
                    out.pos = start;
                    out.put(DECIMAL_DICT | scale);
                    out.putBytes(spare.buf, 0, spare.pos);
                    return DECIMAL_DICT | scale;
                }
            }
            return scale;
        }
        int approx = -1;
        for (int i = off; i < off + n; i++) {
            double v = Double.longBitsToDouble(rawBits[i]);
            if (approx < 0 || !roundTrips(v, approx)) approx = Math.max(approx, decimalScale(v));
        }
        if (approx >= 0) {
            if (scratch.length < n) scratch = new long[n];
            if (corrections.length < n) corrections = new long[n];
            double p = POW10[approx];
            for (int i = 0; i < n; i++) {
                long raw = rawBits[off + i];
                long l = (long) Math.rint(Double.longBitsToDouble(raw) * p);
                scratch[i] = l;
                corrections[i] = raw - Double.doubleToRawLongBits(l / p); // wraps for signs and NaN: still exact
            }
            int start = out.pos;
            out.put(DECIMAL_ULP | approx);
            encodeLongs(scratch, 0, n, out);
            encodeCorrections(corrections, n, out);
            spare.reset();
            encodeGorilla(rawBits, off, n, spare);
            if (spare.pos + 1 >= out.pos - start) return DECIMAL_ULP | approx;
            out.pos = start;
        }
        out.put(GORILLA);
        encodeGorilla(rawBits, off, n, out);
        return GORILLA;
    }

    /**
     * Most distinct values a dictionary of {@code n} indices can have and still be smaller than {@code deltaBytes}:
     * its indices alone take at least {@code ceil(n * width / 8)} bytes. Counting and encoding a dictionary that
     * cannot win was a quarter of a flush's time on random-walk data (a few hundred distinct values per block).
     */
    static int usefulDictionary(int n, int deltaBytes) {
        int w = 0;
        while (w < 9 && ((long) n * (w + 1) + 7) / 8 < deltaBytes) w++;
        return Math.min(MAX_DICT, 1 << w);
    }

    /** Number of distinct values among v[0..n) with their sorted list in {@link #dict}, or -1 when more than {@code limit}. */
    private int distinct(long[] v, int n, int limit) {
        java.util.Arrays.fill(dictUsed, false);
        int mask = dictKeys.length - 1, d = 0;
        for (int i = 0; i < n; i++) {
            long x = v[i];
            int h = (int) (x * 0x9E3779B97F4A7C15L >>> 40) & mask;
            while (dictUsed[h] && dictKeys[h] != x) h = (h + 1) & mask;
            if (dictUsed[h]) continue;
            if (d == limit) return -1;
            dictUsed[h] = true;
            dictKeys[h] = x;
            dict[d++] = x;
        }
        java.util.Arrays.sort(dict, 0, d);
        return d;
    }

    /** [varint size][sorted values as longs][indices bit-packed at the width of size - 1]. */
    private void encodeDictionary(long[] v, int n, int d, ByteSink out) {
        out.putVarLong(d);
        encodeLongs(dict, 0, d, out);
        int width = 32 - Integer.numberOfLeadingZeros(d - 1);
        BitWriter w = bits.start(out);
        for (int i = 0; i < n; i++) w.write(java.util.Arrays.binarySearch(dict, 0, d, v[i]), width);
        w.finish();
    }

    private void decodeDictionary(ByteSource in, long[] v, int n) {
        int d = in.getVarInt();
        if (d < 1 || d > MAX_DICT) throw new CorruptDataException("dictionary size out of range [size=" + d + "]");
        decodeLongs(in, dict, d);
        int width = 32 - Integer.numberOfLeadingZeros(d - 1);
        BitReader r = reader.start(in);
        for (int i = 0; i < n; i++) {
            int k = (int) r.read(width);
            if (k >= d) throw new CorruptDataException("dictionary index out of range [index=" + k + ", size=" + d + "]");
            v[i] = dict[k];
        }
        r.finish(in);
    }

    /** Per mini-block: a 7-bit width of the zigzag corrections; when not zero, a flag bit per value and the non-zero ones. */
    private void encodeCorrections(long[] c, int n, ByteSink out) {
        BitWriter w = bits.start(out);
        for (int start = 0; start < n; start += MINI_BLOCK) {
            int stop = Math.min(n, start + MINI_BLOCK);
            long or = 0;
            for (int i = start; i < stop; i++) or |= ByteSink.zigzag(c[i]);
            int width = 64 - Long.numberOfLeadingZeros(or);
            w.write(width, 7);
            if (width == 0) continue;
            for (int i = start; i < stop; i++) {
                long z = ByteSink.zigzag(c[i]);
                if (z == 0) {
                    w.write(0, 1);
                } else {
                    w.write(1, 1);
                    w.write(z, width);
                }
            }
        }
        w.finish();
    }

    private void decodeCorrections(ByteSource in, long[] c, int n) {
        BitReader r = reader.start(in);
        for (int start = 0; start < n; start += MINI_BLOCK) {
            int stop = Math.min(n, start + MINI_BLOCK);
            int width = (int) r.read(7);
            if (width > 64) throw new CorruptDataException("correction width out of range [width=" + width + "]");
            for (int i = start; i < stop; i++) c[i] = width != 0 && r.readBit() ? ByteSink.unzigzag(r.read(width)) : 0;
        }
        r.finish(in);
    }

    public void decodeDoubles(ByteSource in, long[] rawBits, int n) {
        int tag = in.get();
        if (tag == GORILLA) {
            decodeGorilla(in, rawBits, n);
            return;
        }
        if ((tag & DECIMAL_DICT) != 0 && tag != GORILLA && (tag & ~DECIMAL_DICT) <= MAX_SCALE) {
            decodeDictionary(in, rawBits, n);
            double p = POW10[tag & ~DECIMAL_DICT];
            for (int i = 0; i < n; i++) rawBits[i] = Double.doubleToRawLongBits(rawBits[i] / p);
            return;
        }
        if ((tag & DECIMAL_ULP) != 0 && (tag & ~DECIMAL_ULP) <= MAX_SCALE) {
            decodeLongs(in, rawBits, n);
            if (corrections.length < n) corrections = new long[n];
            decodeCorrections(in, corrections, n);
            double p = POW10[tag & ~DECIMAL_ULP];
            for (int i = 0; i < n; i++) rawBits[i] = Double.doubleToRawLongBits(rawBits[i] / p) + corrections[i];
            return;
        }
        if (tag > MAX_SCALE) throw new CorruptDataException("unknown double encoding [tag=" + tag + "]");
        decodeLongs(in, rawBits, n);
        double p = POW10[tag];
        for (int i = 0; i < n; i++) rawBits[i] = Double.doubleToRawLongBits(rawBits[i] / p);
    }

    private void encodeGorilla(long[] v, int off, int n, ByteSink out) {
        BitWriter w = bits.start(out);
        w.write(v[off], 64);
        int prevLead = -1, prevTrail = 0;
        for (int i = off + 1; i < off + n; i++) {
            long x = v[i] ^ v[i - 1];
            if (x == 0) {
                w.write(0, 1);
                continue;
            }
            int lead = Math.min(31, Long.numberOfLeadingZeros(x));
            int trail = Long.numberOfTrailingZeros(x);
            if (prevLead >= 0 && lead >= prevLead && trail >= prevTrail) {
                w.write(0b10, 2);
                w.write(x >>> prevTrail, 64 - prevLead - prevTrail);
            } else {
                int sig = 64 - lead - trail;
                w.write(0b11, 2);
                w.write(lead, 5);
                w.write(sig - 1, 6);
                w.write(x >>> trail, sig);
                prevLead = lead;
                prevTrail = trail;
            }
        }
        w.finish();
    }

    private void decodeGorilla(ByteSource in, long[] v, int n) {
        if (n == 0) return;
        BitReader r = reader.start(in);
        v[0] = r.read(64);
        int lead = 0, trail = 0;
        for (int i = 1; i < n; i++) {
            if (!r.readBit()) {
                v[i] = v[i - 1];
                continue;
            }
            if (r.readBit()) {
                lead = (int) r.read(5);
                int sig = (int) r.read(6) + 1;
                trail = 64 - lead - sig;
                if (trail < 0) throw new CorruptDataException("gorilla window out of range [lead=" + lead + ", significant=" + sig + "]");
            }
            long x = r.read(64 - lead - trail) << trail;
            v[i] = v[i - 1] ^ x;
        }
        r.finish(in);
    }

    // ---------------------------------------------------------------- run-length (booleans, quality, dictionary indices)

    public void encodeRuns(long[] v, int off, int n, ByteSink out) {
        int i = off;
        while (i < off + n) {
            long x = v[i];
            int j = i + 1;
            while (j < off + n && v[j] == x) j++;
            out.putVarLong(ByteSink.zigzag(x));
            out.putVarLong(j - i);
            i = j;
        }
    }

    public void decodeRuns(ByteSource in, long[] v, int n) {
        int i = 0;
        while (i < n) {
            long x = ByteSink.unzigzag(in.getVarLong());
            long run = in.getVarLong();
            if (run <= 0 || run > n - i) throw new CorruptDataException("run length out of range [run=" + run + ", left=" + (n - i) + "]");
            for (int k = 0; k < run; k++) v[i++] = x;
        }
    }

    public void encodeQuality(byte[] q, int off, int n, ByteSink out) {
        int i = off;
        while (i < off + n) {
            byte x = q[i];
            int j = i + 1;
            while (j < off + n && q[j] == x) j++;
            out.put(x);
            out.putVarLong(j - i);
            i = j;
        }
    }

    public void decodeQuality(ByteSource in, byte[] q, int n) {
        int i = 0;
        while (i < n) {
            byte x = (byte) in.get();
            long run = in.getVarLong();
            if (run <= 0 || run > n - i) throw new CorruptDataException("quality run out of range [run=" + run + ", left=" + (n - i) + "]");
            for (int k = 0; k < run; k++) q[i++] = x;
        }
    }

    // ---------------------------------------------------------------- text: per-block dictionary + runs of indices

    public void encodeText(Object[] text, int off, int n, ByteSink out) {
        Map<String, Integer> dict = new HashMap<>();
        if (scratch.length < n) scratch = new long[n];
        ByteSink strings = new ByteSink(64);
        for (int i = 0; i < n; i++) {
            String s = (String) text[off + i];
            Integer id = dict.get(s);
            if (id == null) {
                id = dict.size();
                dict.put(s, id);
                byte[] b = s.getBytes(StandardCharsets.UTF_8);
                strings.putVarLong(b.length);
                strings.putBytes(b, 0, b.length);
            }
            scratch[i] = id;
        }
        out.putVarLong(dict.size());
        out.putBytes(strings.buf, 0, strings.pos);
        encodeRuns(scratch, 0, n, out);
    }

    public void decodeText(ByteSource in, Object[] text, long[] indices, int n) {
        int k = in.getVarInt();
        if (k > n) throw new CorruptDataException("dictionary larger than block [entries=" + k + ", points=" + n + "]");
        String[] dict = new String[k];
        for (int i = 0; i < k; i++) {
            int len = in.getVarInt();
            byte[] b = new byte[len];
            in.getBytes(b, 0, len);
            dict[i] = new String(b, StandardCharsets.UTF_8);
        }
        decodeRuns(in, indices, n);
        for (int i = 0; i < n; i++) {
            long ix = indices[i];
            if (ix < 0 || ix >= k) throw new CorruptDataException("dictionary index out of range [index=" + ix + ", entries=" + k + "]");
            text[i] = dict[(int) ix];
        }
    }
}
