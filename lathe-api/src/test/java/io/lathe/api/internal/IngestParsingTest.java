package io.lathe.api.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The byte-level readers behind POST /api/ingest: decimal numbers, UTF-8 validation and the line reader. */
class IngestParsingTest {

    // ---- DecimalText ----

    @Test
    void decimalTextAcceptsOnlyTheDecimalSyntax() {
        // Double.parseDouble's extras (suffixes, hex, NaN, blanks) are typos in a CSV file, not measurements.
        for (String ok : List.of("0", "-0", "+3", "12.5", ".5", "5.", "1e3", "1E-3", "-2.5e+10", "007", "0.000001", "1e-400"))
            assertThat(parse(ok)).as(ok).isEqualTo(DecimalText.OK);
        for (String bad : List.of("", "-", "+", ".", "e3", "1e", "1e+", "1.5d", "2.5F", "0x1p3", "0x10", "NaN", "Infinity",
                " 1", "1 ", "1_000", "1,5", "1.5.2", "--1", "+-1", "1e3.5", "١٢")) // the last: Arabic-Indic digits
            assertThat(parse(bad)).as(bad).isEqualTo(DecimalText.NOT_DECIMAL);
        assertThat(parse("1e309")).isEqualTo(DecimalText.OVERFLOW);
        assertThat(parse("-1e400")).isEqualTo(DecimalText.OVERFLOW);
        assertThat(parse("1e99999999999")).isEqualTo(DecimalText.OVERFLOW);
    }

    @Test
    void integersKeepEveryDigitUpTo64Bits() {
        // Issue 9.11: integers above 2^53 lost precision on the way through a double.
        DecimalText d = new DecimalText();
        assertThat(d.parse(b("9007199254740993"), 0, 16)).isZero();
        assertThat(d.fitsLong()).isTrue();
        assertThat(d.longValue()).isEqualTo(9_007_199_254_740_993L);
        for (String s : List.of("9223372036854775807", "-9223372036854775808", "1000000000000000000", "-999999999999999999",
                "0009223372036854775807")) {
            assertThat(d.parse(b(s), 0, s.length())).isZero();
            assertThat(d.fitsLong()).as(s).isTrue();
            assertThat(d.longValue()).as(s).isEqualTo(new BigDecimal(s).longValueExact());
        }
        for (String s : List.of("9223372036854775808", "-9223372036854775809", "99999999999999999999", "18446744073709551615")) {
            assertThat(d.parse(b(s), 0, s.length())).isZero();
            assertThat(d.isInteger()).isTrue();
            assertThat(d.fitsLong()).as(s).isFalse();
            assertThat(d.doubleValue()).isEqualTo(Double.parseDouble(s));
        }
        assertThat(d.parse(b("1e3"), 0, 3)).isZero();
        assertThat(d.isInteger()).isFalse();
    }

    @Test
    void decimalTextRoundsExactlyLikeParseDouble() {
        // The fast path must give the correctly rounded double, the same as the JDK, for any decimal a sender writes.
        long seed = System.nanoTime();
        System.out.println("decimalTextRoundsExactlyLikeParseDouble seed=" + seed);
        Random r = new Random(seed);
        DecimalText d = new DecimalText();
        for (int i = 0; i < 200_000; i++) {
            String s = randomDecimal(r);
            byte[] bytes = b(s);
            assertThat(d.parse(bytes, 0, bytes.length)).as("%s (seed %d)", s, seed).isNotEqualTo(DecimalText.NOT_DECIMAL);
            double expected = Double.parseDouble(s);
            if (Double.isInfinite(expected)) continue;
            assertThat(Double.doubleToRawLongBits(d.doubleValue())).as("%s (seed %d)", s, seed)
                    .isEqualTo(Double.doubleToRawLongBits(expected));
        }
    }

    private static String randomDecimal(Random r) {
        StringBuilder s = new StringBuilder();
        if (r.nextInt(4) == 0) s.append(r.nextBoolean() ? '-' : '+');
        int intDigits = r.nextInt(22), fracDigits = r.nextInt(4) == 0 ? 0 : r.nextInt(20);
        for (int k = 0; k < intDigits; k++) s.append((char) ('0' + r.nextInt(10)));
        if (fracDigits > 0 || intDigits == 0) {
            s.append('.');
            for (int k = 0; k < Math.max(fracDigits, intDigits == 0 ? 1 : 0); k++) s.append((char) ('0' + r.nextInt(10)));
        }
        if (r.nextInt(3) == 0) s.append(r.nextBoolean() ? 'e' : 'E').append(r.nextBoolean() ? "-" : "").append(r.nextInt(330));
        return s.toString();
    }

    private static int parse(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        return new DecimalText().parse(bytes, 0, bytes.length);
    }

    // ---- Utf8 ----

