package io.lathe.kpi;

import io.lathe.model.DataType;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static io.lathe.kpi.Fixtures.us;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property: random event streams (late points, counter resets, decreases and jumps beyond the physical bound, meter
 * glitches, late reasons, operator reasons, queries in between)
 * fed live give exactly the figures of a full recomputation from the telemetry store holding the same points
 * (issue 4, "Live and exact"). The seed is printed and in every failure message; rerun one with -Dkpi.seed=N.
 */
class LiveVersusRecomputeTest {

    private record Point(String signal, DataType type, long t, Value v) {}

    @Test
    void liveEngineAndRecomputationFromTheStoreGiveIdenticalKpis(@TempDir Path dir) throws Exception {
        long base = Long.getLong("kpi.seed", System.nanoTime());
        System.out.println("LiveVersusRecomputeTest seed=" + base);
        for (int round = 0; round < 12; round++) {
            long seed = base + round;
            runOnce(seed, dir.resolve("r" + round), Duration.ofDays(1), 1, Duration.ZERO);
        }
    }

    @Test
    void identicalAlsoWhenOldRepeatsAreCompactedAway(@TempDir Path dir) throws Exception {
        // Dense series with a 3 h late window: repeated values older than the window are dropped (index shift,
        // full re-derivation) while late points still land inside the window.
        long base = Long.getLong("kpi.seed", System.nanoTime());
        System.out.println("LiveVersusRecomputeTest compaction seed=" + base);
        for (int round = 0; round < 3; round++) {
            long seed = base + round;
            runOnce(seed, dir.resolve("c" + round), Duration.ofHours(3), 20, Duration.ZERO);
        }
    }

    @Test
    void identicalWithRawRetentionAndEqualToAnEngineKeepingEveryPoint(@TempDir Path dir) throws Exception {
        // Raw retention 6 h over 2 days: the live engine and the recomputation (loaded in day slices) evict most raw
        // points while late points, late reasons and operator reasons keep coming; every grouping, the stops, the
        // Pareto and hour-aligned periods must equal an engine that kept every point.
        long base = Long.getLong("kpi.seed", System.nanoTime());
        System.out.println("LiveVersusRecomputeTest retention seed=" + base);
        for (int round = 0; round < 6; round++) {
            long seed = base + round;
            runOnce(seed, dir.resolve("e" + round), Duration.ofHours(3), round % 2 == 0 ? 1 : 5, Duration.ofHours(6));
        }
    }

