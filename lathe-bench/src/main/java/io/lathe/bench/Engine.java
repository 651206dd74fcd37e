package io.lathe.bench;

import java.nio.file.Path;
import java.util.List;

/** One store under test. Each data set goes into its own table (or store folder) named by the data set. */
interface Engine extends AutoCloseable {
    String name();

    /** Loads the data set; commits (forces to disk) every {@code commitEvery} points and at the end. Returns seconds. */
    double ingest(Dataset d, long commitEvery) throws Exception;

    /** Loads real series: (series index, timestamps, values). */
    void ingestReal(String table, List<RealSeries> series) throws Exception;

    /** Bytes on disk per point of the table after everything is written out and compacted as the engine does. */
    double bytesPerPoint(String table, long points) throws Exception;

    /** One series over [from, to) in 1,000 buckets (average); returns the number of buckets seen. */
    int buckets(String table, int series, long from, long to, int buckets) throws Exception;

    /** Raw points of series [0, n) in [from, to); returns the number of points read. */
    long rawSeries(String table, int n, long from, long to) throws Exception;

    /** Latest value of every series; returns how many series. */
    int latestAll(String table, int series) throws Exception;

    Path dir();

    record RealSeries(String name, long[] ts, double[] values) {}
}
