package io.lathe.kpi;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * KPI configuration of one machine.
 *
 * @param id                      machine asset id
 * @param line                    line asset id (rollup), may be null
 * @param area                    area asset id (rollup), may be null
 * @param site                    site id, must name a {@link SiteConfig}
 * @param state                   how the state is derived
 * @param counts                  quantity signals, may be null
 * @param idealCycleTime          planned run time per item (PRI) when no product-specific one applies, may be null
 * @param productSignal           signal carrying the current product id (text or number), may be null
 * @param idealCycleTimeByProduct planned run time per item by product id
 * @param energy                  energy source, may be null
 * @param reasonSignal            signal carrying the current downtime reason code, may be null
 * @param microStopThreshold      unplanned stops shorter than this are micro-stops (not failure events); zero disables
 * @param idealCycleTimeSignal    signal carrying the current ideal cycle time in seconds (used when no product-specific
 *                                one applies; before it and for values ≤ 0 {@code idealCycleTime} applies), may be null
 */
public record MachineConfig(String id, String line, String area, String site, StateSource state, CountsConfig counts,
                            Duration idealCycleTime, String productSignal, Map<String, Duration> idealCycleTimeByProduct,
                            EnergyConfig energy, String reasonSignal, Duration microStopThreshold, String idealCycleTimeSignal) {

    /** Without an ideal-cycle-time signal. */
    public MachineConfig(String id, String line, String area, String site, StateSource state, CountsConfig counts,
                         Duration idealCycleTime, String productSignal, Map<String, Duration> idealCycleTimeByProduct,
                         EnergyConfig energy, String reasonSignal, Duration microStopThreshold) {
        this(id, line, area, site, state, counts, idealCycleTime, productSignal, idealCycleTimeByProduct, energy, reasonSignal, microStopThreshold, null);
    }

    public MachineConfig {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(site, "site");
        Objects.requireNonNull(state, "state");
        idealCycleTimeByProduct = idealCycleTimeByProduct == null ? Map.of() : Map.copyOf(idealCycleTimeByProduct);
        microStopThreshold = microStopThreshold == null ? Duration.ZERO : microStopThreshold;
        if (idealCycleTime != null && (idealCycleTime.isNegative() || idealCycleTime.isZero()))
            throw new IllegalArgumentException("Machine [id=" + id + "]: ideal-cycle-time must be positive, but was " + idealCycleTime + ".");
    }
}
