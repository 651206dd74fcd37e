package io.lathe.modbus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One Modbus unit behind a connection (a device, or one slave behind a gateway), polled on its own schedule.
 *
 * @param unitId       Modbus unit identifier, in [0, 255] (YAML {@code unit-id}, default 1)
 * @param machineId    id of the machine asset the signals are created under (YAML {@code machine}); must exist in the
 *                     plant model when the connection is created
 * @param pollInterval time between the starts of two polls (YAML {@code poll-interval}, default 1 s); at least 10 ms
 * @param points       what to read (YAML {@code points}); at least one, signal names unique
 */
public record ModbusDevice(int unitId, String machineId, Duration pollInterval, List<ModbusPoint> points) {

    public ModbusDevice {
        List<String> problems = new ArrayList<>();
        if (unitId < 0 || unitId > 255) problems.add("unit-id must be in [0, 255], but was " + unitId);
        if (machineId == null || machineId.isBlank()) problems.add("machine must not be blank");
        pollInterval = pollInterval == null ? Duration.ofSeconds(1) : pollInterval;
        if (pollInterval.toMillis() < 10) problems.add("poll-interval must be at least 10ms, but was " + pollInterval);
        points = points == null ? List.of() : List.copyOf(points);
        if (points.isEmpty()) problems.add("points must not be empty");
        Set<String> names = new HashSet<>();
        for (ModbusPoint p : points) {
            if (!names.add(p.signal())) problems.add("signal names must be unique, but " + p.signal() + " appears twice");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid Modbus device [unit-id=" + unitId + ", machine=" + machineId + "]: "
                    + String.join("; ", problems) + ". Fix the device in the connection's configuration.");
        }
    }
}
