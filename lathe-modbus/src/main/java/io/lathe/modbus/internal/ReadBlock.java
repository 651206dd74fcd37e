package io.lathe.modbus.internal;

import io.lathe.modbus.ModbusPoint;
import io.lathe.modbus.ModbusTable;
import java.util.List;

/**
 * One read request: {@code quantity} registers or bits of {@code table} from {@code start}, covering {@code points}.
 */
public record ReadBlock(ModbusTable table, int start, int quantity, List<ModbusPoint> points) {
    public ReadBlock {
        points = List.copyOf(points);
    }

    /** One past the last address read. */
    public int end() {
        return start + quantity;
    }
}
