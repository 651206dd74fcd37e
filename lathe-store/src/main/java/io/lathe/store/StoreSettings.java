package io.lathe.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Settings of a {@link TelemetryStore}.
 *
 * @param dataDir           folder of the store (created when missing): {@code wal/}, {@code data/<yyyy-MM-dd>/}, {@code MANIFEST}
 * @param memoryBudgetBytes bytes of in-memory column buffers; a flush starts at half of it, appenders wait for the
 *                          running flush when buffers plus the flushing snapshot exceed it. A quarter of it again is
 *                          given to the cache of file indexes (the rest of the index stays on disk)
 * @param flushInterval     buffers are flushed to files at least this often (when not empty)
 * @param retention         points older than this (whole day partitions) are dropped; null or zero keeps everything
 * @param lateWindow        a point older than its series' newest point by more than this is rejected and counted
 * @param walSyncInterval   group-commit window, 0 to 1 s: every appended point is forced to disk at most this long
 *                          after its append (plus one write and fsync), without anyone calling {@code sync()}; the
 *                          writer forces earlier when a caller syncs or a buffer is half full; zero forces as soon as
 *                          data is there
 * @param partition         time span of a partition (files, folders, and what retention drops at once), aligned to
 *                          Mondays 00:00 UTC when it is a whole number of days or weeks. Longer partitions cost fewer,
 *                          larger blocks for slow series; retention then drops data up to one partition later
 */
public record StoreSettings(Path dataDir, long memoryBudgetBytes, Duration flushInterval, Duration retention,
                            Duration lateWindow, Duration walSyncInterval, Duration partition) {

    public StoreSettings {
        Objects.requireNonNull(dataDir, "dataDir");
        List<String> problems = new ArrayList<>();
        if (memoryBudgetBytes < (1 << 20)) problems.add("memoryBudgetBytes must be at least 1048576, but was " + memoryBudgetBytes);
        if (flushInterval == null || flushInterval.isNegative() || flushInterval.isZero()) problems.add("flushInterval must be positive, but was " + flushInterval);
        if (retention != null && retention.isNegative()) problems.add("retention must not be negative, but was " + retention);
        if (lateWindow == null || lateWindow.isNegative()) problems.add("lateWindow must be zero or positive, but was " + lateWindow);
        if (walSyncInterval == null || walSyncInterval.isNegative() || walSyncInterval.compareTo(Duration.ofSeconds(1)) > 0) {
            problems.add("walSyncInterval must be between 0 and 1s (points are durable within it), but was " + walSyncInterval);
        }
        if (partition == null || partition.compareTo(Duration.ofMinutes(1)) < 0 || partition.compareTo(Duration.ofDays(366)) > 0) {
            problems.add("partition must be between 1m and 366d, but was " + partition);
        }
        if (!problems.isEmpty()) throw new IllegalArgumentException("Invalid store settings [dataDir=" + dataDir + "]: " + String.join("; ", problems) + ".");
    }

    /** 64 MB of buffers, flush every 10 minutes, keep forever, accept points up to 1 day late, 10 ms group commit, 7-day partitions. */
    public static StoreSettings defaults(Path dataDir) {
        return new StoreSettings(dataDir, 64L << 20, Duration.ofMinutes(10), null, Duration.ofDays(1), Duration.ofMillis(10), Duration.ofDays(7));
    }

    public StoreSettings withPartition(Duration d) {
        return new StoreSettings(dataDir, memoryBudgetBytes, flushInterval, retention, lateWindow, walSyncInterval, d);
    }

    long indexCacheBytes() {
        return memoryBudgetBytes / 4;
    }

    public StoreSettings withMemoryBudgetBytes(long bytes) {
        return new StoreSettings(dataDir, bytes, flushInterval, retention, lateWindow, walSyncInterval, partition);
    }

    public StoreSettings withFlushInterval(Duration d) {
        return new StoreSettings(dataDir, memoryBudgetBytes, d, retention, lateWindow, walSyncInterval, partition);
    }

    public StoreSettings withRetention(Duration d) {
        return new StoreSettings(dataDir, memoryBudgetBytes, flushInterval, d, lateWindow, walSyncInterval, partition);
    }

    public StoreSettings withLateWindow(Duration d) {
        return new StoreSettings(dataDir, memoryBudgetBytes, flushInterval, retention, d, walSyncInterval, partition);
    }

    public StoreSettings withWalSyncInterval(Duration d) {
        return new StoreSettings(dataDir, memoryBudgetBytes, flushInterval, retention, lateWindow, d, partition);
    }

    boolean keepsForever() {
        return retention == null || retention.isZero();
    }
}
