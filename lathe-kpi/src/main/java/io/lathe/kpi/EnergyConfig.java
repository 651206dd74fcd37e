package io.lathe.kpi;

import java.util.Objects;

/**
 * Energy of a machine: a cumulative meter in kWh (resets handled like counters) or a power signal in kW integrated
 * over time with the trapezoid rule (linear between samples, nothing after the last sample).
 */
public record EnergyConfig(String signal, Kind kind) {
    public EnergyConfig {
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(kind, "kind");
    }

    /** YAML {@code meter-kwh} or {@code power-kw}. */
    public enum Kind { METER_KWH, POWER_KW }
}
