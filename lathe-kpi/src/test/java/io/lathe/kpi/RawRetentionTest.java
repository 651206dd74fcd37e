package io.lathe.kpi;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static io.lathe.kpi.Fixtures.us;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Raw retention: old raw points are evicted, periods before the horizon keep the figures they had, memory stays bounded.
 * The hand example is one early shift (06:00-14:00 UTC, three-shift 24/7 calendar) evicted after three more days.
 */
class RawRetentionTest {
    private static final long MIN = 60_000_000L, HOUR = 60 * MIN, DAY = 24 * HOUR;
    private static final long D = us("2026-06-01T00:00:00Z");

    private static MachineConfig machine(String id) {
        return new MachineConfig(id, "l1", "a1", "s1", new StateSource.Enumerated(id + ".state", Fixtures.STATE_MAP, MachineState.UNPLANNED_DOWN),
                CountsConfig.of(CounterSignal.cumulative(id + ".produced"), null, CounterSignal.cumulative(id + ".reject")),
                Duration.ofSeconds(60), id + ".product", Map.of("B", Duration.ofSeconds(30)),
                new EnergyConfig(id + ".power", EnergyConfig.Kind.POWER_KW), id + ".reason", Duration.ofMinutes(2));
    }

    private static KpiEngine engine(Duration rawRetention, MachineConfig... machines) {
        return KpiEngine.create(Fixtures.config(ShiftCalendar.threeShifts24x7(), ZoneOffset.UTC, machines).withRawRetention(rawRetention), Duration.ofHours(1));
    }

    @Test
    void anEngineRecomputedFromAnEmptyStoreAcceptsLivePoints(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        // A server's first start: nothing stored yet. The horizon must not be derived from "no newest point" (it once
        // wrapped around to the far future and refused every live point).
        try (io.lathe.store.TelemetryStore store = io.lathe.store.TelemetryStore.open(io.lathe.store.StoreSettings.defaults(dir))) {
            KpiEngine e = KpiEngine.recompute(Fixtures.config(ShiftCalendar.threeShifts24x7(), ZoneOffset.UTC, machine("m1")),
                    Duration.ofHours(1), store, D - 8 * DAY, Long.MAX_VALUE, Map.of());
            feedEarlyShift(e);
            assertThat(e.pointsBeforeRetention()).isZero();
            assertThat(e.kpis("m1", D + 6 * HOUR, D + 14 * HOUR).producedQuantity()).isEqualTo(449); // the part at 14:00 is outside [06:00, 14:00)
        }
    }

    /**
     * Early shift of day D: running from 06:00, unplanned down 08:00-08:30 with reason 11, running to 14:00, then idle.
     * One part a minute while running (06:01-08:00 and 08:31-14:00), 5 rejects at 10:00, product A then B from 10:00,
     * 10 kW all the time.
     */
    private static void feedEarlyShift(KpiEngine e) {
        e.onPoint("m1.state", D + 6 * HOUR, 1);
        e.onPoint("m1.product", D + 6 * HOUR, io.lathe.model.Value.of("A"));
        e.onPoint("m1.produced", D + 6 * HOUR, 0);
        e.onPoint("m1.reject", D + 6 * HOUR, 0);
        e.onPoint("m1.reason", D + 6 * HOUR, io.lathe.model.Value.of(""));
        for (int m = 1; m <= 120; m++) e.onPoint("m1.produced", D + 6 * HOUR + m * MIN, m);
        e.onPoint("m1.state", D + 8 * HOUR, 3);
        e.onPoint("m1.reason", D + 8 * HOUR, io.lathe.model.Value.of("11"));
        e.onPoint("m1.state", D + 8 * HOUR + 30 * MIN, 1);
        e.onPoint("m1.reason", D + 8 * HOUR + 30 * MIN, io.lathe.model.Value.of(""));
        for (int m = 1; m <= 330; m++) e.onPoint("m1.produced", D + 8 * HOUR + 30 * MIN + m * MIN, 120 + m);
        e.onPoint("m1.reject", D + 10 * HOUR, 5);
        e.onPoint("m1.product", D + 10 * HOUR, io.lathe.model.Value.of("B"));
        for (int h = 6; h <= 14; h++) e.onPoint("m1.power", D + h * HOUR, 10);
        e.onPoint("m1.state", D + 14 * HOUR, 4);
    }

