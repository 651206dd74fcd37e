package io.lathe.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.lathe.store.SeriesData;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14: {@code lathe import} in a child JVM killed with SIGKILL at different moments (while parsing, while a
 * segment file is being written, once files are renamed but before the manifest lists them, at random times) leaves a
 * store that opens, keeps what it held, and has either every point of the file or none of them.
 */
class ImportKillNineTest {
    private static final int SERIES = 10, POINTS = 120_000;
    private static final long T0 = 1_704_067_200_000L;

    @TempDir
    Path dir;

    /** What a kill is timed by: a phase of the import seen in the store folder, or a delay after the start. */
    private record Moment(String label, String suffix, long delayMillis) {}

    @Test
    void killNineAtAnyMomentLeavesEachFileCompleteOrAbsent() throws Exception {
        Path csv = dir.resolve("big.csv");
        StringBuilder sb = new StringBuilder(POINTS * SERIES * 24).append("series,timestamp,value\n");
        for (int i = 0; i < POINTS; i++) {
            for (int s = 0; s < SERIES; s++) sb.append("k").append(s).append(',').append(T0 + i * 1000L).append(',').append((i * 7 + s) % 1000 / 10.0).append('\n');
        }
        Files.writeString(csv, sb);
        Path first = dir.resolve("first.csv");
        Files.writeString(first, "series,timestamp,value\nbefore,2024-01-01T00:00:00Z,1\nbefore,2024-01-01T00:00:01Z,2\nk3,2024-01-01T00:00:00Z,-5\n");
        Path base = dir.resolve("base");
        Process setup = run(base, first);
        assertThat(setup.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(setup.exitValue()).isZero();

        List<Moment> moments = List.of(
                new Moment("a segment file being written", ".lseg.tmp", -1),
                new Moment("files renamed, manifest not yet written", ".lseg", -1),
                new Moment("early", null, 150), new Moment("parsing", null, 500), new Moment("later", null, 900),
                new Moment("late", null, 1400), new Moment("later still", null, 2200), new Moment("never", null, Long.MAX_VALUE));
        List<String> outcomes = new ArrayList<>();
        int n = 0;
        for (Moment m : moments) {
            Path store = dir.resolve("store-" + n++);
            copy(base, store);
            List<Path> filesBefore = segmentFiles(store);
            Process p = run(store, csv);
            long start = System.nanoTime();
            boolean killed = false;
            while (p.isAlive()) {
                boolean now = m.suffix() != null ? hasNew(store, filesBefore, m.suffix()) : System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(m.delayMillis());
                if (now) {
                    p.destroyForcibly(); // SIGKILL
                    killed = true;
                    break;
                }
                if (m.suffix() == null) Thread.sleep(2);
            }
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            try (TelemetryStore s = TelemetryStore.open(StoreSettings.defaults(store))) {
                assertThat(s.raw("before", Long.MIN_VALUE, Long.MAX_VALUE).size()).as("points from before the import, kill %s", m.label()).isEqualTo(2);
                long total = 0;
                for (int k = 0; k < SERIES; k++) {
                    SeriesData d = s.raw("k" + k, Long.MIN_VALUE, Long.MAX_VALUE);
                    // k3 had one point before the import, at T0; the import rewrites that time
                    int expectedBefore = k == 3 ? 1 : 0;
                    assertThat(d.size()).as("points of k%d, kill %s", k, m.label()).isIn(expectedBefore, POINTS);
                    total += d.size() - expectedBefore;
                    if (k == 3 && d.size() == 1) assertThat(d.doubleAt(0)).isEqualTo(-5);
                    if (k == 3 && d.size() == POINTS) assertThat(d.doubleAt(0)).as("the import's point wins").isEqualTo(0.3);
                }
                assertThat(total).as("all of the file or none of it, kill %s", m.label()).isIn(0L, (long) (POINTS - 1) + (long) (SERIES - 1) * POINTS);
                outcomes.add(m.label() + (killed ? " (killed)" : " (finished)") + ": " + (total == 0 ? "none" : "all"));
            }
            if (m.delayMillis() == Long.MAX_VALUE) assertThat(p.exitValue()).as("the import that was not killed succeeds").isZero();
            // reopening deleted what the killed import left behind
            try (Stream<Path> s = Files.walk(store.resolve("data"))) {
                assertThat(s.filter(q -> q.toString().endsWith(".tmp")).toList()).isEmpty();
            }
        }
        System.out.println("ImportKillNineTest outcomes: " + outcomes);
        assertThat(outcomes.getLast()).endsWith("(finished): all");
    }

    private static Process run(Path store, Path file) throws IOException {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        ProcessBuilder pb = new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                "io.lathe.server.cli.Main", "import", "--data-dir", store.toString(), "--format", "long", file.toString())
                .redirectErrorStream(true).redirectOutput(store.resolveSibling(store.getFileName() + ".log").toFile());
        Process p = pb.start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
        return p;
    }

    private static boolean hasNew(Path store, List<Path> before, String suffix) throws IOException {
        Path data = store.resolve("data");
        if (!Files.isDirectory(data)) return false;
        try (Stream<Path> s = Files.walk(data)) {
            return s.anyMatch(q -> q.toString().endsWith(suffix) && !before.contains(q));
        } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException e) {
            return false; // a file renamed while we listed
        }
    }

    private static List<Path> segmentFiles(Path store) throws IOException {
        try (Stream<Path> s = Files.walk(store.resolve("data"))) {
            return s.filter(q -> q.toString().endsWith(".lseg")).toList();
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else if (!p.getFileName().toString().equals("LOCK")) Files.copy(p, t);
            }
        }
    }
}
