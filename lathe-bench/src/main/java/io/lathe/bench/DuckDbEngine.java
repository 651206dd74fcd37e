package io.lathe.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.duckdb.DuckDBAppender;
import org.duckdb.DuckDBConnection;

/** DuckDB with its Appender; one database file per table so sizes can be compared. */
final class DuckDbEngine implements Engine {
    private final Path dir;
    private final Map<String, Connection> conns = new HashMap<>();

    DuckDbEngine(Path dir) {
        this.dir = dir;
    }

    public String name() { return "DuckDB"; }

    public Path dir() { return dir; }

    private Connection conn(String table) throws Exception {
        Connection c = conns.get(table);
        if (c == null) {
            Files.createDirectories(dir);
            c = DriverManager.getConnection("jdbc:duckdb:" + dir.resolve(table + ".duckdb"));
            try (Statement st = c.createStatement()) {
                st.execute("CREATE TABLE IF NOT EXISTS " + table + " (series INTEGER, ts BIGINT, value DOUBLE)");
            }
            conns.put(table, c);
        }
        return c;
    }

    public double ingest(Dataset d, long commitEvery) throws Exception {
        Connection c = conn(d.name);
        long t0 = System.nanoTime();
        DuckDBAppender a = ((DuckDBConnection) c).createAppender(DuckDBConnection.DEFAULT_SCHEMA, d.name);
        double[] v = d.values;
        long n = d.size();
        long nextCommit = commitEvery;
        for (long i = 0; i < n; i++) {
            a.beginRow();
            a.append((int) (i % d.series));
            a.append(d.ts(i));
            a.append(v[(int) i]);
            a.endRow();
            if (i + 1 == nextCommit) {
                a.flush();
                nextCommit += commitEvery;
            }
        }
        a.close();
        return (System.nanoTime() - t0) / 1e9;
    }

    public void ingestReal(String table, List<RealSeries> series) throws Exception {
        Connection c = conn(table);
        try (DuckDBAppender a = ((DuckDBConnection) c).createAppender(DuckDBConnection.DEFAULT_SCHEMA, table)) {
            for (int k = 0; k < series.size(); k++) {
                RealSeries r = series.get(k);
                for (int i = 0; i < r.ts().length; i++) {
                    a.beginRow();
                    a.append(k);
                    a.append(r.ts()[i]);
                    a.append(r.values()[i]);
                    a.endRow();
                }
            }
        }
    }

    public double bytesPerPoint(String table, long points) throws Exception {
        try (Statement st = conn(table).createStatement()) {
            st.execute("CHECKPOINT");
        }
        return (double) Files.size(dir.resolve(table + ".duckdb")) / points;
    }

    public int buckets(String table, int series, long from, long to, int buckets) throws Exception {
        long w = Math.max(1, (to - from + buckets - 1) / buckets);
        String sql = "SELECT (ts - ?) // ? AS b, avg(value) FROM " + table + " WHERE series = ? AND ts >= ? AND ts < ? GROUP BY b ORDER BY b";
        try (PreparedStatement ps = conn(table).prepareStatement(sql)) {
            ps.setLong(1, from);
            ps.setLong(2, w);
            ps.setInt(3, series);
            ps.setLong(4, from);
            ps.setLong(5, to);
            int n = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rs.getDouble(2);
                    n++;
                }
            }
            return n;
        }
    }

    public long rawSeries(String table, int n, long from, long to) throws Exception {
        try (PreparedStatement ps = conn(table).prepareStatement("SELECT series, ts, value FROM " + table + " WHERE series < ? AND ts >= ? AND ts < ? ORDER BY series, ts")) {
            ps.setInt(1, n);
            ps.setLong(2, from);
            ps.setLong(3, to);
            long k = 0;
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rs.getLong(2);
                    rs.getDouble(3);
                    k++;
                }
            }
            return k;
        }
    }

    public int latestAll(String table, int series) throws Exception {
        try (Statement st = conn(table).createStatement(); ResultSet rs = st.executeQuery("SELECT series, arg_max(value, ts), max(ts) FROM " + table + " GROUP BY series")) {
            int n = 0;
            while (rs.next()) {
                rs.getDouble(2);
                n++;
            }
            return n;
        }
    }

    public void close() throws Exception {
        for (Connection c : conns.values()) c.close();
    }
}
