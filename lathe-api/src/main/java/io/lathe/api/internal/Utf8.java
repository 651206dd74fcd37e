package io.lathe.api.internal;

/**
 * Strict UTF-8 validation (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF, no truncated sequences.
 * Ingest checks names and values with it instead of decoding with replacement, which turned a Latin-1 {@code ü} into
 * U+FFFD and so merged different series names into one.
 */
final class Utf8 {
    private Utf8() {}

    /** True when {@code b[from, to)} is plain ASCII (the common case, checked first because it is cheap). */
    static boolean isAscii(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) if (b[i] < 0) return false;
        return true;
    }

    /** Index of the first byte of the first invalid sequence in {@code b[from, to)}, or -1 when it is valid UTF-8. */
    static int firstInvalid(byte[] b, int from, int to) {
        int i = from;
        while (i < to) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                i++;
                continue;
            }
            int n; // continuation bytes
            int min, max; // allowed range of the second byte (rules out overlongs, surrogates, > U+10FFFF)
            if (c >= 0xC2 && c <= 0xDF) { n = 1; min = 0x80; max = 0xBF; }
            else if (c == 0xE0) { n = 2; min = 0xA0; max = 0xBF; }
            else if (c >= 0xE1 && c <= 0xEC || c == 0xEE || c == 0xEF) { n = 2; min = 0x80; max = 0xBF; }
            else if (c == 0xED) { n = 2; min = 0x80; max = 0x9F; }
            else if (c == 0xF0) { n = 3; min = 0x90; max = 0xBF; }
            else if (c >= 0xF1 && c <= 0xF3) { n = 3; min = 0x80; max = 0xBF; }
            else if (c == 0xF4) { n = 3; min = 0x80; max = 0x8F; }
            else return i;
            if (i + n >= to) return i; // truncated at the end
            int second = b[i + 1] & 0xFF;
            if (second < min || second > max) return i;
            for (int k = 2; k <= n; k++) if ((b[i + k] & 0xC0) != 0x80) return i;
            i += n + 1;
        }
        return -1;
    }
}
