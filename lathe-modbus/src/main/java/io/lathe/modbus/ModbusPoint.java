package io.lathe.modbus;

import io.lathe.model.DataType;
import java.util.ArrayList;
import java.util.List;

/**
 * One value read from a Modbus device and stored as one signal. Immutable; validated on construction.
 *
 * <p>The stored value is {@code raw * scale + offset}. Integer types with scale 1 and offset 0 are stored as
 * {@link DataType#LONG}, {@code bool} as {@link DataType#BOOLEAN}, everything else as {@link DataType#DOUBLE}.
 *
 * @param signal      signal name under the device's machine (YAML {@code signal}); not blank
 * @param table       data table to read (YAML {@code table}: coil, discrete-input, holding-register, input-register)
 * @param address     zero-based protocol address of the first register or bit, in [0, 65535] (YAML {@code address});
 *                    register 40001 in the old 1-based notation is holding register address 0
 * @param type        how to decode (YAML {@code type}); must be {@code bool} for coils and discrete inputs
 * @param wordOrder   order of registers for 32/64-bit types (YAML {@code word-order}, default big = high word first)
 * @param byteOrder   order of the two bytes inside each register (YAML {@code byte-order}, default big)
 * @param scale       multiplier applied to the raw value (YAML {@code scale}, default 1); finite and non-zero
 * @param offset      added after scaling, in the signal's unit (YAML {@code offset}, default 0); finite
 * @param unit        engineering unit of the scaled value (YAML {@code unit}); empty when none
 * @param description free text (YAML {@code description}); empty when none
 */
public record ModbusPoint(String signal, ModbusTable table, int address, ModbusDataType type, Endianness wordOrder,
                          Endianness byteOrder, double scale, double offset, String unit, String description) {

    public ModbusPoint {
        List<String> problems = new ArrayList<>();
        if (signal == null || signal.isBlank()) problems.add("signal must not be blank");
        if (table == null) problems.add("table must be one of coil, discrete-input, holding-register, input-register");
        if (type == null) problems.add("type must be one of bool, int16, uint16, int32, uint32, int64, float32, float64");
        wordOrder = wordOrder == null ? Endianness.BIG : wordOrder;
        byteOrder = byteOrder == null ? Endianness.BIG : byteOrder;
        unit = unit == null ? "" : unit;
        description = description == null ? "" : description;
        if (table != null && type != null) {
            if (table.bits() && type != ModbusDataType.BOOL) {
                problems.add("type must be bool for table " + table.label() + ", but was " + type.label());
            }
            int last = address + (table.bits() ? 1 : type.registers()) - 1;
            if (address < 0 || last > 65535) {
                problems.add("address must be in [0, " + (65536 - (table.bits() ? 1 : type.registers()))
                        + "] for " + type.label() + ", but was " + address);
            }
        }
        if (!Double.isFinite(scale) || scale == 0) problems.add("scale must be finite and non-zero, but was " + scale);
        if (!Double.isFinite(offset)) problems.add("offset must be finite, but was " + offset);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid Modbus point [signal=" + signal + ", address=" + address + "]: "
                    + String.join("; ", problems) + ". Fix the point in the connection's points list.");
        }
    }

    /** A point with big-endian words and bytes, scale 1, offset 0 and no unit. */
    public static ModbusPoint of(String signal, ModbusTable table, int address, ModbusDataType type) {
        return new ModbusPoint(signal, table, address, type, Endianness.BIG, Endianness.BIG, 1, 0, "", "");
    }

    /** Number of registers (or bits, for coil tables) the point occupies. */
    public int width() {
        return table.bits() ? 1 : type.registers();
    }

    /** The Lathe data type the scaled value is stored as. */
    public DataType dataType() {
        if (type == ModbusDataType.BOOL) return DataType.BOOLEAN;
        if (!type.floating() && scale == 1 && offset == 0) return DataType.LONG;
        return DataType.DOUBLE;
    }

    public ModbusPoint withOrder(Endianness words, Endianness bytes) {
        return new ModbusPoint(signal, table, address, type, words, bytes, scale, offset, unit, description);
    }

    public ModbusPoint withScale(double newScale, double newOffset) {
        return new ModbusPoint(signal, table, address, type, wordOrder, byteOrder, newScale, newOffset, unit, description);
    }

    public ModbusPoint withUnit(String newUnit) {
        return new ModbusPoint(signal, table, address, type, wordOrder, byteOrder, scale, offset, newUnit, description);
    }
}
