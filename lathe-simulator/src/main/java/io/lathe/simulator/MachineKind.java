package io.lathe.simulator;

import java.util.List;

/** Static parameters of one machine on a line. Times in seconds or hours as named, power in kW. */
record MachineKind(String kind, String deviceId, String name, double idealCycleSeconds, double nominalRpm,
                   double baseVibration, double temperatureRise, double idlePowerKw, double cuttingPowerKw,
                   double mtbfRunningHours, double mttrMedianMinutes, int toolLifeParts, List<ReasonCode> randomFaults) {

    static final double AMBIENT_C = 22.0;

    /** The machines of a line with {@code n} machines: a saw, CNC lathes, a parts washer. */
    static List<MachineKind> lineOf(int n) {
        var kinds = new java.util.ArrayList<MachineKind>(n);
        int cncCount = n >= 3 ? n - 2 : 1;
        boolean saw = n >= 2;
        boolean washer = n >= 3;
        if (saw) kinds.add(saw());
        for (int i = 1; i <= cncCount; i++) kinds.add(cnc(i));
        if (washer) kinds.add(washer());
        return List.copyOf(kinds);
    }

    static MachineKind saw() {
        return new MachineKind("saw", "Saw", "Band Saw", 40.0, 450.0, 1.6, 14.0, 0.9, 3.6, 20.0, 12.0, 900,
                List.of(ReasonCode.HYDRAULIC_FAULT, ReasonCode.DRIVE_FAULT));
    }

    static MachineKind cnc(int i) {
        // Later operations are a little slower: the last CNC is the line's bottleneck.
        return new MachineKind("cnc", "CNC-" + i, "CNC Lathe " + i, 40.0 + 3.0 * Math.min(i, 5), 2800.0 + 200.0 * (i % 3),
                1.2, 24.0, 3.2, 11.5, 14.0, 15.0, 240 + 30 * (i % 2),
                List.of(ReasonCode.HYDRAULIC_FAULT, ReasonCode.DRIVE_FAULT));
    }

    static MachineKind washer() {
        return new MachineKind("washer", "Wash", "Parts Washer", 38.0, 1450.0, 0.8, 16.0, 1.6, 6.0, 30.0, 10.0, 0,
                List.of(ReasonCode.DRIVE_FAULT));
    }

    /** Temperature above which the spindle may trip on overheat. */
    double overheatThresholdC() {
        return AMBIENT_C + temperatureRise + 8.0;
    }
}
