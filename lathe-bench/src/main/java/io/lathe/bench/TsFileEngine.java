package io.lathe.bench;

import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.tsfile.enums.TSDataType;
import org.apache.tsfile.file.metadata.ChunkMetadata;
import org.apache.tsfile.file.metadata.IDeviceID;
import org.apache.tsfile.file.metadata.TimeseriesMetadata;
import org.apache.tsfile.file.metadata.enums.CompressionType;
import org.apache.tsfile.file.metadata.enums.TSEncoding;
import org.apache.tsfile.file.metadata.statistics.Statistics;
import org.apache.tsfile.read.TsFileReader;
import org.apache.tsfile.read.TsFileSequenceReader;
import org.apache.tsfile.read.common.BatchData;
import org.apache.tsfile.read.common.Chunk;
import org.apache.tsfile.read.expression.QueryExpression;
import org.apache.tsfile.read.expression.impl.GlobalTimeExpression;
import org.apache.tsfile.read.filter.factory.TimeFilterApi;
import org.apache.tsfile.read.query.dataset.QueryDataSet;
import org.apache.tsfile.read.reader.IPageReader;
import org.apache.tsfile.read.reader.chunk.ChunkReader;
import org.apache.tsfile.write.TsFileWriter;
import org.apache.tsfile.write.record.Tablet;
import org.apache.tsfile.write.schema.IMeasurementSchema;
import org.apache.tsfile.write.schema.MeasurementSchema;

/**
 * Apache TsFile 2.4 (tree model, {@code TsFileWriter} + {@code Tablet}) as a probe: what the file format issue 3 names
 * would give on the same data. TS_2DIFF timestamps, GORILLA (or {@code -Dlathe.bench.tsfile.encoding=CHIMP}) doubles,
 * LZ4 pages. One file per data set; series k is measurement {@code s<k % 1000>} of device {@code root.b.d<k / 1000>}.
 * TsFile has no log: "durable" means {@code flush()} of the open chunk groups plus an fsync of the file every N points.
 * The bucket query uses page statistics where a page lies inside one bucket and decodes the others.
 */
final class TsFileEngine implements Engine {
    static final int PER_DEVICE = 1000;
    private final Path dir;
    private final TSEncoding valueEncoding = TSEncoding.valueOf(System.getProperty("lathe.bench.tsfile.encoding", "GORILLA"));
    private final Map<String, TsFileWriter> writers = new HashMap<>();
    /** Points of the real data sets left out because their series already had a point at that time. */
    long duplicatesDropped;

    TsFileEngine(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
    }

    public String name() { return "TsFile"; }

    public Path dir() { return dir; }

    private File file(String table) { return dir.resolve(table + ".tsfile").toFile(); }

    private static String device(int series) { return "root.b.d" + series / PER_DEVICE; }

    private static String measurement(int series) { return "s" + series % PER_DEVICE; }

    private TsFileWriter writer(String table) throws Exception {
        TsFileWriter w = writers.get(table);
        if (w == null) {
            w = new TsFileWriter(file(table));
            writers.put(table, w);
        }
        return w;
    }

    private IMeasurementSchema schema(String m) {
        return new MeasurementSchema(m, TSDataType.DOUBLE, valueEncoding, CompressionType.LZ4);
    }

