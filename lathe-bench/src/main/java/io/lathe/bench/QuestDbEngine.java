package io.lathe.bench;

import io.questdb.cairo.CairoEngine;
import io.questdb.cairo.CommitMode;
import io.questdb.cairo.DefaultCairoConfiguration;
import io.questdb.cairo.TableToken;
import io.questdb.cairo.TableWriter;
import io.questdb.cairo.security.AllowAllSecurityContext;
import io.questdb.cairo.sql.Record;
import io.questdb.cairo.sql.RecordCursor;
import io.questdb.cairo.sql.RecordCursorFactory;
import io.questdb.griffin.SqlExecutionContextImpl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.stream.Stream;

/**
 * QuestDB embedded (Cairo engine, TableWriter without WAL): series as SYMBOL, designated timestamp, day partitions.
 * Durable mode uses commit mode SYNC (fsync on commit); otherwise NOSYNC.
 */
final class QuestDbEngine implements Engine {
    private final Path dir;
    private final CairoEngine engine;
    private final SqlExecutionContextImpl ctx;
    private final Set<String> tables = new HashSet<>();

    QuestDbEngine(Path dir, boolean durable) throws Exception {
        this.dir = dir;
        Files.createDirectories(dir);
        int mode = durable ? CommitMode.SYNC : CommitMode.NOSYNC;
        engine = new CairoEngine(new DefaultCairoConfiguration(dir.toString()) {
            @Override
            public int getCommitMode() {
                return mode;
            }
        });
        ctx = new SqlExecutionContextImpl(engine, 1).with(AllowAllSecurityContext.INSTANCE);
    }

    public String name() { return "QuestDB"; }

    public Path dir() { return dir; }

    private void create(String table) throws Exception {
        if (tables.add(table)) {
            engine.execute("CREATE TABLE IF NOT EXISTS " + table + " (series SYMBOL CAPACITY 262144 CACHE, value DOUBLE, ts TIMESTAMP) TIMESTAMP(ts) PARTITION BY DAY BYPASS WAL", ctx);
        }
    }

    public double ingest(Dataset d, long commitEvery) throws Exception {
        create(d.name);
        String[] names = new String[d.series];
        for (int s = 0; s < d.series; s++) names[s] = "s" + s;
        long t0 = System.nanoTime();
        TableToken token = engine.getTableTokenIfExists(d.name);
        try (TableWriter w = engine.getWriter(token, "bench")) {
            double[] v = d.values;
            long n = d.size();
            long nextCommit = commitEvery;
            for (long i = 0; i < n; i++) {
                TableWriter.Row row = w.newRow(d.ts(i));
                row.putSym(0, names[(int) (i % d.series)]);
                row.putDouble(1, v[(int) i]);
                row.append();
                if (i + 1 == nextCommit) {
                    w.commit();
                    nextCommit += commitEvery;
                }
            }
            w.commit();
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    public void ingestReal(String table, List<RealSeries> series) throws Exception {
        create(table);
        // QuestDB's writer wants rows in time order per commit; commit each series separately (out-of-order merge).
        try (TableWriter w = engine.getWriter(engine.getTableTokenIfExists(table), "bench")) {
            for (RealSeries r : series) {
                for (int i = 0; i < r.ts().length; i++) {
                    TableWriter.Row row = w.newRow(r.ts()[i]);
                    row.putSym(0, r.name());
                    row.putDouble(1, r.values()[i]);
                    row.append();
                }
                w.commit();
            }
        }
    }

    public double bytesPerPoint(String table, long points) throws Exception {
        long bytes = 0;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                Path rel = dir.relativize(p);
                String top = rel.getNameCount() > 1 ? rel.getName(0).toString() : "";
                if (top.equals(table) || top.startsWith(table + "~")) bytes += Files.size(p);
            }
        }
        return (double) bytes / points;
    }

    private long count(String sql, int col) throws Exception {
        try (RecordCursorFactory f = engine.select(sql, ctx); RecordCursor c = f.getCursor(ctx)) {
            Record r = c.getRecord();
            long n = 0;
            while (c.hasNext()) {
                r.getDouble(col);
                n++;
            }
            return n;
        }
    }

    public int buckets(String table, int series, long from, long to, int buckets) throws Exception {
        long w = Math.max(1, (to - from + buckets - 1) / buckets);
        return (int) count("SELECT (cast(ts AS long) - " + from + ") / " + w + " b, avg(value) FROM " + table
                + " WHERE series = 's" + series + "' AND ts >= cast(" + from + " AS timestamp) AND ts < cast(" + to + " AS timestamp) GROUP BY b ORDER BY b", 1);
    }

    public long rawSeries(String table, int n, long from, long to) throws Exception {
        StringJoiner in = new StringJoiner(",", "(", ")");
        for (int k = 0; k < n; k++) in.add("'s" + k + "'");
        return count("SELECT series, value, ts FROM " + table + " WHERE series IN " + in + " AND ts >= cast(" + from + " AS timestamp) AND ts < cast(" + to + " AS timestamp)", 1);
    }

    public int latestAll(String table, int series) throws Exception {
        return (int) count("SELECT series, value, ts FROM " + table + " LATEST ON ts PARTITION BY series", 1);
    }

    public void close() {
        engine.close();
    }
}
