package io.lathe.alarm;

import io.lathe.kpi.KpiConfig;
import io.lathe.kpi.MachineConfig;
import io.lathe.kpi.MachineState;
import io.lathe.kpi.ShiftCalendar;
import io.lathe.kpi.SiteConfig;
import io.lathe.kpi.StateSource;
import io.lathe.model.Value;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Planned stops from the KPI configuration, the same knowledge the KPI engine uses: a machine is in a planned stop while
 * its enumerated state signal maps to {@code planned-down}, and not scheduled while no shift of its site's calendar
 * covers the moment (breaks count as not scheduled). Machines whose state comes from rules on several signals are
 * judged by the calendar only. Thread-safe.
 */
public final class KpiPlannedStops implements PlannedStops {
    private final Map<String, MachineConfig> machines = new HashMap<>();
    private final Map<String, SiteConfig> sites = new HashMap<>();
    /** state signal id -> machine id */
    private final Map<String, String> stateSignals = new HashMap<>();
    private final Map<String, Boolean> plannedDown = new ConcurrentHashMap<>();
    /** machine -> [cached from, cached to) of the last scheduled/not-scheduled answer, to keep the calendar off the hot path */
    private final Map<String, long[]> scheduleCache = new ConcurrentHashMap<>();

    public KpiPlannedStops(KpiConfig config) {
        for (SiteConfig s : config.sites()) sites.put(s.id(), s);
        for (MachineConfig m : config.machines()) {
            machines.put(m.id(), m);
            if (m.state() instanceof StateSource.Enumerated e) stateSignals.put(e.signal(), m.id());
        }
    }

    @Override
    public Set<String> signals() {
        return stateSignals.keySet();
    }

    @Override
    public void onPoint(String signalId, long t, Value value) {
        String machine = stateSignals.get(signalId);
        if (machine == null) return;
        StateSource.Enumerated e = (StateSource.Enumerated) machines.get(machine).state();
        MachineState s = e.values().getOrDefault(StateKind.text(value), e.otherwise());
        plannedDown.put(machine, s == MachineState.PLANNED_DOWN);
    }

    @Override
    public boolean planned(String machineId, long now) {
        if (Boolean.TRUE.equals(plannedDown.get(machineId))) return true;
        MachineConfig m = machines.get(machineId);
        if (m == null) return false;
        SiteConfig site = sites.get(m.site());
        if (site == null) return false;
        long[] c = scheduleCache.get(machineId);
        if (c != null && now >= c[0] && now < c[1]) return c[2] == 0;
        // Shifts around now: scheduled when one covers it and no break does.
        Instant at = Instant.ofEpochSecond(Math.floorDiv(now, 1_000_000L));
        List<ShiftCalendar.ShiftInstance> shifts = site.calendar().instances(at.minusSeconds(86_400 * 2L), at.plusSeconds(86_400 * 2L), site.zone());
        boolean scheduled = false;
        long from = now - 60_000_000L, to = now + 60_000_000L; // re-ask at least every minute
        for (ShiftCalendar.ShiftInstance s : shifts) {
            long a = s.start().toEpochMilli() * 1000, b = s.end().toEpochMilli() * 1000;
            if (now >= a && now < b) {
                scheduled = true;
                for (ShiftCalendar.Interval br : s.breaks()) {
                    if (now >= br.startMicros() && now < br.endMicros()) scheduled = false;
                }
            }
        }
        scheduleCache.put(machineId, new long[] {from, to, scheduled ? 1 : 0});
        return !scheduled;
    }
}
