package io.lathe.tsfile;

import io.lathe.model.DataType;
import io.lathe.store.Bucket;
import io.lathe.store.SeriesData;
import io.lathe.store.SeriesInfo;
import io.lathe.store.TelemetryStore;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.apache.tsfile.common.conf.TSFileConfig;
import org.apache.tsfile.enums.TSDataType;
import org.apache.tsfile.exception.write.WriteProcessException;
import org.apache.tsfile.file.metadata.IDeviceID;
import org.apache.tsfile.file.metadata.enums.CompressionType;
import org.apache.tsfile.file.metadata.enums.TSEncoding;
import org.apache.tsfile.utils.Binary;
import org.apache.tsfile.write.TsFileWriter;
import org.apache.tsfile.write.record.Tablet;
import org.apache.tsfile.write.schema.IMeasurementSchema;
import org.apache.tsfile.write.schema.MeasurementSchema;

/**
 * Writes the points of a {@link TelemetryStore} to Apache TsFile files (tree model) that Apache IoTDB loads with
 * {@code load '<folder>'} or {@code tools/import-data.sh -ft tsfile}.
 *
 * <p><b>Files.</b> One file per time partition, by default 7 days aligned to 1970-01-01 00:00 UTC: IoTDB's default
 * {@code time_partition_interval} (604800000 ms, origin 0). A file that lies inside one IoTDB time partition is
 * loaded as it is; one spanning partitions is split by IoTDB first. Files are named
 * {@code {exportStartMillis}-{n}-0-0.tsfile} with n = 1, 2, ... in time order: IoTDB's
 * {@code {systemTime}-{version}-{innerCompactionCount}-{crossCompactionCount}.tsfile}, by which {@code load} of a
 * folder orders the files. A file is written as {@code .tsfile.tmp} and renamed when complete, so an interrupted
 * export leaves no truncated {@code .tsfile} for IoTDB to pick up.
 *
 * <p><b>Points.</b> Values keep their type (DOUBLE, INT64, BOOLEAN, TEXT); quality codes are not written (IoTDB has
 * no per-point quality). Timestamps are converted to {@link Options#precision()}; where several points of a series
 * fall on one timestamp after conversion (equal store timestamps, or points within one millisecond) the last one in
 * store order is kept and the others are counted in {@link Result#duplicatesDropped()}, because TsFile accepts only
 * strictly increasing times per series.
 *
 * <p><b>Memory.</b> The store is read one series and one partition at a time; when a series has more than
 * {@link Options#maxPointsPerRead()} points in a partition the read is split by the counts of
 * {@link TelemetryStore#aggregate}. The TsFile writer is flushed whenever the device changes and every
 * {@value #FLUSH_POINTS} points, so it buffers at most one device's recent chunks.
 */
public final class TsFileExport {
    /** IoTDB's default time partition interval, and the default span of one exported file. */
    public static final Duration IOTDB_DEFAULT_PARTITION = Duration.ofDays(7);
    static final int FLUSH_POINTS = 1 << 20;
    static final int MAX_TABLET_ROWS = 16_384;
    private static final String SUFFIX = ".tsfile";

    private TsFileExport() {}

