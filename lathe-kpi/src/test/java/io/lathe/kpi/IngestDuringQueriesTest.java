package io.lathe.kpi;

import io.lathe.model.Value;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZoneOffset;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.lathe.kpi.Fixtures.us;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A KPI query must not stop ingestion (issue 9, item 7). */
class IngestDuringQueriesTest {
    private static final long S = 1_000_000L;
    private static final long T0 = us("2026-06-01T06:00:00Z");

    @Test
    void pointsAreAcceptedWhileAQueryHoldsTheEngine() throws Exception {
        // Ingest runs on the connectors' network threads: while a query is busy it must return at once.
        KpiEngine e = KpiEngine.create(Fixtures.config(ShiftCalendar.threeShifts24x7(), ZoneOffset.UTC, Fixtures.machine("m1", "l1")));
        e.onPoint("m1.state", T0, Value.of(1L));
        e.onPoint("m1.produced", T0, 0);
        CountDownLatch holding = new CountDownLatch(1), release = new CountDownLatch(1);
        // a query that takes as long as the test wants: the same lock every query holds while it computes
        Thread query = Thread.ofPlatform().start(() -> e.locked(() -> {
            holding.countDown();
            try {
                release.await();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));
        assertThat(holding.await(60, TimeUnit.SECONDS)).isTrue();
        Thread ingest = Thread.ofPlatform().start(() -> {
            for (int i = 1; i <= 5_000; i++) e.onPoint("m1.produced", T0 + i * 60 * S, i);
        });
        ingest.join(Duration.ofSeconds(60));
        boolean ingestDone = !ingest.isAlive();
        release.countDown();
        query.join();
        ingest.join();
        assertThat(ingestDone).as("ingest finished while the query held the engine").isTrue();
        assertThat(e.kpis("m1", T0, T0 + 5_001 * 60 * S).producedQuantity()).isEqualTo(5_000);
        assertThat(e.pendingPoints()).isZero();
    }

    @Test
    void pastTheQueueLimitIngestWaitsForTheEngineInsteadOfFillingMemory() throws Exception {
        // Backpressure: at most MAX_PENDING_POINTS wait in memory while a query holds the engine; the next point makes
        // its thread wait for the engine (never dropped), and everything is applied once the query ends.
        KpiEngine e = KpiEngine.create(Fixtures.config(ShiftCalendar.threeShifts24x7(), ZoneOffset.UTC, Fixtures.machine("m1", "l1")));
        e.onPoint("m1.state", T0, Value.of(1L));
        e.onPoint("m1.produced", T0, 0);
        int n = KpiEngine.MAX_PENDING_POINTS + 100;
        CountDownLatch holding = new CountDownLatch(1), release = new CountDownLatch(1);
        Thread query = Thread.ofPlatform().start(() -> e.locked(() -> {
            holding.countDown();
            try {
                release.await();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));
        assertThat(holding.await(60, TimeUnit.SECONDS)).isTrue();
        Thread ingest = Thread.ofPlatform().start(() -> {
            for (int i = 1; i <= n; i++) e.onPoint("m1.produced", T0 + i * 60 * S, i);
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!(e.pendingPoints() == KpiEngine.MAX_PENDING_POINTS && ingest.getState() == Thread.State.WAITING) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(e.pendingPoints()).isEqualTo(KpiEngine.MAX_PENDING_POINTS);
        assertThat(ingest.getState()).as("the ingest thread waits for the engine").isEqualTo(Thread.State.WAITING);
        release.countDown();
        query.join();
        ingest.join();
        assertThat(e.kpis("m1", T0, T0 + (n + 1) * 60 * S).producedQuantity()).isEqualTo(n);
        assertThat(e.pendingPoints()).isZero();
    }

    @Test
    void aQueryOverBillionsOfPeriodsIsRefusedNamingTheLimit() {
        // Seen: GET /api/kpi?...&from=0&to=9000000000000000&by=hour looped over billions of periods.
        KpiEngine e = KpiEngine.create(Fixtures.config(ShiftCalendar.threeShifts24x7(), ZoneOffset.UTC, Fixtures.machine("m1", "l1")));
        e.onPoint("m1.state", T0, Value.of(1L));
        long far = 9_000_000_000_000_000L * 1000; // the API's epoch milliseconds in µs
        assertThatThrownBy(() -> e.kpisBy("m1", 0, far, Grouping.HOUR)).isInstanceOf(QueryLimitException.class)
                .hasMessageContaining("at most 3660 days").satisfies(x -> assertThat(((QueryLimitException) x).limit()).isEqualTo(QueryLimitException.Limit.RANGE));
        assertThatThrownBy(() -> e.kpis("l1", Long.MIN_VALUE / 2, Long.MAX_VALUE / 2)).isInstanceOf(QueryLimitException.class);
        // ten years by hour is inside the range but 87,600 periods
        assertThatThrownBy(() -> e.kpisBy("m1", T0, T0 + 3_650L * 86_400 * S, Grouping.HOUR)).isInstanceOf(QueryLimitException.class)
                .hasMessageContaining("at most 10000 periods").hasMessageContaining("by=hour");
        assertThat(e.kpisBy("m1", T0, T0 + 3_650L * 86_400 * S, Grouping.WEEK)).hasSizeBetween(520, 523);
        assertThat(e.kpisBy("m1", T0, T0 + 10_000L * 3_600 * S, Grouping.HOUR)).hasSize(10_000);
    }
}
