package io.lathe.modbus.internal;

import io.lathe.modbus.ModbusPoint;
import io.lathe.modbus.ModbusTable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a device's points into as few read requests as the protocol allows: points of one table are sorted by address
 * and merged while the hole between them is at most {@code maxGap} registers (16 times that for bits) and the request
 * stays within the per-request limit. Overlapping points (two views of the same registers) share a request.
 */
public final class ReadPlanner {
    private ReadPlanner() {}

    public static List<ReadBlock> plan(List<ModbusPoint> points, int maxGapRegisters, int maxRegisters, int maxBits) {
        Map<ModbusTable, List<ModbusPoint>> byTable = new EnumMap<>(ModbusTable.class);
        for (ModbusPoint p : points) byTable.computeIfAbsent(p.table(), t -> new ArrayList<>()).add(p);
        List<ReadBlock> blocks = new ArrayList<>();
        for (Map.Entry<ModbusTable, List<ModbusPoint>> e : byTable.entrySet()) {
            ModbusTable table = e.getKey();
            int limit = Math.min(table.maxPerRequest(), table.bits() ? maxBits : maxRegisters);
            int gap = table.bits() ? maxGapRegisters * 16 : maxGapRegisters;
            List<ModbusPoint> sorted = new ArrayList<>(e.getValue());
            sorted.sort(Comparator.comparingInt(ModbusPoint::address).thenComparingInt(ModbusPoint::width));
            int start = -1;
            int end = -1;
            List<ModbusPoint> current = new ArrayList<>();
            for (ModbusPoint p : sorted) {
                int pEnd = p.address() + p.width();
                if (start >= 0 && p.address() - end <= gap && Math.max(end, pEnd) - start <= limit) {
                    end = Math.max(end, pEnd);
                    current.add(p);
                    continue;
                }
                if (start >= 0) blocks.add(new ReadBlock(table, start, end - start, current));
                start = p.address();
                end = pEnd;
                current = new ArrayList<>();
                current.add(p);
            }
            if (start >= 0) blocks.add(new ReadBlock(table, start, end - start, current));
        }
        return blocks;
    }
}
