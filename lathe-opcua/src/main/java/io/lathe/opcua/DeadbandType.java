package io.lathe.opcua;

import java.util.Locale;

/** Data change filter deadband (OPC 10000-4, 7.22.2). */
public enum DeadbandType {
    NONE(0), ABSOLUTE(1),
    /** Percent of the variable's EURange; the server refuses it for variables without an EURange. */
    PERCENT(2);

    private final int code;

    DeadbandType(int code) {
        this.code = code;
    }

    /** The value of the DeadbandType enumeration on the wire. */
    public int code() {
        return code;
    }

    public static DeadbandType parse(String label) {
        return switch (label.toLowerCase(Locale.ROOT)) {
            case "none" -> NONE;
            case "absolute", "abs" -> ABSOLUTE;
            case "percent", "%" -> PERCENT;
            default -> null;
        };
    }
}