    /**
     * What to export and how.
     *
     * @param fromMicros       first timestamp, inclusive (µs since the epoch; {@code Long.MIN_VALUE}: from the first point)
     * @param toMicros         end, exclusive ({@code Long.MAX_VALUE}: through the last point)
     * @param series           which series (by Lathe name) to export
     * @param precision        unit of the written timestamps; must match the loading IoTDB's {@code timestamp_precision}
     * @param partition        time span of one file, aligned to the epoch; a whole number of milliseconds
     * @param maxPointsPerRead most points read from the store at once for one series (approximately: reads are split
     *                         by bucket counts)
     */
    public record Options(long fromMicros, long toMicros, Predicate<String> series, TimePrecision precision,
                          Duration partition, int maxPointsPerRead) {
        public Options {
            Objects.requireNonNull(series, "series");
            Objects.requireNonNull(precision, "precision");
            Objects.requireNonNull(partition, "partition");
            List<String> problems = new ArrayList<>();
            if (fromMicros >= toMicros) problems.add("from must be before to, but was from=" + fromMicros + " to=" + toMicros + " (µs)");
            if (partition.compareTo(Duration.ofMillis(1)) < 0 || partition.toNanosPart() % 1_000_000 != 0) {
                problems.add("partition must be a positive whole number of milliseconds, but was " + partition);
            }
            if (maxPointsPerRead < 1) problems.add("maxPointsPerRead must be positive, but was " + maxPointsPerRead);
            if (!problems.isEmpty()) throw new IllegalArgumentException("Invalid TsFile export options: " + String.join("; ", problems) + ".");
        }

        /** Every series, all time, milliseconds, 7-day files, reads of up to 4 million points. */
        public static Options defaults() {
            return new Options(Long.MIN_VALUE, Long.MAX_VALUE, s -> true, TimePrecision.MILLISECONDS, IOTDB_DEFAULT_PARTITION, 4_000_000);
        }

        public Options withRange(long fromMicros, long toMicros) {
            return new Options(fromMicros, toMicros, series, precision, partition, maxPointsPerRead);
        }

        public Options withSeries(Predicate<String> filter) {
            return new Options(fromMicros, toMicros, filter, precision, partition, maxPointsPerRead);
        }

        /** Only series whose Lathe name starts with {@code prefix}. */
        public Options withSeriesPrefix(String prefix) {
            Objects.requireNonNull(prefix, "prefix");
            return withSeries(name -> name.startsWith(prefix));
        }

        public Options withPrecision(TimePrecision p) {
            return new Options(fromMicros, toMicros, series, p, partition, maxPointsPerRead);
        }

        public Options withPartition(Duration d) {
            return new Options(fromMicros, toMicros, series, precision, d, maxPointsPerRead);
        }

        public Options withMaxPointsPerRead(int n) {
            return new Options(fromMicros, toMicros, series, precision, partition, n);
        }
    }

    /**
     * Where an export is. {@code partition} counts from 1 over the partitions that may hold points of the chosen
     * series; {@code seriesDone} of {@code seriesInPartition} is within the current one.
     */
    public record Progress(long partition, long partitions, long partitionStartMicros, int seriesDone, int seriesInPartition,
                           long points, long duplicatesDropped, int files) {}

    /** Callbacks on the exporting thread; keep them short. */
    public interface Listener {
        Listener NONE = new Listener() {};

        /** After each series of each partition. */
        default void progress(Progress p) {}

        /** After a file is complete under its final name. */
        default void fileWritten(Path file, long points, long bytes) {}
    }

    /**
     * Outcome of an export.
     *
     * @param files             the files written, in time order
     * @param series            series with at least one point written
     * @param points            points written
     * @param duplicatesDropped points left out because a later point of the series had the same (converted) timestamp
     * @param bytes             total size of the files
     * @param nanos             time taken
     * @param pathConflicts     exported paths that are also a prefix of another exported path ({@code a.b} and
     *                          {@code a.b.c}): IoTDB cannot hold a measurement that has children, so it refuses to load
     *                          one of the two. Empty in the usual case
     */
    public record Result(List<Path> files, int series, long points, long duplicatesDropped, long bytes, long nanos,
                         List<String> pathConflicts) {
        public double seconds() { return nanos / 1e9; }

        public double pointsPerSecond() { return points / Math.max(seconds(), 1e-9); }
    }

    /** As {@link #export(TelemetryStore, Path, Options, Listener)} without progress callbacks. */
    public static Result export(TelemetryStore store, Path outDir, Options options) throws IOException {
        return export(store, outDir, options, Listener.NONE);
    }

