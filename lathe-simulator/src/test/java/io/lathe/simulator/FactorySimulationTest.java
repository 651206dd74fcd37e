package io.lathe.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FactorySimulationTest {
    private static final Instant START = Instant.parse("2026-11-02T09:00:00Z");
    private static final int LINES = 2;
    private static final int MACHINES = 4;
    private static final int WEEK_SECONDS = 7 * 86_400;

    /** Statistics of one simulated week with the demo layout, gathered once for the statistical tests. */
    private static final class Week {
        final long[][] stateSeconds = new long[LINES * MACHINES][MachineState.values().length];
        final EnumMap<ReasonCode, Integer> episodes = new EnumMap<>(ReasonCode.class);
        final List<Double> microStopSeconds = new ArrayList<>();
        boolean countersMonotonic = true;
        boolean energyMonotonic = true;
        boolean starvedBehindFault;
        boolean blockedBeforeFault;
        double vibrationBeforeWearOut;
        double vibrationAfterRepair;
        long rejectsWorn, partsWorn, rejectsFresh, partsFresh;
    }

    private static Week week;

    @BeforeAll
    static void simulateOneWeek() {
        var sim = new FactorySimulation("Demo", LINES, MACHINES, 42L, START);
        var w = new Week();
        int n = LINES * MACHINES;
        MachineSnapshot[] prev = new MachineSnapshot[n];
        int[] stopStart = new int[n];
        boolean[] fromRunning = new boolean[n];
        // Per machine: ring of the vibration of the last 1800 running seconds, and running seconds since the last repair.
        double[][] ring = new double[n][1800];
        int[] ringSize = new int[n];
        int[] ringPos = new int[n];
        int[] sinceRepair = new int[n];
        double sumBefore = 0, sumAfter = 0;
        long cntBefore = 0, cntAfter = 0;
        for (int k = 0; k < n; k++) prev[k] = sim.machine(k / MACHINES, k % MACHINES);
        for (int t = 1; t <= WEEK_SECONDS; t++) {
            sim.advance(Duration.ofSeconds(1));
            MachineSnapshot[] cur = new MachineSnapshot[n];
            for (int k = 0; k < n; k++) cur[k] = sim.machine(k / MACHINES, k % MACHINES);
            for (int k = 0; k < n; k++) {
                MachineSnapshot p = prev[k], c = cur[k];
                w.stateSeconds[k][c.state().ordinal()]++;
                if (c.goodCount() < p.goodCount() || c.rejectCount() < p.rejectCount()) w.countersMonotonic = false;
                if (c.energy() < p.energy()) w.energyMonotonic = false;
                if (c.reason() != p.reason()) {
                    w.episodes.merge(c.reason(), 1, Integer::sum);
                    // Whole micro-stops only: from running back to running (a break can interrupt one).
                    boolean micro = p.reason() == ReasonCode.JAM || p.reason() == ReasonCode.MISFEED;
                    if (micro && fromRunning[k] && c.state() == MachineState.RUNNING) w.microStopSeconds.add((double) (t - stopStart[k]));
                    fromRunning[k] = p.state() == MachineState.RUNNING;
                    stopStart[k] = t;
                    if (c.reason() == ReasonCode.BEARING_WEAR_OUT && ringSize[k] == ring[k].length) {
                        for (double v : ring[k]) sumBefore += v;
                        cntBefore += ring[k].length;
                    }
                    if (p.reason() == ReasonCode.BEARING_WEAR_OUT) sinceRepair[k] = 0;
                }
                if (c.state() == MachineState.RUNNING && c.spindleSpeed() > 0) {
                    ring[k][ringPos[k]] = c.vibrationRms();
                    ringPos[k] = (ringPos[k] + 1) % ring[k].length;
                    ringSize[k] = Math.min(ring[k].length, ringSize[k] + 1);
                    if (sinceRepair[k]++ < 1800 && c.wear() < 0.2) {
                        sumAfter += c.vibrationRms();
                        cntAfter++;
                    }
                }
                long parts = c.goodCount() - p.goodCount() + c.rejectCount() - p.rejectCount();
                long rejects = c.rejectCount() - p.rejectCount();
                if (c.wear() > 0.8) {
                    w.partsWorn += parts;
                    w.rejectsWorn += rejects;
                } else if (c.wear() < 0.3) {
                    w.partsFresh += parts;
                    w.rejectsFresh += rejects;
                }
            }
            for (int l = 0; l < LINES; l++) {
                for (int m = 1; m < MACHINES; m++) {
                    int up = l * MACHINES + m - 1, me = l * MACHINES + m;
                    if (cur[me].reason() == ReasonCode.UPSTREAM_EMPTY && cur[up].state() == MachineState.FAULT) w.starvedBehindFault = true;
                    if (cur[up].reason() == ReasonCode.DOWNSTREAM_FULL && cur[me].state() == MachineState.FAULT) w.blockedBeforeFault = true;
                }
            }
            prev = cur;
        }
        w.vibrationBeforeWearOut = sumBefore / Math.max(1, cntBefore);
        w.vibrationAfterRepair = sumAfter / Math.max(1, cntAfter);
        week = w;
    }

    private static double fraction(MachineState s) {
        long in = 0, all = 0;
        for (long[] m : week.stateSeconds) {
            in += m[s.ordinal()];
            for (long v : m) all += v;
        }
        return (double) in / all;
    }

    @Test
    void sameSeedGivesIdenticalSequences() {
        // Reproducible demos and tests rest on this: everything derives from the seed and the start instant.
        var a = new FactorySimulation("Demo", 2, 4, 7L, START);
        var b = new FactorySimulation("Demo", 2, 4, 7L, START);
        for (int t = 0; t < 6 * 3600; t++) {
            a.advance(Duration.ofSeconds(1));
            b.advance(Duration.ofSeconds(1));
            for (int l = 0; l < 2; l++) {
                assertThat(a.line(l)).isEqualTo(b.line(l));
                for (int m = 0; m < 4; m++) assertThat(a.machine(l, m)).isEqualTo(b.machine(l, m));
            }
        }
    }

    @Test
    void differentSeedsGiveDifferentSequences() {
        // A seed that did not matter would make every demo and benchmark identical.
        var a = new FactorySimulation("Demo", 2, 4, 7L, START);
        var b = new FactorySimulation("Demo", 2, 4, 8L, START);
        int differing = 0;
        for (int t = 0; t < 600; t++) {
            a.advance(Duration.ofSeconds(1));
            b.advance(Duration.ofSeconds(1));
            if (!a.machine(0, 1).equals(b.machine(0, 1))) differing++;
        }
        assertThat(differing).isGreaterThan(500);
    }

    @Test
    void stateDependsOnSimulatedTimeNotOnHowStepsAreCut() {
        // The factory steps by publishInterval * speed; changing either must not change the simulated plant.
        var fine = new FactorySimulation("Demo", 1, 4, 3L, START);
        var coarse = new FactorySimulation("Demo", 1, 4, 3L, START);
        for (int t = 0; t < 3600 * 4; t++) fine.advance(Duration.ofMillis(1000));
        for (int t = 0; t < 3600 * 4 * 10 / 73; t++) coarse.advance(Duration.ofMillis(7300));
        coarse.advanceTo(fine.now());
        assertThat(coarse.now()).isEqualTo(fine.now());
        for (int m = 0; m < 4; m++) assertThat(coarse.machine(0, m)).isEqualTo(fine.machine(0, m));
    }

    @Test
    void machinesRunMostButNotAllOfTheWeek() {
        // Plausible OEE inputs: a plant that always runs, or never does, makes a useless demo.
        assertThat(fraction(MachineState.RUNNING)).isBetween(0.55, 0.85);
        for (MachineState s : MachineState.values()) assertThat(fraction(s)).as(s.label()).isGreaterThan(0.0);
    }

    @Test
    void plannedStopsMatchTheBreakPattern() {
        // 30 min of breaks per 8 h shift plus a few changeovers; nothing else is planned.
        assertThat(fraction(MachineState.PLANNED_STOP)).isBetween(ShiftPattern.breakFraction(), ShiftPattern.breakFraction() + 0.03);
        assertThat(week.episodes).containsKeys(ReasonCode.BREAK, ReasonCode.CHANGEOVER);
    }

    @Test
    void everyKindOfStopHappensInAWeek() {
        // Alarms, downtime Pareto charts and the MTBF/MTTR KPIs need each reason to occur.
        assertThat(week.episodes.keySet()).containsAll(EnumSet.complementOf(EnumSet.of(ReasonCode.NONE)).stream()
                .filter(r -> r != ReasonCode.SPINDLE_OVERHEAT).toList());
        assertThat(week.episodes.get(ReasonCode.BEARING_WEAR_OUT)).isGreaterThan(5);
        assertThat(week.episodes.get(ReasonCode.HYDRAULIC_FAULT) + week.episodes.get(ReasonCode.DRIVE_FAULT)).isGreaterThan(10);
    }

    @Test
    void microStopsLastFromSecondsToUnderTwoMinutes() {
        // Micro-stops are a speed loss only while they stay short; longer stops are faults.
        assertThat(week.microStopSeconds).hasSizeGreaterThan(500).allSatisfy(s -> assertThat(s).isBetween(3.0, 119.0));
    }

    @Test
    void countersAndEnergyNeverDecrease() {
        // Cumulative counters feed delta computations; a decrease would read as a counter reset.
        assertThat(week.countersMonotonic).isTrue();
        assertThat(week.energyMonotonic).isTrue();
    }

    @Test
    void neighboursStarveAndBlockThroughTheBuffers() {
        // A fault upstream starves the machines behind it, one downstream blocks those before it.
        assertThat(week.starvedBehindFault).isTrue();
        assertThat(week.blockedBeforeFault).isTrue();
    }

    @Test
    void vibrationRisesBeforeAWearOutFailureAndDropsAfterRepair() {
        // The predictive-maintenance demo depends on wear being visible in the signals before the failure.
        assertThat(week.vibrationBeforeWearOut).isGreaterThan(week.vibrationAfterRepair + 2.0);
    }

    @Test
    void wornMachinesMakeMoreRejects() {
        // Quality losses follow the process condition (high vibration and temperature).
        double worn = (double) week.rejectsWorn / week.partsWorn;
        double fresh = (double) week.rejectsFresh / week.partsFresh;
        assertThat(worn).isGreaterThan(fresh * 2);
    }

    @Test
    void aDemoStartedAtAnyHourIsProducing() {
        // `lathe demo` must show a running plant whenever it is started, including during a scheduled break.
        List<Instant> starts = new ArrayList<>();
        for (int h = 0; h < 7 * 24; h++) starts.add(START.plus(Duration.ofHours(h)));
        starts.add(Instant.parse("2026-11-07T08:05:00Z")); // inside the 08:00-08:10 break of the early shift
        starts.add(Instant.parse("2026-11-08T18:40:00Z")); // inside the 18:30-18:50 meal break of the late shift
        for (Instant s : starts) {
            var sim = new FactorySimulation("Demo", 2, 4, 42L, s);
            sim.advance(Duration.ofSeconds(60));
            Map<MachineState, Integer> states = new EnumMap<>(MachineState.class);
            for (int l = 0; l < 2; l++) for (int m = 0; m < 4; m++) states.merge(sim.machine(l, m).state(), 1, Integer::sum);
            assertThat(states).as("start %s", s).doesNotContainKey(MachineState.PLANNED_STOP).containsKey(MachineState.RUNNING);
        }
    }

    @Test
    void layoutNamesLinesMachinesAndMetrics() {
        // The plant model and demo.yaml are derived from these ids and names.
        var layout = new FactorySimulation("Demo", 2, 4, 42L, START).layout();
        assertThat(layout).extracting(LineLayout::edgeNodeId).containsExactly("Line-A", "Line-B");
        assertThat(layout.get(0).machines()).extracting(MachineLayout::deviceId).containsExactly("Saw", "CNC-1", "CNC-2", "Wash");
        assertThat(layout.get(0).machines()).extracting(MachineLayout::name)
                .containsExactly("Band Saw", "CNC Lathe 1", "CNC Lathe 2", "Parts Washer");
        assertThat(layout.get(1).source(layout.get(1).machines().get(1))).isEqualTo("sparkplug:Demo/Line-B/CNC-1");
        assertThat(layout.get(0).machines().get(0).metrics()).extracting(MetricLayout::name).containsExactly("State", "Reason Code",
                "Good Count", "Reject Count", "Cycle Time", "Ideal Cycle Time", "Spindle Speed", "Vibration RMS", "Temperature", "Power", "Energy");
        assertThat(new FactorySimulation("Demo", 1, 1, 1L, START).layout().get(0).machines())
                .extracting(MachineLayout::deviceId).containsExactly("CNC-1");
    }

    @Test
    void rejectsImpossibleSizes() {
        // Out-of-range sizes must fail with the rule and the value, not later with an index error.
        assertThatThrownBy(() -> new FactorySimulation("Demo", 27, 4, 1L, START))
                .hasMessage("lines must be in [1, 26], but was 27");
        assertThatThrownBy(() -> new FactoryConfig("tcp://x:1", null, null, "a/b", 0, 4, 1, 0, Duration.ZERO, null))
                .hasMessageContaining("group must not contain '/', '+' or '#', but was 'a/b'")
                .hasMessageContaining("lines must be in [1, 26], but was 0")
                .hasMessageContaining("speed must be in (0, 10000], but was 0.0")
                .hasMessageContaining("publishInterval must be in [PT0.01S, PT1H], but was PT0S");
    }
}
