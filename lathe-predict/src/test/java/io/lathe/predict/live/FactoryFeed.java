package io.lathe.predict.live;

import io.lathe.ingest.PointSink;
import io.lathe.kpi.KpiConfig;
import io.lathe.kpi.MachineConfig;
import io.lathe.kpi.MachineState;
import io.lathe.kpi.ReasonTree;
import io.lathe.kpi.ShiftCalendar;
import io.lathe.kpi.SiteConfig;
import io.lathe.kpi.StateSource;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.lathe.simulator.FactorySimulation;
import io.lathe.simulator.LineLayout;
import io.lathe.simulator.MachineLayout;
import io.lathe.simulator.MachineSnapshot;
import io.lathe.simulator.MetricLayout;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The virtual factory's physics (lathe-simulator's {@link FactorySimulation}) as a plant model and a stream of points,
 * published like its Sparkplug edge nodes do: only values that changed, every {@code step} of simulated time.
 */
final class FactoryFeed {
    final FactorySimulation sim;
    final PlantModel model = new PlantModel("Works");
    final KpiConfig kpi;
    final List<String> machines = new ArrayList<>();
    private final List<List<Signal>> signals = new ArrayList<>();
    private final List<Object[]> last = new ArrayList<>();

    FactoryFeed(long seed, Instant start) {
        this(seed, start, false);
    }

    /**
     * @param demoStates map the states as {@code lathe demo} does (demo.yaml): idle (jams, misfeeds, tool changes) is
     *                   unplanned-down like a fault; otherwise idle is just idle
     */
    FactoryFeed(long seed, Instant start, boolean demoStates) {
        sim = new FactorySimulation("Demo", 2, 4, seed, start);
        String site = model.addChild(model.rootId(), "Site", "", "");
        String area = model.addChild(site, "Machining", "", "");
        List<MachineConfig> configs = new ArrayList<>();
        for (LineLayout l : sim.layout()) {
            String line = model.addChild(area, l.name(), "", "");
            for (MachineLayout ml : l.machines()) {
                String m = model.addChild(line, ml.name(), "", "");
                machines.add(m);
                List<Signal> ss = new ArrayList<>();
                for (MetricLayout metric : ml.metrics()) {
                    ss.add(model.addSignal(m, metric.name(), metric.type(), metric.unit(), metric.description(), ""));
                }
                signals.add(ss);
                last.add(null);
                configs.add(new MachineConfig(m, line, area, "site", new StateSource.Enumerated(m + ".state",
                        demoStates ? Map.of("running", MachineState.RUNNING, "planned-stop", MachineState.PLANNED_DOWN, "fault", MachineState.UNPLANNED_DOWN,
                                "idle", MachineState.UNPLANNED_DOWN)
                                : Map.of("running", MachineState.RUNNING, "planned-stop", MachineState.PLANNED_DOWN, "fault", MachineState.UNPLANNED_DOWN),
                        MachineState.IDLE), null, Duration.ofSeconds(40), null, null, new io.lathe.kpi.EnergyConfig(m + ".energy",
                        io.lathe.kpi.EnergyConfig.Kind.METER_KWH), m + ".reason-code", Duration.ofMinutes(1), m + ".ideal-cycle-time"));
            }
        }
        ReasonTree tree = new ReasonTree(List.of(new ReasonTree.Category("breakdown", "Breakdowns", List.of(
                new ReasonTree.Reason("201", "Spindle overheat"), new ReasonTree.Reason("204", "Bearing wear-out")))));
        kpi = new KpiConfig(List.of(new SiteConfig("site", ZoneId.of("UTC"), ShiftCalendar.threeShifts24x7(), 0.4, tree)), configs);
    }

    /** Advances by {@code step} and publishes what changed to {@code sink}. */
    void step(Duration step, PointSink sink) {
        sim.advance(step);
        long t = sim.now().getEpochSecond() * 1_000_000L;
        int k = 0;
        for (int l = 0; l < sim.lineCount(); l++) {
            for (int d = 0; d < sim.machineCount(l); d++, k++) {
                Object[] v = sim.machine(l, d).metricValues();
                Object[] prev = last.get(k);
                List<Signal> ss = signals.get(k);
                for (int i = 0; i < v.length; i++) {
                    if (prev != null && prev[i].equals(v[i])) continue;
                    Value value = switch (v[i]) {
                        case String s -> Value.of(s);
                        case Long x -> Value.of(x);
                        case Integer x -> Value.of((long) x);
                        default -> Value.of((Double) v[i]);
                    };
                    sink.accept(ss.get(i), t, value, Quality.GOOD, false);
                }
                last.set(k, v);
            }
        }
    }

    MachineSnapshot snapshot(int k) {
        return sim.machine(k / sim.machineCount(0), k % sim.machineCount(0));
    }

}