    /**
     * Exports into {@code outDir}, which must be missing or empty (it is created when missing).
     *
     * @throws IllegalArgumentException when {@code outDir} is a file or a folder that is not empty
     * @throws IOException              when reading the store or writing a file fails; the file being written is removed
     */
    public static Result export(TelemetryStore store, Path outDir, Options options, Listener listener) throws IOException {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(listener, "listener");
        prepareOutDir(outDir);
        long started = System.nanoTime();
        long stamp = System.currentTimeMillis();
        long width = Math.multiplyExact(options.partition().toMillis(), 1000L);

        List<Plan> plans = plan(store, options, width);
        List<String> conflicts = conflicts(plans);
        List<long[]> ranges = partitionRanges(plans);
        long partitions = 0;
        for (long[] r : ranges) partitions += r[1] - r[0] + 1;

        Counters c = new Counters();
        List<Path> files = new ArrayList<>();
        long partitionNo = 0;
        for (long[] range : ranges) {
            for (long p = range[0]; p <= range[1]; p++) {
                partitionNo++;
                long pStart = saturatedMultiply(p, width);
                long pEnd = saturatedAdd(pStart, width);
                List<Plan> here = new ArrayList<>();
                for (Plan plan : plans) if (plan.firstPartition <= p && p <= plan.lastPartition) here.add(plan);
                PartitionFile file = new PartitionFile(outDir, stamp, files.size() + 1);
                try {
                    for (int i = 0; i < here.size(); i++) {
                        Plan plan = here.get(i);
                        exportSeries(store, plan, Math.max(pStart, plan.lo), Math.min(pEnd, plan.hi), options, file, c);
                        listener.progress(new Progress(partitionNo, partitions, pStart, i + 1, here.size(), c.points, c.dropped, files.size()));
                    }
                    Path done = file.finish();
                    if (done != null) {
                        files.add(done);
                        c.bytes += file.bytes;
                        listener.fileWritten(done, file.points, file.bytes);
                    }
                } catch (IOException | RuntimeException e) {
                    file.abort();
                    throw e;
                }
            }
        }
        int series = 0;
        for (Plan plan : plans) if (plan.written) series++;
        return new Result(List.copyOf(files), series, c.points, c.dropped, c.bytes, System.nanoTime() - started, conflicts);
    }

    private static final class Counters {
        long points, dropped, bytes;
    }

    /** One series to export: its path and the part of [from, to) where it has points. */
    private static final class Plan {
        final String name;
        final DataType type;
        final IotdbPath path;
        final long lo, hi; // µs, hi exclusive
        final long firstPartition, lastPartition;
        boolean written;

        Plan(String name, DataType type, IotdbPath path, long lo, long hi, long width) {
            this.name = name;
            this.type = type;
            this.path = path;
            this.lo = lo;
            this.hi = hi;
            this.firstPartition = Math.floorDiv(lo, width);
            this.lastPartition = Math.floorDiv(hi - 1, width);
        }
    }

    private static List<Plan> plan(TelemetryStore store, Options o, long width) {
        List<Plan> plans = new ArrayList<>();
        for (SeriesInfo s : store.series()) {
            if (s.lastMicros() == Long.MIN_VALUE && s.firstMicros() == Long.MIN_VALUE) continue; // no points
            if (!o.series().test(s.name())) continue;
            long lo = Math.max(s.firstMicros(), o.fromMicros());
            long hi = Math.min(s.lastMicros() == Long.MAX_VALUE ? Long.MAX_VALUE : s.lastMicros() + 1, o.toMicros());
            if (lo >= hi) continue;
            plans.add(new Plan(s.name(), s.type(), IotdbPath.of(s.name()), lo, hi, width));
        }
        // Devices in TsFile's order and each device's measurements together: one chunk group per device and flush.
        plans.sort(Comparator.<Plan, IDeviceID>comparing(p -> p.path.deviceId()).thenComparing(p -> p.path.measurement()));
        return plans;
    }

    /** Partition index ranges [first, last] that may hold points, merged so that empty stretches are skipped. */
    private static List<long[]> partitionRanges(List<Plan> plans) {
        List<Plan> byStart = new ArrayList<>(plans);
        byStart.sort(Comparator.comparingLong(p -> p.firstPartition));
        List<long[]> out = new ArrayList<>();
        for (Plan p : byStart) {
            long[] last = out.isEmpty() ? null : out.getLast();
            if (last != null && p.firstPartition <= last[1] + 1) last[1] = Math.max(last[1], p.lastPartition);
            else out.add(new long[] {p.firstPartition, p.lastPartition});
        }
        return out;
    }

    private static List<String> conflicts(List<Plan> plans) {
        TreeSet<String> paths = new TreeSet<>();
        for (Plan p : plans) paths.add(p.path.fullPath());
        List<String> out = new ArrayList<>();
        for (String path : paths) {
            String child = paths.ceiling(path + ".");
            if (child != null && child.startsWith(path + ".")) out.add(path + " (also a prefix of " + child + ")");
        }
        return out;
    }

