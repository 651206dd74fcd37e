package io.lathe.kpi;

import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Benchmark: OEE by shift for N machines (default 100) over D days (default 30) of 1 Hz state and counter samples.
 * Run (from the repository root, see lathe-kpi/DESIGN.md):
 * {@code mvn -o -q -pl lathe-kpi test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/kpicp.txt} then
 * {@code java -Xmx4g -cp lathe-kpi/target/classes:lathe-kpi/target/test-classes:$(cat /tmp/kpicp.txt) io.lathe.kpi.KpiBench [machines] [days] [raw-retention-days]}.
 * Prints ingest time, the first query after the bulk load, the best of 5 warm queries, a live loop and what the engine
 * holds. Raw retention defaults to the engine's ({@link KpiConfig#DEFAULT_RAW_RETENTION}); 0 keeps every raw point.
 */
public final class KpiBench {
    public static void main(String[] args) {
        int machines = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int days = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        Duration retention = args.length > 2 ? Duration.ofDays(Integer.parseInt(args[2])) : KpiConfig.DEFAULT_RAW_RETENTION;
        List<MachineConfig> ms = new ArrayList<>();
        for (int i = 0; i < machines; i++) {
            String id = "m" + i;
            ms.add(new MachineConfig(id, "l" + (i / 10), "a1", "s1",
                    new StateSource.Enumerated(id + ".state", Fixtures.STATE_MAP, MachineState.UNPLANNED_DOWN),
                    CountsConfig.of(CounterSignal.cumulative(id + ".produced"), null, CounterSignal.cumulative(id + ".reject")),
                    Duration.ofSeconds(25), null, null, null, null, Duration.ofMinutes(2)));
        }
        KpiConfig cfg = new KpiConfig(List.of(new SiteConfig("s1", ZoneId.of("Europe/Berlin"), ShiftCalendar.threeShifts24x7(), 0.4, null)), ms, retention);
        KpiEngine e = KpiEngine.create(cfg, Duration.ofMinutes(1));
        long start = Fixtures.us("2026-03-01T00:00:00Z");
        long seconds = days * 86_400L;
        Random rnd = new Random(42);
        long t0 = System.nanoTime();
        long points = 0;
        for (int i = 0; i < machines; i++) {
            String st = "m" + i + ".state", pr = "m" + i + ".produced", rj = "m" + i + ".reject";
            int state = 1;
            long until = 0;
            double produced = 0, reject = 0;
            for (long s = 0; s < seconds; s++) {
                if (s >= until) {
                    int r = rnd.nextInt(100);
                    state = r < 75 ? 1 : r < 88 ? 3 : r < 95 ? 4 : 2;
                    until = s + (state == 1 ? 300 + rnd.nextInt(3600) : 30 + rnd.nextInt(900));
                }
                if (state == 1 && s % 30 == 0) {
                    produced++;
                    if (rnd.nextInt(50) == 0) reject++;
                }
                long t = start + s * 1_000_000L;
                e.onPoint(st, t, state);
                e.onPoint(pr, t, produced);
                if (s % 10 == 0) e.onPoint(rj, t, reject);
                points += s % 10 == 0 ? 3 : 2;
            }
        }
        long ingestNanos = System.nanoTime() - t0;
        long end = start + seconds * 1_000_000L;
        long w0 = System.nanoTime();
        for (int i = 0; i < Math.min(5, machines); i++) e.kpis("m" + i, start, start + 3_600_000_000L); // first hour of 5 machines (JIT warm-up)
        long warmNanos = System.nanoTime() - w0;
        long q0 = System.nanoTime();
        List<PeriodKpis> first = e.kpisBy("s1", start, end, Grouping.SHIFT);
        long firstNanos = System.nanoTime() - q0;
        long best = Long.MAX_VALUE;
        List<PeriodKpis> r = first;
        for (int k = 0; k < 5; k++) {
            long q = System.nanoTime();
            r = e.kpisBy("s1", start, end, Grouping.SHIFT);
            best = Math.min(best, System.nanoTime() - q);
        }
        // per machine per shift too (what a shift report shows)
        long q = System.nanoTime();
        int cells = 0;
        for (MachineConfig m : ms) cells += e.kpisBy(m.id(), start, end, Grouping.SHIFT).size();
        long perMachineNanos = System.nanoTime() - q;
        // live: 60 more seconds at 1 Hz for every machine, the running shift's site KPIs queried after each second
        long liveWorst = 0, liveTotal = 0;
        for (long s = seconds; s < seconds + 60; s++) {
            long t = start + s * 1_000_000L;
            for (int i = 0; i < machines; i++) {
                e.onPoint("m" + i + ".state", t, 1);
                e.onPoint("m" + i + ".produced", t, 1_000_000 + s);
            }
            long lq = System.nanoTime();
            e.kpis("s1", t - 3_600_000_000L, t + 1);
            long d = System.nanoTime() - lq;
            liveWorst = Math.max(liveWorst, d);
            liveTotal += d;
        }
        System.out.printf("live: after each second of %d new points, running-shift site KPIs in %.2f ms mean, %.2f ms worst%n",
                2 * machines, liveTotal / 60 / 1e6, liveWorst / 1e6);
        Kpis all = Kpis.sum(r.stream().map(PeriodKpis::kpis).toList());
        System.out.printf("KpiBench machines=%d days=%d points=%d shifts=%d rawRetention=%s%n", machines, days, points, r.size(), retention);
        System.out.printf("ingest: %.1f s (%.0f points/s)%n", ingestNanos / 1e9, points / (ingestNanos / 1e9));
        System.out.printf("first hour of 5 machines (cold): %.1f ms%n", warmNanos / 1e6);
        System.out.printf("OEE by shift, site rollup, first query after the bulk load: %.1f ms%n", firstNanos / 1e6);
        System.out.printf("OEE by shift, site rollup, warm (best of 5): %.1f ms%n", best / 1e6);
        System.out.printf("OEE by shift per machine (%d machine-shifts), warm: %.1f ms%n", cells, perMachineNanos / 1e6);
        System.out.printf("engine holds: %s%n", e.footprint());
        System.out.printf("site OEE=%.4f availability=%.4f effectiveness=%.4f quality=%.4f check=%s%n",
                all.oee(), all.availability(), all.effectiveness(), all.qualityRatio(), Map.of("stops", all.failureEvents()).toString());
    }
}
