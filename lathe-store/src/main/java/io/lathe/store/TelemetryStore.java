package io.lathe.store;

import io.lathe.ingest.PointBatch;
import io.lathe.ingest.PointSink;
import io.lathe.model.DataType;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.lathe.store.internal.BlockMeta;
import io.lathe.store.internal.BucketAggregator;
import io.lathe.store.internal.ByteSink;
import io.lathe.store.internal.ByteSource;
import io.lathe.store.internal.Codecs;
import io.lathe.store.internal.Columns;
import io.lathe.store.internal.FileUtil;
import io.lathe.store.internal.IndexCache;
import io.lathe.store.internal.MemChunk;
import io.lathe.store.internal.SegmentFile;
import io.lathe.store.internal.Wal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.InstantSource;
import java.time.LocalDate;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lathe's embedded time-series store. A series is a named signal with one {@link DataType}; points carry a timestamp
 * in µs since the Unix epoch, a value and a {@link Quality}.
 *
 * <p><b>Write path.</b> Each append goes, under one lock, into the series' in-memory column buffer and the
 * write-ahead log's current batch; a writer thread forces batches to disk (group commit). Buffers are flushed to
 * immutable, compressed day-partition files ({@code data/yyyy-MM-dd/*.lseg}) by a background thread every
 * {@code flushInterval}, when half the memory budget is used, and on {@link #close()}; the log segments covered are
 * then deleted.
 *
 * <p><b>Durability.</b> {@code append} returns once the point is buffered and queued for the log. A point is
 * <em>acknowledged as durable</em> when a {@link #sync()} that started after its append returned, or a
 * {@link #syncAsync()} future created after it completed: its log record is then forced to disk (or it is in a
 * forced file). Such points survive {@code kill -9} and power loss (given a disk that honours fsync). Without a sync,
 * every point is forced within {@code walSyncInterval} (plus the time of one write and fsync) of its append, whatever
 * the rate: the first record of a batch wakes the log writer.
 *
 * <p><b>Failures.</b> A write-ahead log write that fails (disk full, I/O error) makes the store refuse new points
 * ({@link RejectReason#UNAVAILABLE}, {@link #unavailableReason()}) while the log writer retries in the background; the
 * points accepted before are rewritten from memory once the cause is gone, and the store accepts points again by
 * itself. Every refused point is counted under a stable reason ({@link #rejectedByReason()}).
 *
 * <p><b>Duplicates.</b> Of several points of one series with the same timestamp, the last one written wins: queries,
 * flushes and compaction keep only it, so a client that resends a batch stores every point once.
 *
 * <p><b>Sharing.</b> A writable store holds an exclusive lock on {@code LOCK} in its folder: a second writer (another
 * process, or another instance in this one) is refused with the holder's pid. {@link #openReadOnly} opens without the
 * lock and writes, truncates or deletes nothing: it reads the files and replays the log into memory.
 *
 * <p><b>Reads</b> merge files, flushing snapshots and live buffers and always return points in time order.
 * All methods are thread-safe. Queries never block appends for longer than copying the buffered points of the
 * series asked for.
 */
public final class TelemetryStore implements PointSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TelemetryStore.class);
    static final long DAY_MICROS = 86_400_000_000L;
    /** Partitions are aligned to Monday 1970-01-05 00:00 UTC (epoch day 4), so week partitions start on Mondays. */
    private static final long PARTITION_ORIGIN = 4 * DAY_MICROS;
    private static final byte[] MANIFEST_MAGIC_V1 = "LATHMAN1".getBytes(StandardCharsets.US_ASCII);
    /** Version 2 adds each file's write sequence (the order of writes, for last-write-wins across files). */
    private static final byte[] MANIFEST_MAGIC = "LATHMAN2".getBytes(StandardCharsets.US_ASCII);
    /** Bytes per buffered point: series id, timestamp, value bits, quality (see {@link MemChunk}). */
    private static final int SLOT_BYTES = 4 + 8 + 8 + 1;
    /** Points per memory chunk at most: 1.3 MB of arrays, small enough to stay in cache while it is sealed. */
    private static final int MAX_CHUNK_POINTS = 1 << 14;
    /** Points a flush regroups at a time (about 1.1 MB of arrays: they stay in cache while a range is scattered). */
    private static final int GATHER_POINTS = 1 << 16;
    /** A flush that leaves a partition with at least this many small files queues their compaction. */
    static final int AUTO_COMPACT_FILES = 8;
    /** Most files one automatic compaction merges (their directories are in the heap while it runs). */
    static final int MAX_COMPACT_FILES = 16;
    /**
     * Files up to this size are tier 0. Automatic compaction is size-tiered: a file of more than
     * {@code SMALL_FILE_BYTES * TIER_FACTOR^(k-1)} and up to {@code SMALL_FILE_BYTES * TIER_FACTOR^k} bytes is in tier
     * k; a run of {@link #AUTO_COMPACT_FILES} files of one tier in a partition is merged, and since eight files of
     * tier k add up to more than tier k's upper size, the result lands a tier higher: a point is rewritten about once
     * per tier it climbs. Why tier 0 is small: it has no lower size, so files far below its upper size were merged again
     * and again inside it (at 32 MB, flushes of about 1 MB rewrote their points three to four times before they left
     * it). Files above {@link #MAX_TIER} (2 GB) stay as they are. Without the upper tiers, files that outgrew tier 0
     * each kept one partly filled block per series, so the in-heap block index grew by one entry per series every few
     * minutes at 100,000 series.
     */
    static final long SMALL_FILE_BYTES = 512L << 10;
    static final int TIER_FACTOR = 8;
    static final int MAX_TIER = 4;
    /**
     * Blocks of at least this many points are copied into a compaction's output as they are encoded (see
     * {@link #copyable}); smaller ones are merged and encoded again, so that slow series still end in full blocks.
     */
    static final int MIN_COPY_POINTS = SegmentFile.BLOCK_POINTS / 4;
    /** Read-ahead per input file of a compaction (at most {@link #MAX_COMPACT_FILES} of them at once). */
    static final int COMPACT_READ_BYTES = 1 << 20;
    /** Points per block in files compaction writes into the top tier: fewer, larger blocks, fewer index entries. */
    static final int LARGE_BLOCK_POINTS = 16_384;
    /** A file replaced by compaction stays open this long for queries that still read its blocks. */
    static final long RETIRED_GRACE_NANOS = TimeUnit.MINUTES.toNanos(5);
    private static final ThreadLocal<Codecs> CODECS = ThreadLocal.withInitial(Codecs::new);
    /**
     * Earliest timestamp accepted: 0001-01-01T00:00:00Z. With {@link #MAX_TIMESTAMP_MICROS} it keeps every partition
     * folder name a four-digit year that opening the store reads back (history before 1970 is fine).
     */
    public static final long MIN_TIMESTAMP_MICROS = -62_135_596_800_000_000L;
    /**
     * Latest timestamp accepted: 9999-12-31T23:59:59.999999Z, the last instant whose partition folder has a four-digit
     * year (microseconds sent as milliseconds land far beyond it and are refused instead of lost).
     */
    public static final long MAX_TIMESTAMP_MICROS = 253_402_300_799_999_999L;
    /** Largest text value, in bytes of UTF-8 (1 MiB): bounds log records, so no frame nears the log's frame limit. */
    public static final int MAX_TEXT_BYTES = 1 << 20;
    /** Longest series name, in bytes of UTF-8. */
    public static final int MAX_SERIES_NAME_BYTES = 4096;
    private static final RejectReason[] REASONS = RejectReason.values();

    private final StoreSettings settings;
    private final InstantSource clock;
    private final Path walDir, dataRoot;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition flushDone = lock.newCondition();
    private final List<Series> byId = new ArrayList<>();
    private final Map<String, Series> byName = new ConcurrentHashMap<>();
    /** byName for the ingest path, by the signal's ordinal; written under the lock. */
    // By Signal.ordinal, guarded by the lock: the id of the signal a slot was filled for (compared by identity, as
    // SignalSlots does, so a signal made by hand with a reused ordinal misses) and its series id.
    private String[] signalIdByOrdinal = new String[0];
    private int[] seriesByOrdinal = new int[0];
    private final List<Snapshot> flushing = new ArrayList<>();
    /**
     * The memory buffer: chunks in arrival order, all sealed but the last when it is {@link #openChunk}. Guarded by
     * the lock, as are the snapshots' chunks in {@link #flushing} (readers copy from them under the lock).
     */
    private List<MemChunk> liveChunks = new ArrayList<>();
    /** The chunk points are appended to, or null (then the next point takes a new one). */
    private MemChunk openChunk;
    private final ArrayDeque<MemChunk> freeChunks = new ArrayDeque<>();
    private final MemChunk.Scratch sealScratch = new MemChunk.Scratch();
    private final int chunkPoints;
    private final TreeMap<Long, List<SegmentFile>> partitions = new TreeMap<>();
    /** Files replaced by compaction, with the System.nanoTime() they were retired at; closed after a grace period. */
    private final LinkedHashMap<SegmentFile, Long> retiredFiles = new LinkedHashMap<>();
    /** True while an automatic compaction is queued on the background thread. Guarded by the lock. */
    private boolean compactionQueued;
    /** A flush's regrouping arrays; flushes run one at a time on the background thread, which alone uses them. */
    private final MemChunk.Gather flushGather = new MemChunk.Gather();
    private final ScheduledThreadPoolExecutor background;
    private final AtomicLong nextFileId = new AtomicLong(1);
    /** Refused points per {@link RejectReason} ordinal. */
    private final java.util.concurrent.atomic.AtomicLongArray rejects = new java.util.concurrent.atomic.AtomicLongArray(REASONS.length);
    private final boolean readOnly;
    /** The exclusive lock of a writable store; null when read-only. */
    private final StoreLock storeLock;
    /** Why the last flush failed, or null; with full memory buffers it makes the store refuse points. Guarded by the lock. */
    private String flushFailure;
    /** A manifest write failed after files went live: the next periodic run writes it again. Guarded by the lock. */
    private boolean manifestDirty;
    /** Files replaced or dropped whose names stay on disk until a manifest without them is durable. Guarded by the lock. */
    private final List<SegmentFile> unlinkAfterManifest = new ArrayList<>();
    /** While retention recomputes first times outside the lock: lowest timestamp per series id of files added meanwhile. */
    private long[] firstTsDuringScan;
    /** Test hook: runs between gathering a query's blocks and reading them. */
    volatile Runnable afterGather;
    private final long lateWindowMicros;
    /** Null when read-only. */
    private final Wal wal;
    private final IndexCache index;
    private final long partitionMicros;
    private long memBytes;
    private long flushingBytes;
    private long flushedThrough;
    /** {@link #flushedThrough} of the manifest last written successfully: log segments up to it may be deleted. */
    private long durableFlushedThrough;
    /** File ids the manifest lists, with their write sequence; null when there was no manifest. */
    private Map<Long, Long> manifestFiles;
    private boolean closed;
    /** Size of tier 0 (see {@link #SMALL_FILE_BYTES}); tests lower it to exercise the upper tiers with little data. */
    long smallFileBytes = SMALL_FILE_BYTES;
    /** Bytes of files automatic and explicit compaction have read and merged so far (write amplification, for tests). */
    volatile long compactedInputBytes;

    /**
     * One series: identity, newest point and live buffer, guarded by the store lock. Where its flushed blocks lie is
     * not kept here: each file's index stays on disk and is read through the bounded {@link IndexCache}.
     */
    private static final class Series {
        final int id;
        final String name;
        final DataType type;

        Series(int id, String name, DataType type) {
            this.id = id;
            this.name = name;
            this.type = type;
        }
    }

    // Interleaved, STRIDE longs per series (newest time, its value bits, oldest time, quality and type), so that an
    // append touches one cache line of series state instead of one per array: with 10,000 series the separate arrays,
    // the live view's and the chunks' did not fit the core's L2 cache together.
    private static final int STRIDE = 4, LAST_TS = 0, LAST_BITS = 1, FIRST_TS = 2, META = 3;
    private long[] seriesState = new long[0];
    private Object[] lastText = new Object[0];
    private static final DataType[] TYPES = DataType.values();

    private long lastTs(int id) {
        return seriesState[id * STRIDE + LAST_TS];
    }

    private void setLastTs(int id, long ts) {
        seriesState[id * STRIDE + LAST_TS] = ts;
    }

    private long lastBits(int id) {
        return seriesState[id * STRIDE + LAST_BITS];
    }

    private void setLastBits(int id, long bits) {
        seriesState[id * STRIDE + LAST_BITS] = bits;
    }

    private long firstTs(int id) {
        return seriesState[id * STRIDE + FIRST_TS];
    }

    private void setFirstTs(int id, long ts) {
        seriesState[id * STRIDE + FIRST_TS] = ts;
    }

    /** Lock held: the quality code of the series' newest point. */
    private byte lastQuality(int id) {
        return (byte) seriesState[id * STRIDE + META];
    }

    private void setLastQuality(int id, byte q) {
        int o = id * STRIDE + META;
        seriesState[o] = (seriesState[o] & ~0xFFL) | (q & 0xFF);
    }

    /** Lock held: the series' type. */
    private DataType typeOf(int id) {
        return TYPES[(int) (seriesState[id * STRIDE + META] >>> 8) - 1];
    }

    /** A flush's chunks (sealed, in arrival order) and the series table at that time (ids index it). */
    private record Snapshot(long generation, List<MemChunk> chunks, Series[] series, long bytes) {}

    private TelemetryStore(StoreSettings settings, InstantSource clock, boolean readOnly) throws IOException {
        this.settings = settings;
        this.clock = clock;
        this.readOnly = readOnly;
        this.walDir = settings.dataDir().resolve("wal");
        this.dataRoot = settings.dataDir().resolve("data");
        this.lateWindowMicros = saturatedMicros(settings.lateWindow());
        // a flush starts at half the budget: at least 8 chunks then, so the last, partly filled one wastes little
        this.chunkPoints = (int) Math.max(256, Math.min(MAX_CHUNK_POINTS, Long.highestOneBit(Math.max(1, settings.memoryBudgetBytes() / SLOT_BYTES / 16))));
        this.partitionMicros = saturatedMicros(settings.partition());
        this.index = new IndexCache(settings.indexCacheBytes());
        if (readOnly) {
            storeLock = null;
            wal = null;
            background = null;
            if (!Files.isDirectory(settings.dataDir())) throw new IOException("No store [dataDir=" + settings.dataDir() + "]: the folder does not exist.");
            try {
                byte[] manifest = readFileOrNull(settings.dataDir().resolve("MANIFEST"));
                readManifest();
                loadFiles();
                replay();
                // a writer that flushed meanwhile may have deleted log segments whose points our manifest did not
                // list yet: open again (openReadOnly retries on NoSuchFileException)
                if (!Arrays.equals(manifest, readFileOrNull(settings.dataDir().resolve("MANIFEST")))) {
                    throw new java.nio.file.NoSuchFileException(settings.dataDir().resolve("MANIFEST").toString(), null, "changed while opening");
                }
            } catch (IOException | RuntimeException | Error e) {
                closeFiles();
                throw e;
            }
            LOG.debug("Telemetry store open read-only [dataDir={}, series={}, files={}, bufferedPoints={}]",
                    settings.dataDir(), byId.size(), fileCount(), memoryPoints());
            return;
        }
        Files.createDirectories(settings.dataDir());
        storeLock = StoreLock.acquire(settings.dataDir());
        Wal w = null;
        try {
            Files.createDirectories(walDir);
            Files.createDirectories(dataRoot);
            readManifest();
            loadFiles();
            long lastGen = replay();
            w = new Wal(walDir, Math.max(lastGen, flushedThrough) + 1, lock, 4 << 20, settings.walSyncInterval().toNanos());
        } catch (IOException | RuntimeException | Error e) {
            closeFiles();
            storeLock.close();
            throw e;
        }
        wal = w;
        background = new ScheduledThreadPoolExecutor(1, r -> Thread.ofPlatform().daemon().name("lathe-store-background").unstarted(r));
        long flushMs = Math.max(1, settings.flushInterval().toMillis());
        background.scheduleWithFixedDelay(this::periodicFlush, flushMs, flushMs, TimeUnit.MILLISECONDS);
        // a flush or manifest write that failed (disk full) is retried sooner than the next periodic flush
        background.scheduleWithFixedDelay(this::retryFailures, 1, 1, TimeUnit.SECONDS);
        if (!settings.keepsForever()) {
            long every = Math.max(1000, Math.min(3_600_000, settings.retention().toMillis() / 10));
            background.scheduleWithFixedDelay(this::periodicRetention, 0, every, TimeUnit.MILLISECONDS);
        }
        LOG.info("Telemetry store open [dataDir={}, series={}, files={}, bufferedPoints={}, memoryBudgetBytes={}]",
                settings.dataDir(), byId.size(), fileCount(), memoryPoints(), settings.memoryBudgetBytes());
    }

    /**
     * Opens (creating when missing) the store in {@code settings.dataDir()} for writing, replaying its write-ahead log.
     * Fails with an {@link IOException} naming the holder when another writer has it open.
     */
    public static TelemetryStore open(StoreSettings settings) throws IOException {
        return new TelemetryStore(settings, InstantSource.system(), false);
    }

    /** As {@link #open(StoreSettings)} with a clock for retention (tests). */
    public static TelemetryStore open(StoreSettings settings, InstantSource clock) throws IOException {
        return new TelemetryStore(settings, clock, false);
    }

    /**
     * Opens an existing store for queries only, also while a server writes it: reads its files and replays its
     * write-ahead log into memory, without taking the writers' lock and without writing, truncating or deleting
     * anything. What the writer adds or compacts afterwards is not seen. Appends, flushes, compaction and retention
     * throw {@link IllegalStateException}.
     */
    public static TelemetryStore openReadOnly(StoreSettings settings) throws IOException {
        // a running writer may delete a log segment or a compacted file between our listing and our reading it
        for (int attempt = 1; ; attempt++) {
            try {
                return new TelemetryStore(settings, InstantSource.system(), true);
            } catch (java.nio.file.NoSuchFileException e) {
                if (attempt == 5) throw e;
                LOG.debug("Store changed while opening it read-only; retrying [dataDir={}, file={}]", settings.dataDir(), e.getFile());
            }
        }
    }

    private static byte[] readFileOrNull(Path p) throws IOException {
        try {
            return Files.readAllBytes(p);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
    }

    /** True for a store opened with {@link #openReadOnly}. */
    public boolean isReadOnly() { return readOnly; }

    public StoreSettings settings() { return settings; }

    private static long saturatedMicros(Duration d) {
        try {
            return Math.multiplyExact(d.getSeconds(), 1_000_000L) + d.getNano() / 1000;
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    // =================================================================== series

    /** Id of a series, defining it with {@code type} when new. An existing series keeps its type. */
    public int seriesId(String name, DataType type) {
        Series s = byName.get(name);
        if (s != null) return s.id;
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > MAX_SERIES_NAME_BYTES) {
            throw new IllegalArgumentException("series name too long [bytes=" + utf8.length + ", limit=" + MAX_SERIES_NAME_BYTES + "]: use a shorter name.");
        }
        lock.lock();
        try {
            checkWritable();
            s = byName.get(name);
            if (s != null) return s.id;
            checkAvailable();
            if (name.isEmpty()) throw new IllegalArgumentException("series name must not be empty");
            try {
                wal.appendDefine(byId.size(), (byte) type.ordinal(), utf8);
            } catch (Wal.Unavailable e) {
                throw reject(RejectReason.UNAVAILABLE, e.getMessage());
            }
            return define(name, type).id;
        } finally {
            lock.unlock();
        }
    }

    private Series define(String name, DataType type) {
        if (name.isEmpty()) throw new IllegalArgumentException("series name must not be empty");
        Series s = new Series(byId.size(), name, type);
        if (s.id == lastText.length) {
            int len = Math.max(64, lastText.length * 2);
            seriesState = Arrays.copyOf(seriesState, len * STRIDE);
            for (int id = s.id; id < len; id++) {
                setLastTs(id, Long.MIN_VALUE);
                setFirstTs(id, Long.MAX_VALUE);
            }
            lastText = Arrays.copyOf(lastText, len);
        }
        seriesState[s.id * STRIDE + META] = (long) (type.ordinal() + 1) << 8;
        byId.add(s);
        byName.put(name, s);
        return s;
    }

    /** Type of a series, or empty when unknown. */
    public Optional<DataType> typeOf(String name) {
        Series s = byName.get(name);
        return s == null ? Optional.empty() : Optional.of(s.type);
    }

    /** Every series with its time range. */
    public List<SeriesInfo> series() {
        lock.lock();
        try {
            List<SeriesInfo> out = new ArrayList<>(byId.size());
            for (Series s : byId) out.add(info(s));
            return out;
        } finally {
            lock.unlock();
        }
    }

    public Optional<SeriesInfo> info(String name) {
        Series s = byName.get(name);
        if (s == null) return Optional.empty();
        lock.lock();
        try {
            return Optional.of(info(s));
        } finally {
            lock.unlock();
        }
    }

    private SeriesInfo info(Series s) {
        return lastTs(s.id) != Long.MIN_VALUE ? new SeriesInfo(s.name, s.type, firstTs(s.id), lastTs(s.id)) : new SeriesInfo(s.name, s.type, Long.MIN_VALUE, Long.MIN_VALUE);
    }

    // =================================================================== write path

    /**
     * Appends a point to a DOUBLE series. Returns false when rejected as too late (counted as {@link RejectReason#LATE});
     * throws {@link PointRejectedException} (counted) for a timestamp out of range or while the store is unavailable.
     */
    public boolean append(int seriesId, long timestampMicros, double value, Quality quality) {
        return appendBits(seriesId, DataType.DOUBLE, timestampMicros, Double.doubleToRawLongBits(value), quality.code());
    }

    public boolean append(int seriesId, long timestampMicros, double value) {
        return appendBits(seriesId, DataType.DOUBLE, timestampMicros, Double.doubleToRawLongBits(value), (byte) 0);
    }

    public boolean appendLong(int seriesId, long timestampMicros, long value, Quality quality) {
        return appendBits(seriesId, DataType.LONG, timestampMicros, value, quality.code());
    }

    public boolean appendBoolean(int seriesId, long timestampMicros, boolean value, Quality quality) {
        return appendBits(seriesId, DataType.BOOLEAN, timestampMicros, value ? 1 : 0, quality.code());
    }

    /** As {@link #append}; a value above {@link #MAX_TEXT_BYTES} bytes of UTF-8 is refused as {@link RejectReason#TOO_LARGE}. */
    public boolean appendText(int seriesId, long timestampMicros, String value, Quality quality) {
        checkTimestamp(seriesId, timestampMicros);
        byte[] utf8 = checkedText(seriesId, value);
        lock.lock();
        try {
            return appendTextLocked(series(seriesId, DataType.TEXT), timestampMicros, value, utf8, quality.code());
        } finally {
            lock.unlock();
        }
    }

    /** Lock held; the timestamp is in range and the text within {@link #MAX_TEXT_BYTES}. */
    private boolean appendTextLocked(Series s, long timestampMicros, String value, byte[] utf8, byte quality) {
        if (late(s.id, timestampMicros)) return false;
        checkAvailable();
        try {
            wal.appendText(s.id, timestampMicros, utf8, quality);
        } catch (Wal.Unavailable e) {
            throw reject(RejectReason.UNAVAILABLE, e.getMessage());
        }
        addToBuffer(s.id, timestampMicros, 0, quality, value);
        memBytes += 40 + 2L * value.length();
        afterAppend();
        return true;
    }

    private byte[] checkedText(int seriesId, String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > MAX_TEXT_BYTES) {
            throw reject(RejectReason.TOO_LARGE, "text value too large [series=" + nameOf(seriesId) + ", bytes=" + utf8.length + ", limit=" + MAX_TEXT_BYTES
                    + "]: the store keeps text values of up to " + MAX_TEXT_BYTES + " bytes (UTF-8). Store large documents elsewhere and a reference here.");
        }
        return utf8;
    }

    /**
     * Appends many points of one DOUBLE series under one lock acquisition; returns how many were accepted (late ones
     * and ones out of the timestamp range are skipped and counted). Throws {@link PointRejectedException} when the store
     * becomes unavailable; the points before it were accepted.
     */
    public int appendBatch(int seriesId, long[] timestamps, double[] values, int offset, int length) {
        lock.lock();
        try {
            Series s = series(seriesId, DataType.DOUBLE);
            checkAvailable();
            int ok = 0;
            for (int i = offset; i < offset + length; i++) {
                long t = timestamps[i];
                if (t < MIN_TIMESTAMP_MICROS || t > MAX_TIMESTAMP_MICROS) {
                    rejects.incrementAndGet(RejectReason.OUT_OF_RANGE_TIMESTAMP.ordinal());
                    continue;
                }
                if (late(s.id, t)) continue;
                long bits = Double.doubleToRawLongBits(values[i]);
                try {
                    wal.appendPoint(seriesId, t, bits, (byte) 0);
                } catch (Wal.Unavailable e) {
                    throw reject(RejectReason.UNAVAILABLE, e.getMessage());
                }
                addToBuffer(s.id, t, bits, (byte) 0, null);
                ok++;
            }
            afterAppend();
            return ok;
        } finally {
            lock.unlock();
        }
    }

    private boolean appendBits(int seriesId, DataType type, long ts, long bits, byte quality) {
        checkTimestamp(seriesId, ts);
        lock.lock();
        try {
            return appendBitsLocked(series(seriesId, type).id, ts, bits, quality);
        } finally {
            lock.unlock();
        }
    }

    /** Lock held; the timestamp is in range. */
    private boolean appendBitsLocked(int id, long ts, long bits, byte quality) {
        if (late(id, ts)) return false;
        checkAvailable();
        try {
            wal.appendPoint(id, ts, bits, quality);
        } catch (Wal.Unavailable e) {
            throw reject(RejectReason.UNAVAILABLE, e.getMessage());
        }
        addToBuffer(id, ts, bits, quality, null);
        afterAppend();
        return true;
    }

    private void checkTimestamp(int seriesId, long ts) {
        if (ts < MIN_TIMESTAMP_MICROS || ts > MAX_TIMESTAMP_MICROS) {
            throw reject(RejectReason.OUT_OF_RANGE_TIMESTAMP, "timestamp out of range [series=" + nameOf(seriesId) + ", timestampMicros=" + ts
                    + "]: the store keeps points from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999Z. Check the unit (micro-, milli- or seconds).");
        }
    }

    private String nameOf(int seriesId) {
        Series s = seriesId >= 0 && seriesId < byId.size() ? byId.get(seriesId) : null;
        return s == null ? "#" + seriesId : s.name;
    }

    /** Counts a refused point and returns the exception to throw. */
    private PointRejectedException reject(RejectReason reason, String message) {
        rejects.incrementAndGet(reason.ordinal());
        return new PointRejectedException(reason, message);
    }

    /** Lock held: refuses the point while the log cannot take it, or while a failing flush leaves the memory full. */
    private void checkAvailable() {
        if (wal.failed() || (flushFailure != null && memBytes > settings.memoryBudgetBytes())) {
            throw reject(RejectReason.UNAVAILABLE, unavailableLocked());
        }
    }

    private Series series(int id, DataType type) {
        checkWritable();
        if (id < 0 || id >= byId.size()) throw new IllegalArgumentException("unknown series id [id=" + id + "]: define it with seriesId(name, type) first.");
        Series s = byId.get(id);
        if (s.type != type) {
            rejects.incrementAndGet(RejectReason.TYPE_MISMATCH.ordinal());
            throw new IllegalArgumentException("series has another type [series=" + s.name + ", type=" + s.type + ", appended=" + type + "]");
        }
        return s;
    }

    private boolean late(int id, long ts) {
        long last = lastTs(id);
        if (last != Long.MIN_VALUE && ts < last && last - ts > lateWindowMicros) {
            rejects.incrementAndGet(RejectReason.LATE.ordinal());
            return true;
        }
        return false;
    }

    private void addToBuffer(int id, long ts, long bits, byte q, Object text) {
        MemChunk c = openChunk;
        if (c == null || c.full()) c = nextChunk();
        c.add(id, ts, bits, q, text);
        memBytes += SLOT_BYTES;
        long[] st = seriesState;
        int o = id * STRIDE;
        if (ts >= st[o + LAST_TS]) { // MIN_VALUE when the series has no point yet
            st[o + LAST_TS] = ts;
            st[o + LAST_BITS] = bits;
            st[o + META] = (st[o + META] & ~0xFFL) | (q & 0xFF);
            if (text != null) lastText[id] = text; // only text series have text, and always
        }
        if (ts < st[o + FIRST_TS]) st[o + FIRST_TS] = ts;
    }

    /** Lock held: seals the open chunk and opens another. */
    private MemChunk nextChunk() {
        if (openChunk != null) openChunk.seal(sealScratch, byId.size());
        MemChunk c = freeChunks.poll();
        if (c == null) c = new MemChunk(chunkPoints);
        liveChunks.add(c);
        openChunk = c;
        return c;
    }

    /**
     * Lock held: oldest buffered timestamp of every series by id ({@link Long#MAX_VALUE} for none), in one pass over
     * the buffer; asking series by series would scan the open chunk once per series.
     */
    private long[] memoryMinTs() {
        long[] m = new long[byId.size()];
        Arrays.fill(m, Long.MAX_VALUE);
        for (Snapshot snap : flushing) for (MemChunk c : snap.chunks) c.minTsInto(m);
        for (MemChunk c : liveChunks) c.minTsInto(m);
        return m;
    }

    private void afterAppend() {
        long budget = settings.memoryBudgetBytes();
        if (memBytes > budget / 2 && flushing.isEmpty() && flushFailure == null) startFlushLocked();
        while (memBytes + flushingBytes > budget && !flushing.isEmpty() && !closed) flushDone.awaitUninterruptibly();
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("telemetry store is closed [dataDir=" + settings.dataDir() + "]");
    }

    private void checkWritable() {
        if (closed || readOnly) {
            rejects.incrementAndGet(RejectReason.CLOSED.ordinal());
            checkOpen();
            throw new IllegalStateException("telemetry store is open read-only [dataDir=" + settings.dataDir() + "]: open it with TelemetryStore.open to write.");
        }
    }

    /**
     * Why the store refuses points now, or empty when it accepts them: a failing write-ahead log (for example
     * {@code "write-ahead log write failed: No space left on device [dir=…]"}), a failing flush with full memory
     * buffers, closed, or read-only. Cheap: for health checks.
     */
    public Optional<String> unavailableReason() {
        lock.lock();
        try {
            return Optional.ofNullable(unavailableLocked());
        } finally {
            lock.unlock();
        }
    }

    private String unavailableLocked() {
        if (closed) return "store closed [dataDir=" + settings.dataDir() + "]";
        if (readOnly) return "store opened read-only [dataDir=" + settings.dataDir() + "]";
        String w = wal.failureMessage();
        if (w != null) return w;
        if (flushFailure != null && memBytes > settings.memoryBudgetBytes()) {
            return "flush to files failed and the memory buffers are full: " + flushFailure + " [dataDir=" + settings.dataDir() + "]";
        }
        return null;
    }

    /**
     * Points refused since open, per reason label ({@link RejectReason#label()}), every reason present (zero when none),
     * in a stable order. Cheap: for metrics.
     */
    public Map<String, Long> rejectedByReason() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (RejectReason r : REASONS) out.put(r.label(), rejects.get(r.ordinal()));
        return out;
    }

    /** Blocks until every point appended (by any thread) before this call is forced to disk. */
    public void sync() throws IOException {
        if (wal != null) wal.sync();
    }

    /** Completes when every point appended before this call is forced to disk. */
    public CompletableFuture<Void> syncAsync() {
        return wal == null ? CompletableFuture.completedFuture(null) : wal.syncAsync();
    }

    /** Number of log records (points and series definitions) appended since open; compare with {@link #durableSequence()}. */
    public long appendedSequence() {
        if (wal == null) return 0;
        lock.lock();
        try {
            return wal.appendedSequence();
        } finally {
            lock.unlock();
        }
    }

    /** Number of log records forced to disk since open. */
    public long durableSequence() {
        return wal == null ? 0 : wal.durableSequence();
    }

    // =================================================================== PointSink

    /**
     * Stores a point under {@code signal.id()}, creating the series with the signal's data type. A value of another
     * type is converted where that is lossless enough (numbers and booleans to the series' numeric type, anything
     * to text via its JSON form); otherwise the point is dropped and counted under its reason in
     * {@link #rejectedByReason()} ({@code type-mismatch} for text to a number series or NaN to a LONG series).
     * {@code historical} points are stored like any other (the late window applies). Never throws.
     */
    @Override
    public void accept(Signal signal, long timestampMicros, Value value, Quality quality, boolean historical) {
        lock.lock();
        try {
            acceptLocked(signal, timestampMicros, value, quality);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Every entry of the batch under one acquisition of the lock, each as {@link #accept(Signal, long, Value, Quality,
     * boolean)} or {@link #markStale} would store it: per point the lock, the lookups and the memory check cost most
     * of a point's time at ingest rates. A point refused for any reason is counted and the rest of the batch goes on;
     * never throws.
     */
    @Override
    public void accept(PointBatch batch) {
        int n = batch.size();
        if (n == 0) return;
        lock.lock();
        try {
            for (int i = 0; i < n; i++) {
                DataType primitive = batch.primitiveType(i);
                if (primitive != null) acceptBitsLocked(batch.signal(i), batch.timestampMicros(i), primitive, batch.bits(i), batch.quality(i));
                else if (batch.isStale(i)) markStaleLocked(batch.signal(i), batch.timestampMicros(i));
                else acceptLocked(batch.signal(i), batch.timestampMicros(i), batch.value(i), batch.quality(i));
            }
        } finally {
            lock.unlock();
        }
    }

    /** Lock held (re-entered when a new series is defined). Never throws. */
    private void acceptLocked(Signal signal, long timestampMicros, Value value, Quality quality) {
        try {
            int known = seriesIdOf(signal);
            Series s;
            if (known >= 0) {
                s = byId.get(known);
            } else {
                s = byName.get(signal.id());
                if (s == null) s = byId.get(seriesId(signal.id(), signal.dataType()));
                remember(signal, s.id);
            }
            byte q = quality.code();
            // a late point makes append return false and is counted there; so is every PointRejectedException
            switch (s.type) {
                case DOUBLE -> {
                    if (value instanceof Value.TextValue) typeMismatch();
                    else putBits(s.id, timestampMicros, Double.doubleToRawLongBits(value.asDouble()), q);
                }
                case LONG -> {
                    switch (value) {
                        case Value.LongValue l -> putBits(s.id, timestampMicros, l.value(), q);
                        case Value.BooleanValue b -> putBits(s.id, timestampMicros, b.value() ? 1 : 0, q);
                        case Value.DoubleValue d when Double.isFinite(d.value()) -> putBits(s.id, timestampMicros, Math.round(d.value()), q);
                        default -> typeMismatch();
                    }
                }
                case BOOLEAN -> {
                    switch (value) {
                        case Value.BooleanValue b -> putBits(s.id, timestampMicros, b.value() ? 1 : 0, q);
                        case Value.TextValue t -> typeMismatch();
                        default -> putBits(s.id, timestampMicros, value.asDouble() != 0 ? 1 : 0, q);
                    }
                }
                case TEXT -> {
                    String text = value instanceof Value.TextValue t ? t.value() : value.toJson();
                    checkTimestamp(s.id, timestampMicros);
                    byte[] utf8 = checkedText(s.id, text);
                    checkWritable();
                    appendTextLocked(s, timestampMicros, text, utf8, q);
                }
            }
        } catch (PointRejectedException e) {
            // counted where it was thrown
        } catch (IllegalStateException e) {
            if (!closed && !readOnly) countError(signal, e);
            // else counted as closed
        } catch (RuntimeException e) {
            countError(signal, e);
        }
    }

    /**
     * Lock held. A primitive value of a batch (see {@code PointBatch.addDouble}) stored exactly as
     * {@link #acceptLocked} stores the value object it stands for, without making that object; a text series still
     * gets the object's JSON form.
     */
    private void acceptBitsLocked(Signal signal, long timestampMicros, DataType kind, long bits, Quality quality) {
        int id = seriesIdOf(signal);
        DataType type = id < 0 ? null : typeOf(id);
        if (type == null || type == DataType.TEXT) {
            acceptLocked(signal, timestampMicros, switch (kind) {
                case DOUBLE -> Value.of(Double.longBitsToDouble(bits));
                case LONG -> Value.of(bits);
                default -> Value.of(bits != 0);
            }, quality);
            return;
        }
        try {
            byte q = quality.code();
            switch (type) {
                case DOUBLE -> putBits(id, timestampMicros, kind == DataType.DOUBLE ? bits : Double.doubleToRawLongBits((double) bits), q);
                case LONG -> {
                    if (kind != DataType.DOUBLE) putBits(id, timestampMicros, bits, q);
                    else {
                        double d = Double.longBitsToDouble(bits);
                        if (Double.isFinite(d)) putBits(id, timestampMicros, Math.round(d), q);
                        else typeMismatch();
                    }
                }
                default -> putBits(id, timestampMicros, (kind == DataType.DOUBLE ? Double.longBitsToDouble(bits) != 0 : bits != 0) ? 1 : 0, q);
            }
        } catch (PointRejectedException e) {
            // counted where it was thrown
        } catch (IllegalStateException e) {
            if (!closed && !readOnly) countError(signal, e);
        } catch (RuntimeException e) {
            countError(signal, e);
        }
    }

    /** Lock held: the series id kept for this signal, or -1 (then resolve it by name and {@link #remember} it). */
    private int seriesIdOf(Signal signal) {
        int o = signal.ordinal();
        return o >= 0 && o < signalIdByOrdinal.length && signalIdByOrdinal[o] == signal.id() ? seriesByOrdinal[o] : -1;
    }

    /** Lock held. */
    private void remember(Signal signal, int seriesId) {
        int o = signal.ordinal();
        if (o < 0 || o > (Integer.MAX_VALUE >> 2)) return;
        if (o >= signalIdByOrdinal.length) {
            int len = Math.max(o + 1, signalIdByOrdinal.length * 2);
            signalIdByOrdinal = Arrays.copyOf(signalIdByOrdinal, len);
            seriesByOrdinal = Arrays.copyOf(seriesByOrdinal, len);
        }
        seriesByOrdinal[o] = seriesId;
        signalIdByOrdinal[o] = signal.id();
    }

    /** Lock held: the checks and order of {@link #appendBits} for a series already looked up. */
    private void putBits(int id, long ts, long bits, byte quality) {
        checkTimestamp(id, ts);
        checkWritable();
        appendBitsLocked(id, ts, bits, quality);
    }

    private void typeMismatch() {
        rejects.incrementAndGet(RejectReason.TYPE_MISMATCH.ordinal());
    }

    private void countError(Signal signal, RuntimeException e) {
        if (e instanceof IllegalArgumentException && e.getMessage() != null && e.getMessage().startsWith("series has another type")) return; // counted
        rejects.incrementAndGet(RejectReason.ERROR.ordinal());
        LOG.warn("Point refused by the store [signal={}]: {}", signal.id(), e.toString());
    }

    /**
     * Stores a point with {@link Quality#STALE} that repeats the series' newest value at {@code timestampMicros}, so
     * history shows when the source went away. Nothing is stored for a series without points or when
     * {@code timestampMicros} is not after its newest point.
     */
    @Override
    public void markStale(Signal signal, long timestampMicros) {
        lock.lock();
        try {
            markStaleLocked(signal, timestampMicros);
        } finally {
            lock.unlock();
        }
    }

    /** Lock held. Never throws. */
    private void markStaleLocked(Signal signal, long timestampMicros) {
        Series s = byName.get(signal.id());
        if (s == null || readOnly) return;
        if (timestampMicros < MIN_TIMESTAMP_MICROS || timestampMicros > MAX_TIMESTAMP_MICROS) {
            rejects.incrementAndGet(RejectReason.OUT_OF_RANGE_TIMESTAMP.ordinal());
            return;
        }
        try {
            if (closed || lastTs(s.id) == Long.MIN_VALUE || timestampMicros <= lastTs(s.id)) return;
            checkAvailable();
            if (s.type == DataType.TEXT) {
                String text = (String) lastText[s.id];
                wal.appendText(s.id, timestampMicros, text.getBytes(StandardCharsets.UTF_8), Quality.STALE.code());
                addToBuffer(s.id, timestampMicros, 0, Quality.STALE.code(), text);
            } else {
                wal.appendPoint(s.id, timestampMicros, lastBits(s.id), Quality.STALE.code());
                addToBuffer(s.id, timestampMicros, lastBits(s.id), Quality.STALE.code(), null);
            }
            afterAppend();
        } catch (PointRejectedException e) {
            // counted
        } catch (Wal.Unavailable e) {
            rejects.incrementAndGet(RejectReason.UNAVAILABLE.ordinal());
        } catch (RuntimeException e) {
            countError(signal, e);
        }
    }

    // =================================================================== flush

    /** Writes every buffered point to files and waits for it. */
    public void flush() throws IOException {
        Future<?> f;
        lock.lock();
        try {
            checkOpen();
            if (readOnly) throw new IllegalStateException("telemetry store is open read-only [dataDir=" + settings.dataDir() + "]: it flushes nothing.");
            f = startFlushLocked();
        } finally {
            lock.unlock();
        }
        await(f);
        // a flush started earlier may still be running: wait for the queue to drain
        await(background.submit(() -> {}));
    }

    private static void await(Future<?> f) throws IOException {
        if (f == null) return;
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for a flush", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            if (e.getCause() instanceof UncheckedIOException u) throw u.getCause();
            throw new IOException("flush failed: " + e.getCause(), e.getCause());
        }
    }

    private void periodicFlush() {
        lock.lock();
        try {
            if (closed) return;
            startFlushLocked();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Background, every second: after a failed flush, flushes again (the buffers may be refusing points); after a failed
     * manifest write, writes it again so the log it covers can go.
     */
    private void retryFailures() {
        lock.lock();
        try {
            if (closed) return;
            if (flushFailure != null && flushing.isEmpty()) startFlushLocked();
            if (!manifestDirty) return;
        } finally {
            lock.unlock();
        }
        try {
            writeManifest(flushedThrough);
            deleteFlushedLog();
            LOG.info("Store manifest written after an earlier failure [dataDir={}]", settings.dataDir());
        } catch (IOException | RuntimeException e) {
            LOG.debug("Store manifest still cannot be written [dataDir={}]: {}", settings.dataDir(), e.toString());
        }
    }

    /** Takes the live buffers as a snapshot, rotates the log and queues writing the snapshot. Lock held. */
    private Future<?> startFlushLocked() {
        MemChunk open = openChunk;
        if (open != null && open.size() == 0) {
            liveChunks.remove(liveChunks.size() - 1);
            freeChunks.push(open);
        } else if (open != null) {
            open.seal(sealScratch, byId.size());
        }
        openChunk = null;
        if (liveChunks.isEmpty()) return null;
        List<MemChunk> chunks = liveChunks;
        liveChunks = new ArrayList<>();
        long gen = wal.rotate();
        Snapshot snap = new Snapshot(gen - 1, chunks, byId.toArray(new Series[0]), memBytes);
        flushingBytes += memBytes;
        memBytes = 0;
        flushing.add(snap);
        return background.submit(() -> {
            writeSnapshot(snap);
            return null;
        });
    }

    /** A flush could not write its files: the snapshot goes back into the live buffers (nothing is on disk twice). */
    private void restoreSnapshot(Snapshot snap, Throwable e) {
        lock.lock();
        try {
            if (flushFailure == null) { // retried every second: say it once
                LOG.error("Flush failed [dataDir={}, chunks={}]: {}. Points stay in memory and in the write-ahead log; retried every second.",
                        settings.dataDir(), snap.chunks.size(), e.toString());
            }
            // put the data back in front of what arrived since, so nothing is lost from queries
            liveChunks.addAll(0, snap.chunks); // openChunk, if any, stays the last
            flushing.remove(snap);
            flushingBytes -= snap.bytes;
            memBytes += snap.bytes;
            flushFailure = e.toString();
            flushDone.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private record Run(long partition, int seriesId, Columns columns, int from, int to) {}

    /** Start (epoch microseconds) of the partition that holds {@code ts}. */
    private long partitionOf(long ts) {
        return Math.floorDiv(ts - PARTITION_ORIGIN, partitionMicros) * partitionMicros + PARTITION_ORIGIN;
    }

    /** Folder of a partition: its start date, with the time of day when it does not start at midnight. */
    private Path partitionDir(long start) {
        java.time.LocalDateTime t = java.time.LocalDateTime.ofEpochSecond(Math.floorDiv(start, 1_000_000L), 0, java.time.ZoneOffset.UTC);
        String name = t.toLocalTime().equals(java.time.LocalTime.MIDNIGHT) ? t.toLocalDate().toString()
                : t.toLocalDate() + "T" + String.format("%02d-%02d", t.getHour(), t.getMinute());
        return dataRoot.resolve(name);
    }

    /** Inverse of {@link #partitionDir}, or null for a folder that is no partition. */
    private static Long partitionStart(String name) {
        try {
            if (name.length() == 10) return LocalDate.parse(name).toEpochDay() * DAY_MICROS;
            if (name.length() == 16 && name.charAt(10) == 'T') {
                java.time.LocalDateTime t = java.time.LocalDateTime.of(LocalDate.parse(name.substring(0, 10)),
                        java.time.LocalTime.of(Integer.parseInt(name.substring(11, 13)), Integer.parseInt(name.substring(14, 16))));
                return t.toEpochSecond(java.time.ZoneOffset.UTC) * 1_000_000L;
            }
        } catch (RuntimeException e) {
            // not ours
        }
        return null;
    }

    /** Partitions the snapshot's points fall in, ascending. */
    private long[] partitionsOf(Snapshot snap) {
        java.util.TreeSet<Long> parts = new java.util.TreeSet<>();
        long lo = Long.MAX_VALUE, hi = Long.MIN_VALUE; // the partition of the last point: [lo, hi)
        for (MemChunk c : snap.chunks) {
            if (c.size() == 0) continue;
            long first = partitionOf(c.minTs());
            if (first == partitionOf(c.maxTs())) { // the usual case: the whole chunk in one partition, no pass over it
                parts.add(first);
                continue;
            }
            for (int i = 0, n = c.size(); i < n; i++) {
                long t = c.tsAt(i);
                if (t >= lo && t < hi) continue;
                lo = partitionOf(t);
                hi = lo + partitionMicros;
                parts.add(lo);
            }
        }
        return parts.stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * Writes the snapshot's points of one partition into {@code w}, series by series in id order, gathered from the
     * chunks (readers keep reading them meanwhile) through {@link #flushGather}; a series whose points arrived out of
     * order is sorted, one per timestamp, in a small reused column set. Memory: {@link #GATHER_POINTS} points, not a
     * copy of the snapshot.
     */
    private void writePartition(Snapshot snap, long from, long to, SegmentFile.Writer w, Columns[] scratch) throws IOException {
        MemChunk.Gather g = flushGather;
        Columns[] views = new Columns[DataType.values().length];
        g.run(snap.chunks, snap.series.length, from, to, GATHER_POINTS, (id, a, b) -> {
            DataType type = snap.series[id].type;
            int k = type.ordinal();
            long[] ts = g.ts;
            boolean increasing = true;
            for (int i = a + 1; i < b && increasing; i++) increasing = ts[i] > ts[i - 1];
            if (increasing) {
                Columns v = views[k] == null ? views[k] = new Columns(type, 1) : views[k];
                w.add(id, v.wrap(ts, g.bits, g.quality, g.text, b), a, b);
                return;
            }
            Columns c = scratch[k] == null ? scratch[k] = new Columns(type, 1024) : scratch[k];
            c.clear();
            c.addFrom(ts, g.bits, g.quality, g.text, a, b);
            c.sortByTime();
            c.keepLastOfEqualTimestamps();
            w.add(id, c, 0, c.size);
        });
    }

    /**
     * Writes one file per partition the snapshot touches (a snapshot spanning several, with late or back-filled
     * points, takes one pass over the chunks per partition) and makes them live; on failure the snapshot goes back.
     */
    private void writeSnapshot(Snapshot snap) throws IOException {
        List<SegmentFile> written = new ArrayList<>();
        List<SegmentFile.Directory> dirs = new ArrayList<>();
        Codecs codecs = CODECS.get();
        Columns[] scratch = new Columns[DataType.values().length];
        try {
            for (long part : partitionsOf(snap)) {
                long id = nextFileId.getAndIncrement();
                Path dir = partitionDir(part);
                SegmentFile.Writer w = new SegmentFile.Writer(dir.resolve(fileName(id) + ".tmp"), codecs);
                try {
                    writePartition(snap, part, part + partitionMicros, w, scratch);
                    written.add(w.finish(dir.resolve(fileName(id)), part, id, id));
                    dirs.add(w.directory());
                } catch (IOException | RuntimeException e) {
                    w.abort();
                    throw e;
                }
            }
        } catch (IOException | RuntimeException | Error e) { // an OutOfMemoryError too: appenders wait on this snapshot
            for (SegmentFile f : written) {
                try {
                    f.delete();
                } catch (IOException ignored) {
                    // not listed in the manifest: deleted as an orphan on the next open
                }
            }
            restoreSnapshot(snap, e);
            throw e;
        }
        // From here the files are live: whatever fails, the snapshot's points must not go back to the buffers, or they
        // would be stored twice. A manifest that cannot be written now is written later; until then the log keeps
        // the points, and a crash reopens the old manifest, deletes these unlisted files and replays the log.
        lock.lock();
        try {
            for (int k = 0; k < written.size(); k++) addFile(written.get(k), dirs.get(k));
            flushing.remove(snap);
            // readers copy chunks under the lock, so once out of flushing nobody else refers to these
            // enough for the live buffer until the next flush starts (at half the budget); the rest goes to the GC
            long keep = settings.memoryBudgetBytes() / 2 / ((long) chunkPoints * SLOT_BYTES) + 1;
            for (MemChunk c : snap.chunks) {
                if (freeChunks.size() >= keep) break;
                c.reset();
                freeChunks.push(c);
            }
            flushingBytes -= snap.bytes;
            if (flushFailure != null) LOG.info("Flush succeeded again [dataDir={}]", settings.dataDir());
            flushFailure = null;
            flushDone.signalAll();
        } finally {
            lock.unlock();
        }
        writeManifest(snap.generation);
        deleteFlushedLog();
        LOG.debug("Flushed [chunks={}, files={}, walGeneration={}]", snap.chunks.size(), written.size(), snap.generation);
        queueCompactionIfNeeded();
    }

    /** Deletes the log segments the durable manifest covers. */
    private void deleteFlushedLog() throws IOException {
        long through;
        lock.lock();
        try {
            through = manifestDirty ? -1 : durableFlushedThrough;
        } finally {
            lock.unlock();
        }
        for (long g : Wal.generations(walDir)) {
            if (g <= through) Files.deleteIfExists(Wal.segmentPath(walDir, g));
        }
    }

    private static String fileName(long id) {
        return String.format("f%016d%s", id, SegmentFile.SUFFIX);
    }

    // =================================================================== bulk load

    /**
     * Starts a bulk load: points written straight into segment files, bypassing the write-ahead log and the memory
     * buffers, made visible all at once by {@link BulkLoad#commit()} (see {@link BulkLoad}).
     */
    public BulkLoad bulkLoad() {
        lock.lock();
        try {
            checkWritable();
        } finally {
            lock.unlock();
        }
        return new BulkLoad(this);
    }

    /** A file a bulk load wrote: under its final name, but not in the manifest, so a crash deletes it on open. */
    record Staged(SegmentFile file, SegmentFile.Directory directory) {}

    /** Id of a DOUBLE series for a bulk load, defining it when new; refuses a series of another type. */
    int bulkSeries(String name) {
        int id = seriesId(name, DataType.DOUBLE);
        DataType t = byId.get(id).type;
        if (t != DataType.DOUBLE) {
            rejects.incrementAndGet(RejectReason.TYPE_MISMATCH.ordinal());
            throw new IllegalArgumentException("series has another type [series=" + name + ", type=" + t + ", appended=DOUBLE]");
        }
        return id;
    }

    /**
     * Writes sorted, de-duplicated points ({@code data[k]} of series {@code ids[k]}) into new segment files: per
     * partition one file, or up to {@code threads} files written in parallel when the partition holds many points.
     * The files are renamed to their final names but stay out of the manifest until {@link #commitBulk}.
     */
    List<Staged> writeBulk(int[] ids, Columns[] data, int threads) throws IOException {
        checkWritable();
        List<Run> runs = new ArrayList<>();
        for (int k = 0; k < ids.length; k++) {
            Columns c = data[k];
            int start = 0;
            while (start < c.size) {
                long part = partitionOf(c.ts[start]);
                int end = c.lowerBound(part + partitionMicros);
                runs.add(new Run(part, ids[k], c, start, end));
                start = end;
            }
        }
        runs.sort(Comparator.comparingLong(Run::partition).thenComparingInt(Run::seriesId));
        // groups of runs, one file each: a partition is cut into up to `threads` files of about equal points
        List<List<Run>> groups = new ArrayList<>();
        int i = 0;
        while (i < runs.size()) {
            long part = runs.get(i).partition;
            int j = i;
            long pts = 0;
            for (; j < runs.size() && runs.get(j).partition == part; j++) pts += runs.get(j).to - runs.get(j).from;
            int files = (int) Math.max(1, Math.min(threads, pts / 500_000));
            long per = (pts + files - 1) / files, inGroup = 0;
            List<Run> g = new ArrayList<>();
            for (int k = i; k < j; k++) {
                Run r = runs.get(k);
                g.add(r);
                inGroup += r.to - r.from;
                if (inGroup >= per && k + 1 < j) {
                    groups.add(g);
                    g = new ArrayList<>();
                    inGroup = 0;
                }
            }
            groups.add(g);
            i = j;
        }
        long[] fileIds = new long[groups.size()];
        for (int k = 0; k < fileIds.length; k++) fileIds[k] = nextFileId.getAndIncrement();
        Staged[] out = new Staged[groups.size()];
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        Throwable[] failure = {null};
        Runnable work = () -> {
            for (int k; (k = next.getAndIncrement()) < out.length; ) {
                synchronized (failure) {
                    if (failure[0] != null) return;
                }
                List<Run> g = groups.get(k);
                long part = g.getFirst().partition;
                Path dir = partitionDir(part);
                try {
                    SegmentFile.Writer w = new SegmentFile.Writer(dir.resolve(fileName(fileIds[k]) + ".tmp"), CODECS.get());
                    try {
                        for (Run r : g) w.add(r.seriesId, r.columns, r.from, r.to);
                        SegmentFile f = w.finish(dir.resolve(fileName(fileIds[k])), part, fileIds[k], fileIds[k]);
                        out[k] = new Staged(f, w.directory());
                    } catch (IOException | RuntimeException | Error e) {
                        w.abort();
                        throw e;
                    }
                } catch (IOException | RuntimeException | Error e) {
                    synchronized (failure) {
                        if (failure[0] == null) failure[0] = e;
                        else failure[0].addSuppressed(e);
                    }
                    return;
                }
            }
        };
        int n = Math.max(1, Math.min(threads, out.length));
        List<Thread> workers = new ArrayList<>();
        for (int k = 1; k < n; k++) workers.add(Thread.ofPlatform().name("lathe-bulk-write-" + k).start(work));
        work.run();
        for (Thread t : workers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                synchronized (failure) {
                    if (failure[0] == null) failure[0] = new IOException("interrupted while writing a bulk load", e);
                }
            }
        }
        List<Staged> staged = new ArrayList<>();
        for (Staged s : out) if (s != null) staged.add(s);
        if (failure[0] != null) {
            discardBulk(staged);
            if (failure[0] instanceof IOException io) throw io;
            if (failure[0] instanceof RuntimeException re) throw re;
            throw (Error) failure[0];
        }
        return staged;
    }

    /**
     * Makes staged files live in one manifest write. Buffered points are flushed first, and the files take sequence
     * numbers above every file committed before: of points at the same series and time, the bulk load's win over
     * what was written before it (last write wins, as with appends). The manifest write is the commit point: a crash
     * before it leaves the store as it was (the unlisted files are deleted on open), after it the load is complete.
     * When the manifest write fails the files stay live in this process and the store retries the write every second.
     */
    void commitBulk(List<Staged> staged) throws IOException {
        if (staged.isEmpty()) return;
        try {
            flush();
        } catch (IOException | RuntimeException | Error e) {
            discardBulk(staged);
            throw e;
        }
        lock.lock();
        try {
            if (closed) {
                discardBulk(staged);
                checkWritable();
            }
            for (Staged s : staged) addFile(s.file().withSeq(nextFileId.getAndIncrement()), s.directory());
        } finally {
            lock.unlock();
        }
        writeManifest(flushedThrough);
        queueCompactionIfNeeded();
    }

    /** Deletes staged files of a bulk load that is not committed. */
    void discardBulk(List<Staged> staged) {
        for (Staged s : staged) {
            try {
                s.file().delete();
            } catch (IOException e) {
                // not in the manifest: deleted as an orphan on the next open
                LOG.debug("Deleting a file of an abandoned bulk load failed [file={}]: {}", s.file().path, e.toString());
            }
        }
    }

    /** Adds a file to its partition and its newest points and first times to the series. Lock held (or during open). */
    private void addFile(SegmentFile f, SegmentFile.Directory d) {
        partitions.computeIfAbsent(f.partition, p -> new ArrayList<>()).add(f);
        index.offer(f, d);
        applyDirectory(f, d);
    }

    private void applyDirectory(SegmentFile f, SegmentFile.Directory d) {
        for (int i = 0; i < d.size(); i++) {
            int id = d.seriesId(i);
            if (id < 0 || id >= byId.size()) {
                LOG.warn("Segment file names an unknown series; its blocks are ignored [file={}, seriesId={}]", f.path, id);
                continue;
            }
            Series s = byId.get(id);
            if (lastTs(s.id) == Long.MIN_VALUE || d.maxTs[i] > lastTs(s.id)) loadLatest(s, f, d, i);
            if (d.minTs[i] < firstTs(s.id)) setFirstTs(s.id, d.minTs[i]);
            if (firstTsDuringScan != null && id < firstTsDuringScan.length && d.minTs[i] < firstTsDuringScan[id]) firstTsDuringScan[id] = d.minTs[i];
        }
    }

    private void loadLatest(Series s, SegmentFile f, SegmentFile.Directory d, int i) {
        setLastTs(s.id, d.maxTs[i]);
        setLastQuality(s.id, d.lastQuality[i]);
        setLastBits(s.id, d.lastBits[i]);
        if (s.type == DataType.TEXT) {
            try {
                BlockMeta[] blocks = f.readBlocks(d, i);
                BlockMeta m = blocks[blocks.length - 1];
                Columns c = new Columns(DataType.TEXT, m.count);
                f.read(m, CODECS.get(), c);
                lastText[s.id] = c.text[c.size - 1];
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    // =================================================================== manifest, files, replay

    /**
     * Writes the manifest (live files, series) atomically. On failure it is marked dirty and written again by the next
     * flush or the background retry; until then the previous manifest and the log describe the store.
     */
    private synchronized void writeManifest(long generation) throws IOException {
        ByteSink out = new ByteSink(4096);
        out.putBytes(MANIFEST_MAGIC, 0, MANIFEST_MAGIC.length);
        List<Series> all;
        List<SegmentFile> live = new ArrayList<>();
        List<SegmentFile> unlink;
        long through;
        lock.lock();
        try {
            all = List.copyOf(byId);
            flushedThrough = Math.max(flushedThrough, generation);
            through = flushedThrough;
            out.putLong(flushedThrough);
            for (List<SegmentFile> l : partitions.values()) live.addAll(l);
            unlink = List.copyOf(unlinkAfterManifest);
        } finally {
            lock.unlock();
        }
        out.putLong(nextFileId.get());
        // The manifest is the list of live files: a file written but not listed (crash before this write) is an
        // orphan whose points are still in the log, so open() deletes it instead of reading them twice.
        out.putVarLong(live.size());
        for (SegmentFile f : live) {
            out.putLong(f.partition);
            out.putLong(f.id);
            out.putLong(f.seq);
        }
        out.putVarLong(all.size());
        for (Series s : all) {
            byte[] b = s.name.getBytes(StandardCharsets.UTF_8);
            out.putInt(s.id);
            out.put(s.type.ordinal());
            out.putVarLong(b.length);
            out.putBytes(b, 0, b.length);
        }
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.size());
        out.putInt((int) crc.getValue());
        Path tmp = settings.dataDir().resolve("MANIFEST.tmp");
        try {
            try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
                java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(out.array(), 0, out.size());
                while (bb.hasRemaining()) ch.write(bb);
                ch.force(true);
            }
            Files.move(tmp, settings.dataDir().resolve("MANIFEST"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            FileUtil.forceDirectory(settings.dataDir());
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp); // give the space back
            } catch (IOException ignored) {
                // overwritten by the next attempt
            }
            boolean first;
            lock.lock();
            try {
                first = !manifestDirty;
                manifestDirty = true;
            } finally {
                lock.unlock();
            }
            if (first) {
                LOG.warn("Store manifest write failed [dataDir={}]: {}. Retried every second; until then the write-ahead log is kept.",
                        settings.dataDir(), e.toString());
            }
            throw e;
        }
        lock.lock();
        try {
            manifestDirty = false;
            durableFlushedThrough = Math.max(durableFlushedThrough, through);
            unlinkAfterManifest.removeAll(unlink);
        } finally {
            lock.unlock();
        }
        // files replaced by compaction or dropped by retention: readers may still hold their blocks, so the name goes
        // now and the channel later (closeRetiredFiles)
        for (SegmentFile f : unlink) {
            try {
                Files.deleteIfExists(f.path);
            } catch (IOException e) {
                LOG.debug("Deleting a retired segment file failed [file={}]: {}", f.path, e.toString());
            }
        }
    }

    private void readManifest() throws IOException {
        Path p = settings.dataDir().resolve("MANIFEST");
        if (!Files.exists(p)) {
            List<Path> segments = segmentFilesOnDisk();
            if (!segments.isEmpty()) {
                throw new IOException("Store manifest missing [dataDir=" + settings.dataDir() + ", segmentFiles=" + segments.size() + ", example=" + segments.getFirst()
                        + "]: it lists the live files and the series names, which the files do not hold; the store is not opened so that nothing is deleted. "
                        + "Restore MANIFEST from a backup of this folder, or move the folder away to start an empty store.");
            }
            if (!readOnly) writeManifest(0); // a new store: from now on a missing manifest always means damage
            return;
        }
        byte[] b = Files.readAllBytes(p);
        byte[] magic = b.length < MANIFEST_MAGIC.length ? b : Arrays.copyOf(b, MANIFEST_MAGIC.length);
        boolean v1 = Arrays.equals(magic, MANIFEST_MAGIC_V1);
        if (b.length < MANIFEST_MAGIC.length + 4 || !(v1 || Arrays.equals(magic, MANIFEST_MAGIC))) {
            throw new IOException("Store manifest unreadable [file=" + p + "]: wrong magic. Is this a Lathe data directory?");
        }
        CRC32C crc = new CRC32C();
        crc.update(b, 0, b.length - 4);
        ByteSource tail = new ByteSource(b, b.length - 4, 4);
        if ((int) crc.getValue() != tail.getInt()) {
            throw new IOException("Store manifest damaged [file=" + p + "]: checksum mismatch. Restore it from a backup.");
        }
        ByteSource in = new ByteSource(b, MANIFEST_MAGIC.length, b.length - 4 - MANIFEST_MAGIC.length);
        flushedThrough = in.getLong();
        durableFlushedThrough = flushedThrough;
        nextFileId.set(in.getLong());
        int files = in.getVarInt();
        manifestFiles = new HashMap<>();
        for (int i = 0; i < files; i++) {
            in.getLong();
            long id = in.getLong();
            manifestFiles.put(id, v1 ? id : in.getLong());
        }
        int n = in.getVarInt();
        for (int i = 0; i < n; i++) {
            int id = in.getInt();
            DataType type = DataType.values()[in.get()];
            int len = in.getVarInt();
            byte[] nb = new byte[len];
            in.getBytes(nb, 0, len);
            if (id != byId.size()) throw new IOException("Store manifest damaged [file=" + p + "]: series ids out of order at " + id);
            define(new String(nb, StandardCharsets.UTF_8), type);
        }
    }

    /** Segment files under the partition folders (for the missing-manifest check). */
    private List<Path> segmentFilesOnDisk() throws IOException {
        if (!Files.isDirectory(dataRoot)) return List.of();
        try (Stream<Path> s = Files.walk(dataRoot, 2)) {
            return s.filter(q -> q.getFileName().toString().endsWith(SegmentFile.SUFFIX)).sorted().toList();
        }
    }

    private void loadFiles() throws IOException {
        if (!Files.isDirectory(dataRoot)) return; // read-only on a store that never flushed
        List<Path> dirs;
        try (Stream<Path> s = Files.list(dataRoot)) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        }
        long maxId = 0;
        List<SegmentFile> files = new ArrayList<>();
        for (Path dir : dirs) {
            Long part = partitionStart(dir.getFileName().toString());
            if (part == null) {
                LOG.warn("Ignoring folder that is not a partition [folder={}]", dir);
                continue;
            }
            List<Path> paths;
            try (Stream<Path> s = Files.list(dir)) {
                paths = s.sorted().toList();
            }
            for (Path p : paths) {
                String n = p.getFileName().toString();
                if (n.endsWith(".tmp")) {
                    if (!readOnly) Files.deleteIfExists(p);
                    continue;
                }
                if (!n.endsWith(SegmentFile.SUFFIX)) continue;
                long id = Long.parseLong(n.substring(1, n.length() - SegmentFile.SUFFIX.length()));
                maxId = Math.max(maxId, id);
                Long seq = manifestFiles == null ? null : manifestFiles.get(id);
                if (seq == null) {
                    if (readOnly) continue; // a writer's flush in progress, or an orphan it deletes on its next open
                    LOG.warn("Deleting segment file the manifest does not list (a flush or compaction cut short; its points are in the log or in other files) [file={}]", p);
                    Files.deleteIfExists(p);
                    continue;
                }
                try {
                    files.add(SegmentFile.open(p, part, id, seq));
                } catch (IOException | RuntimeException e) {
                    for (SegmentFile f : files) f.close();
                    throw e;
                }
            }
        }
        files.sort(Comparator.comparingLong(f -> f.seq));
        for (SegmentFile f : files) partitions.computeIfAbsent(f.partition, p -> new ArrayList<>()).add(f);
        nextFileId.set(Math.max(nextFileId.get(), maxId + 1));
        scanNewest(files);
        scanFirst(files);
    }

    /**
     * Sets each series' newest point from the files, reading directories newest file first and stopping as soon as no
     * older file can hold a newer point of any series, so opening a store reads the index of its recent files only.
     */
    private void scanNewest(List<SegmentFile> files) throws IOException {
        List<SegmentFile> order = new ArrayList<>(files);
        // newest first; of files ending at the same time the later write first (last write wins)
        order.sort(Comparator.comparingLong((SegmentFile f) -> f.maxTs).thenComparingLong(f -> f.seq).reversed());
        for (SegmentFile f : order) {
            long oldestNewest = Long.MAX_VALUE;
            for (Series s : byId) oldestNewest = Math.min(oldestNewest, lastTs(s.id));
            if (f.maxTs <= oldestNewest) break;
            SegmentFile.Directory d = index.directory(f);
            for (int i = 0; i < d.size(); i++) {
                int id = d.seriesId(i);
                if (id < 0 || id >= byId.size()) continue;
                Series s = byId.get(id);
                if (lastTs(s.id) == Long.MIN_VALUE || d.maxTs[i] > lastTs(s.id)) loadLatest(s, f, d, i);
            }
        }
    }

    /** Sets each series' first time from the files (oldest first, stopping early) and its buffers. */
    private void scanFirst(List<SegmentFile> files) throws IOException {
        long[] inMemory = memoryMinTs();
        for (Series s : byId) setFirstTs(s.id, inMemory[s.id]);
        List<SegmentFile> order = new ArrayList<>(files);
        order.sort(Comparator.comparingLong((SegmentFile f) -> f.minTs));
        for (SegmentFile f : order) {
            long latestFirst = Long.MIN_VALUE;
            for (Series s : byId) latestFirst = Math.max(latestFirst, firstTs(s.id));
            if (f.minTs >= latestFirst) break;
            SegmentFile.Directory d = index.directory(f);
            for (int i = 0; i < d.size(); i++) {
                int id = d.seriesId(i);
                if (id >= 0 && id < byId.size() && d.minTs[i] < firstTs(id)) setFirstTs(id, d.minTs[i]);
            }
        }
    }

    private long replay() throws IOException {
        long last = 0;
        long[] points = {0};
        long[] outOfRange = {0};
        long cut = 0;
        for (long g : Wal.generations(walDir)) {
            last = Math.max(last, g);
            if (g <= flushedThrough) {
                if (!readOnly) Files.deleteIfExists(Wal.segmentPath(walDir, g));
                continue;
            }
            // read-only: the writer may be appending to the newest segment, whose incomplete frame is no damage
            cut += Wal.replay(Wal.segmentPath(walDir, g), !readOnly, new Wal.Replay() {
                @Override
                public void define(int id, byte type, String name) {
                    if (id < byId.size()) {
                        if (!byId.get(id).name.equals(name)) LOG.warn("Log redefines series id [id={}, name={}, known={}]", id, name, byId.get(id).name);
                        return;
                    }
                    if (id != byId.size()) throw new UncheckedIOException(new IOException("Log defines series out of order [id=" + id + ", expected=" + byId.size() + "]"));
                    TelemetryStore.this.define(name, DataType.values()[type]);
                }

                @Override
                public void point(int id, long ts, long bits, byte quality) {
                    if (id < 0 || id >= byId.size()) return;
                    if (ts < MIN_TIMESTAMP_MICROS || ts > MAX_TIMESTAMP_MICROS) { // logged by an older version
                        outOfRange[0]++;
                        return;
                    }
                    addToBuffer(id, ts, bits, quality, null);
                    points[0]++;
                }

                @Override
                public void text(int id, long ts, String text, byte quality) {
                    if (id < 0 || id >= byId.size()) return;
                    if (ts < MIN_TIMESTAMP_MICROS || ts > MAX_TIMESTAMP_MICROS) {
                        outOfRange[0]++;
                        return;
                    }
                    addToBuffer(id, ts, 0, quality, text);
                    points[0]++;
                }
            });
        }
        if (outOfRange[0] > 0) {
            LOG.warn("Write-ahead log holds points outside the store's time range; they are skipped [points={}, range=0001-01-01..9999-12-31]", outOfRange[0]);
        }
        if ((points[0] > 0 || cut > 0) && !readOnly) LOG.info("Write-ahead log replayed [points={}, bytesCut={}]", points[0], cut);
        return last;
    }

    // =================================================================== read path

    private record Gathered(Series series, BlockMeta[] blocks, Columns memory) {}

    /** Blocks overlapping [from, to) and buffered points in [from, to), sorted. */
    private Gathered gather(Series s, long from, long to) throws IOException {
        Columns mem = new Columns(s.type, 16);
        List<SegmentFile> files = new ArrayList<>();
        lock.lock();
        try {
            for (List<SegmentFile> l : partitions.headMap(to).values()) {
                for (SegmentFile f : l) if (f.maxTs >= from && f.minTs < to) files.add(f);
            }
            for (Snapshot snap : flushing) for (MemChunk c : snap.chunks) c.copyRange(s.id, from, to, mem);
            for (MemChunk c : liveChunks) c.copyRange(s.id, from, to, mem);
        } finally {
            lock.unlock();
        }
        mem.sortByTime(); // stable: chunks being flushed (oldest first), then the live ones, so the last write is last
        mem.keepLastOfEqualTimestamps();
        List<BlockMeta> sel = new ArrayList<>();
        for (SegmentFile f : files) {
            for (BlockMeta m : index.blocks(f, s.id)) {
                if (m.minTs >= to) break;
                if (m.maxTs >= from) sel.add(m);
            }
        }
        sel.sort(BLOCK_ORDER);
        Runnable hook = afterGather;
        if (hook != null) hook.run();
        return new Gathered(s, sel.toArray(new BlockMeta[0]), mem);
    }

    private static final Comparator<BlockMeta> BLOCK_ORDER = Comparator.comparingLong((BlockMeta m) -> m.minTs).thenComparingLong(m -> m.file().seq);
    private static final Comparator<BlockMeta> WRITE_ORDER = Comparator.comparingLong((BlockMeta m) -> m.file().seq).thenComparingLong(m -> m.minTs);

    private static void copyRange(Columns c, long from, long to, Columns out) {
        int n = c.size;
        if (n == 0) return;
        if (c.ts[0] >= from && c.ts[n - 1] < to && c.isSorted()) {
            out.addFrom(c, 0, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            long t = c.ts[i];
            if (t >= from && t < to) out.add(t, c.bits[i], c.quality[i], c.text == null ? null : c.text[i]);
        }
    }

    /** True when blocks and buffered points follow one another in time without overlap. */
    private static boolean disjoint(Gathered g) {
        BlockMeta[] b = g.blocks;
        for (int i = 1; i < b.length; i++) if (b[i].minTs <= b[i - 1].maxTs) return false;
        return b.length == 0 || g.memory.size == 0 || g.memory.ts[0] > b[b.length - 1].maxTs;
    }

    /**
     * Every point of the gathered data in [from, to), sorted, one per timestamp: blocks are read in write order (file
     * sequence) and the buffers last, the sort is stable, and of equal timestamps the last write is kept.
     */
    private Columns materialize(Gathered g, long from, long to) throws IOException {
        Columns out = new Columns(g.series.type, 64);
        Columns tmp = new Columns(g.series.type, SegmentFile.BLOCK_POINTS);
        Codecs codecs = CODECS.get();
        BlockMeta[] blocks = g.blocks.clone();
        Arrays.sort(blocks, WRITE_ORDER);
        for (BlockMeta m : blocks) {
            if (m.minTs >= from && m.maxTs < to) {
                m.file().read(m, codecs, tmp);
                out.addFrom(tmp, 0, tmp.size);
            } else {
                m.file().read(m, codecs, tmp);
                copyRange(tmp, from, to, out);
            }
        }
        out.addFrom(g.memory, 0, g.memory.size);
        out.sortByTime();
        out.keepLastOfEqualTimestamps();
        return out;
    }

    /** Points of a series in [fromMicros, toMicros) in time order; empty for an unknown series. */
    public SeriesData raw(String series, long fromMicros, long toMicros) throws IOException {
        Series s = byName.get(series);
        if (s == null || toMicros <= fromMicros) return new SeriesData(series, s == null ? DataType.DOUBLE : s.type, 0, new long[0], new long[0], new byte[0], null);
        Columns c = materialize(gather(s, fromMicros, toMicros), fromMicros, toMicros);
        String[] text = null;
        if (c.text != null) {
            text = new String[c.size];
            for (int i = 0; i < c.size; i++) text[i] = (String) c.text[i];
        }
        return new SeriesData(series, s.type, c.size, Arrays.copyOf(c.ts, c.size), Arrays.copyOf(c.bits, c.size), Arrays.copyOf(c.quality, c.size), text);
    }

    /** Raw points of several series. */
    public Map<String, SeriesData> raw(Collection<String> series, long fromMicros, long toMicros) throws IOException {
        Map<String, SeriesData> out = new LinkedHashMap<>();
        for (String s : series) out.put(s, raw(s, fromMicros, toMicros));
        return out;
    }

    /**
     * Aggregates of a series in {@code buckets} equal buckets over [fromMicros, toMicros); only non-empty buckets are
     * returned. {@code Long.MIN_VALUE}/{@code Long.MAX_VALUE} bounds stand for the series' first/last point.
     * Blocks lying inside one bucket are aggregated from their statistics without being decoded.
     */
    public List<Bucket> aggregate(String series, long fromMicros, long toMicros, int buckets) throws IOException {
        BucketAggregator a = aggregator(series, fromMicros, toMicros, buckets);
        return a == null ? List.of() : a.buckets();
    }

    public Map<String, List<Bucket>> aggregate(Collection<String> series, long fromMicros, long toMicros, int buckets) throws IOException {
        Map<String, List<Bucket>> out = new LinkedHashMap<>();
        for (String s : series) out.put(s, aggregate(s, fromMicros, toMicros, buckets));
        return out;
    }

    /** M4 downsampling for charts: first, min, max and last point of each of {@code buckets} buckets, as doubles. */
    public SeriesData m4(String series, long fromMicros, long toMicros, int buckets) throws IOException {
        BucketAggregator a = aggregator(series, fromMicros, toMicros, buckets);
        Columns c = new Columns(DataType.DOUBLE, 16);
        if (a != null) a.m4(c);
        return new SeriesData(series, DataType.DOUBLE, c.size, Arrays.copyOf(c.ts, c.size), Arrays.copyOf(c.bits, c.size), Arrays.copyOf(c.quality, c.size), null);
    }

    private BucketAggregator aggregator(String series, long from, long to, int buckets) throws IOException {
        if (buckets <= 0) throw new IllegalArgumentException("buckets must be positive, but was " + buckets);
        Series s = byName.get(series);
        if (s == null) return null;
        if (from == Long.MIN_VALUE || to == Long.MAX_VALUE) {
            lock.lock();
            try {
                if (lastTs(s.id) == Long.MIN_VALUE) return null;
                if (from == Long.MIN_VALUE) from = firstTs(s.id);
                if (to == Long.MAX_VALUE) to = lastTs(s.id) + 1;
            } finally {
                lock.unlock();
            }
        }
        if (to <= from) return null;
        BucketAggregator a = new BucketAggregator(from, to, buckets);
        Gathered g = gather(s, from, to);
        DataType type = s.type;
        if (!disjoint(g)) {
            Columns c = materialize(g, from, to);
            a.run(c, 0, c.size);
            return a;
        }
        Columns tmp = new Columns(type, SegmentFile.BLOCK_POINTS);
        Codecs codecs = CODECS.get();
        for (BlockMeta m : g.blocks) {
            if (m.hasStats && a.fitsOneBucket(m)) {
                a.block(m);
            } else {
                m.file().read(m, codecs, tmp);
                a.run(tmp, tmp.lowerBound(from), tmp.lowerBound(to));
            }
        }
        a.run(g.memory, 0, g.memory.size);
        return a;
    }

    /** Newest point of a series (by timestamp), or empty. */
    public Optional<LatestPoint> latest(String series) {
        Series s = byName.get(series);
        if (s == null) return Optional.empty();
        lock.lock();
        try {
            return Optional.ofNullable(latestOf(s));
        } finally {
            lock.unlock();
        }
    }

    /** Newest points of several series, in the order asked; series without points are left out. */
    public List<LatestPoint> latest(Collection<String> series) {
        List<Series> ss = new ArrayList<>(series.size());
        for (String n : series) {
            Series s = byName.get(n);
            if (s != null) ss.add(s);
        }
        List<LatestPoint> out = new ArrayList<>(ss.size());
        lock.lock();
        try {
            for (Series s : ss) {
                LatestPoint p = latestOf(s);
                if (p != null) out.add(p);
            }
        } finally {
            lock.unlock();
        }
        return out;
    }

    /**
     * Newest points of many series by id, into caller-owned columns (no object per series): for each {@code ids[i]}
     * writes timestamp, value bits (as in {@link SeriesData}) and quality; a series without points gets
     * {@code Long.MIN_VALUE} as timestamp. Returns how many series had a point.
     */
    public int latest(int[] ids, long[] timestamps, long[] bits, byte[] qualities) {
        int found = 0;
        lock.lock();
        try {
            for (int i = 0; i < ids.length; i++) {
                Series s = byId.get(ids[i]);
                if (lastTs(s.id) != Long.MIN_VALUE) {
                    timestamps[i] = lastTs(s.id);
                    bits[i] = lastBits(s.id);
                    qualities[i] = lastQuality(s.id);
                    found++;
                } else {
                    timestamps[i] = Long.MIN_VALUE;
                }
            }
        } finally {
            lock.unlock();
        }
        return found;
    }

    private LatestPoint latestOf(Series s) {
        if (lastTs(s.id) == Long.MIN_VALUE) return null;
        Value v = switch (s.type) {
            case DOUBLE -> Value.of(Double.longBitsToDouble(lastBits(s.id)));
            case LONG -> Value.of(lastBits(s.id));
            case BOOLEAN -> Value.of(lastBits(s.id) != 0);
            case TEXT -> Value.of((String) lastText[s.id]);
        };
        return new LatestPoint(s.name, lastTs(s.id), v, Quality.ofCode(lastQuality(s.id)));
    }

    // =================================================================== retention and compaction

    private void periodicRetention() {
        try {
            enforceRetention();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Retention run failed [dataDir={}]: {}", settings.dataDir(), e.toString());
        }
        closeRetiredFiles(RETIRED_GRACE_NANOS);
    }

    /**
     * Drops partitions that end before now minus the retention; returns how many. No-op when keeping forever. Dropped
     * files are retired as compaction retires them: queries that already hold their blocks still read them; their
     * names go once the manifest without them is written, their channels after a grace period. Directories are read
     * outside the store lock.
     */
    public int enforceRetention() throws IOException {
        if (readOnly) throw new IllegalStateException("telemetry store is open read-only [dataDir=" + settings.dataDir() + "]: retention does not run.");
        if (settings.keepsForever()) return 0;
        long nowMicros = saturatedMicros(Duration.ofMillis(clock.millis()));
        long cutoff = nowMicros - saturatedMicros(settings.retention());
        List<SegmentFile> drop = new ArrayList<>();
        List<Long> days = new ArrayList<>();
        List<SegmentFile> remaining = new ArrayList<>();
        lock.lock();
        try {
            if (firstTsDuringScan != null) return 0; // another run is under way
            for (var e : partitions.entrySet()) {
                // the partition's end, and its files' newest points (a folder written with a longer partition setting)
                boolean old = e.getKey() + partitionMicros <= cutoff;
                for (SegmentFile f : e.getValue()) old &= f.maxTs < cutoff;
                if (old) {
                    days.add(e.getKey());
                    drop.addAll(e.getValue());
                }
            }
            if (drop.isEmpty()) return 0;
            for (Long d : days) partitions.remove(d);
            long retiredAt = System.nanoTime();
            for (SegmentFile f : drop) {
                index.evict(f);
                retiredFiles.put(f, retiredAt);
                unlinkAfterManifest.add(f);
            }
            for (List<SegmentFile> l : partitions.values()) remaining.addAll(l);
            // files that flushes or compaction add while the directories are read below lower these
            firstTsDuringScan = new long[byId.size()];
            Arrays.fill(firstTsDuringScan, Long.MAX_VALUE);
        } finally {
            lock.unlock();
        }
        long[] first;
        try {
            first = firstTimesOf(remaining, firstTsDuringScan.length);
        } catch (IOException | RuntimeException e) {
            lock.lock();
            try {
                firstTsDuringScan = null;
            } finally {
                lock.unlock();
            }
            throw e;
        }
        lock.lock();
        try {
            long[] inMemory = memoryMinTs();
            for (int id = 0; id < first.length; id++) {
                Series s = byId.get(id);
                long f = Math.min(first[id], firstTsDuringScan[id]);
                if (id < inMemory.length) f = Math.min(f, inMemory[id]);
                setFirstTs(s.id, f);
                if (f == Long.MAX_VALUE) {
                    setLastTs(s.id, Long.MIN_VALUE);
                }
            }
            firstTsDuringScan = null;
        } finally {
            lock.unlock();
        }
        writeManifest(flushedThrough); // unlinks the dropped files
        for (Long d : days) {
            Path dir = partitionDir(d);
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isEmpty()) Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // a folder we cannot list or remove is retried on the next run
            }
        }
        LOG.info("Retention dropped partitions [partitions={}, files={}, cutoffMicros={}]", days.size(), drop.size(), cutoff);
        return days.size();
    }

    /** Lowest timestamp per series id (below {@code n}) in {@code files}, reading their directories (oldest first, stopping early). */
    private long[] firstTimesOf(List<SegmentFile> files, int n) throws IOException {
        long[] first = new long[n];
        Arrays.fill(first, Long.MAX_VALUE);
        List<SegmentFile> order = new ArrayList<>(files);
        order.sort(Comparator.comparingLong((SegmentFile f) -> f.minTs));
        for (SegmentFile f : order) {
            long latestFirst = Long.MIN_VALUE;
            for (long v : first) latestFirst = Math.max(latestFirst, v);
            if (f.minTs >= latestFirst) break;
            SegmentFile.Directory d = index.directory(f);
            for (int i = 0; i < d.size(); i++) {
                int id = d.seriesId(i);
                if (id >= 0 && id < n && d.minTs[i] < first[id]) first[id] = d.minTs[i];
            }
        }
        return first;
    }

    /**
     * Merges every partition that has at least {@code minFiles} files into one file (points sorted, late points
     * merged in place). Runs on the caller's thread; returns the number of partitions compacted.
     */
    public int compact(int minFiles) throws IOException {
        if (readOnly) throw new IllegalStateException("telemetry store is open read-only [dataDir=" + settings.dataDir() + "]: it compacts nothing.");
        int done = 0;
        List<Long> days;
        lock.lock();
        try {
            days = partitions.entrySet().stream().filter(e -> e.getValue().size() >= Math.max(2, minFiles)).map(Map.Entry::getKey).toList();
        } finally {
            lock.unlock();
        }
        for (long day : days) {
            Future<?> f = background.submit(() -> {
                compactPartition(day, minFiles);
                return null;
            });
            await(f);
            done++;
        }
        return done;
    }

    private void compactPartition(long day, int minFiles) throws IOException {
        List<SegmentFile> files;
        lock.lock();
        try {
            files = List.copyOf(partitions.getOrDefault(day, List.of()));
        } finally {
            lock.unlock();
        }
        if (files.size() < Math.max(2, minFiles)) return;
        compactFiles(day, files);
    }

    /** Compaction tier of a file of this size, or -1 when it is above {@link #MAX_TIER} (never merged again). */
    private int tier(long sizeBytes) {
        long limit = smallFileBytes;
        for (int t = 0; t <= MAX_TIER; t++, limit *= TIER_FACTOR) if (sizeBytes <= limit) return t;
        return -1;
    }

    /**
     * Files of a partition to merge: in the first tier (lowest first) that has them, the oldest run of at least
     * {@link #AUTO_COMPACT_FILES} files of that tier adjacent in write order (a file of another tier ends a run, so the
     * merged file takes the place of its inputs in that order and last-write-wins holds), at most
     * {@link #MAX_COMPACT_FILES}; empty when no tier has such a run. Compaction decodes one series at a time, so its
     * memory is bounded by one series' points in these files, not by their total. Lock held.
     */
    private List<SegmentFile> filesToCompact(List<SegmentFile> partition) {
        if (partition.size() < AUTO_COMPACT_FILES) return List.of();
        List<SegmentFile> bySeq = new ArrayList<>(partition);
        bySeq.sort(Comparator.comparingLong(f -> f.seq));
        for (int t = 0; t <= MAX_TIER; t++) {
            List<SegmentFile> run = new ArrayList<>();
            for (SegmentFile f : bySeq) {
                if (tier(f.sizeBytes) == t) {
                    run.add(f);
                    if (run.size() == MAX_COMPACT_FILES) return run;
                } else {
                    if (run.size() >= AUTO_COMPACT_FILES) return run;
                    run.clear();
                }
            }
            if (run.size() >= AUTO_COMPACT_FILES) return run;
        }
        return List.of();
    }

    /** After a flush: queues one compaction run when some partition has {@link #AUTO_COMPACT_FILES} files of one tier. */
    private void queueCompactionIfNeeded() {
        lock.lock();
        try {
            if (closed || compactionQueued) return;
            boolean needed = false;
            for (List<SegmentFile> l : partitions.values()) {
                if (!filesToCompact(l).isEmpty()) {
                    needed = true;
                    break;
                }
            }
            if (!needed) return;
            compactionQueued = true;
        } finally {
            lock.unlock();
        }
        try {
            background.execute(this::autoCompact);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            lock.lock();
            try {
                compactionQueued = false; // closing
            } finally {
                lock.unlock();
            }
        }
    }

    /** Background: merges one tier of files in every partition that has enough of them; closes long-retired files. */
    private void autoCompact() {
        Map<Long, List<SegmentFile>> work = new LinkedHashMap<>();
        lock.lock();
        try {
            compactionQueued = false;
            if (closed) return;
            for (var e : partitions.entrySet()) {
                List<SegmentFile> files = filesToCompact(e.getValue());
                if (!files.isEmpty()) work.put(e.getKey(), files);
            }
        } finally {
            lock.unlock();
        }
        for (var e : work.entrySet()) {
            try {
                compactFiles(e.getKey(), e.getValue());
            } catch (IOException | RuntimeException ex) {
                LOG.warn("Automatic compaction failed [day={}, files={}]: {}. The files stay as they are; the next flush retries.",
                        partitionDir(e.getKey()).getFileName(), e.getValue().size(), ex.toString());
            }
        }
        closeRetiredFiles(RETIRED_GRACE_NANOS);
    }

    /** Closes files retired by compaction longer than {@code graceNanos} ago. */
    private void closeRetiredFiles(long graceNanos) {
        List<SegmentFile> done = new ArrayList<>();
        lock.lock();
        try {
            long now = System.nanoTime();
            var it = retiredFiles.entrySet().iterator();
            while (it.hasNext()) {
                var e = it.next();
                if (now - e.getValue() < graceNanos) break; // insertion order is retirement order
                done.add(e.getKey());
                it.remove();
            }
        } finally {
            lock.unlock();
        }
        for (SegmentFile f : done) {
            try {
                f.close();
            } catch (IOException e) {
                LOG.debug("Closing a retired segment file failed [file={}]: {}", f.path, e.toString());
            }
        }
    }

    /**
     * Merges {@code files} of one partition into one file and swaps it in. Runs on the background thread. Works one
     * series at a time (ids in order, read through each file's directory), so its heap is the directories of the
     * input files plus one series' points.
     */
    private void compactFiles(long partition, List<SegmentFile> inputs) throws IOException {
        if (inputs.size() < 2) return;
        // oldest write first: the stable sort below then keeps the last write of each timestamp last
        List<SegmentFile> files = new ArrayList<>(inputs);
        files.sort(Comparator.comparingLong(f -> f.seq));
        long seq = files.getLast().seq;
        SegmentFile.Directory[] dirs = new SegmentFile.Directory[files.size()];
        SegmentFile.Window[] windows = new SegmentFile.Window[files.size()];
        int total = 0;
        for (int j = 0; j < dirs.length; j++) {
            dirs[j] = files.get(j).readDirectory();
            windows[j] = files.get(j).window(COMPACT_READ_BYTES);
            total += dirs[j].size();
        }
        int[] ids = new int[total];
        int n = 0;
        for (SegmentFile.Directory d : dirs) for (int i = 0; i < d.size(); i++) ids[n++] = d.seriesId(i);
        Arrays.sort(ids);
        long id = nextFileId.getAndIncrement();
        Path dir = partitionDir(partition);
        Codecs codecs = CODECS.get();
        long inputBytes = 0;
        for (SegmentFile f : files) inputBytes += f.sizeBytes;
        compactedInputBytes += inputBytes; // compaction runs only on the background thread
        int blockPoints = tier(inputBytes) == MAX_TIER || tier(inputBytes) < 0 ? LARGE_BLOCK_POINTS : SegmentFile.BLOCK_POINTS;
        SegmentFile.Writer w = new SegmentFile.Writer(dir.resolve(fileName(id) + ".tmp"), codecs, blockPoints);
        SegmentFile merged;
        try {
            Columns tmp = null;
            Columns all = null;
            BlockMeta[][] blocksOf = new BlockMeta[dirs.length][];
            int[] entryOf = new int[dirs.length];
            for (int k = 0; k < n; k++) {
                int sid = ids[k];
                if (k > 0 && ids[k - 1] == sid) continue;
                for (int j = 0; j < dirs.length; j++) {
                    int i = dirs[j].find(sid);
                    entryOf[j] = i;
                    blocksOf[j] = i < 0 ? null : files.get(j).readBlocks(dirs[j], i, windows[j]);
                }
                if (blockPoints == SegmentFile.BLOCK_POINTS && copyable(blocksOf)) {
                    for (int j = 0; j < dirs.length; j++) {
                        if (blocksOf[j] == null) continue;
                        for (BlockMeta m : blocksOf[j]) w.addEncoded(m, files.get(j).readEncoded(m, windows[j]), dirs[j].lastBits[entryOf[j]]);
                    }
                    continue;
                }
                for (int j = 0; j < dirs.length; j++) {
                    BlockMeta[] blocks = blocksOf[j];
                    if (blocks == null) continue;
                    DataType type = DataType.values()[blocks[0].type];
                    if (all == null || all.type != type) all = new Columns(type, 1024);
                    if (tmp == null || tmp.type != type) tmp = new Columns(type, SegmentFile.BLOCK_POINTS);
                    for (BlockMeta m : blocks) {
                        files.get(j).read(m, codecs, tmp, windows[j]);
                        all.addFrom(tmp, 0, tmp.size);
                    }
                }
                if (all == null || all.size == 0) continue;
                all.sortByTime();
                all.keepLastOfEqualTimestamps();
                w.add(sid, all, 0, all.size);
                all.size = 0;
                if (all.ts.length > (1 << 20)) all = null; // do not keep one large series' arrays for all the rest
            }
            merged = w.finish(dir.resolve(fileName(id)), partition, id, seq);
        } catch (IOException | RuntimeException e) {
            w.abort();
            throw e;
        }
        SegmentFile.Directory mergedDir = w.directory();
        lock.lock();
        try {
            List<SegmentFile> now = partitions.get(partition);
            if (now == null) { // dropped by retention meanwhile
                merged.delete();
                return;
            }
            now.removeAll(files);
            addFile(merged, mergedDir);
            now.sort(Comparator.comparingLong(f -> f.seq));
            long retiredAt = System.nanoTime();
            for (SegmentFile f : files) {
                retiredFiles.put(f, retiredAt);
                unlinkAfterManifest.add(f);
                index.evict(f);
            }
        } finally {
            lock.unlock();
        }
        // Readers may still hold blocks of the old files: the manifest write unlinks them, the channels close later.
        writeManifest(flushedThrough);
        LOG.info("Compacted partition [partition={}, files={}, into={}]", dir.getFileName(), files.size(), merged.path.getFileName());
    }

    /**
     * Whether a series' blocks of a compaction's inputs (oldest file first) can go into the merged file as they are
     * encoded: one type, every block at least {@link #MIN_COPY_POINTS} points, and each block after the one before in
     * time (no equal timestamps, so no last-write-wins to settle). Why: with a memory budget of hundreds of MB a flush
     * writes blocks of hundreds of points per series, and compaction decoded and encoded them again at every tier, the
     * store's largest CPU cost under heavy ingest; a series that was re-sent, back-filled or is slow is still merged
     * point by point.
     */
    private static boolean copyable(BlockMeta[][] blocksOf) {
        long prevMax = Long.MIN_VALUE;
        int type = -1;
        boolean first = true;
        for (BlockMeta[] blocks : blocksOf) {
            if (blocks == null) continue;
            for (BlockMeta m : blocks) {
                if (m.count < MIN_COPY_POINTS) return false;
                if (type >= 0 && m.type != type) return false;
                if (!first && m.minTs <= prevMax) return false;
                type = m.type;
                prevMax = m.maxTs;
                first = false;
            }
        }
        return !first;
    }

    // =================================================================== statistics and lifecycle

    private int fileCount() {
        int n = 0;
        for (List<SegmentFile> l : partitions.values()) n += l.size();
        return n;
    }

    private long memoryPoints() {
        long n = 0;
        for (MemChunk c : liveChunks) n += c.size();
        for (Snapshot snap : flushing) for (MemChunk c : snap.chunks) n += c.size();
        return n;
    }

    /** Statistics of the store; reads the block index of every file (for the command line and benchmarks, not for scraping). */
    public StoreStats stats() throws IOException {
        List<SegmentFile> files = new ArrayList<>();
        int series;
        long memPoints;
        lock.lock();
        try {
            for (List<SegmentFile> l : partitions.values()) files.addAll(l);
            series = byId.size();
            memPoints = memoryPoints();
        } finally {
            lock.unlock();
        }
        long filePoints = 0, fileBytes = 0;
        Map<String, long[]> enc = new TreeMap<>();
        for (SegmentFile f : files) {
            fileBytes += f.sizeBytes;
            filePoints += f.points;
            f.forEachBlock(m -> {
                long[] e = enc.computeIfAbsent(SegmentFile.encodingName(m.type, m.encoding), k -> new long[3]);
                e[0] += m.count;
                e[1] += m.length;
                e[2]++;
            });
        }
        long walBytes = 0;
        for (long g : Wal.generations(walDir)) {
            try {
                walBytes += Files.size(Wal.segmentPath(walDir, g));
            } catch (IOException ignored) {
                // deleted meanwhile
            }
        }
        Map<String, StoreStats.EncodingStats> by = new LinkedHashMap<>();
        enc.forEach((k, v) -> by.put(k, new StoreStats.EncodingStats(v[0], v[1], v[2])));
        long otherRejects = 0;
        for (RejectReason r : REASONS) if (r != RejectReason.LATE) otherRejects += rejects.get(r.ordinal());
        return new StoreStats(series, filePoints, memPoints, fileBytes, walBytes, files.size(), by, rejects.get(RejectReason.LATE.ordinal()), otherRejects);
    }

    /** Bytes held by the cache of file indexes, and its budget (a quarter of the memory budget). */
    public long indexCacheBytes() { return index.usedBytes(); }

    /** Buffered bytes (estimate) of live buffers plus flushing snapshots. */
    public long memoryBytes() {
        lock.lock();
        try {
            return memBytes + flushingBytes;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Flushes buffers to files, forces the log, releases files and the store's lock. Appends after close throw
     * IllegalStateException. A read-only store only releases its files.
     */
    @Override
    public void close() throws IOException {
        if (readOnly) {
            lock.lock();
            try {
                if (closed) return;
                closed = true;
            } finally {
                lock.unlock();
            }
            closeFiles();
            return;
        }
        Future<?> f;
        lock.lock();
        try {
            if (closed) return;
            f = startFlushLocked();
            closed = true;
            flushDone.signalAll();
        } finally {
            lock.unlock();
        }
        IOException failure = null;
        try {
            await(f);
        } catch (IOException e) {
            failure = e;
        }
        background.shutdown();
        try {
            background.awaitTermination(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        wal.close();
        closeFiles();
        storeLock.close();
        if (failure != null) throw failure;
    }

    private void closeFiles() {
        lock.lock();
        try {
            for (List<SegmentFile> l : partitions.values()) {
                for (SegmentFile sf : l) {
                    try {
                        sf.close();
                    } catch (IOException ignored) {
                        // read-only channel: nothing to lose
                    }
                }
            }
            for (SegmentFile sf : retiredFiles.keySet()) {
                try {
                    sf.close();
                } catch (IOException ignored) {
                    // as above
                }
            }
        } finally {
            lock.unlock();
        }
    }
}
