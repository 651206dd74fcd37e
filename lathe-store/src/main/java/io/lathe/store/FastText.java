package io.lathe.store;

import java.nio.charset.StandardCharsets;

/**
 * Number and time parsing straight from bytes of UTF-8 text, for the bulk import: no String per field. Each method
 * handles the common shapes itself and hands anything else to the JDK parser the line-by-line import uses
 * ({@link Double#parseDouble}, {@link CsvImport#parseTimeMicros}), so both paths accept the same text and give the
 * same numbers and the same errors.
 */
final class FastText {
    private FastText() {}

    private static final double[] POW10 = new double[23];

    static {
        double p = 1;
        for (int i = 0; i < POW10.length; i++, p *= 10) POW10[i] = p;
    }

    /** Whitespace as {@link String#isBlank()} sees it, for ASCII. */
    static boolean isWhitespace(byte c) {
        return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
    }

    static boolean isBlank(byte[] b, int s, int e) {
        for (int i = s; i < e; i++) if (!isWhitespace(b[i])) return false;
        return true;
    }

    /** As {@link String#trim()}: first index whose byte is above ' '. */
    static int trimStart(byte[] b, int s, int e) {
        while (s < e && (b[s] & 0xFF) <= ' ') s++;
        return s;
    }

    static int trimEnd(byte[] b, int s, int e) {
        while (e > s && (b[e - 1] & 0xFF) <= ' ') e--;
        return e;
    }

    /**
     * {@code Double.parseDouble(text.trim())}: decimal numbers of up to 15 significant digits with an exponent of at
     * most 22 in either direction are one exact multiplication or division of two exactly represented doubles, so
     * correctly rounded, the same double as the JDK's; other text goes to the JDK.
     */
    static double parseDouble(byte[] b, int s, int e) {
        int from = trimStart(b, s, e), to = trimEnd(b, from, e);
        int i = from;
        boolean neg = false;
        if (i < to && (b[i] == '-' || b[i] == '+')) neg = b[i++] == '-';
        long m = 0;
        int digits = 0, scale = 0, seen = 0;
        for (; i < to; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) break;
            seen++;
            if (m == 0 && d == 0) continue;
            if (++digits > 15) return slowDouble(b, s, e);
            m = m * 10 + d;
        }
        if (i < to && b[i] == '.') {
            for (i++; i < to; i++) {
                int d = b[i] - '0';
                if (d < 0 || d > 9) break;
                seen++;
                scale--;
                if (m == 0 && d == 0) continue;
                if (++digits > 15) return slowDouble(b, s, e);
                m = m * 10 + d;
            }
        }
        if (seen == 0) return slowDouble(b, s, e);
        if (i < to && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            boolean eneg = false;
            if (i < to && (b[i] == '-' || b[i] == '+')) eneg = b[i++] == '-';
            int ex = 0, ed = 0;
            for (; i < to && b[i] >= '0' && b[i] <= '9'; i++, ed++) {
                if (ex > 10_000) return slowDouble(b, s, e);
                ex = ex * 10 + (b[i] - '0');
            }
            if (ed == 0) return slowDouble(b, s, e);
            scale += eneg ? -ex : ex;
        }
        if (i != to) return slowDouble(b, s, e); // a suffix (d, f), NaN, Infinity, hex: the JDK decides
        double v;
        if (m == 0) v = 0;
        else if (scale >= 0 && scale <= 22) v = m * POW10[scale];
        else if (scale < 0 && scale >= -22) v = m / POW10[-scale];
        else return slowDouble(b, s, e);
        return neg ? -v : v;
    }

    private static double slowDouble(byte[] b, int s, int e) {
        return Double.parseDouble(new String(b, s, e - s, StandardCharsets.UTF_8).trim());
    }

    /** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
    static long epochDay(int y, int m, int d) {
        y -= m <= 2 ? 1 : 0;
        long era = Math.floorDiv(y, 400);
        long yoe = y - era * 400;
        long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146_097 + doe - 719_468;
    }

    private static int daysInMonth(int y, int m) {
        return switch (m) {
            case 2 -> (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28;
            case 4, 6, 9, 11 -> 30;
            default -> 31;
        };
    }

    private static int digits(byte[] b, int at, int n) {
        int v = 0;
        for (int i = at; i < at + n; i++) {
            int d = b[i] - '0';
            if (d < 0 || d > 9) return -1;
            v = v * 10 + d;
        }
        return v;
    }

    /**
     * {@link CsvImport#parseTimeMicros} of the text: epoch milliseconds, {@code yyyy-MM-ddTHH:mm:ss[.f…]} with
     * {@code Z}, an offset {@code ±HH:MM} or none (UTC), {@code yyyy-MM-dd HH:mm:ss[.SSS|.SSSSSS]}; other shapes go to
     * it. Throws as it does.
     */
    static long parseTimeMicros(byte[] b, int s, int e) {
        int from = trimStart(b, s, e), to = trimEnd(b, from, e);
        int len = to - from;
        if (len == 0) return slowTime(b, s, e);
        // epoch milliseconds
        int i = from;
        boolean neg = b[i] == '-';
        if (neg) i++;
        if (i < to && b[i] >= '0' && b[i] <= '9') {
            int k = i;
            long v = 0;
            while (k < to && b[k] >= '0' && b[k] <= '9' && k - i < 15) v = v * 10 + (b[k++] - '0');
            if (k == to) return (neg ? -v : v) * 1000L;
        }
        if (neg || len < 19 || b[from + 4] != '-' || b[from + 7] != '-' || b[from + 13] != ':' || b[from + 16] != ':') return slowTime(b, s, e);
        byte sep = b[from + 10];
        if (sep != 'T' && sep != ' ') return slowTime(b, s, e);
        int y = digits(b, from, 4), mo = digits(b, from + 5, 2), d = digits(b, from + 8, 2);
        int h = digits(b, from + 11, 2), mi = digits(b, from + 14, 2), sec = digits(b, from + 17, 2);
        if (y < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59 || d > daysInMonth(y, mo)) {
            return slowTime(b, s, e);
        }
        i = from + 19;
        long nanos = 0;
        if (i < to && b[i] == '.') {
            int fs = ++i;
            while (i < to && b[i] >= '0' && b[i] <= '9') nanos = nanos * 10 + (b[i++] - '0');
            int n = i - fs;
            if (n == 0 || n > 9 || (sep == ' ' && n != 3 && n != 6)) return slowTime(b, s, e);
            for (int k = n; k < 9; k++) nanos *= 10;
        }
        long offsetSeconds = 0;
        if (i < to) {
            if (sep != 'T') return slowTime(b, s, e);
            if (b[i] == 'Z' && i + 1 == to) {
                // UTC
            } else if ((b[i] == '+' || b[i] == '-') && to - i == 6 && b[i + 3] == ':') {
                int oh = digits(b, i + 1, 2), om = digits(b, i + 4, 2);
                if (oh < 0 || oh > 17 || om < 0 || om > 59) return slowTime(b, s, e);
                offsetSeconds = (oh * 3600L + om * 60L) * (b[i] == '-' ? -1 : 1);
            } else {
                return slowTime(b, s, e);
            }
        }
        long epochSecond = epochDay(y, mo, d) * 86_400L + h * 3600L + mi * 60L + sec - offsetSeconds;
        return epochSecond * 1_000_000L + nanos / 1000;
    }

    private static long slowTime(byte[] b, int s, int e) {
        return CsvImport.parseTimeMicros(new String(b, s, e - s, StandardCharsets.UTF_8));
    }
}
