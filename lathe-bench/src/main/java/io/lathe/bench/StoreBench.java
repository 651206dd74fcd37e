package io.lathe.bench;

import io.lathe.store.CsvImport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Lathe's store against DuckDB (Appender) and QuestDB (embedded TableWriter), one process, same data, one after the
 * other (never concurrently). Prints one table; with --update-docs also writes it into docs/PERFORMANCE.md between markers.
 */
@Command(name = "store", mixinStandardHelpOptions = true, description = "Benchmark the telemetry store against DuckDB and QuestDB, with Apache TsFile as a format probe.")
final class StoreBench implements Callable<Integer> {
    static final String START = "<!-- store-bench:start -->", END = "<!-- store-bench:end -->";

    @Option(names = "--quick", description = "Smaller sizes (about 1 minute).")
    boolean quick;

    @Option(names = "--work-dir", description = "Scratch folder (default: a new temporary folder, deleted afterwards).")
    Path workDir;

    @Option(names = "--data", defaultValue = "../shared/data", description = "Real data folder with nab/ and skab/ (default ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--doc", defaultValue = "docs/PERFORMANCE.md", description = "Markdown file --update-docs writes (default ${DEFAULT-VALUE}).")
    String doc;

    @Option(names = "--update-docs", description = "Write the table into --doc (a tracked file); without it the table is only printed.")
    boolean updateDocs;

    @Option(names = "--skip", split = ",", description = "Peers to leave out: duckdb, questdb, tsfile.")
    List<String> skip = new ArrayList<>();

    @Option(names = "--commit-every", defaultValue = "100000", description = "Durable runs commit (fsync) every N points (default ${DEFAULT-VALUE}).")
    long commitEvery;

    private final Map<String, Map<String, Double>> results = new LinkedHashMap<>();
    private final Map<String, String> units = new LinkedHashMap<>();
    private final Map<String, Boolean> higherBetter = new LinkedHashMap<>();
    private final List<String> notes = new ArrayList<>();

    private void put(String metric, String unit, boolean higher, String engine, double v) {
        results.computeIfAbsent(metric, k -> new LinkedHashMap<>()).put(engine, v);
        units.put(metric, unit);
        higherBetter.put(metric, higher);
        System.err.printf(Locale.ROOT, "  %-48s %-8s %14.3f %s%n", metric, engine, v, unit);
    }

