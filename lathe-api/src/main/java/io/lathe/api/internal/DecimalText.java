package io.lathe.api.internal;

import java.nio.charset.StandardCharsets;

/**
 * Reads a number written in decimal, from bytes, without a regex and (in the common case) without allocating:
 * {@code [+-]? digits? ['.' digits?] [(e|E) [+-]? digits]} with at least one mantissa digit. This is the number syntax
 * of CSV ingest; what {@link Double#parseDouble} accepts beyond it ({@code 1.5d}, {@code 0x1p3}, {@code NaN},
 * {@code Infinity}, surrounding blanks) is refused, because in a CSV file it is a typo or a dump of a program's
 * variables, not a measurement.
 *
 * <p>One instance is reused for every line of a request (not thread-safe). After {@link #parse} returns {@link #OK},
 * {@link #isInteger()} says whether the text was an integer literal (no point, no exponent); {@link #fitsLong()} and
 * {@link #longValue()} give it exactly when it fits 64 bits; {@link #doubleValue()} is always the nearest double.
 */
final class DecimalText {
    static final int OK = 0;
    /** Not in the decimal syntax at all. */
    static final int NOT_DECIMAL = 1;
    /** Beyond ±{@link Double#MAX_VALUE}: would be stored as an infinity. */
    static final int OVERFLOW = 2;

    /** 10^0 .. 10^22: the powers of ten a double holds exactly. */
    private static final double[] POW10 = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14,
            1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

    private boolean integer;
    private boolean fitsLong;
    private long longValue;
    private double doubleValue;

    /** Parses {@code b[from, to)}; see the class comment for the syntax. */
    int parse(byte[] b, int from, int to) {
        int i = from;
        boolean negative = false;
        if (i < to && (b[i] == '-' || b[i] == '+')) negative = b[i++] == '-';
        long mantissa = 0; // the first 18 significant digits
        int significant = 0, dropped = 0, fractionDigits = 0, digits = 0;
        boolean point = false;
        for (; i < to; i++) {
            int c = b[i];
            if (c >= '0' && c <= '9') {
                digits++;
                if (point) fractionDigits++;
                if (significant == 0 && c == '0') continue; // leading zeros
                if (significant < 18) {
                    mantissa = mantissa * 10 + (c - '0');
                    significant++;
                } else {
                    dropped++;
                }
            } else if (c == '.' && !point) {
                point = true;
            } else {
                break;
            }
        }
        if (digits == 0) return NOT_DECIMAL;
        int exponent = 0;
        boolean hasExponent = false;
        if (i < to && (b[i] == 'e' || b[i] == 'E')) {
            hasExponent = true;
            i++;
            boolean negativeExponent = false;
            if (i < to && (b[i] == '-' || b[i] == '+')) negativeExponent = b[i++] == '-';
            int start = i;
            for (; i < to && b[i] >= '0' && b[i] <= '9'; i++) {
                if (exponent < 100_000) exponent = exponent * 10 + (b[i] - '0'); // saturates far beyond any double
            }
            if (i == start) return NOT_DECIMAL;
            if (negativeExponent) exponent = -exponent;
        }
        if (i != to) return NOT_DECIMAL;

        integer = !point && !hasExponent;
        fitsLong = false;
        if (integer) {
            if (dropped == 0) {
                fitsLong = true;
                longValue = negative ? -mantissa : mantissa;
                doubleValue = negative && mantissa == 0 ? -0.0 : longValue;
                return OK;
            }
            if (dropped == 1 && mantissa <= Long.MAX_VALUE / 10) { // 19 digits: one more step, checked
                long v = mantissa * 10; // >= 10^18, < 2^63
                int last = b[to - 1] - '0';
                if (!negative && last <= Long.MAX_VALUE - v) {
                    fitsLong = true;
                    longValue = v + last;
                } else if (negative && last <= Long.MAX_VALUE - v + 1) { // down to -2^63
                    fitsLong = true;
                    longValue = -v - last;
                }
                if (fitsLong) {
                    doubleValue = longValue;
                    return OK;
                }
            }
        }
        // Exact fast path (Clinger): both operands exact doubles, so the one rounding of * or / is the correct one.
        int scale = dropped - fractionDigits + exponent;
        if (dropped == 0 && significant <= 15 && scale >= -22 && scale <= 22) {
            double m = mantissa;
            if (negative) m = -m; // -0.0 stays negative, as parseDouble has it
            doubleValue = scale >= 0 ? m * POW10[scale] : m / POW10[-scale];
            return OK;
        }
        if (significant == 0) { // zero with any exponent
            doubleValue = negative ? -0.0 : 0.0;
            return OK;
        }
        // Validated above, so parseDouble sees only the decimal syntax; it rounds correctly in every case.
        doubleValue = Double.parseDouble(new String(b, from, to - from, StandardCharsets.ISO_8859_1));
        return Double.isInfinite(doubleValue) ? OVERFLOW : OK;
    }

    /** True when the text had neither a point nor an exponent. */
    boolean isInteger() {
        return integer;
    }

    /** True for an integer literal within [{@link Long#MIN_VALUE}, {@link Long#MAX_VALUE}]. */
    boolean fitsLong() {
        return fitsLong;
    }

    long longValue() {
        return longValue;
    }

    double doubleValue() {
        return doubleValue;
    }
}