    private static void exportSeries(TelemetryStore store, Plan plan, long from, long to, Options o, PartitionFile file,
                                     Counters c) throws IOException {
        if (from >= to) return;
        List<long[]> windows = windows(store, plan.name, from, to, o.maxPointsPerRead());
        SeriesSink sink = null;
        for (long[] w : windows) {
            SeriesData d = store.raw(plan.name, w[0], w[1]);
            if (d.size() == 0) continue;
            if (sink == null) sink = new SeriesSink(file, plan, o.precision(), (int) Math.min(MAX_TABLET_ROWS, Math.max(w[2], d.size())), c);
            sink.add(d);
        }
        if (sink != null) sink.finish();
    }

    /**
     * Splits [from, to) into windows of about {@code max} points each, as {from, to, expectedPoints}. One count over
     * the whole span first (block statistics, cheap); only a span with more points is counted per sub-bucket.
     */
    static List<long[]> windows(TelemetryStore store, String series, long from, long to, int max) throws IOException {
        List<Bucket> one = store.aggregate(series, from, to, 1);
        long total = 0;
        for (Bucket b : one) total += b.count();
        if (total == 0) return List.of();
        if (total <= max) return List.of(new long[] {from, to, total});
        int k = (int) Math.min(1 << 16, Math.max(2, 4 * ((total + max - 1) / max)));
        List<long[]> out = new ArrayList<>();
        long start = from, acc = 0;
        for (Bucket b : store.aggregate(series, from, to, k)) {
            if (acc > 0 && acc + b.count() > max) {
                out.add(new long[] {start, b.startMicros(), acc});
                start = b.startMicros();
                acc = 0;
            }
            acc += b.count();
        }
        out.add(new long[] {start, to, acc});
        return out;
    }

    static TSDataType tsType(DataType t) {
        return switch (t) {
            case DOUBLE -> TSDataType.DOUBLE;
            case LONG -> TSDataType.INT64;
            case BOOLEAN -> TSDataType.BOOLEAN;
            case TEXT -> TSDataType.TEXT;
        };
    }

    static TSEncoding encoding(DataType t) {
        return switch (t) {
            case DOUBLE -> TSEncoding.GORILLA;
            case LONG -> TSEncoding.TS_2DIFF;
            case BOOLEAN -> TSEncoding.RLE;
            case TEXT -> TSEncoding.PLAIN;
        };
    }

    /**
     * Converts one series' points of one partition and writes them through a Tablet. The newest point is held back
     * until a point with a later converted time arrives, so that of several points on one timestamp the last is
     * written, also when they straddle two reads.
     */
    private static final class SeriesSink {
        final PartitionFile file;
        final Plan plan;
        final TimePrecision precision;
        final Counters c;
        final Tablet tablet;
        final long[] times;
        final Object column;
        final int capacity;
        int rows;
        boolean pending;
        long pendingTime, pendingBits;
        String pendingText;

        SeriesSink(PartitionFile file, Plan plan, TimePrecision precision, int capacity, Counters c) {
            this.file = file;
            this.plan = plan;
            this.precision = precision;
            this.c = c;
            this.capacity = Math.max(1, capacity);
            this.tablet = new Tablet(plan.path.parsableDevice(), List.of(file.schema(plan)), this.capacity);
            this.times = tablet.getTimestamps();
            this.column = tablet.getValues()[0];
        }

        void add(SeriesData d) throws IOException {
            long[] ts = d.timestamps(), bits = d.bits();
            String[] text = d.text();
            for (int i = 0; i < d.size(); i++) {
                long t = precision.fromMicros(ts[i]);
                if (pending) {
                    if (t == pendingTime) {
                        c.dropped++;
                    } else if (t < pendingTime) {
                        throw new IllegalStateException("the store returned points out of time order [series=" + plan.name
                                + ", timestamp=" + ts[i] + " µs after " + pendingTime + " " + precision.label() + "]");
                    } else {
                        emit(pendingTime, pendingBits, pendingText);
                    }
                }
                pending = true;
                pendingTime = t;
                pendingBits = bits[i];
                pendingText = text == null ? null : text[i];
            }
        }