    @Override
    public Integer call() throws Exception {
        int series = quick ? 200 : 1000, perSeries = quick ? 5_000 : 10_000;
        int big = quick ? 3_000_000 : 30_000_000;
        int latestSeries = 100_000, latestPoints = quick ? 2 : 5;
        Path root = workDir != null ? workDir : Files.createTempDirectory("lathe-bench");
        long started = System.nanoTime();
        System.err.printf(Locale.ROOT, "work dir %s; walk %d series x %d points, one series of %,d points, %,d series for latest%n", root, series, perSeries, big, latestSeries);
        Dataset walk = new Dataset("walk", series, perSeries, 1_000_000L, 1);
        Dataset walkNd = new Dataset("walk_nd", series, perSeries, 1_000_000L, 1);
        Dataset bigSet = new Dataset("big", 1, big, 1_000_000L, 2);
        Dataset latest = new Dataset("latest", latestSeries, latestPoints, 1_000_000L, 3);
        Map<String, List<Engine.RealSeries>> real = readReal();

        List<String> engines = new ArrayList<>(List.of("Lathe"));
        if (!skip.contains("duckdb")) engines.add("DuckDB");
        if (!skip.contains("questdb")) engines.add("QuestDB");
        if (!skip.contains("tsfile")) engines.add("TsFile");
        for (String name : engines) {
            System.err.println("== " + name);
            try (Engine durable = create(name, root.resolve(name.toLowerCase(Locale.ROOT)), true);
                 Engine fast = name.equals("QuestDB") ? create(name, root.resolve("questdb-nosync"), false) : null) {
                Engine nd = fast != null ? fast : durable;
                System.gc();
                double s1 = durable.ingest(walk, commitEvery);
                put("ingest, durable (fsync every " + commitEvery / 1000 + "k points)", "points/s", true, name, walk.size() / s1);
                System.gc();
                double s2 = nd.ingest(walkNd, Long.MAX_VALUE);
                put("ingest, one commit at the end", "points/s", true, name, walkNd.size() / s2);
                put("bytes/point after flush, random walk (2 decimals)", "bytes", false, name, durable.bytesPerPoint("walk", walk.size()));
                double s3 = durable.ingest(bigSet, Long.MAX_VALUE);
                put("ingest, one series of " + millions(big) + " points", "points/s", true, name, bigSet.size() / s3);
                durable.bytesPerPoint("big", bigSet.size());
                durable.ingest(latest, Long.MAX_VALUE);
                durable.bytesPerPoint("latest", latest.size());
                for (var e : real.entrySet()) {
                    durable.ingestReal(e.getKey(), e.getValue());
                    long pts = e.getValue().stream().mapToLong(r -> r.ts().length).sum();
                    put("bytes/point after flush, " + e.getKey().toUpperCase(Locale.ROOT) + " (" + String.format(Locale.ROOT, "%,d", pts) + " points)", "bytes", false, name, durable.bytesPerPoint(e.getKey(), pts));
                }
                long bigEnd = bigSet.endMicros();
                put("one series of " + millions(big) + " points -> 1,000 buckets (avg)", "ms", false, name,
                        timeMs(() -> check(durable.buckets("big", 0, Dataset.T0, bigEnd, 1000), 1000)));
                long hourFrom = walk.endMicros() - 3_600_000_000L;
                put("100 series, last hour, raw points", "ms", false, name,
                        timeMs(() -> check(durable.rawSeries("walk", 100, hourFrom, walk.endMicros()), 100L * Math.min(3600, perSeries))));
                put("latest value of " + String.format(Locale.ROOT, "%,d", latestSeries) + " series", "ms", false, name,
                        timeMs(() -> check(durable.latestAll("latest", latestSeries), latestSeries)));
                if (durable instanceof TsFileEngine ts && ts.duplicatesDropped > 0) {
                    notes.add("TsFile refuses a second point at the same time in a series: " + ts.duplicatesDropped
                            + " such points of the real data were left out of its files (the other engines keep them).");
                }
            } catch (Exception | LinkageError e) {
                notes.add(name + " failed: " + e);
                System.err.println(name + " failed: " + e);
                e.printStackTrace();
            }
        }
        double total = (System.nanoTime() - started) / 1e9;
        String table = render(engines, total, series, perSeries, big);
        System.out.println(table);
        if (updateDocs && !"none".equals(doc)) writeDoc(Path.of(doc), table);
        if (workDir == null) deleteTree(root);
        return 0;
    }

    private static String millions(int n) {
        return n % 1_000_000 == 0 ? (n / 1_000_000) + " M" : String.format(Locale.ROOT, "%,d", n);
    }

    private static Engine create(String name, Path dir, boolean durable) throws Exception {
        return switch (name) {
            case "Lathe" -> new LatheEngine(dir);
            case "DuckDB" -> new DuckDbEngine(dir);
            case "QuestDB" -> new QuestDbEngine(dir, durable);
            case "TsFile" -> new TsFileEngine(dir);
            default -> throw new IllegalArgumentException(name);
        };
    }

    private static void check(long got, long expected) {
        if (got != expected) throw new IllegalStateException("query returned " + got + " rows, expected " + expected);
    }

    interface Query {
        void run() throws Exception;
    }

