package io.lathe.bench;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 14: {@code lathe import --format long} of a CSV file against DuckDB's {@code read_csv} into a table, in one
 * run on the same machine and file. Both are timed as processes a user starts (wall clock from spawn to exit, JVM
 * start included): Lathe as {@code java -jar lathe.jar import} (what {@code ./lathe import} runs, without the
 * launcher's source-freshness check), DuckDB as a JVM that opens a database through the JDBC driver and runs
 * {@code CREATE TABLE points AS SELECT * FROM read_csv(...)}. Each also reports its in-process time (Lathe: the time
 * its import prints; DuckDB: the statement), and the bytes its folder or database file holds afterwards. Repeated,
 * alternating which goes first; the median is reported with the load average before each repetition.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "lathe import (a process) against DuckDB read_csv on the same CSV file (default 100 series x 50,000 points).")
final class ImportBench implements Callable<Integer> {
    @Option(names = "--series", defaultValue = "100", description = "Series (default ${DEFAULT-VALUE}).")
    int series;

    @Option(names = "--points", defaultValue = "50000", description = "Points per series (default ${DEFAULT-VALUE}).")
    int points;

    @Option(names = "--runs", defaultValue = "3", description = "Repetitions (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--dir", defaultValue = "target/import-bench", description = "Work folder (default ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--jar", defaultValue = "lathe-server/target/lathe.jar", description = "The lathe jar (default ${DEFAULT-VALUE}).")
    Path jar;

    @Option(names = "--duckdb-child", hidden = true, arity = "2")
    List<Path> duckChild;

