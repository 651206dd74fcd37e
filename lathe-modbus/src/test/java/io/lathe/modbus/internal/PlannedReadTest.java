package io.lathe.modbus.internal;

import static io.lathe.modbus.ModbusDataType.INT16;
import static io.lathe.modbus.ModbusDataType.UINT16;
import static io.lathe.modbus.ModbusDataType.UINT32;
import static io.lathe.modbus.ModbusTable.HOLDING_REGISTER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lathe.modbus.ModbusPoint;
import io.lathe.model.DataType;
import io.lathe.model.Signal;
import java.util.List;
import org.junit.jupiter.api.Test;

class PlannedReadTest {

    // Halves read only the registers of their own points, so the gap registers that may be missing are not read again.
    @Test
    void splitReadsOnlyTheRegistersOfEachHalf() {
        PlannedRead r = read(ModbusPoint.of("a", HOLDING_REGISTER, 10, UINT16), ModbusPoint.of("b", HOLDING_REGISTER, 15, UINT16),
                ModbusPoint.of("c", HOLDING_REGISTER, 19, UINT32), ModbusPoint.of("d", HOLDING_REGISTER, 25, UINT16));
        PlannedRead[] halves = r.split();
        assertThat(r.parts()).isSameAs(halves);
        assertThat(halves[0].block).extracting(ReadBlock::start, ReadBlock::quantity).containsExactly(10, 6);
        assertThat(halves[1].block).extracting(ReadBlock::start, ReadBlock::quantity).containsExactly(19, 7);
        assertThat(halves[1].signals).extracting(Signal::name).containsExactly("c", "d");
        assertThat(r.requests()).isEqualTo(2);
        halves[1].split();
        assertThat(r.requests()).isEqualTo(3);
        r.merge();
        assertThat(r.parts()).isNull();
        assertThat(r.requests()).isEqualTo(1);
    }

    // Two views of the same registers are one point to the device: they stay together and end the splitting.
    @Test
    void viewsOfTheSameRegistersStayTogether() {
        PlannedRead r = read(ModbusPoint.of("a", HOLDING_REGISTER, 10, UINT16), ModbusPoint.of("b", HOLDING_REGISTER, 12, INT16),
                ModbusPoint.of("c", HOLDING_REGISTER, 12, UINT32));
        PlannedRead[] halves = r.split();
        assertThat(halves[0].signals).extracting(Signal::name).containsExactly("a");
        assertThat(halves[1].signals).extracting(Signal::name).containsExactly("b", "c");
        assertThat(halves[1].single()).isTrue();
        assertThatThrownBy(halves[1]::split).isInstanceOf(IllegalStateException.class);
    }

    private static PlannedRead read(ModbusPoint... points) {
        List<ReadBlock> blocks = ReadPlanner.plan(List.of(points), 10, 125, 2000);
        assertThat(blocks).hasSize(1);
        ReadBlock b = blocks.get(0);
        Signal[] s = b.points().stream().map(p -> new Signal("m." + p.signal(), p.signal(), "m", DataType.LONG, "", "", ""))
                .toArray(Signal[]::new);
        return new PlannedRead(b, s);
    }
}
