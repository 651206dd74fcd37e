package io.lathe.store;

import static io.lathe.store.StoreReliabilityTest.waitFor;
import static io.lathe.store.StoreReliabilityTest.walBytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lathe.model.DataType;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 9.6 and 9.11: the store on a 4 MB tmpfs that is filled up and freed again. Needs root (mount); without it the
 * tests are skipped with the reason.
 */
class DiskFullTest {
    private static final long T0 = 1_700_000_000_000_000L;
    private Path mount;
    private Path store;
    private final List<Path> fillers = new ArrayList<>();

    @BeforeEach
    void mountTmpfs() throws Exception {
        mount = Files.createTempDirectory("lathe-diskfull");
        String out = run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount.toString());
        if (out != null) {
            Files.deleteIfExists(mount);
            Assumptions.abort("cannot mount a 4 MB tmpfs for the disk-full tests (needs root): " + out);
        }
        store = mount.resolve("store");
    }

    @AfterEach
    void unmount() throws Exception {
        if (mount == null) return;
        String out = run("umount", "-l", mount.toString());
        if (out != null) System.err.println("umount " + mount + " failed: " + out);
        Files.deleteIfExists(mount);
    }

    /** Runs a command; null when it succeeded, else its output and exit code. */
    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return "timed out: " + String.join(" ", cmd);
        }
        return p.exitValue() == 0 ? null : "exit " + p.exitValue() + ": " + text;
    }

    /** Fills the file system with one file. */
    private void fill() throws IOException {
        byte[] chunk = new byte[4096];
        Path big = mount.resolve("filler-" + fillers.size());
        fillers.add(big);
        try (OutputStream o = Files.newOutputStream(big)) {
            while (true) o.write(chunk);
        } catch (IOException full) {
            // expected: No space left on device
        }
    }

    /** Frees one 4 KiB page: cuts the last filler back to the page boundary below its end. */
    private void freeOnePage() throws IOException {
        Path big = fillers.getLast();
        try (FileChannel ch = FileChannel.open(big, StandardOpenOption.WRITE)) {
            long size = ch.size();
            assertThat(size).as("filler left to free").isPositive();
            ch.truncate((size - 1) / 4096 * 4096);
        }
    }

    private void freeAll() throws IOException {
        for (Path p : fillers) Files.deleteIfExists(p);
        fillers.clear();
    }

    private StoreSettings settings() {
        return StoreSettings.defaults(store).withFlushInterval(Duration.ofHours(1)).withWalSyncInterval(Duration.ofMillis(5));
    }

    @Test
    void aFullDiskMakesTheStoreRefuseWithAReasonAndItRecoversByItselfWithEveryPointOnce() throws Exception {
        // Issue 9.6: after one log write error the store refused every append until restart, and said so nowhere.
        List<Long> accepted = new ArrayList<>();
        try (TelemetryStore s = TelemetryStore.open(settings())) {
            int id = s.seriesId("p", DataType.DOUBLE);
            long k = 0;
            for (; k < 100; k++) {
                s.append(id, T0 + k * 1000, k);
                accepted.add(k);
            }
            s.sync();
            fill();
            // the log's last page may still take a few records: append until the store says it is unavailable
            PointRejectedException refused = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (refused == null && System.nanoTime() < deadline) {
                try {
                    s.append(id, T0 + k * 1000, k);
                    accepted.add(k);
                    k++;
                    Thread.sleep(1);
                } catch (PointRejectedException e) {
                    refused = e;
                }
            }
            assertThat(refused).as("the store refuses points on a full disk").isNotNull();
            assertThat(refused.reason()).isEqualTo(RejectReason.UNAVAILABLE);
            assertThat(refused.getMessage()).contains("No space left on device");
            assertThat(s.unavailableReason()).hasValueSatisfying(m -> assertThat(m).startsWith("write-ahead log write failed: No space left on device [dir="));
            assertThat(s.rejectedByReason().get("unavailable")).isGreaterThanOrEqualTo(1);
            assertThatThrownBy(s::sync).isInstanceOf(IOException.class).hasMessageContaining("No space left on device");

            freeAll();
            waitFor("the store accepts points again by itself", () -> s.unavailableReason().isEmpty());
            for (long end = k + 100; k < end; k++) {
                s.append(id, T0 + k * 1000, k);
                accepted.add(k);
            }
            s.sync();
            // the log holds every accepted point once: a retried write must not leave a partial or repeated frame
            try (TelemetryStore r = TelemetryStore.openReadOnly(settings())) {
                assertThat(r.stats().memoryPoints()).isEqualTo(accepted.size());
                checkExactly(r, accepted);
            }
            checkExactly(s, accepted);
        }
        try (TelemetryStore s = TelemetryStore.open(settings())) {
            checkExactly(s, accepted);
            assertThat(s.stats().filePoints()).isEqualTo(accepted.size());
        }
    }

    @Test
    void aManifestWriteThatFailsOnAFullDiskLeavesExactlyOneCopyOfTheFlushedPoints() throws Exception {
        // Issue 9.11: disk full while a flush wrote the MANIFEST put the flushed points back in memory although their
        // file was live, so every point of that flush was stored twice once space came back.
        List<Long> accepted = new ArrayList<>();
        try (TelemetryStore s = TelemetryStore.open(settings())) {
            int id = s.seriesId("m", DataType.DOUBLE);
            for (long k = 0; k < 50; k++) {
                s.append(id, T0 + k * 1000, k);
                accepted.add(k);
            }
            s.sync();
            fill();
            // free one page at a time until the segment file fits and the manifest does not
            boolean manifestFailed = false;
            for (int attempt = 0; attempt < 8 && !manifestFailed; attempt++) {
                freeOnePage();
                try {
                    s.flush();
                    throw new AssertionError("the flush succeeded with " + (attempt + 1) + " free page(s): cannot reproduce a failing manifest write");
                } catch (IOException e) {
                    manifestFailed = s.stats().files() == 1;
                }
            }
            assertThat(manifestFailed).as("a flush whose file went live but whose manifest write failed").isTrue();
            StoreStats st = s.stats();
            assertThat(st.filePoints()).isEqualTo(50);
            assertThat(st.memoryPoints()).as("flushed points are not put back into memory").isZero();
            checkExactly(s, accepted);
            // what a crash now would reopen: the old manifest (without the file) and the log
            try (TelemetryStore r = TelemetryStore.openReadOnly(settings())) {
                assertThat(r.stats().filePoints()).isZero();
                assertThat(r.stats().memoryPoints()).isEqualTo(50);
                checkExactly(r, accepted);
            }
            freeAll();
            waitFor("the manifest is written again and the flushed log deleted", () -> walBytes(store) == 0);
            checkExactly(s, accepted);
        }
        try (TelemetryStore s = TelemetryStore.open(settings())) {
            StoreStats st = s.stats();
            assertThat(st.filePoints()).isEqualTo(50);
            assertThat(st.memoryPoints()).isZero();
            checkExactly(s, accepted);
        }
    }

    private static void checkExactly(TelemetryStore s, List<Long> accepted) throws IOException {
        SeriesData d = s.raw(s.series().getFirst().name(), Long.MIN_VALUE, Long.MAX_VALUE);
        assertThat(d.size()).isEqualTo(accepted.size());
        for (int i = 0; i < d.size(); i++) {
            long k = accepted.get(i);
            assertThat(d.timestampAt(i)).isEqualTo(T0 + k * 1000);
            assertThat(d.doubleAt(i)).isEqualTo((double) k);
        }
    }
}