    record Run(double wall, double inProcess, long bytes) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.2f s (in-process %.2f s, %,d bytes)", wall, inProcess, bytes);
        }
    }

    @Override
    public Integer call() throws Exception {
        if (duckChild != null) return duckDbChild(duckChild.get(0), duckChild.get(1));
        if (!Files.isRegularFile(jar)) {
            System.err.println("import bench: no lathe jar at " + jar + "; build it first (./lathe --help builds it)");
            return 2;
        }
        Files.createDirectories(dir);
        Path csv = dir.resolve("points-" + series + "x" + points + ".csv");
        long points = (long) series * this.points;
        if (!Files.isRegularFile(csv)) {
            long t = System.nanoTime();
            generate(csv);
            System.err.printf(Locale.ROOT, "generated %s (%,d bytes) in %.1f s%n", csv, Files.size(csv), (System.nanoTime() - t) / 1e9);
        }
        // read the file once so both start from the page cache
        try (var in = Files.newInputStream(csv)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<Run> lathe = new ArrayList<>(), duck = new ArrayList<>();
        List<String> loads = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            loads.add(loadAverage());
            for (int k = 0; k < 2; k++) {
                boolean latheNow = (r + k) % 2 == 0;
                if (latheNow) lathe.add(runLathe(java, csv, r));
                else duck.add(runDuckDb(java, csv, r));
            }
            System.err.printf(Locale.ROOT, "run %d: lathe %s, duckdb %s (load %s)%n", r + 1, lathe.getLast(), duck.getLast(), loads.getLast());
        }
        loads.add(loadAverage());
        Run l = median(lathe), d = median(duck);
        System.out.printf(Locale.ROOT, "%n%,d points (%d series x %,d), %,d bytes of CSV, %d cores, %d runs (median), load average before each run and after: %s%n%n",
                points, series, this.points, Files.size(csv), Runtime.getRuntime().availableProcessors(), runs, String.join(" | ", loads));
        System.out.println("| | Lathe `import --format long` | DuckDB `read_csv` into a table | Lathe/DuckDB |");
        System.out.println("|---|---|---|---|");
        System.out.printf(Locale.ROOT, "| process, wall clock (JVM start included) | %.2f s | %.2f s | %.2f |%n", l.wall, d.wall, l.wall / d.wall);
        System.out.printf(Locale.ROOT, "| in-process, open to close (Lathe: its own figure; DuckDB: connect, statement, close) | %.2f s | %.2f s | %.2f |%n",
                l.inProcess, d.inProcess, l.inProcess / d.inProcess);
        System.out.printf(Locale.ROOT, "| points/s, process | %,.0f | %,.0f | |%n", points / l.wall, points / d.wall);
        System.out.printf(Locale.ROOT, "| bytes on disk | %,d | %,d | %.3f |%n", l.bytes, d.bytes, (double) l.bytes / d.bytes);
        System.out.printf(Locale.ROOT, "| bytes per point | %.2f | %.2f | |%n", (double) l.bytes / points, (double) d.bytes / points);
        System.out.printf(Locale.ROOT, "%nruns, wall s (Lathe / DuckDB): %s / %s%n", walls(lathe), walls(duck));
        return 0;
    }

    private static String walls(List<Run> runs) {
        return String.join(", ", runs.stream().map(r -> String.format(Locale.ROOT, "%.2f", r.wall)).toList());
    }

    private static Run median(List<Run> runs) {
        List<Run> s = new ArrayList<>(runs);
        s.sort(Comparator.comparingDouble(Run::wall));
        return s.get(s.size() / 2);
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "n/a";
        }
    }

    /** 100 series logged together each second: rows ordered by time, then series; values a random walk of 2 decimals. */
    private void generate(Path csv) throws IOException {
        Random rnd = new Random(14);
        double[] v = new double[series];
        for (int s = 0; s < series; s++) v[s] = 20 + rnd.nextInt(1000) / 100.0;
        DateTimeFormatter fmt = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss", Locale.ROOT);
        LocalDateTime t0 = LocalDateTime.of(2024, 1, 1, 0, 0);
        Path tmp = csv.resolveSibling(csv.getFileName() + ".tmp");
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20)) {
            out.write("series,timestamp,value\n".getBytes(StandardCharsets.US_ASCII));
            StringBuilder sb = new StringBuilder(1 << 16);
            for (int i = 0; i < points; i++) {
                String ts = fmt.format(t0.plusSeconds(i));
                for (int s = 0; s < series; s++) {
                    v[s] = Math.round(v[s] * 100 + rnd.nextInt(3) - 1) / 100.0;
                    sb.append("m").append(s / 100).append(s / 10 % 10).append(s % 10).append(".temp,").append(ts).append(',');
                    sb.append(String.format(Locale.ROOT, "%.2f", v[s])).append('\n');
                }
                out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
                sb.setLength(0);
            }
        }
        Files.move(tmp, csv, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static final Pattern IMPORTED = Pattern.compile("imported ([0-9,]+) points .* in ([0-9.]+) s");

    private Run runLathe(String java, Path csv, int r) throws Exception {
        Path store = dir.resolve("lathe-" + r);
        delete(store);
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED"));
        if (Runtime.version().feature() >= 23) cmd.add("--sun-misc-unsafe-memory-access=allow");
        cmd.addAll(List.of("-jar", jar.toString(), "import", "--data-dir", store.toString(), "--format", "long", csv.toString()));
        Path log = dir.resolve("lathe-" + r + ".log");
        long t = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) throw new IOException("lathe import failed; see " + log);
        double wall = (System.nanoTime() - t) / 1e9;
        Matcher m = IMPORTED.matcher(Files.readString(log));
        if (!m.find()) throw new IOException("no 'imported ... in ... s' line in " + log);
        long n = Long.parseLong(m.group(1).replace(",", ""));
        if (n != (long) series * points) throw new IOException("lathe imported " + n + " points, expected " + (long) series * points + "; see " + log);
        return new Run(wall, Double.parseDouble(m.group(2)), folderBytes(store));
    }

    private Run runDuckDb(String java, Path csv, int r) throws Exception {
        Path db = dir.resolve("duckdb-" + r + ".duckdb");
        Files.deleteIfExists(db);
        Files.deleteIfExists(db.resolveSibling(db.getFileName() + ".wal"));
        List<String> cmd = new ArrayList<>(List.of(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                BenchMain.class.getName(), "import", "--duckdb-child", db.toString(), csv.toString()));
        Path log = dir.resolve("duckdb-" + r + ".log");
        long t = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) throw new IOException("duckdb import failed; see " + log);
        double wall = (System.nanoTime() - t) / 1e9;
        String out = Files.readString(log);
        Matcher m = Pattern.compile("rows=(\\d+) seconds=([0-9.]+)").matcher(out);
        if (!m.find()) throw new IOException("no result line in " + log);
        if (Long.parseLong(m.group(1)) != (long) series * points) throw new IOException("duckdb loaded " + m.group(1) + " rows; see " + log);
        long bytes = Files.size(db);
        Path wal = db.resolveSibling(db.getFileName() + ".wal");
        if (Files.exists(wal)) bytes += Files.size(wal);
        return new Run(wall, Double.parseDouble(m.group(2)), bytes);
    }

    /** The DuckDB side, in its own JVM: load the file into a table of a new database, close it (checkpoint). */
    private static int duckDbChild(Path db, Path csv) throws Exception {
        long n;
        double statement;
        // as Lathe's own figure: from opening the database to closing it (the close checkpoints the table to the file)
        long t0 = System.nanoTime();
        try (Connection c = DriverManager.getConnection("jdbc:duckdb:" + db); Statement st = c.createStatement()) {
            long t = System.nanoTime();
            st.execute("CREATE TABLE points AS SELECT * FROM read_csv('" + csv.toString().replace("'", "''") + "')");
            statement = (System.nanoTime() - t) / 1e9;
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM points")) {
                rs.next();
                n = rs.getLong(1);
            }
        }
        System.out.printf(Locale.ROOT, "rows=%d seconds=%.3f statement=%.3f%n", n, (System.nanoTime() - t0) / 1e9, statement);
        return 0;
    }

    private static long folderBytes(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
