package io.lathe.store.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CodecsTest {
    private final Codecs codecs = new Codecs();

    private long[] roundTripTimestamps(long[] ts) {
        ByteSink out = new ByteSink(16);
        codecs.encodeTimestamps(ts, 0, ts.length, out);
        long[] back = new long[ts.length];
        ByteSource in = new ByteSource(out.array(), 0, out.size());
        codecs.decodeTimestamps(in, back, ts.length);
        assertThat(in.remaining()).isZero();
        return back;
    }

    private long[] roundTripDoubles(long[] bits) {
        ByteSink out = new ByteSink(16);
        codecs.encodeDoubles(bits, 0, bits.length, out);
        long[] back = new long[bits.length];
        ByteSource in = new ByteSource(out.array(), 0, out.size());
        codecs.decodeDoubles(in, back, bits.length);
        assertThat(in.remaining()).isZero();
        return back;
    }

    private long[] roundTripLongs(long[] v) {
        ByteSink out = new ByteSink(16);
        codecs.encodeLongs(v, 0, v.length, out);
        long[] back = new long[v.length];
        ByteSource in = new ByteSource(out.array(), 0, out.size());
        codecs.decodeLongs(in, back, v.length);
        assertThat(in.remaining()).isZero();
        return back;
    }

    private static long[] bits(double... v) {
        return Arrays.stream(v).mapToLong(Double::doubleToRawLongBits).toArray();
    }

    @Test
    void regularTimestampsEncodeToAConstantDeltaGoldenVector() {
        // Golden bytes pin the format: 8-byte LE first timestamp, zigzag varint delta (1 s = 2,000,000 -> 0x80 0x89 0x7A), mode 0.
        long[] ts = {1_000_000, 2_000_000, 3_000_000, 4_000_000};
        ByteSink out = new ByteSink(16);
        codecs.encodeTimestamps(ts, 0, ts.length, out);
        assertThat(HexFormat.of().formatHex(out.toByteArray())).isEqualTo("40420f0000000000" + "80897a" + "00");
        assertThat(roundTripTimestamps(ts)).containsExactly(ts);
    }

    @Test
    void jitteredGappedAndNegativeTimestampsRoundTrip() {
        // Every delta-of-delta bucket (1, 7, 12, 20 and 64 bits) must decode back exactly.
        long[] ts = {-5_000_000_000L, -4_999_000_000L, -4_998_999_990L, 0, 1, 2, 2, 1_000, 70_000, 2_000_000, Long.MAX_VALUE / 2, Long.MAX_VALUE / 2 + 3};
        assertThat(roundTripTimestamps(ts)).containsExactly(ts);
        assertThat(roundTripTimestamps(new long[]{42})).containsExactly(42);
        assertThat(roundTripTimestamps(new long[]{Long.MIN_VALUE, Long.MAX_VALUE})).containsExactly(Long.MIN_VALUE, Long.MAX_VALUE);
    }

    @Test
    void randomTimestampsRoundTrip() {
        // Property test over random jitter; the seed is in the failure message.
        long seed = System.nanoTime();
        Random r = new Random(seed);
        for (int round = 0; round < 50; round++) {
            long[] ts = new long[1 + r.nextInt(3000)];
            long t = r.nextLong() >> 8;
            for (int i = 0; i < ts.length; i++) {
                t += r.nextInt(4) == 0 ? r.nextLong() >> (8 + r.nextInt(50)) : 1_000_000 + r.nextInt(2000) - 1000;
                ts[i] = t;
            }
            assertThat(roundTripTimestamps(ts)).as("seed=%d round=%d", seed, round).containsExactly(ts);
        }
    }

    @Test
    void specialDoublesRoundTripBitExactly() {
        // NaN payloads, infinities and negative zero cannot take the decimal path and must survive Gorilla bit for bit.
        long[] b = bits(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, 0.0, Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE, 1.0 / 3);
        long[] withPayload = Arrays.copyOf(b, b.length + 1);
        withPayload[b.length] = 0x7ff8_0000_dead_beefL;
        assertThat(roundTripDoubles(withPayload)).containsExactly(withPayload);
        assertThat(roundTripDoubles(bits(-0.0, -0.0))).containsExactly(bits(-0.0, -0.0));
    }

    @Test
    void decimalDoublesTakeTheDecimalPathAndRoundTrip() {
        // Two-decimal sensor values must be stored as scaled integers (scale tag 2), far smaller than 8 bytes each.
        long[] b = new long[2048];
        double v = 20.0;
        Random r = new Random(7);
        for (int i = 0; i < b.length; i++) {
            v = Math.round((v + r.nextGaussian() * 0.1) * 100) / 100.0;
            b[i] = Double.doubleToRawLongBits(v);
        }
        ByteSink out = new ByteSink(16);
        int tag = codecs.encodeDoubles(b, 0, b.length, out);
        assertThat(tag).isEqualTo(2);
        assertThat(out.size()).isLessThan(b.length * 2);
        assertThat(roundTripDoubles(b)).containsExactly(b);
    }

    @Test
    void decimalsWithFloatNoiseTakeTheCorrectedDecimalPathAndRoundTrip() {
        // Three-decimal values where a quarter was printed with float noise (30.72300000000001 is not the double of
        // 30.723): they are stored as scaled integers plus a correction in units in the last place, far below Gorilla.
        long[] b = new long[2016];
        double v = 50;
        Random r = new Random(11);
        for (int i = 0; i < b.length; i++) {
            v = Math.round((v + r.nextGaussian()) * 1000) / 1000.0;
            double stored = r.nextInt(4) == 0 ? Math.nextUp(v) : v;
            if (i == 7) stored = Double.NaN;
            if (i == 8) stored = -0.0;
            if (i == 9) stored = 1e300;
            b[i] = Double.doubleToRawLongBits(stored);
        }
        ByteSink out = new ByteSink(16);
        int tag = codecs.encodeDoubles(b, 0, b.length, out);
        assertThat(tag).isEqualTo(Codecs.DECIMAL_ULP | 3);
        assertThat(out.size()).isLessThan(b.length * 3);
        assertThat(roundTripDoubles(b)).containsExactly(b);
    }

    @Test
    void lowCardinalityDecimalsTakeTheDictionaryPath() {
        // A pressure switching between a few set points with noise-free values: a dictionary of 5 values and 3-bit indices.
        double[] levels = {0.054711, 0.382638, 0.710565, -0.273216, 1.038492};
        long[] b = new long[2048];
        Random r = new Random(3);
        for (int i = 0; i < b.length; i++) b[i] = Double.doubleToRawLongBits(levels[r.nextInt(levels.length)]);
        ByteSink out = new ByteSink(16);
        int tag = codecs.encodeDoubles(b, 0, b.length, out);
        assertThat(tag).isEqualTo(Codecs.DECIMAL_DICT | 6);
        assertThat(out.size()).isLessThan(b.length * 3 / 8 + 64);
        assertThat(roundTripDoubles(b)).containsExactly(b);
    }

    @Test
    void theDictionaryIsSkippedOnlyWhenItsIndicesAloneCannotBeSmallerThanTheDeltas() {
        // usefulDictionary bounds the distinct values worth counting: every d above it needs index bytes >= the
        // deltas' bytes, so skipping it never changes which encoding is chosen; every d up to it may still win.
        for (int n = 64; n <= 1024; n += 37) {
            for (int deltaBytes = 1; deltaBytes <= 2 * n; deltaBytes += 5) {
                int limit = Codecs.usefulDictionary(n, deltaBytes);
                assertThat(limit).isBetween(1, 256);
                for (int d = limit + 1; d <= 256; d++) {
                    int width = 32 - Integer.numberOfLeadingZeros(d - 1);
                    assertThat(((long) n * width + 7) / 8).as("n=%d deltas=%d d=%d", n, deltaBytes, d).isGreaterThanOrEqualTo(deltaBytes);
                }
                int width = 32 - Integer.numberOfLeadingZeros(limit - 1);
                if (limit < 256) assertThat(((long) n * width + 7) / 8).isLessThan(deltaBytes);
            }
        }
    }

    @Test
    void aBlocksScaleIsTheLargestOfItsValuesSmallestScales() {
        // encodeDoubles checks each value at the block's scale so far before searching its own: the tag must still
        // be the largest of the values' smallest scales, whatever the order of values with fewer and more decimals.
        Random r = new Random(5);
        Codecs c = new Codecs();
        for (int round = 0; round < 2_000; round++) {
            int n = 1 + r.nextInt(300);
            long[] raw = new long[n];
            int expected = 0;
            for (int i = 0; i < n; i++) {
                int decimals = r.nextInt(10) == 0 ? r.nextInt(7) : r.nextInt(3);
                double v = Math.round(r.nextGaussian() * 1e4 * Math.pow(10, decimals)) / Math.pow(10, decimals);
                raw[i] = Double.doubleToRawLongBits(v);
                expected = Math.max(expected, Codecs.decimalScale(v));
            }
            ByteSink out = new ByteSink(64);
            int tag = c.encodeDoubles(raw, 0, n, out);
            assertThat(tag & 0x0F).as("round %d", round).isEqualTo(expected);
            long[] back = new long[n];
            c.decodeDoubles(new ByteSource(out.array(), 0, out.size()), back, n);
            assertThat(back).isEqualTo(raw);
        }
    }

    @Test
    void timestampsOnAWholeSecondClockAreEncodedInSeconds() {
        // One-second samples with a missed or doubled second now and then: the delta-of-deltas are counted in seconds.
        long[] ts = new long[2048];
        Random r = new Random(5);
        ts[0] = 1_581_168_647_000_000L;
        for (int i = 1; i < ts.length; i++) ts[i] = ts[i - 1] + (r.nextInt(8) == 0 ? 2_000_000L : 1_000_000L);
        ByteSink out = new ByteSink(16);
        codecs.encodeTimestamps(ts, 0, ts.length, out);
        assertThat(out.size()).isLessThan(ts.length * 3 / 8);
        assertThat(roundTripTimestamps(ts)).containsExactly(ts);
    }

    @Test
    void randomDoublesRoundTripThroughGorilla() {
        long seed = System.nanoTime();
        Random r = new Random(seed);
        long[] b = new long[3000];
        for (int i = 0; i < b.length; i++) b[i] = r.nextInt(5) == 0 ? b[Math.max(0, i - 1)] : Double.doubleToRawLongBits(r.nextGaussian() * 1e6);
        assertThat(roundTripDoubles(b)).as("seed=%d", seed).containsExactly(b);
    }

    @Test
    void longExtremesRoundTrip() {
        // Deltas between extremes overflow; wrapping arithmetic must still decode exactly.
        long[] v = {Long.MIN_VALUE, Long.MAX_VALUE, 0, -1, 1, Long.MIN_VALUE, Long.MIN_VALUE, Long.MAX_VALUE, 12345};
        assertThat(roundTripLongs(v)).containsExactly(v);
        long[] many = new long[1000];
        Arrays.fill(many, 7);
        assertThat(roundTripLongs(many)).containsExactly(many);
    }

    @Test
    void runsAndTextRoundTripIncludingEmptyStrings() {
        long[] bools = {1, 1, 1, 0, 0, 1, 0, 0, 0, 0};
        ByteSink out = new ByteSink(4);
        codecs.encodeRuns(bools, 0, bools.length, out);
        long[] back = new long[bools.length];
        codecs.decodeRuns(new ByteSource(out.array(), 0, out.size()), back, bools.length);
        assertThat(back).containsExactly(bools);

        Object[] text = {"", "", "open", "closed", "", "ünïcødé ✓", "open"};
        out.reset();
        codecs.encodeText(text, 0, text.length, out);
        Object[] tb = new Object[text.length];
        codecs.decodeText(new ByteSource(out.array(), 0, out.size()), tb, new long[text.length], text.length);
        assertThat(tb).containsExactly(text);

        byte[] q = {0, 0, 0, 3, 3, 1};
        out.reset();
        codecs.encodeQuality(q, 0, q.length, out);
        byte[] qb = new byte[q.length];
        codecs.decodeQuality(new ByteSource(out.array(), 0, out.size()), qb, q.length);
        assertThat(qb).containsExactly(q);
    }

    @Test
    void truncatedInputIsReportedAsCorruptNotAsWrongValues() {
        // A damaged block must fail loudly rather than return made-up points.
        long[] ts = {1, 5, 9, 100, 1000, 5000};
        ByteSink out = new ByteSink(16);
        codecs.encodeTimestamps(ts, 0, ts.length, out);
        assertThatThrownBy(() -> codecs.decodeTimestamps(new ByteSource(out.array(), 0, 5), new long[6], 6))
                .isInstanceOf(CorruptDataException.class);
    }
}