        void finish() throws IOException {
            if (pending) emit(pendingTime, pendingBits, pendingText);
            pending = false;
            writeRows();
        }

        private void emit(long time, long bits, String text) throws IOException {
            times[rows] = time;
            switch (plan.type) {
                case DOUBLE -> ((double[]) column)[rows] = Double.longBitsToDouble(bits);
                case LONG -> ((long[]) column)[rows] = bits;
                case BOOLEAN -> ((boolean[]) column)[rows] = bits != 0;
                case TEXT -> ((Binary[]) column)[rows] = new Binary(text, TSFileConfig.STRING_CHARSET);
            }
            if (++rows == capacity) writeRows();
        }

        private void writeRows() throws IOException {
            if (rows == 0) return;
            tablet.setRowSize(rows);
            file.write(plan, tablet);
            tablet.reset();
            c.points += rows;
            plan.written = true;
            rows = 0;
        }
    }

    /** The file of one partition, opened at its first point. */
    private static final class PartitionFile {
        final Path dir;
        final long stamp;
        final int number;
        Path tmp, target;
        TsFileWriter writer;
        IDeviceID device;
        Plan registered;
        long points, pointsSinceFlush, bytes;

        PartitionFile(Path dir, long stamp, int number) {
            this.dir = dir;
            this.stamp = stamp;
            this.number = number;
        }

        IMeasurementSchema schema(Plan plan) {
            return new MeasurementSchema(plan.path.measurement(), tsType(plan.type), encoding(plan.type), CompressionType.LZ4);
        }

        void write(Plan plan, Tablet tablet) throws IOException {
            if (writer == null) {
                target = dir.resolve(stamp + "-" + number + "-0-0" + SUFFIX);
                tmp = dir.resolve(target.getFileName() + ".tmp");
                writer = new TsFileWriter(tmp.toFile());
            }
            try {
                if (registered != plan) {
                    // A new device: flush the previous one so that chunk groups come out one per device, in order.
                    if (device != null && !device.equals(plan.path.deviceId()) && pointsSinceFlush > 0) flush();
                    writer.registerTimeseries(plan.path.deviceId(), schema(plan));
                    registered = plan;
                    device = plan.path.deviceId();
                }
                writer.writeTree(tablet);
            } catch (WriteProcessException e) {
                throw new IOException("TsFile refused points [series=" + plan.name + ", path=" + plan.path + ", file=" + tmp + "]: " + e.getMessage(), e);
            }
            points += tablet.getRowSize();
            pointsSinceFlush += tablet.getRowSize();
            if (pointsSinceFlush >= FLUSH_POINTS) flush();
        }

        private void flush() throws IOException {
            writer.flush();
            pointsSinceFlush = 0;
        }

        /** Closes and renames the file; null when no point was written. */
        Path finish() throws IOException {
            if (writer == null) return null;
            writer.close();
            writer = null;
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target);
            }
            bytes = Files.size(target);
            return target;
        }

        void abort() {
            if (tmp == null) return;
            try {
                if (writer != null) writer.close();
            } catch (IOException | RuntimeException ignored) {
                // the file is deleted below; the first failure is what the caller reports
            }
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: a leftover .tmp is not loaded by IoTDB (it loads *.tsfile only)
            }
        }
    }

    private static void prepareOutDir(Path outDir) throws IOException {
        Objects.requireNonNull(outDir, "outDir");
        if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
            throw new IllegalArgumentException("output folder is a file [out=" + outDir + "]. Give a new or empty folder.");
        }
        if (Files.isDirectory(outDir)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(outDir)) {
                if (ds.iterator().hasNext()) {
                    throw new IllegalArgumentException("output folder is not empty [out=" + outDir + "]. Give a new or empty folder,"
                            + " so that IoTDB's load of the folder sees this export only.");
                }
            }
        }
        Files.createDirectories(outDir);
    }

    private static long saturatedMultiply(long a, long b) {
        long hi = Math.multiplyHigh(a, b), lo = a * b;
        if ((hi == 0 && lo >= 0) || (hi == -1 && lo < 0)) return lo;
        return (a < 0) == (b < 0) ? Long.MAX_VALUE : Long.MIN_VALUE;
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        if (((a ^ r) & (b ^ r)) < 0) return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        return r;
    }
}
