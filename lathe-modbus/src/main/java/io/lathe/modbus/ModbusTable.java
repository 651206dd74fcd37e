package io.lathe.modbus;

import java.util.Locale;

/** The four Modbus data tables (Modbus Application Protocol V1.1b3, section 4.3). */
public enum ModbusTable {
    /** Read/write single bits, function code 0x01. */
    COIL(true, 2000),
    /** Read-only single bits, function code 0x02. */
    DISCRETE_INPUT(true, 2000),
    /** Read/write 16-bit registers, function code 0x03. */
    HOLDING_REGISTER(false, 125),
    /** Read-only 16-bit registers, function code 0x04. */
    INPUT_REGISTER(false, 125);

    private final boolean bits;
    private final int maxPerRequest;

    ModbusTable(boolean bits, int maxPerRequest) {
        this.bits = bits;
        this.maxPerRequest = maxPerRequest;
    }

    /** True for coils and discrete inputs. */
    public boolean bits() {
        return bits;
    }

    /** The protocol's limit for one read request: 2000 bits or 125 registers. */
    public int maxPerRequest() {
        return maxPerRequest;
    }

    /** Configuration label, for example {@code holding-register}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * Parses {@code coil}, {@code discrete-input}, {@code holding-register} / {@code holding}, {@code input-register} /
     * {@code input}; null when unknown.
     */
    public static ModbusTable parse(String label) {
        return switch (label.toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "coil", "coils" -> COIL;
            case "discrete-input", "discrete-inputs", "discrete" -> DISCRETE_INPUT;
            case "holding-register", "holding-registers", "holding" -> HOLDING_REGISTER;
            case "input-register", "input-registers", "input" -> INPUT_REGISTER;
            default -> null;
        };
    }
}
