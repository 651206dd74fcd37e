package io.lathe.alarm;

import io.lathe.model.Value;
import java.util.Set;

/**
 * What the engine asks to suppress alarms by design: is a machine in a planned stop or outside its scheduled time now?
 * {@link KpiPlannedStops} answers from the KPI configuration (state signal and shift calendar). Thread-safe.
 */
public interface PlannedStops {
    /** The signals whose points the engine must pass on ({@link #onPoint}). */
    Set<String> signals();

    /** A point of one of {@link #signals()}. */
    void onPoint(String signalId, long timestampMicros, Value value);

    /** True while the machine is in a planned stop or not scheduled. */
    boolean planned(String machineId, long nowMicros);

    /** No machine is ever in a planned stop. */
    PlannedStops NONE = new PlannedStops() {
        @Override
        public Set<String> signals() {
            return Set.of();
        }

        @Override
        public void onPoint(String signalId, long timestampMicros, Value value) {}

        @Override
        public boolean planned(String machineId, long nowMicros) {
            return false;
        }
    };
}