    @Test
    void utf8RejectsOverlongsSurrogatesAndTruncatedSequences() {
        // Each malformed form, by byte: what a decoder with replacement silently turned into U+FFFD.
        assertThat(Utf8.firstInvalid(hex("41 C3 BC 42"), 0, 4)).isEqualTo(-1); // A ü B
        assertThat(Utf8.firstInvalid(hex("F0 9F 98 80"), 0, 4)).isEqualTo(-1); // U+1F600
        assertThat(Utf8.firstInvalid(hex("EF BB BF"), 0, 3)).isEqualTo(-1); // U+FEFF is valid UTF-8
        assertThat(Utf8.firstInvalid(hex("41 FC 42"), 0, 3)).isEqualTo(1); // Latin-1 ü
        assertThat(Utf8.firstInvalid(hex("C0 80"), 0, 2)).isZero(); // overlong NUL
        assertThat(Utf8.firstInvalid(hex("E0 80 80"), 0, 3)).isZero(); // overlong 3-byte
        assertThat(Utf8.firstInvalid(hex("ED A0 80"), 0, 3)).isZero(); // UTF-16 surrogate D800
        assertThat(Utf8.firstInvalid(hex("F4 90 80 80"), 0, 4)).isZero(); // above U+10FFFF
        assertThat(Utf8.firstInvalid(hex("41 E2 82"), 0, 3)).isEqualTo(1); // truncated €
        assertThat(Utf8.firstInvalid(hex("E2 41 AC"), 0, 3)).isZero(); // bad continuation
        assertThat(Utf8.firstInvalid(hex("80"), 0, 1)).isZero(); // lone continuation
        assertThat(Utf8.firstInvalid(hex("41 42 E2 82 AC"), 0, 4)).isEqualTo(2); // a range that cuts a sequence
    }

    @Test
    void utf8AgreesWithTheJdkStrictDecoderOnRandomBytes() {
        long seed = System.nanoTime();
        System.out.println("utf8AgreesWithTheJdkStrictDecoderOnRandomBytes seed=" + seed);
        Random r = new Random(seed);
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        for (int i = 0; i < 100_000; i++) {
            byte[] b = new byte[r.nextInt(8)];
            for (int k = 0; k < b.length; k++) b[k] = (byte) (r.nextBoolean() ? 0x80 + r.nextInt(0x80) : r.nextInt(0x100));
            boolean jdkValid;
            try {
                decoder.reset().decode(ByteBuffer.wrap(b));
                jdkValid = true;
            } catch (CharacterCodingException e) {
                jdkValid = false;
            }
            assertThat(Utf8.firstInvalid(b, 0, b.length) < 0).as("%s (seed %d)", java.util.HexFormat.of().formatHex(b), seed)
                    .isEqualTo(jdkValid);
        }
    }

    // ---- BodyLines ----

    @Test
    void linesSplitOnNewlinesDropCarriageReturnsAndSkipALeadingByteOrderMark() throws IOException {
        assertThat(lines("\uFEFFa\r\nb\n\nc", 100, 1000)).containsExactly("1:a", "2:b", "3:", "4:c");
        assertThat(lines("a\n\uFEFFb\n", 100, 1000)).containsExactly("1:a", "2:\uFEFFb");
        assertThat(lines("", 100, 1000)).isEmpty();
        assertThat(lines("\n", 100, 1000)).containsExactly("1:");
    }

    @Test
    void aLineOverTheLimitIsSkippedToItsEndWithoutBufferingIt() throws IOException {
        // One huge line must cost no more memory than the limit, and the lines after it must still be read.
        String body = "short\n" + "x".repeat(50) + "\n" + "y".repeat(10) + "\nlast-without-newline" + "z".repeat(30);
        for (int chunk : new int[] {1, 3, 7, 64, 10_000}) {
            assertThat(lines(body, 20, chunk)).as("read %d bytes at a time", chunk)
                    .containsExactly("1:short", "2:too long (50 bytes)", "3:" + "y".repeat(10), "4:too long (50 bytes)");
        }
        assertThat(lines("x".repeat(20) + "\nok", 20, 5)).containsExactly("1:" + "x".repeat(20), "2:ok");
    }

    private static List<String> lines(String body, int maxLineBytes, int chunk) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        InputStream in = new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, chunk)); // short reads, as a network gives them
            }
        };
        BodyLines l = new BodyLines(in, maxLineBytes);
        List<String> out = new ArrayList<>();
        while (l.next()) {
            out.add(l.number() + ":" + (l.tooLong() ? "too long (" + l.tooLongBytes() + " bytes)"
                    : new String(l.bytes(), l.start(), l.end() - l.start(), StandardCharsets.UTF_8)));
        }
        return out;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] hex(String s) {
        return java.util.HexFormat.ofDelimiter(" ").parseHex(s);
    }
}
