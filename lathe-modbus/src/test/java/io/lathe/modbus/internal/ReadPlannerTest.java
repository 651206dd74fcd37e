package io.lathe.modbus.internal;

import static io.lathe.modbus.ModbusDataType.BOOL;
import static io.lathe.modbus.ModbusDataType.FLOAT32;
import static io.lathe.modbus.ModbusDataType.FLOAT64;
import static io.lathe.modbus.ModbusDataType.UINT16;
import static io.lathe.modbus.ModbusTable.COIL;
import static io.lathe.modbus.ModbusTable.HOLDING_REGISTER;
import static io.lathe.modbus.ModbusTable.INPUT_REGISTER;
import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.modbus.ModbusPoint;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadPlannerTest {

    // Adjacent and near registers must share one request: a poll of an energy meter should be one round trip.
    @Test
    void mergesAdjacentAndNearRegistersIntoOneRequest() {
        List<ReadBlock> blocks = ReadPlanner.plan(List.of(
                ModbusPoint.of("c", HOLDING_REGISTER, 10, FLOAT64),
                ModbusPoint.of("a", HOLDING_REGISTER, 0, FLOAT32),
                ModbusPoint.of("b", HOLDING_REGISTER, 2, UINT16)), 10, 125, 2000);

        assertThat(blocks).hasSize(1);
        assertThat(blocks.get(0).start()).isZero();
        assertThat(blocks.get(0).quantity()).isEqualTo(14);
        assertThat(blocks.get(0).points()).extracting(ModbusPoint::signal).containsExactly("a", "b", "c");
    }

    // A hole wider than max-gap-registers costs more than a second request would, so the planner splits there.
    @Test
    void splitsWhereTheGapIsWiderThanAllowed() {
        List<ReadBlock> blocks = ReadPlanner.plan(List.of(
                ModbusPoint.of("a", HOLDING_REGISTER, 0, UINT16),
                ModbusPoint.of("b", HOLDING_REGISTER, 12, UINT16),
                ModbusPoint.of("c", HOLDING_REGISTER, 23, UINT16)), 10, 125, 2000);

        assertThat(blocks).extracting(ReadBlock::start, ReadBlock::quantity)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(0, 1), org.assertj.core.groups.Tuple.tuple(12, 12));
    }

    // The protocol allows 125 registers per read (MODBUS Application Protocol 6.3); a 200-register span needs two.
    @Test
    void neverExceedsTheRegisterLimitOfOneRequest() {
        List<ModbusPoint> points = new ArrayList<>();
        for (int i = 0; i < 100; i++) points.add(ModbusPoint.of("p" + i, INPUT_REGISTER, i * 2, FLOAT32));

        List<ReadBlock> blocks = ReadPlanner.plan(points, 10, 125, 2000);

        assertThat(blocks).extracting(ReadBlock::quantity).containsExactly(124, 76);
        assertThat(blocks).allSatisfy(b -> assertThat(b.quantity()).isLessThanOrEqualTo(125));
        assertThat(blocks.stream().mapToInt(b -> b.points().size()).sum()).isEqualTo(100);
    }

    // Coils are counted in bits (2000 per read) and tables never mix in one request.
    @Test
    void plansBitsPerTableWithTheBitLimit() {
        List<ModbusPoint> points = new ArrayList<>();
        points.add(ModbusPoint.of("h", HOLDING_REGISTER, 0, UINT16));
        for (int i = 0; i < 30; i++) points.add(ModbusPoint.of("c" + i, COIL, i * 100, BOOL));

        List<ReadBlock> blocks = ReadPlanner.plan(points, 10, 125, 2000);

        assertThat(blocks).filteredOn(b -> b.table() == COIL).extracting(ReadBlock::start, ReadBlock::quantity)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(0, 1901), org.assertj.core.groups.Tuple.tuple(2000, 901));
        assertThat(blocks).filteredOn(b -> b.table() == HOLDING_REGISTER).hasSize(1);
    }
}