    /** Hourly points from 15:00 on day D for {@code days} days: running, 60 parts an hour, 10 kW. */
    private static void feedLater(KpiEngine e, String m, long from, int hours) {
        for (int h = 0; h < hours; h++) {
            long t = from + h * HOUR;
            e.onPoint(m + ".state", t, 1);
            e.onPoint(m + ".produced", t, 450 + 60 * (h + 1));
            e.onPoint(m + ".power", t, 10);
        }
    }

    @Test
    void theEvictedEarlyShiftKeepsItsHandComputedFiguresAndEveryGroupingOfIt() {
        KpiEngine e = engine(Duration.ofDays(1), machine("m1"));
        feedEarlyShift(e);
        List<PeriodKpis> byHour = e.kpisBy("m1", D, D + 14 * HOUR, Grouping.HOUR);
        List<PeriodKpis> byShift = e.kpisBy("m1", D, D + 14 * HOUR, Grouping.SHIFT);
        Kpis shift = e.kpis("m1", D + 6 * HOUR, D + 14 * HOUR);
        List<ParetoEntry> pareto = e.pareto("m1", D, D + 14 * HOUR);
        List<Stop> stops = e.stops("m1", D, D + 14 * HOUR);
        Map<String, Kpis> byProduct = e.kpisByProduct("m1", D + 6 * HOUR, D + 14 * HOUR);
        assertThat(e.footprint().evictedPoints()).isZero();

        feedLater(e, "m1", D + 15 * HOUR, 3 * 24);
        assertThat(e.footprint().evictedPoints()).as("day D's raw points are evicted").isGreaterThan(450);
        assertThat(e.rawDataFromMicros("m1")).isGreaterThan(D + DAY);

        Kpis after = e.kpis("m1", D + 6 * HOUR, D + 14 * HOUR);
        // by hand: 8 h planned busy, 7.5 h running, one 30 min failure, 120 + 329 parts (the 14:00 part is the late
        // shift's), 5 rejects, ideal 209 × 60 s (product A) + 240 × 30 s (product B from 10:00), 10 kW × 8 h
        assertThat(after.plannedBusyTimeMicros()).isEqualTo(8 * HOUR);
        assertThat(after.actualProductionTimeMicros()).isEqualTo(7 * HOUR + 30 * MIN);
        assertThat(after.actualUnitDelayTimeMicros()).isEqualTo(30 * MIN);
        assertThat(after.producedQuantity()).isEqualTo(449);
        assertThat(after.scrapQuantity()).isEqualTo(5);
        assertThat(after.goodQuantity()).isEqualTo(444);
        assertThat(after.idealProductionTimeMicros()).isEqualTo((209 * 60 + 240 * 30) * 1e6);
        assertThat(after.energyKwh()).isEqualTo(80);
        assertThat(after.failureEvents()).isEqualTo(1);
        assertThat(after.timeToRepairMicros()).isEqualTo(30 * MIN);
        assertThat(after.availability()).isEqualTo(0.9375);
        assertThat(after).isEqualTo(shift);
        assertThat(e.kpisBy("m1", D, D + 14 * HOUR, Grouping.HOUR)).isEqualTo(byHour);
        assertThat(e.kpisBy("m1", D, D + 14 * HOUR, Grouping.SHIFT)).isEqualTo(byShift);
        assertThat(e.pareto("m1", D, D + 14 * HOUR)).isEqualTo(pareto)
                .containsExactly(new ParetoEntry("11", "Tool break", "mechanical", 30 * MIN, 1));
        assertThat(e.stops("m1", D, D + 14 * HOUR)).isEqualTo(stops);
        assertThat(e.kpisByProduct("m1", D + 6 * HOUR, D + 14 * HOUR)).isEqualTo(byProduct);
        assertThat(byProduct.get("A").producedQuantity()).isEqualTo(209);
        assertThat(byProduct.get("B").producedQuantity()).isEqualTo(240);
    }