    private static void runOnce(long seed, Path dir, Duration lateWindow, int density, Duration rawRetention) throws Exception {
        Random rnd = new Random(seed);
        KpiConfig keepAll = Fixtures.config(Fixtures.dayShiftWithBreak(), ZoneId.of("Europe/Berlin"),
                Fixtures.machine("m1", "l1"), Fixtures.machine("m2", "l1"), ruleMachine()).withRawRetention(Duration.ZERO);
        KpiConfig cfg = keepAll.withRawRetention(rawRetention);
        long start = us("2026-03-28T00:00:00Z");
        long span = 2L * 86_400_000_000L;
        List<Point> points = new ArrayList<>();
        for (String m : List.of("m1", "m2")) {
            Set<Long> used = new HashSet<>();
            gen(rnd, points, used, m + ".state", DataType.LONG, start, span, 300 * density, r -> Value.of((long) (1 + (density > 1 ? r.nextInt(2) : r.nextInt(7)))));
            double[] counter = {rnd.nextInt(1000)};
            // mostly counting; now and then a reset near 0, a glitch a few parts down, or a jump of a thousand
            gen(rnd, points, new HashSet<>(), m + ".produced", DataType.DOUBLE, start, span, 400 * density, r -> {
                int k = r.nextInt(50 * density);
                return Value.of(k == 0 ? (counter[0] = r.nextInt(5)) : k == 1 ? (counter[0] = Math.max(0, counter[0] - 3))
                        : k == 2 ? (counter[0] += 1000) : (counter[0] += r.nextInt(density > 1 ? 2 : 4)));
            });
            double[] rej = {0};
            gen(rnd, points, new HashSet<>(), m + ".reject", DataType.DOUBLE, start, span, 100, r -> Value.of(rej[0] += r.nextInt(2)));
            gen(rnd, points, new HashSet<>(), m + ".inspected", DataType.DOUBLE, start, span, 50, r -> Value.of((double) r.nextInt(5)));
            gen(rnd, points, new HashSet<>(), m + ".fpgood", DataType.DOUBLE, start, span, 50, r -> Value.of((double) r.nextInt(4)));
            gen(rnd, points, new HashSet<>(), m + ".product", DataType.TEXT, start, span, 20, r -> Value.of(r.nextBoolean() ? "A" : "B"));
            gen(rnd, points, new HashSet<>(), m + ".reason", DataType.TEXT, start, span, 120, r -> Value.of(List.of("", "11", "12", "21", "99").get(r.nextInt(5))));
            gen(rnd, points, new HashSet<>(), m + ".power", DataType.DOUBLE, start, span, 200, r -> Value.of(r.nextDouble() * 30));
        }
        gen(rnd, points, new HashSet<>(), "m3.spindle", DataType.DOUBLE, start, span, 300 * density, r -> Value.of(r.nextInt(3) * 40.0));
        gen(rnd, points, new HashSet<>(), "m3.alarm", DataType.BOOLEAN, start, span, 60 * density, r -> Value.of(r.nextInt(4) == 0));
        double[] c3 = {0};
        gen(rnd, points, new HashSet<>(), "m3.count", DataType.LONG, start, span, 200 * density, r -> Value.of((long) (c3[0] += r.nextInt(3))));
        double[] kwh = {5_000};
        gen(rnd, points, new HashSet<>(), "m3.kwh", DataType.DOUBLE, start, span, 150 * density, r -> {
            int k = r.nextInt(40);
            return Value.of(k == 0 ? (kwh[0] = r.nextDouble()) : k == 1 ? (kwh[0] -= 7) : k == 2 ? (kwh[0] += 50_000) : (kwh[0] += r.nextDouble() * 3));
        });
        // arrival order: by time with a random lateness of up to 2 hours for one point in five
        long[] arrival = new long[points.size()];
        for (int i = 0; i < arrival.length; i++) arrival[i] = points.get(i).t + (rnd.nextInt(5) == 0 ? (long) (rnd.nextDouble() * 7.2e9) : 0);
        Integer[] order = new Integer[points.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (a, b) -> Long.compare(arrival[a], arrival[b]));

        KpiEngine live = KpiEngine.create(cfg, lateWindow);
        KpiEngine reference = KpiEngine.create(keepAll, lateWindow);
        Map<String, Signal> signals = new HashMap<>();
        try (TelemetryStore store = TelemetryStore.open(StoreSettings.defaults(dir).withLateWindow(lateWindow))) {
            int k = 0;
            for (Integer i : order) {
                Point p = points.get(i);
                Signal s = signals.computeIfAbsent(p.signal, id -> new Signal(id, id, id.substring(0, 2), p.type, "", "", ""));
                live.onPoint(p.signal, p.t, p.v, Quality.GOOD);
                reference.onPoint(p.signal, p.t, p.v, Quality.GOOD);
                store.accept(s, p.t, p.v, Quality.GOOD, false);
                if (++k % (97 * density) == 0) live.kpis("l1", start, start + span); // queries between points rebuild the timeline
                if (k % 211 == 0) {
                    List<Stop> stops = live.stops("m1", start, start + span);
                    if (!stops.isEmpty()) {
                        long at = stops.get(rnd.nextInt(stops.size())).startMicros();
                        live.setReason("m1", at, "21");
                        reference.setReason("m1", at, "21");
                    }
                }
            }
            assertThat(live.rejectedPoints()).as("seed=%d", seed).isZero();
            assertThat(live.pointsBeforeRetention()).as("seed=%d", seed).isZero();
            assertThat(live.dataQualityEvents("l1", start, start + span)).as("seed=%d: the streams exercise every counter rule", seed)
                    .extracting(DataQualityEvent::kind).contains(DataQualityEvent.Kind.COUNTER_RESET, DataQualityEvent.Kind.COUNTER_DECREASE,
                            DataQualityEvent.Kind.COUNTER_JUMP);
            KpiEngine recomputed = KpiEngine.recompute(cfg, lateWindow, store, start - 1, start + span + 1, live.operatorReasons());
            List<KpiEngine> others = rawRetention.isZero() ? List.of(recomputed) : List.of(recomputed, reference);
            if (!rawRetention.isZero()) {
                assertThat(live.footprint().evictedPoints()).as("seed=%d evicted", seed).isPositive();
                assertThat(recomputed.footprint().evictedPoints()).as("seed=%d evicted on recompute", seed).isPositive();
            }
            for (String asset : List.of("m1", "l1")) {
                // lookups resume where the previous period ended: periods asked one by one, backwards, must agree
                for (Grouping g : Grouping.values()) {
                    List<PeriodKpis> series = live.kpisBy(asset, start, start + span, g);
                    for (int i = series.size() - 1; i >= 0; i--) {
                        PeriodKpis p = series.get(i);
                        assertThat(live.kpis(asset, p.fromMicros(), p.toMicros())).as("seed=%d asset=%s by=%s period %d alone", seed, asset, g, i).isEqualTo(p.kpis());
                    }
                }
            }
            for (KpiEngine other : others) {
                String which = other == reference ? "keep-all" : "recomputed";
                for (String asset : List.of("m1", "m2", "m3", "l1")) {
                    for (Grouping g : Grouping.values()) {
                        assertThat(other.kpisBy(asset, start, start + span, g)).as("seed=%d %s asset=%s by=%s", seed, which, asset, g)
                                .isEqualTo(live.kpisBy(asset, start, start + span, g));
                    }
                    assertThat(other.pareto(asset, start, start + span)).as("seed=%d %s asset=%s pareto", seed, which, asset).isEqualTo(live.pareto(asset, start, start + span));
                    assertThat(other.stops(asset, start, start + span)).as("seed=%d %s asset=%s stops", seed, which, asset).isEqualTo(live.stops(asset, start, start + span));
                    assertThat(other.dataQualityEvents(asset, start, start + span)).as("seed=%d %s asset=%s data quality", seed, which, asset)
                            .isEqualTo(live.dataQualityEvents(asset, start, start + span));
                }
                long hour = 3_600_000_000L;
                long a = start + (long) (rnd.nextDouble() * span / 2), b = a + (long) (rnd.nextDouble() * span / 2) + 1;
                if (!rawRetention.isZero()) {
                    // before the horizon only grid bounds are exact: whole hours here
                    a = start + Math.floorDiv(a - start, hour) * hour;
                    b = start + Math.floorDiv(b - start, hour) * hour + hour;
                }
                assertThat(other.kpisByProduct("m1", a, b)).as("seed=%d %s by product", seed, which).isEqualTo(live.kpisByProduct("m1", a, b));
                assertThat(other.kpis("l1", a, b)).as("seed=%d %s random period", seed, which).isEqualTo(live.kpis("l1", a, b));
                // any bounds at or after the horizon
                long from = Math.max(live.rawDataFromMicros("l1"), other.rawDataFromMicros("l1"));
                long x = Math.max(from, start) + (long) (rnd.nextDouble() * (start + span - Math.max(from, start))), y = x + (long) (rnd.nextDouble() * hour) + 1;
                assertThat(other.kpis("l1", x, y)).as("seed=%d %s free period after the horizon", seed, which).isEqualTo(live.kpis("l1", x, y));
                assertThat(other.kpisByProduct("m2", x, y)).as("seed=%d %s free product period", seed, which).isEqualTo(live.kpisByProduct("m2", x, y));
            }
        }
    }

