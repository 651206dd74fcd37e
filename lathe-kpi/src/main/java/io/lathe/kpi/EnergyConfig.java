package io.lathe.kpi;

import java.util.Objects;

/**
 * Energy of a machine: a cumulative meter in kWh or a power signal in kW integrated over time with the trapezoid rule
 * (linear between samples, nothing after the last sample).
 *
 * <p>A meter reading measures consumption up to its timestamp, so its increment belongs to the interval that ends at
 * the reading: the reading at 22:00:00 belongs to the shift that ends at 22:00. The first reading is the baseline.
 * With {@code maxPowerKw > 0} an increment may be at most {@code maxPowerKw × 1.5 × elapsed hours + 1 kWh} (elapsed
 * since the meter last changed; the kWh allows one display step of a coarse meter); a larger jump is not counted. A
 * decrease is a reset counted from 0 when the new reading is within that same bound (without {@code maxPowerKw}: when
 * it is at most half the old reading), otherwise a glitch that counts nothing. Each is a {@link DataQualityEvent}.
 *
 * @param maxPowerKw the most the machine can draw, kW (YAML {@code max-power-kw}); 0 for no jump bound. Only for
 *                   {@link Kind#METER_KWH}.
 */
public record EnergyConfig(String signal, Kind kind, double maxPowerKw) {
    public EnergyConfig {
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(kind, "kind");
        if (!(maxPowerKw >= 0) || Double.isInfinite(maxPowerKw)) {
            throw new IllegalArgumentException("Energy [signal=" + signal + "]: max-power-kw must be 0 (no bound) or a positive number, but was " + maxPowerKw + ".");
        }
    }

    /** Without a power bound. */
    public EnergyConfig(String signal, Kind kind) {
        this(signal, kind, 0);
    }

    /** YAML {@code meter-kwh} or {@code power-kw}. */
    public enum Kind { METER_KWH, POWER_KW }
}