    public double ingest(Dataset d, long commitEvery) throws Exception {
        TsFileWriter w = writer(d.name);
        int devices = (d.series + PER_DEVICE - 1) / PER_DEVICE;
        int rows = (int) Math.max(1, Math.min(Math.min(d.pointsPerSeries, 4096), 2_000_000L / Math.min(d.series, PER_DEVICE)));
        Tablet[] tablets = new Tablet[devices];
        for (int k = 0; k < devices; k++) {
            List<IMeasurementSchema> schemas = new ArrayList<>();
            for (int s = k * PER_DEVICE; s < Math.min(d.series, (k + 1) * PER_DEVICE); s++) {
                IMeasurementSchema sc = schema(measurement(s));
                schemas.add(sc);
                w.registerTimeseries(new org.apache.tsfile.read.common.Path(device(s)), sc);
            }
            tablets[k] = new Tablet(device(k * PER_DEVICE), schemas, rows);
        }
        double[] v = d.values;
        long n = d.size();
        long t0 = System.nanoTime();
        long nextCommit = commitEvery;
        int row = 0;
        for (long i = 0; i < n; i++) {
            int s = d.seriesOf(i);
            Tablet t = tablets[s / PER_DEVICE];
            if (s % PER_DEVICE == 0) t.addTimestamp(row, d.ts(i));
            t.addValue(row, s % PER_DEVICE, v[(int) i]);
            if (s == d.series - 1) { // a row is complete on every device
                row++;
                if (row == rows) {
                    for (Tablet tb : tablets) {
                        tb.setRowSize(row);
                        w.writeTree(tb);
                        tb.reset();
                    }
                    row = 0;
                }
            }
            if (i + 1 == nextCommit) {
                commit(w, tablets, row, d.name);
                row = 0;
                nextCommit += commitEvery;
            }
        }
        commit(w, tablets, row, d.name);
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Writes the rows complete so far, flushes chunk groups and forces the file. */
    private void commit(TsFileWriter w, Tablet[] tablets, int rows, String table) throws Exception {
        if (rows > 0) {
            for (Tablet tb : tablets) {
                tb.setRowSize(rows);
                w.writeTree(tb);
                tb.reset();
            }
        }
        w.flush();
        try (FileChannel ch = FileChannel.open(file(table).toPath(), StandardOpenOption.WRITE)) {
            ch.force(false);
        }
    }

    public void ingestReal(String table, List<RealSeries> series) throws Exception {
        TsFileWriter w = writer(table);
        for (int k = 0; k < series.size(); k++) {
            RealSeries r = series.get(k);
            String dev = "root.r.d" + k;
            IMeasurementSchema sc = schema("v");
            w.registerTimeseries(new org.apache.tsfile.read.common.Path(dev), sc);
            int rows = Math.min(4096, r.ts().length);
            Tablet t = new Tablet(dev, List.of(sc), rows);
            int row = 0;
            long last = Long.MIN_VALUE;
            for (int i = 0; i < r.ts().length; i++) {
                if (r.ts()[i] <= last) { // TsFile refuses a repeated timestamp within a series; the others keep both
                    duplicatesDropped++;
                    continue;
                }
                last = r.ts()[i];
                t.addTimestamp(row, r.ts()[i]);
                t.addValue(row, 0, r.values()[i]);
                if (++row == rows) {
                    t.setRowSize(row);
                    w.writeTree(t);
                    t.reset();
                    row = 0;
                }
            }
            if (row > 0) {
                t.setRowSize(row);
                w.writeTree(t);
                t.reset();
            }
        }
        w.flush();
    }

    public double bytesPerPoint(String table, long points) throws Exception {
        TsFileWriter w = writers.remove(table);
        if (w != null) w.close();
        return (double) Files.size(file(table).toPath()) / points;
    }

    public int buckets(String table, int series, long from, long to, int buckets) throws Exception {
        long width = Math.max(1, (to - from + buckets - 1) / buckets);
        long[] count = new long[buckets];
        double[] sum = new double[buckets];
        try (TsFileSequenceReader r = new TsFileSequenceReader(file(table).getPath())) {
            IDeviceID dev = IDeviceID.Factory.DEFAULT_FACTORY.create(device(series));
            for (ChunkMetadata cm : r.getChunkMetadataList(dev, measurement(series), true)) {
                Statistics<?> cs = cm.getStatistics();
                if (cs.getEndTime() < from || cs.getStartTime() >= to) continue;
                Chunk chunk = r.readMemChunk(cm);
                ChunkReader cr = new ChunkReader(chunk);
                for (IPageReader p : cr.loadPageReaderList()) {
                    Statistics<?> ps = p.getStatistics();
                    long b0 = (ps.getStartTime() - from) / width, b1 = (ps.getEndTime() - from) / width;
                    if (ps.getStartTime() >= from && ps.getEndTime() < to && b0 == b1) {
                        count[(int) b0] += ps.getCount();
                        sum[(int) b0] += ps.getSumDoubleValue();
                        continue;
                    }
                    BatchData data = p.getAllSatisfiedPageData();
                    while (data.hasCurrent()) {
                        long t = data.currentTime();
                        if (t >= from && t < to) {
                            int b = (int) ((t - from) / width);
                            count[b]++;
                            sum[b] += data.getDouble();
                        }
                        data.next();
                    }
                }
            }
        }
        int nonEmpty = 0;
        double sink = 0;
        for (int b = 0; b < buckets; b++) {
            if (count[b] > 0) {
                nonEmpty++;
                sink += sum[b] / count[b];
            }
        }
        if (Double.isNaN(sink)) throw new IllegalStateException("NaN average");
        return nonEmpty;
    }

    public long rawSeries(String table, int n, long from, long to) throws Exception {
        List<org.apache.tsfile.read.common.Path> paths = new ArrayList<>();
        for (int k = 0; k < n; k++) paths.add(new org.apache.tsfile.read.common.Path(device(k), measurement(k), false));
        long points = 0;
        try (TsFileReader r = new TsFileReader(new TsFileSequenceReader(file(table).getPath()))) {
            QueryDataSet ds = r.query(QueryExpression.create(paths, new GlobalTimeExpression(TimeFilterApi.between(from, to - 1))));
            while (ds.hasNext()) {
                for (var f : ds.next().getFields()) if (f != null) points++;
            }
        }
        return points;
    }

    public int latestAll(String table, int series) throws Exception {
        int n = 0;
        double sink = 0;
        try (TsFileSequenceReader r = new TsFileSequenceReader(file(table).getPath())) {
            for (var e : r.getAllTimeseriesMetadata(false).entrySet()) {
                for (TimeseriesMetadata tm : e.getValue()) {
                    if (tm.getMeasurementId().isEmpty()) continue; // the time column of aligned devices
                    sink += ((Number) tm.getStatistics().getLastValue()).doubleValue();
                    n++;
                }
            }
        }
        if (Double.isNaN(sink)) throw new IllegalStateException("NaN");
        return n;
    }

    public void close() throws Exception {
        for (TsFileWriter w : writers.values()) w.close();
        writers.clear();
    }
}
