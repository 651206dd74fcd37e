package io.lathe.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class KillNineTest {
    private static final Logger LOG = LoggerFactory.getLogger(KillNineTest.class);

    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedPointSurvivesKillNineDuringHeavyIngest() throws Exception {
        // Issue 3's crash-safety clause: SIGKILL a child JVM at random moments (mid-append, mid-fsync, mid-flush);
        // after each restart every point acknowledged as durable must be there, and what is there is a gap-free prefix.
        long seed = System.nanoTime();
        LOG.info("kill -9 test seed={}", seed);
        Random r = new Random(seed);
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        long acknowledged = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(50);
        int rounds = 0;
        for (int round = 0; round < 5 && System.nanoTime() < deadline; round++, rounds++) {
            Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), CrashChild.class.getName(), dir.toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            AtomicLong acked = new AtomicLong(-1);
            AtomicLong started = new AtomicLong(-1);
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.startsWith("durable ")) acked.set(Long.parseLong(line.substring(8)));
                        else if (line.startsWith("start ")) started.set(Long.parseLong(line.substring(6)));
                    }
                } catch (Exception ignored) {
                    // the child died: that is the point of the test
                }
            });
            long waitStart = System.nanoTime();
            while (acked.get() < 0 && System.nanoTime() - waitStart < TimeUnit.SECONDS.toNanos(15) && p.isAlive()) Thread.sleep(5);
            assertThat(acked.get()).as("seed=%d round=%d: child acknowledged nothing (alive=%s)", seed, round, p.isAlive()).isGreaterThanOrEqualTo(0);
            Thread.sleep(200 + r.nextInt(1800));
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            reader.join(5000);
            acknowledged = Math.max(acknowledged, acked.get());
            assertThat(started.get()).as("seed=%d round=%d: restart must see every earlier acknowledged point", seed, round).isGreaterThanOrEqualTo(round == 0 ? 0 : 1);
            verify(seed, round, acknowledged);
        }
        assertThat(rounds).isGreaterThanOrEqualTo(3);
    }

    private Process child(Class<?> main) throws IOException {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), main.getName(), dir.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    @Test
    void pointsAppendedWithoutSyncSurviveKillNineAfterTheLogWindow() throws Exception {
        // Issue 9.1: a connector's points (no sync, no flush) stayed in memory until the next flush, up to 10 minutes,
        // and kill -9 lost them. The promise: on disk within store.wal-sync-interval (10 ms by default).
        Process p = child(UnsyncedChild.class);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line = in.readLine();
            assertThat(line).as("child output (alive=%s)", p.isAlive()).isEqualTo("appended " + UnsyncedChild.POINTS);
            Thread.sleep(1000); // 100 times the 10 ms window
            p.destroyForcibly();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        try (TelemetryStore s = TelemetryStore.open(StoreSettings.defaults(dir))) {
            SeriesData d = s.raw("connector.value", Long.MIN_VALUE, Long.MAX_VALUE);
            assertThat(d.size()).isEqualTo(UnsyncedChild.POINTS);
            for (int i = 0; i < d.size(); i++) assertThat(d.timestampAt(i)).isEqualTo(UnsyncedChild.T0 + i * 1000L);
        }
    }

    @Test
    void aSecondWriterIsRefusedWhileAServerWritesAndAReadOnlyOpenDoesNotTouchItsLog() throws Exception {
        // Issue 9.11: `lathe query` on a running server's folder replayed, flushed and deleted the server's live log,
        // so the points it acknowledged afterwards went to a deleted file and were lost on kill -9.
        Process p = child(CrashChild.class);
        AtomicLong acked = new AtomicLong(-1);
        Thread reader = Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) if (line.startsWith("durable ")) acked.set(Long.parseLong(line.substring(8)));
            } catch (Exception ignored) {
                // killed
            }
        });
        try {
            long waitStart = System.nanoTime();
            while (acked.get() < 100_000 && System.nanoTime() - waitStart < TimeUnit.SECONDS.toNanos(30) && p.isAlive()) Thread.sleep(5);
            assertThat(acked.get()).as("child acknowledged points (alive=%s)", p.isAlive()).isGreaterThanOrEqualTo(100_000);
            assertThatThrownBy(() -> TelemetryStore.open(StoreSettings.defaults(dir))).isInstanceOf(IOException.class)
                    .hasMessageContaining("in use").hasMessageContaining("pid=" + p.pid());
            for (int i = 0; i < 3; i++) {
                long before = acked.get();
                try (TelemetryStore r = TelemetryStore.openReadOnly(StoreSettings.defaults(dir))) {
                    assertThat(r.stats().points()).isGreaterThanOrEqualTo(before);
                }
            }
            long reached = acked.get();
            waitStart = System.nanoTime();
            while (acked.get() < reached + 100_000 && System.nanoTime() - waitStart < TimeUnit.SECONDS.toNanos(30) && p.isAlive()) Thread.sleep(5);
        } finally {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
            reader.join(5000);
        }
        verify(0, 0, acked.get());
    }

    private void verify(long seed, int round, long acknowledged) throws Exception {
        try (TelemetryStore s = TelemetryStore.open(StoreSettings.defaults(dir))) {
            long total = 0;
            for (int k = 0; k < CrashChild.SERIES; k++) {
                SeriesData d = s.raw("s" + k, Long.MIN_VALUE, Long.MAX_VALUE);
                for (int i = 0; i < d.size(); i++) {
                    long expectedK = (long) i * CrashChild.SERIES + k;
                    if (d.doubleAt(i) != expectedK || d.timestampAt(i) != CrashChild.T0 + (long) i * 1000) {
                        throw new AssertionError("seed=" + seed + " round=" + round + ": series s" + k + " point " + i + " is (" + d.timestampAt(i) + ", " + d.doubleAt(i) + "), expected k=" + expectedK);
                    }
                }
                total += d.size();
            }
            assertThat(total).as("seed=%d round=%d: points present vs acknowledged", seed, round).isGreaterThanOrEqualTo(acknowledged);
            LOG.info("round {}: acknowledged={}, present={}", round, acknowledged, total);
        }
    }
}