    @Test
    void aBoundOffTheGridBeforeTheHorizonIsRefusedAndOneAfterItIsAnswered() {
        KpiEngine e = engine(Duration.ofDays(1), machine("m1"));
        KpiEngine all = engine(Duration.ZERO, machine("m1"));
        for (KpiEngine x : List.of(e, all)) {
            feedEarlyShift(x);
            feedLater(x, "m1", D + 15 * HOUR, 3 * 24);
        }
        long horizon = e.rawDataFromMicros("m1");
        assertThatThrownBy(() -> e.kpis("m1", D + 6 * HOUR + 10 * MIN, D + 7 * HOUR))
                .isInstanceOfSatisfying(OutsideRetentionException.class, x -> {
                    assertThat(x.machine()).isEqualTo("m1");
                    assertThat(x.timeMicros()).isEqualTo(D + 6 * HOUR + 10 * MIN);
                    assertThat(x.rawFromMicros()).isEqualTo(horizon);
                })
                .hasMessageContaining("m1").hasMessageContaining("2026-06-01T06:10:00Z");
        // stops and the Pareto need no running sums: any bound works for them
        assertThat(e.stops("m1", D + 8 * HOUR + 10 * MIN, D + 8 * HOUR + 20 * MIN)).hasSize(1);
        assertThat(e.pareto("m1", D + 8 * HOUR + 10 * MIN, D + 8 * HOUR + 20 * MIN)).containsExactly(new ParetoEntry("11", "Tool break", "mechanical", 10 * MIN, 1));
        for (long t = horizon + 3; t < horizon + DAY; t += 97 * MIN + 11) {
            assertThat(e.kpis("m1", t, t + 25 * MIN)).isEqualTo(all.kpis("m1", t, t + 25 * MIN));
        }
        assertThat(e.kpis("m1", horizon + HOUR + 1, horizon + 2 * HOUR + 1).producedQuantity()).isEqualTo(60);
    }

    @Test
    void aPointOlderThanTheHorizonIsRefusedCountedAndChangesNothing() {
        KpiEngine e = engine(Duration.ofDays(1), machine("m1"));
        feedEarlyShift(e);
        feedLater(e, "m1", D + 15 * HOUR, 3 * 24);
        Kpis before = e.kpis("m1", D, D + DAY);
        assertThat(e.onPoint("m1.reject", D + 12 * HOUR, 50)).isFalse();
        assertThat(e.pointsBeforeRetention()).isEqualTo(1);
        assertThat(e.rejectedPoints()).isZero();
        assertThat(e.kpis("m1", D, D + DAY)).isEqualTo(before);
    }

    @Test
    void anOperatorReasonForAnEvictedStopStillChangesItsParetoEntry() {
        KpiEngine e = engine(Duration.ofDays(1), machine("m1"));
        feedEarlyShift(e);
        feedLater(e, "m1", D + 15 * HOUR, 3 * 24);
        e.setReason("m1", D + 8 * HOUR, "21");
        assertThat(e.pareto("m1", D, D + DAY)).containsExactly(new ParetoEntry("21", "No operator", "organisational", 30 * MIN, 1));
        assertThat(e.stops("m1", D, D + DAY).get(0).operatorSet()).isTrue();
        assertThat(e.operatorReasons()).isEqualTo(Map.of("m1", Map.of(D + 8 * HOUR, "21")));
        e.setReason("m1", D + 8 * HOUR, "");
        assertThat(e.pareto("m1", D, D + DAY)).containsExactly(new ParetoEntry("11", "Tool break", "mechanical", 30 * MIN, 1));
    }

