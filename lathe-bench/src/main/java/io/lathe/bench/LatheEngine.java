package io.lathe.bench;

import io.lathe.model.DataType;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

final class LatheEngine implements Engine {
    private final Path dir;
    private final Map<String, TelemetryStore> stores = new HashMap<>();

    LatheEngine(Path dir) {
        this.dir = dir;
    }

    public String name() { return "Lathe"; }

    public Path dir() { return dir; }

    private TelemetryStore store(String table) throws Exception {
        TelemetryStore s = stores.get(table);
        if (s == null) {
            s = TelemetryStore.open(StoreSettings.defaults(dir.resolve(table)).withMemoryBudgetBytes(256L << 20)
                    .withFlushInterval(Duration.ofMinutes(10)).withWalSyncInterval(Duration.ofMillis(5)).withLateWindow(Duration.ofDays(3650)));
            stores.put(table, s);
        }
        return s;
    }

    private static String series(int s) { return "s" + s; }

    public double ingest(Dataset d, long commitEvery) throws Exception {
        TelemetryStore s = store(d.name);
        int[] ids = new int[d.series];
        for (int k = 0; k < d.series; k++) ids[k] = s.seriesId(series(k), DataType.DOUBLE);
        double[] v = d.values;
        long n = d.size();
        long t0 = System.nanoTime();
        long nextCommit = commitEvery;
        for (long i = 0; i < n; i++) {
            s.append(ids[(int) (i % d.series)], d.ts(i), v[(int) i]);
            if (i + 1 == nextCommit) {
                s.sync();
                nextCommit += commitEvery;
            }
        }
        s.sync();
        return (System.nanoTime() - t0) / 1e9;
    }

    public void ingestReal(String table, List<RealSeries> series) throws Exception {
        TelemetryStore s = store(table);
        for (RealSeries r : series) {
            int id = s.seriesId(r.name(), DataType.DOUBLE);
            s.appendBatch(id, r.ts(), r.values(), 0, r.ts().length);
        }
        s.sync();
    }

    public double bytesPerPoint(String table, long points) throws Exception {
        TelemetryStore s = store(table);
        s.flush();
        s.compact(2);
        return (double) s.stats().fileBytes() / points;
    }

    public int buckets(String table, int series, long from, long to, int buckets) throws Exception {
        return store(table).aggregate(series(series), from, to, buckets).size();
    }

    public long rawSeries(String table, int n, long from, long to) throws Exception {
        TelemetryStore s = store(table);
        long total = 0;
        for (int k = 0; k < n; k++) total += s.raw(series(k), from, to).size();
        return total;
    }

    public int latestAll(String table, int series) throws Exception {
        TelemetryStore s = store(table);
        int[] ids = new int[series];
        for (int i = 0; i < series; i++) ids[i] = s.seriesId(series(i), DataType.DOUBLE);
        return s.latest(ids, new long[series], new long[series], new byte[series]);
    }

    public void close() throws Exception {
        for (TelemetryStore s : stores.values()) s.close();
    }
}
