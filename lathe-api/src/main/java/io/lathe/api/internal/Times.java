package io.lathe.api.internal;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/** Timestamps of the API: ISO-8601 text or epoch milliseconds in, µs since the epoch inside, ISO-8601 out. */
public final class Times {
    private Times() {}

    /**
     * Parses {@code 2026-01-01T07:00:00Z} (an offset such as {@code +02:00} is accepted, fractions down to µs),
     * {@code 2026-01-01} (midnight UTC) or epoch milliseconds ({@code 1767250800000}).
     *
     * @return µs since the epoch
     * @throws IllegalArgumentException with the rule the value broke
     */
    public static long parseMicros(String text) {
        String s = text.trim();
        if (s.isEmpty()) throw new IllegalArgumentException("must be an ISO-8601 time or epoch milliseconds, but is empty");
        if (isInteger(s)) {
            try {
                return Math.multiplyExact(Long.parseLong(s), 1000L);
            } catch (ArithmeticException | NumberFormatException e) {
                throw new IllegalArgumentException("epoch milliseconds out of range");
            }
        }
        try {
            Instant i = s.length() == 10 ? LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant() : Instant.parse(s);
            return Math.addExact(Math.multiplyExact(i.getEpochSecond(), 1_000_000L), i.getNano() / 1000);
        } catch (DateTimeException | ArithmeticException e) {
            throw new IllegalArgumentException("must be an ISO-8601 time such as 2026-01-01T07:00:00Z or epoch milliseconds such as 1767250800000");
        }
    }

    /** ISO-8601 text of µs since the epoch, for example {@code 2026-01-01T07:00:00.000250Z}. */
    public static String iso(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L).toString();
    }

    private static boolean isInteger(String s) {
        int start = s.charAt(0) == '-' ? 1 : 0;
        if (start == s.length()) return false;
        for (int i = start; i < s.length(); i++) if (s.charAt(i) < '0' || s.charAt(i) > '9') return false;
        return true;
    }
}
