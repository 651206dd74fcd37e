package io.lathe.model;

import java.util.Locale;

/** The four value kinds Lathe stores. Protocol types (Sparkplug Int8..UInt64, OPC UA, Modbus) are widened to these. */
public enum DataType {
    DOUBLE, LONG, BOOLEAN, TEXT;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a configuration label such as {@code double} or {@code bool}; null when unknown. */
    public static DataType parse(String label) {
        return switch (label.toLowerCase(Locale.ROOT)) {
            case "double", "float", "number", "real" -> DOUBLE;
            case "long", "int", "integer", "counter" -> LONG;
            case "boolean", "bool" -> BOOLEAN;
            case "text", "string", "enum" -> TEXT;
            default -> null;
        };
    }
}
