package io.lathe.bench;

import io.lathe.ingest.FanOut;
import io.lathe.ingest.LiveState;
import io.lathe.ingest.PointBatch;
import io.lathe.model.DataType;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * CPU the store spends per point, by thread, when points arrive interleaved over many series (as Sparkplug messages of
 * 1,000 metrics bring them): the appending thread, the background thread (flushes and compaction) and the log writer.
 * Why a separate benchmark: end to end, on 2 cores shared with a broker and a publisher, throughput moves by a third
 * from run to run, while CPU seconds per point of one thread move by a few percent; a change to the flush or to
 * compaction shows here first. Values are a random walk in steps of 0.5 rounded to 2 decimals, as the ingest
 * benchmark's publisher sends them.
 */
@Command(name = "store-cpu", mixinStandardHelpOptions = true,
        description = "CPU seconds per million points by store thread (appender, background flush and compaction, log writer), points interleaved over many series.")
public final class StoreCpuBench implements Callable<Integer> {
    @Option(names = "--series", description = "Series, each gets one point per step (default ${DEFAULT-VALUE}).")
    int series = 10_000;

    @Option(names = "--points", description = "Points per run (default ${DEFAULT-VALUE}).")
    long points = 40_000_000;

    @Option(names = "--budget-mb", description = "Store memory budget in MB (default ${DEFAULT-VALUE}, the server's default).")
    long budgetMb = 64;

    @Option(names = "--through", description = "store: appends straight to the store; live: batches of 1,000 points through "
            + "the fan-out into the live view (one listener that keeps its answers, as the alarm engine) and the store, as "
            + "the ingest consumer delivers a Sparkplug message (default ${DEFAULT-VALUE}).")
    String through = "store";

    @Option(names = "--runs", description = "Runs, each in a new store; the first warms the JIT and is not reported (default ${DEFAULT-VALUE}).")
    int runs = 4;

    @Override
    public Integer call() throws Exception {
        // the store logs every flush and compaction at INFO: between the table's rows they only hide it
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        if (!through.equals("store") && !through.equals("live")) {
            System.err.println("--through must be store or live, got '" + through + "'");
            return 2;
        }
        System.out.printf(Locale.ROOT, "store-cpu: %,d series, %,d points per run, budget %d MB, through %s, Java %s%n", series, points, budgetMb,
                through, Runtime.version());
        System.out.println("| run | wall s | points/s | appender CPU s/M | background CPU s/M | log writer CPU s/M | process CPU s/M | files |");
        System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int r = 0; r < runs; r++) {
            String row = run();
            if (r > 0) System.out.println("| " + r + " " + row);
            else System.err.println("warm-up " + row);
        }
        return 0;
    }

    private String run() throws Exception {
        Path dir = Files.createTempDirectory("lathe-store-cpu");
        ThreadMXBean tm = ManagementFactory.getThreadMXBean();
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try {
            long bg0 = threadCpu(tm, "lathe-store"), wal0 = threadCpu(tm, "lathe-wal");
            String row;
            try (TelemetryStore s = TelemetryStore.open(StoreSettings.defaults(dir).withMemoryBudgetBytes(budgetMb << 20))) {
                int[] ids = new int[series];
                for (int k = 0; k < series; k++) ids[k] = s.seriesId("m" + k, DataType.DOUBLE);
                Signal[] signals = new Signal[series];
                for (int k = 0; k < series; k++) signals[k] = new Signal("m" + k, "m" + k, "bench", DataType.DOUBLE, "", "", "");
                LiveState live = new LiveState();
                live.subscribe(id -> false, () -> 1, l -> {});
                FanOut fan = new FanOut(List.of(live, s));
                PointBatch batch = new PointBatch(1000);
                boolean viaLive = through.equals("live");
                double[] v = new double[series];
                long t0 = 1_764_000_000_000_000L, n = 0;
                long cpu0 = os.getProcessCpuTime(), me0 = tm.getCurrentThreadCpuTime(), w0 = System.nanoTime();
                for (long step = 0; n < points; step++) {
                    long ts = t0 + step * 1000;
                    for (int k = 0; k < series; k++, n++) {
                        v[k] = Math.round((v[k] + ((n * 31 + k) % 7 - 3) * 0.5) * 100) / 100.0;
                        if (!viaLive) {
                            s.append(ids[k], ts, v[k]);
                            continue;
                        }
                        batch.addDouble(signals[k], ts, v[k], Quality.GOOD, false);
                        if (batch.size() == 1000) {
                            fan.accept(batch);
                            batch.clear();
                        }
                    }
                }
                if (batch.size() > 0) fan.accept(batch);
                long me = tm.getCurrentThreadCpuTime() - me0;
                s.flush(); // the last points and the compaction it queues count too
                double wall = (System.nanoTime() - w0) / 1e9, m = n / 1e6;
                row = String.format(Locale.ROOT, "| %.2f | %,.0f | %.3f | %.3f | %.3f | %.3f | %d |", wall, n / wall, me / 1e9 / m,
                        (threadCpu(tm, "lathe-store") - bg0) / 1e9 / m, (threadCpu(tm, "lathe-wal") - wal0) / 1e9 / m,
                        (os.getProcessCpuTime() - cpu0) / 1e9 / m, s.stats().files());
            }
            return row;
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** CPU time of the live threads whose name starts with {@code prefix}. */
    private static long threadCpu(ThreadMXBean tm, String prefix) {
        long sum = 0;
        for (ThreadInfo ti : tm.getThreadInfo(tm.getAllThreadIds())) {
            if (ti != null && ti.getThreadName().startsWith(prefix)) sum += Math.max(0, tm.getThreadCpuTime(ti.getThreadId()));
        }
        return sum;
    }
}
