package io.lathe.modbus;

import java.util.Locale;

/** How the registers (or the bit) of one point are interpreted. */
public enum ModbusDataType {
    /** One coil or discrete input; on a register table, a register that is non-zero. */
    BOOL(1, false),
    INT16(1, false),
    UINT16(1, false),
    INT32(2, false),
    UINT32(2, false),
    INT64(4, false),
    /** IEEE 754 single precision in two registers. */
    FLOAT32(2, true),
    /** IEEE 754 double precision in four registers. */
    FLOAT64(4, true);

    private final int registers;
    private final boolean floating;

    ModbusDataType(int registers, boolean floating) {
        this.registers = registers;
        this.floating = floating;
    }

    /** Number of 16-bit registers the value spans (1 for BOOL). */
    public int registers() {
        return registers;
    }

    public boolean floating() {
        return floating;
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a label such as {@code float32} or {@code uint16}; null when unknown. */
    public static ModbusDataType parse(String label) {
        return switch (label.toLowerCase(Locale.ROOT)) {
            case "bool", "boolean", "bit" -> BOOL;
            case "int16", "short" -> INT16;
            case "uint16", "word" -> UINT16;
            case "int32", "int", "dint" -> INT32;
            case "uint32", "udint", "dword" -> UINT32;
            case "int64", "long", "lint" -> INT64;
            case "float32", "float", "real" -> FLOAT32;
            case "float64", "double", "lreal" -> FLOAT64;
            default -> null;
        };
    }
}