    /** Rule-based state: alarm → unplanned-down, spindle > 50 → running, spindle > 0 → setup, otherwise idle. */
    private static MachineConfig ruleMachine() {
        StateSource rules = new StateSource.Rules(List.of(
                new StateSource.StateRule(MachineState.UNPLANNED_DOWN, List.of(new StateSource.Condition("m3.alarm", StateSource.Op.EQ, 1))),
                new StateSource.StateRule(MachineState.RUNNING, List.of(new StateSource.Condition("m3.spindle", StateSource.Op.GT, 50))),
                new StateSource.StateRule(MachineState.SETUP, List.of(new StateSource.Condition("m3.spindle", StateSource.Op.GT, 0),
                        new StateSource.Condition("m3.alarm", StateSource.Op.NE, 1)))),
                MachineState.IDLE);
        return new MachineConfig("m3", "l1", "a1", "s1", rules, CountsConfig.of(CounterSignal.cumulative("m3.count"), null, null),
                Duration.ofSeconds(20), null, null, new EnergyConfig("m3.kwh", EnergyConfig.Kind.METER_KWH, 40), null, Duration.ofMinutes(1));
    }

    private static void gen(Random rnd, List<Point> out, Set<Long> used, String signal, DataType type, long start, long span, int n,
                            java.util.function.Function<Random, Value> value) {
        List<Long> ts = new ArrayList<>();
        while (ts.size() < n) {
            long t = start + (long) (rnd.nextDouble() * span) / 1_000_000L * 1_000_000L;
            if (used.add(t)) ts.add(t);
        }
        ts.sort(null);
        for (long t : ts) out.add(new Point(signal, type, t, value.apply(rnd)));
    }
}
