package io.lathe.simulator;

/**
 * The published values of one machine at one simulated instant, rounded to the resolution a real controller reports.
 *
 * @param state          what the machine is doing
 * @param reason         why it is not running ({@link ReasonCode#NONE} while running)
 * @param goodCount      cumulative good parts
 * @param rejectCount    cumulative rejected parts
 * @param cycleTime      duration of the last completed cycle, seconds (0 before the first)
 * @param idealCycleTime ideal cycle time of the current product, seconds
 * @param spindleSpeed   rpm
 * @param vibrationRms   mm/s
 * @param temperature    degC
 * @param power          kW
 * @param energy         cumulative kWh
 * @param wear           hidden wear level in [0, 1]; 1 means a wear-out failure (not published)
 */
public record MachineSnapshot(MachineState state, ReasonCode reason, long goodCount, long rejectCount, double cycleTime,
                              double idealCycleTime, double spindleSpeed, double vibrationRms, double temperature,
                              double power, double energy, double wear) {

    /** Values in {@link SimulatorMetrics#deviceMetrics()} order, typed as Tahu expects (String, Integer, Long, Double). */
    public Object[] metricValues() {
        return new Object[] {state.label(), reason.code(), goodCount, rejectCount, cycleTime, idealCycleTime,
                spindleSpeed, vibrationRms, temperature, power, energy};
    }
}
