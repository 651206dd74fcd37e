package io.lathe.bench;

import io.lathe.model.DataType;
import io.lathe.store.StoreSettings;
import io.lathe.store.StoreStats;
import io.lathe.store.TelemetryStore;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 3's memory target: {@code --series} series at {@code --rate} points per second each, for {@code --seconds}
 * simulated seconds (as fast as the machine goes), in a JVM limited to {@code --heap}. The command starts that JVM
 * itself (same classpath) unless it already runs under the limit, and reports heap used after a full GC.
 */
@Command(name = "store-memory", mixinStandardHelpOptions = true,
        description = "Check the store's heap use with many series (default 100,000 series at 1 Hz under -Xmx512m).")
final class StoreMemoryBench implements Callable<Integer> {
    static final String START = "<!-- store-memory:start -->", END = "<!-- store-memory:end -->";

    @Option(names = "--series", defaultValue = "100000", description = "Series (default ${DEFAULT-VALUE}).")
    int series;

    @Option(names = "--rate", defaultValue = "1", description = "Points per second per series (default ${DEFAULT-VALUE}).")
    int rate;

    @Option(names = "--seconds", defaultValue = "600", description = "Simulated seconds (default ${DEFAULT-VALUE}).")
    int seconds;

    @Option(names = "--heap", defaultValue = "512m", description = "Heap limit of the measuring JVM (default ${DEFAULT-VALUE}).")
    String heap;

    @Option(names = "--memory-budget-mb", defaultValue = "64", description = "Store memory budget (default ${DEFAULT-VALUE}, as store.memory-budget-mb).")
    int budgetMb;

    @Option(names = "--doc", defaultValue = "docs/PERFORMANCE.md", description = "Markdown file --update-docs writes (default ${DEFAULT-VALUE}).")
    String doc;

    @Option(names = "--update-docs", description = "Write the table into --doc (a tracked file); without it the table is only printed.")
    boolean updateDocs;

    @Option(names = "--child", hidden = true)
    boolean child;

    @Override
    public Integer call() throws Exception {
        if (!child) return spawn();
        return measure();
    }

    private int spawn() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + heap, "-XX:+UseG1GC", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), BenchMain.class.getName(), "store-memory", "--child",
                "--series", "" + series, "--rate", "" + rate, "--seconds", "" + seconds, "--heap", heap,
                "--memory-budget-mb", "" + budgetMb, "--doc", doc));
        if (updateDocs) cmd.add("--update-docs");
        System.err.println("starting a JVM with -Xmx" + heap);
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        return p.waitFor();
    }

    private int measure() throws Exception {
        Path root = Files.createTempDirectory("lathe-store-memory");
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        long maxHeap = Runtime.getRuntime().maxMemory();
        long peakAfterGc = 0;
        long points = 0;
        double wall;
        StoreStats stats;
        long heapAfterGc;
        StoreSettings settings = StoreSettings.defaults(root).withMemoryBudgetBytes((long) budgetMb << 20);
        long started = System.nanoTime();
        List<String> checkpoints = new ArrayList<>();
        try (TelemetryStore store = TelemetryStore.open(settings)) {
            int[] ids = new int[series];
            for (int s = 0; s < series; s++) {
                ids[s] = store.seriesId("plant.line-" + (s / 1000) + ".machine-" + (s / 20) + ".signal-" + s, DataType.DOUBLE);
            }
            double[] value = new double[series];
            Random r = new Random(7);
            for (int s = 0; s < series; s++) value[s] = 100 + r.nextInt(900);
            long t0 = 1_700_000_000_000_000L, step = 1_000_000L / rate;
            long ticks = (long) this.seconds * rate;
            for (long k = 0; k < ticks; k++) {
                long ts = t0 + k * step;
                for (int s = 0; s < series; s++) {
                    value[s] += (r.nextInt(21) - 10) / 100.0;
                    store.append(ids[s], ts, Math.round(value[s] * 100) / 100.0);
                }
                points += series;
                store.sync(); // group commit once per simulated tick, as a gateway acknowledging every second would
                if ((k + 1) % Math.max(1, ticks / 12) == 0) {
                    System.gc();
                    long used = mem.getHeapMemoryUsage().getUsed();
                    peakAfterGc = Math.max(peakAfterGc, used);
                    String cp = String.format(Locale.ROOT, "%.1f h: %,.1f MB", (k + 1) / (double) rate / 3600, used / 1048576.0);
                    checkpoints.add(cp);
                    System.err.printf(Locale.ROOT, "store-memory: %s heap after GC, %,d points, %.0f s, index cache %.1f MB%n", cp, points,
                            (System.nanoTime() - started) / 1e9, store.indexCacheBytes() / 1048576.0);
                }
            }
            wall = (System.nanoTime() - started) / 1e9;
            System.gc();
            heapAfterGc = mem.getHeapMemoryUsage().getUsed();
            peakAfterGc = Math.max(peakAfterGc, heapAfterGc);
            stats = store.stats();
        }
        deleteTree(root);
        String text = String.format(Locale.ROOT, """
                Command: `./lathe bench store-memory --series %d --rate %d --seconds %d --update-docs` (%s, %d cores, Java %s); the command \
                runs the store in a child JVM with `-Xmx%s` (max heap reported %,d MB), store memory budget %d MB, a sync \
                (group commit) after each simulated second.

                | series | rate | simulated s | points | wall s | points/s | heap used after GC, end | highest heap after GC | files | index blocks | bytes/point |
                |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
                | %,d | %d Hz | %,d | %,d | %.1f | %,.0f | %,.1f MB | %,.1f MB | %d | %,d | %.2f |

                Heap used after a full GC as simulated time goes on: %s.
                """, series, rate, this.seconds, LocalDate.now(), Runtime.getRuntime().availableProcessors(), Runtime.version(), heap,
                maxHeap >> 20, budgetMb, series, rate, this.seconds, points, wall, points / wall, heapAfterGc / 1048576.0,
                peakAfterGc / 1048576.0, stats.files(),
                stats.byEncoding().values().stream().mapToLong(StoreStats.EncodingStats::blocks).sum(), stats.filePoints() == 0 ? 0.0 : stats.bytesPerPoint(),
                String.join("; ", checkpoints));
        System.out.println(text);
        if (updateDocs && !"none".equals(doc)) writeDoc(Path.of(doc), text);
        return 0;
    }

    private static void writeDoc(Path file, String body) throws IOException {
        String section = START + "\n## Memory: many series under a 512 MB heap\n\n" + body + END;
        String text = Files.exists(file) ? Files.readString(file) : "# Performance\n\n";
        int a = text.indexOf(START), z = text.indexOf(END);
        if (a >= 0 && z > a) text = text.substring(0, a) + section + text.substring(z + END.length());
        else text = text + (text.endsWith("\n") ? "" : "\n") + "\n" + section + "\n";
        Files.writeString(file, text);
        System.err.println("updated " + file.toAbsolutePath());
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // scratch space in the temporary folder
        }
    }
}
