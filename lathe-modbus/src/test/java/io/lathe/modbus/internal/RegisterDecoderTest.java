package io.lathe.modbus.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.modbus.Endianness;
import io.lathe.modbus.ModbusDataType;
import io.lathe.modbus.ModbusPoint;
import io.lathe.modbus.ModbusTable;
import io.lathe.model.Value;
import org.junit.jupiter.api.Test;

class RegisterDecoderTest {

    private static ModbusPoint p(ModbusDataType t, Endianness words, Endianness bytes) {
        return ModbusPoint.of("x", ModbusTable.HOLDING_REGISTER, 0, t).withOrder(words, bytes);
    }

    private static byte[] b(int... v) {
        byte[] r = new byte[v.length];
        for (int i = 0; i < v.length; i++) r[i] = (byte) v[i];
        return r;
    }

    // 123.25f is 0x42F68000; the four common layouts ABCD, CDAB, BADC and DCBA must all yield it.
    @Test
    void decodesFloat32InAllFourByteLayouts() {
        assertThat(RegisterDecoder.decodeRegisters(b(0x42, 0xF6, 0x80, 0x00), 0, p(ModbusDataType.FLOAT32, Endianness.BIG, Endianness.BIG)))
                .isEqualTo(Value.of(123.25));
        assertThat(RegisterDecoder.decodeRegisters(b(0x80, 0x00, 0x42, 0xF6), 0, p(ModbusDataType.FLOAT32, Endianness.LITTLE, Endianness.BIG)))
                .isEqualTo(Value.of(123.25));
        assertThat(RegisterDecoder.decodeRegisters(b(0xF6, 0x42, 0x00, 0x80), 0, p(ModbusDataType.FLOAT32, Endianness.BIG, Endianness.LITTLE)))
                .isEqualTo(Value.of(123.25));
        assertThat(RegisterDecoder.decodeRegisters(b(0x00, 0x80, 0xF6, 0x42), 0, p(ModbusDataType.FLOAT32, Endianness.LITTLE, Endianness.LITTLE)))
                .isEqualTo(Value.of(123.25));
    }

    // Sign extension differs between int16/uint16 and int32/uint32: 0xFFFF is -1 or 65535.
    @Test
    void decodesSignedAndUnsignedIntegers() {
        assertThat(RegisterDecoder.decodeRegisters(b(0xFF, 0xFF), 0, p(ModbusDataType.INT16, Endianness.BIG, Endianness.BIG))).isEqualTo(Value.of(-1L));
        assertThat(RegisterDecoder.decodeRegisters(b(0xFF, 0xFF), 0, p(ModbusDataType.UINT16, Endianness.BIG, Endianness.BIG))).isEqualTo(Value.of(65535L));
        assertThat(RegisterDecoder.decodeRegisters(b(0xEE, 0x6B, 0x28, 0x00), 0, p(ModbusDataType.UINT32, Endianness.BIG, Endianness.BIG)))
                .isEqualTo(Value.of(4_000_000_000L));
        assertThat(RegisterDecoder.decodeRegisters(b(0x28, 0x00, 0xEE, 0x6B), 0, p(ModbusDataType.INT32, Endianness.LITTLE, Endianness.BIG)))
                .isEqualTo(Value.of((long) (int) 4_000_000_000L));
    }

    // Scale and offset turn raw counts into engineering units and make the stored type a double.
    @Test
    void appliesScaleAndOffset() {
        ModbusPoint point = p(ModbusDataType.UINT16, Endianness.BIG, Endianness.BIG).withScale(0.1, -10);
        assertThat(RegisterDecoder.decodeRegisters(b(0x09, 0xC4), 0, point).asDouble()).isCloseTo(240.0, org.assertj.core.data.Offset.offset(1e-9));
    }

    // Coil responses pack the first bit into the least significant bit of the first byte (spec 6.1).
    @Test
    void decodesBitsLeastSignificantFirst() {
        byte[] data = b(0b0000_0101, 0b0000_0001);
        assertThat(RegisterDecoder.decodeBit(data, 0)).isEqualTo(Value.of(true));
        assertThat(RegisterDecoder.decodeBit(data, 1)).isEqualTo(Value.of(false));
        assertThat(RegisterDecoder.decodeBit(data, 2)).isEqualTo(Value.of(true));
        assertThat(RegisterDecoder.decodeBit(data, 8)).isEqualTo(Value.of(true));
    }
}
