package io.lathe.simulator;

/**
 * Line-level values at one simulated instant.
 *
 * @param shift   current shift name: {@code Early} (06-14 UTC), {@code Late} (14-22) or {@code Night} (22-06)
 * @param product product being made
 */
public record LineSnapshot(String shift, String product) {

    /** Values in {@link SimulatorMetrics#lineMetrics()} order. */
    public Object[] metricValues() {
        return new Object[] {shift, product};
    }
}
