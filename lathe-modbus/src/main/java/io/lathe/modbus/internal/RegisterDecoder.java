package io.lathe.modbus.internal;

import io.lathe.modbus.Endianness;
import io.lathe.modbus.ModbusPoint;
import io.lathe.model.Value;

/** Decodes points from the raw bytes of a read response. Allocation-free apart from the returned value. */
public final class RegisterDecoder {
    private RegisterDecoder() {}

    /**
     * Decodes the point whose first register is {@code index} registers into {@code data} (the response's register
     * bytes, two per register, each register big-endian as sent on the wire), applying word order, byte order,
     * scale and offset.
     */
    public static Value decodeRegisters(byte[] data, int index, ModbusPoint p) {
        int n = p.type().registers();
        long bits = 0;
        for (int i = 0; i < n; i++) {
            int reg = p.wordOrder() == Endianness.BIG ? index + i : index + n - 1 - i;
            int hi = data[reg * 2] & 0xFF;
            int lo = data[reg * 2 + 1] & 0xFF;
            int word = p.byteOrder() == Endianness.BIG ? (hi << 8) | lo : (lo << 8) | hi;
            bits = (bits << 16) | word;
        }
        return switch (p.type()) {
            case BOOL -> Value.of(bits != 0);
            case INT16 -> integer((short) bits, p);
            case UINT16 -> integer(bits & 0xFFFF, p);
            case INT32 -> integer((int) bits, p);
            case UINT32 -> integer(bits & 0xFFFF_FFFFL, p);
            case INT64 -> integer(bits, p);
            case FLOAT32 -> Value.of(Float.intBitsToFloat((int) bits) * p.scale() + p.offset());
            case FLOAT64 -> Value.of(Double.longBitsToDouble(bits) * p.scale() + p.offset());
        };
    }

    /** Bit {@code index} of a coil or discrete input response (LSB of the first byte is the first bit). */
    public static Value decodeBit(byte[] data, int index) {
        return Value.of((data[index >> 3] >> (index & 7) & 1) != 0);
    }

    private static Value integer(long raw, ModbusPoint p) {
        if (p.scale() == 1 && p.offset() == 0) return Value.of(raw);
        return Value.of(raw * p.scale() + p.offset());
    }
}
