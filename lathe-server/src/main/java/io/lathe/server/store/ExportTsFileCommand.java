package io.lathe.server.store;

import io.lathe.store.CsvImport;
import io.lathe.store.SeriesInfo;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import io.lathe.tsfile.TimePrecision;
import io.lathe.tsfile.TsFileExport;
import java.io.PrintWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lathe store export-tsfile --data-dir DIR --out DIR [--from T] [--to T] [--series PREFIX] [--precision ms|us]}:
 * the store as Apache TsFile files for IoTDB's {@code load}.
 */
@Command(name = "export-tsfile", mixinStandardHelpOptions = true,
        description = "Write the store as Apache TsFile files (one per 7 days, IoTDB's default time partition) that Apache IoTDB "
                + "loads with: load '<out>'. Series a.b.c become root.lathe.a.b measurement c; quality codes are not written.")
public final class ExportTsFileCommand implements Callable<Integer> {
    private static final String NAME = "lathe store export-tsfile";

    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "Store folder, or a server's data folder holding store/.")
    Path dataDir;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "New or empty folder for the .tsfile files.")
    Path out;

    @Option(names = "--from", paramLabel = "T", description = "Start, inclusive: ISO-8601 or epoch milliseconds (default: first point).")
    String from;

    @Option(names = "--to", paramLabel = "T", description = "End, exclusive: ISO-8601 or epoch milliseconds (default: after the last point).")
    String to;

    @Option(names = "--series", paramLabel = "PREFIX", description = "Only series whose name starts with PREFIX.")
    String series;

    @Option(names = "--precision", paramLabel = "P", defaultValue = "ms",
            description = "Timestamp unit written: ms (IoTDB's default timestamp_precision; points within one ms keep the last) or us.")
    String precision;

    @Override
    public Integer call() throws Exception {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TsFileExport.Options options;
        try {
            long fromMicros = from == null ? Long.MIN_VALUE : CsvImport.parseTimeMicros(from);
            long toMicros = to == null ? Long.MAX_VALUE : CsvImport.parseTimeMicros(to);
            options = TsFileExport.Options.defaults().withRange(fromMicros, toMicros).withPrecision(TimePrecision.parse(precision));
            if (series != null) options = options.withSeriesPrefix(series);
        } catch (IllegalArgumentException e) {
            err.println(NAME + ": " + e.getMessage());
            return 2;
        }
        Path storeDir = StoreFolder.find(dataDir).orElse(null);
        if (storeDir == null) {
            err.println(StoreFolder.noStore(NAME, dataDir));
            return 2;
        }
        String outProblem = outProblem(out);
        if (outProblem != null) {
            err.println(NAME + ": " + outProblem);
            return 2;
        }
        TsFileExport.Result r;
        try (TelemetryStore store = TelemetryStore.openReadOnly(StoreSettings.defaults(storeDir))) {
            long matching = store.series().stream().map(SeriesInfo::name).filter(options.series()).count();
            if (matching == 0) {
                err.println(NAME + ": no series to export [data-dir=" + dataDir + (series == null ? "" : ", series=" + series + "*")
                        + "]. List series with lathe store stats.");
                return 1;
            }
            long total = series == null ? store.stats().points() : 0;
            try (io.lathe.server.cli.Progress progress = io.lathe.server.cli.Progress.start("export", total, "points", err, System.console() != null)) {
                r = TsFileExport.export(store, out, options, new TsFileExport.Listener() {
                    @Override
                    public void progress(TsFileExport.Progress p) {
                        progress.set(p.points());
                    }
                });
                progress.set(r.points());
            }
        }
        stdout.printf(Locale.ROOT, "exported %,d points of %,d series into %,d file(s) in %s in %.2f s (%,.0f points/s)%n",
                r.points(), r.series(), r.files().size(), out, r.seconds(), r.pointsPerSecond());
        stdout.printf(Locale.ROOT, "dropped %,d points as duplicates (same timestamp at %s precision; the last one kept)%n",
                r.duplicatesDropped(), options.precision().label());
        stdout.printf(Locale.ROOT, "bytes %,d (%.2f bytes/point)%n", r.bytes(), r.points() == 0 ? 0.0 : (double) r.bytes() / r.points());
        if (!r.pathConflicts().isEmpty()) {
            stdout.printf(Locale.ROOT, "warning: %,d path(s) are also the prefix of another path; IoTDB cannot load both:%n", r.pathConflicts().size());
            r.pathConflicts().stream().limit(10).forEach(c -> stdout.println("  " + c));
            if (r.pathConflicts().size() > 10) stdout.printf(Locale.ROOT, "  ... and %,d more%n", r.pathConflicts().size() - 10);
        }
        if (!r.files().isEmpty()) {
            stdout.printf(Locale.ROOT, "load into IoTDB (timestamp_precision=%s): load '%s'%n", options.precision().label(), out.toAbsolutePath());
        }
        stdout.flush();
        return 0;
    }

    /** Null when {@code dir} can take the export; the message otherwise. */
    static String outProblem(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) return null;
        if (!Files.isDirectory(dir)) return "--out is a file [out=" + dir + "]. Give a new or empty folder.";
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            if (ds.iterator().hasNext()) {
                return "--out is not empty [out=" + dir + "]. Give a new or empty folder, so that IoTDB's load of it sees this export only.";
            }
        }
        return null;
    }

    /** The UTC date of a timestamp, e.g. 2015-03-05. */
    static String day(long micros) {
        return Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000L)).toString().substring(0, 10);
    }
}