    /** Two warm-up runs, then the median of seven. */
    private static double timeMs(Query q) throws Exception {
        q.run();
        q.run();
        double[] t = new double[7];
        for (int i = 0; i < t.length; i++) {
            long t0 = System.nanoTime();
            q.run();
            t[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(t);
        return t[t.length / 2];
    }

    private Map<String, List<Engine.RealSeries>> readReal() throws IOException {
        Map<String, List<Engine.RealSeries>> out = new LinkedHashMap<>();
        if (!Files.isDirectory(data.resolve("nab")) || !Files.isDirectory(data.resolve("skab"))) {
            notes.add("Real data not found at " + data.toAbsolutePath() + ": NAB/SKAB rows left out.");
            return out;
        }
        out.put("nab", readSeries(list(data.resolve("nab"), ".csv"), CsvImport.Format.NAB));
        List<Path> skab = new ArrayList<>(List.of(data.resolve("skab/anomaly-free.csv")));
        if (Files.isDirectory(data.resolve("skab/valve1"))) skab.addAll(list(data.resolve("skab/valve1"), ".csv"));
        out.put("skab", readSeries(skab, CsvImport.Format.SKAB));
        return out;
    }

    private static List<Path> list(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }

    private static List<Engine.RealSeries> readSeries(List<Path> files, CsvImport.Format f) throws IOException {
        Map<String, List<long[]>> pts = new LinkedHashMap<>();
        CsvImport.Result r = new CsvImport.Result();
        for (Path p : files) CsvImport.read(p, f, (s, t, v) -> pts.computeIfAbsent(s, k -> new ArrayList<>()).add(new long[]{t, Double.doubleToRawLongBits(v)}), r);
        List<Engine.RealSeries> out = new ArrayList<>();
        for (var e : pts.entrySet()) {
            List<long[]> l = e.getValue();
            l.sort(Comparator.comparingLong(a -> a[0]));
            long[] ts = new long[l.size()];
            double[] v = new double[l.size()];
            for (int i = 0; i < ts.length; i++) {
                ts[i] = l.get(i)[0];
                v[i] = Double.longBitsToDouble(l.get(i)[1]);
            }
            out.add(new Engine.RealSeries(e.getKey(), ts, v));
        }
        return out;
    }

    private String render(List<String> engines, double seconds, int series, int perSeries, int big) {
        StringBuilder b = new StringBuilder();
        String cmd = "./lathe bench store" + (quick ? " --quick" : "") + " --update-docs";
        b.append("Command: `").append(cmd).append("` (").append(LocalDate.now()).append(", ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores, Java ").append(Runtime.version()).append(", run took ")
                .append(String.format(Locale.ROOT, "%.0f s", seconds)).append(").\n");
        b.append(String.format(Locale.ROOT, "Data: random walk %,d series x %,d points at 1 Hz (2 decimals), one series of %,d points, 100,000 series for latest, NAB and SKAB files.%n", series, perSeries, big));
        b.append("Ratios are Lathe / peer: above 1 is better for points/s, below 1 is better for bytes and ms.\n\n");
        b.append("| metric | unit |");
        for (String e : engines) b.append(' ').append(e).append(" |");
        for (String e : engines) if (!e.equals("Lathe")) b.append(" Lathe/").append(e).append(" |");
        b.append("\n|---|---|");
        for (int i = 0; i < engines.size() * 2 - 1; i++) b.append("---:|");
        b.append('\n');
        for (var m : results.entrySet()) {
            b.append("| ").append(m.getKey()).append(" | ").append(units.get(m.getKey())).append(" |");
            for (String e : engines) b.append(' ').append(fmt(m.getValue().get(e))).append(" |");
            Double l = m.getValue().get("Lathe");
            for (String e : engines) {
                if (e.equals("Lathe")) continue;
                Double p = m.getValue().get(e);
                b.append(' ').append(l == null || p == null || p == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", l / p)).append(" |");
            }
            b.append('\n');
        }
        for (String n : notes) b.append("\nNote: ").append(n).append('\n');
        return b.toString();
    }

    private static String fmt(Double v) {
        if (v == null) return "n/a";
        if (v >= 1000) return String.format(Locale.ROOT, "%,.0f", v);
        if (v >= 10) return String.format(Locale.ROOT, "%.1f", v);
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static void writeDoc(Path file, String table) throws IOException {
        String section = START + "\n## Telemetry store vs DuckDB and QuestDB\n\n" + table + END;
        String text = Files.exists(file) ? Files.readString(file) : "# Performance\n\nEach figure with the command that produced it.\n\n";
        int a = text.indexOf(START), z = text.indexOf(END);
        if (a >= 0 && z > a) text = text.substring(0, a) + section + text.substring(z + END.length());
        else text = text + (text.endsWith("\n") ? "" : "\n") + "\n" + section + "\n";
        if (file.getParent() != null) Files.createDirectories(file.getParent());
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
