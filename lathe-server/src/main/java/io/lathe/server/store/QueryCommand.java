package io.lathe.server.store;

import io.lathe.store.Aggregation;
import io.lathe.store.Bucket;
import io.lathe.store.CsvImport;
import io.lathe.store.SeriesData;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lathe query --data-dir DIR --series NAME [--from T] [--to T] [--buckets N] [--agg A]}: prints CSV. */
@Command(name = "query", mixinStandardHelpOptions = true,
        description = "Print a series as CSV timestamp,value (ISO-8601 UTC; bucket start time when --buckets is given).")
public final class QueryCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "The server's data folder (holding store/) or the store folder.")
    Path dataDir;

    @Option(names = "--series", required = true, paramLabel = "NAME", description = "Series name.")
    String series;

    @Option(names = "--from", paramLabel = "T", description = "Start, inclusive: ISO-8601 or epoch milliseconds (default: first point).")
    String from;

    @Option(names = "--to", paramLabel = "T", description = "End, exclusive: ISO-8601 or epoch milliseconds (default: after the last point).")
    String to;

    @Option(names = "--buckets", paramLabel = "N", description = "Aggregate into N equal time buckets.")
    Integer buckets;

    @Option(names = "--agg", paramLabel = "AGG", defaultValue = "avg", description = "avg, min, max, sum, count, first, last or twa (default avg).")
    String agg;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long fromMicros, toMicros;
        Aggregation aggregation;
        try {
            fromMicros = from == null ? Long.MIN_VALUE : CsvImport.parseTimeMicros(from);
            toMicros = to == null ? Long.MAX_VALUE : CsvImport.parseTimeMicros(to);
            aggregation = Aggregation.parse(agg);
            if (buckets != null && buckets <= 0) throw new IllegalArgumentException("--buckets must be positive, but was " + buckets);
        } catch (IllegalArgumentException e) {
            err.println("lathe query: " + e.getMessage());
            return 2;
        }
        Path storeDir = StoreFolder.find(dataDir).orElse(null);
        if (storeDir == null) {
            err.println(StoreFolder.noStore("lathe query", dataDir));
            return 2;
        }
        // read-only: a running server may own the folder; its log is replayed into memory, never touched
        try (TelemetryStore store = TelemetryStore.openReadOnly(StoreSettings.defaults(storeDir))) {
            if (store.typeOf(series).isEmpty()) {
                err.println("lathe query: unknown series [series=" + series + ", data-dir=" + dataDir + "]. List series with lathe store stats.");
                return 1;
            }
            out.println("timestamp,value");
            if (buckets != null) {
                List<Bucket> bs = store.aggregate(series, fromMicros, toMicros, buckets);
                for (Bucket b : bs) out.println(time(b.startMicros()) + "," + number(b.value(aggregation)));
            } else {
                SeriesData d = store.raw(series, fromMicros, toMicros);
                for (int i = 0; i < d.size(); i++) {
                    String v = d.text() != null ? csv(d.text()[i]) : switch (d.type()) {
                        case LONG -> Long.toString(d.bits()[i]);
                        case BOOLEAN -> d.bits()[i] != 0 ? "true" : "false";
                        default -> number(d.doubleAt(i));
                    };
                    out.println(time(d.timestampAt(i)) + "," + v);
                }
            }
            out.flush();
        }
        return 0;
    }

    static String time(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L).toString();
    }

    static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return Double.toString(v);
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