    @Test
    void aStopRunningAcrossTheHorizonHoldsItBackUntilItEndsAndKeepsItsReason() {
        // Down from D 08:00 for 36 h; the reason signal is empty at the start, 12 at 09:00 and 13 at 10:00: the stop's
        // reason is the first one set during it (12), which needs the reason points from its start on.
        KpiEngine e = engine(Duration.ofDays(1), machine("m1"));
        e.onPoint("m1.state", D + 6 * HOUR, 1);
        e.onPoint("m1.reason", D + 7 * HOUR, io.lathe.model.Value.of(""));
        e.onPoint("m1.state", D + 8 * HOUR, 3);
        e.onPoint("m1.reason", D + 9 * HOUR, io.lathe.model.Value.of("12"));
        e.onPoint("m1.reason", D + 10 * HOUR, io.lathe.model.Value.of("13"));
        for (long t = D + 8 * HOUR; t < D + DAY + 20 * HOUR; t += 10 * MIN) e.onPoint("m1.power", t, 1);
        assertThat(e.rawDataFromMicros("m1")).as("held at the start of the running stop").isLessThanOrEqualTo(D + 8 * HOUR);
        feedLater(e, "m1", D + DAY + 20 * HOUR, 3 * 24);
        assertThat(e.rawDataFromMicros("m1")).isGreaterThan(D + 2 * DAY);
        List<Stop> stops = e.stops("m1", D, D + 5 * DAY);
        assertThat(stops).hasSize(1);
        assertThat(stops.get(0).startMicros()).isEqualTo(D + 8 * HOUR);
        assertThat(stops.get(0).endMicros()).isEqualTo(D + DAY + 20 * HOUR);
        assertThat(stops.get(0).reasonCode()).isEqualTo("12");
    }

    @Test
    void rawPointsStayBoundedOverSixtyDaysWhileOldDaysKeepTheirFigures() {
        // Two machines at 10 s resolution (state, counter, power) for 60 days with the default 8-day retention.
        KpiEngine e = KpiEngine.create(Fixtures.config(ShiftCalendar.threeShifts24x7(), ZoneOffset.UTC, machine("m1"), machine("m2")), Duration.ofDays(1));
        Random rnd = new Random(7);
        int[] state = {1, 1};
        double[] produced = {0, 0};
        long step = 10_000_000L;
        long perDay = DAY / step;
        List<PeriodKpis> firstDays = null;
        long[] raw = new long[61];
        for (int day = 0; day < 60; day++) {
            for (long i = 0; i < perDay; i++) {
                long t = D + day * DAY + i * step;
                for (int k = 0; k < 2; k++) {
                    String m = "m" + (k + 1);
                    if (rnd.nextInt(60) == 0) state[k] = 1 + rnd.nextInt(4);
                    if (state[k] == 1 && rnd.nextInt(3) == 0) produced[k]++;
                    e.onPoint(m + ".state", t, state[k]);
                    e.onPoint(m + ".produced", t, produced[k]);
                    e.onPoint(m + ".power", t, state[k] == 1 ? 12 + rnd.nextDouble() : 2);
                }
            }
            if (day == 6) firstDays = e.kpisBy("l1", D, D + 5 * DAY, Grouping.DAY);
            raw[day + 1] = e.footprint().rawPoints();
        }
        long appendedPerDay = 2 * 3 * perDay;
        // at most retention (8 d) + eviction step (1 d) + one day of not yet compacted repeats, whatever the run's length
        for (int day = 12; day <= 60; day++) assertThat(raw[day]).as("raw points after day %d", day).isLessThanOrEqualTo(10 * appendedPerDay);
        assertThat(e.footprint().evictedPoints()).as("at least 40 days of power samples").isGreaterThan(40 * 2 * perDay);
        assertThat(e.kpisBy("l1", D, D + 5 * DAY, Grouping.DAY)).isEqualTo(firstDays);
        assertThat(e.pointsBeforeRetention()).isZero();
    }

    @Test
    void zeroRetentionKeepsEveryPointAndAnswersAnyBound() {
        KpiEngine e = engine(Duration.ZERO, machine("m1"));
        feedEarlyShift(e);
        feedLater(e, "m1", D + 15 * HOUR, 10 * 24);
        assertThat(e.footprint().evictedPoints()).isZero();
        assertThat(e.rawDataFromMicros("m1")).isEqualTo(Long.MIN_VALUE);
        assertThat(e.kpis("m1", D + 6 * HOUR + 10 * MIN, D + 7 * HOUR).producedQuantity()).isEqualTo(50);
    }

    @Test
    void aRetentionShorterThanTheLateWindowIsRefusedNamingBoth() {
        KpiConfig cfg = Fixtures.config(ShiftCalendar.threeShifts24x7(), ZoneOffset.UTC, machine("m1")).withRawRetention(Duration.ofHours(2));
        assertThatThrownBy(() -> KpiEngine.create(cfg, Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT2H").hasMessageContaining("PT24H");
        assertThatThrownBy(() -> cfg.withRawRetention(Duration.ofHours(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("raw-retention");
    }
}
