package io.lathe.predict.live;

import io.lathe.kpi.KpiConfig;
import io.lathe.kpi.MachineConfig;
import io.lathe.kpi.ReasonTree;
import io.lathe.kpi.SiteConfig;
import io.lathe.kpi.StateSource;
import io.lathe.model.DataType;
import io.lathe.model.PlantModel;
import io.lathe.model.Signal;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What the health models need to know about one machine: how to tell that it is running (only running data is
 * learned from and scored), which reason codes mean a wear-out failure (the end of a run-to-failure cycle), and which
 * signals are not health features (counters, meters, the state itself, operating-point signals).
 *
 * <p>Taken from the machine's {@code kpi:} configuration when it has one (its state mapping, reason signal and reason
 * tree); otherwise a text signal named {@code State} whose value {@code running} means running.
 *
 * @param machine         machine id
 * @param state           the running test
 * @param reasonSignal    signal carrying the stop reason code, or null
 * @param failureReasons  reason codes ending a run-to-failure cycle (reasons named like "wear")
 * @param notFeatures     signal ids never used as features
 */
public record MachineBinding(String machine, StateSource state, String reasonSignal, Set<String> failureReasons, Set<String> notFeatures) {

    /** Signal source prefix of the series the health models write. */
    public static final String OUTPUT_SOURCE = "lathe:predict/";
    /** Names of the signals the health models write. */
    static final Set<String> OUTPUT_NAMES = Set.of("Anomaly Score", "RUL", "RUL Lower", "RUL Upper");

    /**
     * Units of operating-point signals (speeds, durations): they follow the product and the set-up, not the machine's
     * condition, so they are not anomaly features (a product change would look like a fault).
     */
    static final Set<String> OPERATING_POINT_UNITS = Set.of("rpm", "1/min", "hz", "s", "ms", "min", "h");

    public MachineBinding {
        failureReasons = Set.copyOf(failureReasons);
        notFeatures = Set.copyOf(notFeatures);
    }

    /** The binding of a machine, or null when there is no way to tell whether it runs. */
    public static MachineBinding of(String machine, PlantModel model, KpiConfig kpi) {
        Set<String> not = new HashSet<>();
        if (kpi != null) {
            for (MachineConfig m : kpi.machines()) {
                if (!m.id().equals(machine)) continue;
                if (m.counts() != null) {
                    if (m.counts().produced() != null) not.add(m.counts().produced().signal());
                    if (m.counts().good() != null) not.add(m.counts().good().signal());
                    if (m.counts().reject() != null) not.add(m.counts().reject().signal());
                }
                if (m.energy() != null) not.add(m.energy().signal());
                if (m.idealCycleTimeSignal() != null) not.add(m.idealCycleTimeSignal());
                if (m.productSignal() != null) not.add(m.productSignal());
                if (m.reasonSignal() != null) not.add(m.reasonSignal());
                if (m.state() instanceof StateSource.Enumerated e) not.add(e.signal());
                Set<String> failures = new HashSet<>();
                SiteConfig site = kpi.siteById().get(m.site());
                if (site != null) failures.addAll(wearReasons(site.reasons()));
                return new MachineBinding(machine, m.state(), m.reasonSignal(), failures, not);
            }
        }
        Signal state = model.signalByName(machine, "State");
        if (state == null || state.dataType() != DataType.TEXT) return null;
        not.add(state.id());
        Signal reason = model.signalByName(machine, "Reason Code");
        if (reason != null) not.add(reason.id());
        return new MachineBinding(machine, new StateSource.Enumerated(state.id(),
                Map.of("running", io.lathe.kpi.MachineState.RUNNING), io.lathe.kpi.MachineState.IDLE),
                reason == null ? null : reason.id(), Set.of(), not);
    }

    /** Reason codes whose name says wear (wear-out, worn): the failures a degradation model predicts. */
    static Set<String> wearReasons(ReasonTree tree) {
        Set<String> out = new HashSet<>();
        for (ReasonTree.Category c : tree.categories()) {
            for (ReasonTree.Reason r : c.reasons()) {
                String n = r.name().toLowerCase(Locale.ROOT);
                if (n.contains("wear") || n.contains("worn")) out.add(r.code());
            }
        }
        return out;
    }

    /** True when the signal may be an anomaly feature: a double of this machine, not excluded, not an operating point. */
    public boolean candidate(Signal s) {
        if (s.dataType() != DataType.DOUBLE || notFeatures.contains(s.id()) || s.source().startsWith(OUTPUT_SOURCE)) return false;
        // The health models' own outputs, also when the configuration declares them (so alarms can name them).
        if (OUTPUT_NAMES.contains(s.name())) return false;
        return !OPERATING_POINT_UNITS.contains(s.unit().toLowerCase(Locale.ROOT));
    }

    /** Signals the running test reads (the state signal, or the signals of the rules). */
    public Set<String> stateSignals() {
        Set<String> out = new HashSet<>();
        switch (state) {
            case StateSource.Enumerated e -> out.add(e.signal());
            case StateSource.Rules r -> r.rules().forEach(rule -> rule.when().forEach(c -> out.add(c.signal())));
        }
        return out;
    }

    /** Value text as KPI state maps spell it: integral numbers without decimals, booleans as true/false. */
    static String text(io.lathe.model.Value v) {
        return switch (v) {
            case io.lathe.model.Value.TextValue t -> t.value();
            case io.lathe.model.Value.LongValue l -> Long.toString(l.value());
            case io.lathe.model.Value.BooleanValue b -> Boolean.toString(b.value());
            case io.lathe.model.Value.DoubleValue d -> d.value() == Math.rint(d.value()) && Math.abs(d.value()) < 1e15
                    ? Long.toString((long) d.value()) : Double.toString(d.value());
        };
    }
}
