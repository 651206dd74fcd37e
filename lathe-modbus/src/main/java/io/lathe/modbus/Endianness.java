package io.lathe.modbus;

import java.util.Locale;

/**
 * Order of the registers of a multi-register value ({@code word-order}) or of the two bytes inside each register
 * ({@code byte-order}). Modbus itself sends each register big-endian and says nothing about multi-register values,
 * so devices differ: BIG/BIG is "ABCD", LITTLE words is "CDAB", LITTLE bytes is "BADC", both LITTLE is "DCBA".
 */
public enum Endianness {
    /** Most significant first (the Modbus default). */
    BIG,
    /** Least significant first. */
    LITTLE;

    /** Parses {@code big} / {@code little} (also {@code high-first} / {@code low-first}); null when unknown. */
    public static Endianness parse(String label) {
        return switch (label.toLowerCase(Locale.ROOT)) {
            case "big", "big-endian", "high-first", "msw-first" -> BIG;
            case "little", "little-endian", "low-first", "lsw-first", "swapped" -> LITTLE;
            default -> null;
        };
    }
}
