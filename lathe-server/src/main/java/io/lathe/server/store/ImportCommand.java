package io.lathe.server.store;

import io.lathe.model.DataType;
import io.lathe.store.CsvImport;
import io.lathe.store.PointRejectedException;
import io.lathe.store.RejectReason;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code lathe import --data-dir DIR --format FORMAT FILE...}: loads text files into the store. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Import points from files into the store: formats long (series,timestamp,value), nab (timestamp,value), "
                + "skab (';'-separated, one series per column), cmapss (space-separated C-MAPSS, .gz allowed).")
public final class ImportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "Store folder (created when missing).")
    Path dataDir;

    @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "long, nab, skab or cmapss.")
    String format;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Files to import.")
    List<Path> files;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        CsvImport.Format f;
        try {
            f = CsvImport.Format.parse(format);
        } catch (IllegalArgumentException e) {
            err.println("lathe import: " + e.getMessage());
            return 2;
        }
        for (Path p : files) {
            if (!Files.isRegularFile(p)) {
                err.println("lathe import: file not found [file=" + p + "]. Check the path.");
                return 2;
            }
        }
        // An import is a batch load of history: accept points of any age.
        StoreSettings settings = StoreSettings.defaults(dataDir).withLateWindow(Duration.ofDays(365L * 1000)).withMemoryBudgetBytes(128L << 20);
        CsvImport.Result result = new CsvImport.Result();
        long start = System.nanoTime();
        TelemetryStore opened;
        try {
            opened = TelemetryStore.open(settings);
        } catch (IOException e) {
            // typically the lock of a running server: name it and stop instead of writing beside it
            err.println("lathe import: " + e.getMessage());
            return 1;
        }
        try (TelemetryStore store = opened) {
            Map<String, Integer> ids = new HashMap<>();
            long[] nextReport = {System.nanoTime() + 1_000_000_000L};
            for (Path p : files) {
                long before = result.points;
                CsvImport.read(p, f, (series, ts, v) -> {
                    Integer id = ids.get(series);
                    if (id == null) {
                        id = store.seriesId(series, DataType.DOUBLE);
                        ids.put(series, id);
                    }
                    try {
                        if (!store.append(id, ts, v)) result.rejected++;
                    } catch (PointRejectedException e) {
                        if (e.reason() == RejectReason.UNAVAILABLE) throw e; // the disk, not the line: stop
                        result.rejected++;
                    }
                    long now = System.nanoTime();
                    if (now > nextReport[0]) {
                        nextReport[0] = now + 1_000_000_000L;
                        err.printf(Locale.ROOT, "  %s: %,d points so far%n", p.getFileName(), result.points);
                        err.flush();
                    }
                }, result);
                err.printf(Locale.ROOT, "  %s: %,d points%n", p, result.points - before);
                err.flush();
            }
            store.sync();
        }
        double secs = (System.nanoTime() - start) / 1e9;
        out.printf(Locale.ROOT, "imported %,d points from %d file(s) into %s in %.2f s (%,.0f points/s)%n",
                result.points, files.size(), dataDir, secs, result.points / Math.max(secs, 1e-9));
        out.printf(Locale.ROOT, "rejected %,d points%n", result.rejected);
        for (CsvImport.Rejection r : result.firstRejections) out.printf(Locale.ROOT, "  %s:%d: %s%n", r.file(), r.line(), r.reason());
        if (result.rejected > result.firstRejections.size()) out.printf(Locale.ROOT, "  ... and %,d more%n", result.rejected - result.firstRejections.size());
        out.flush();
        return result.points == 0 && result.rejected > 0 ? 1 : 0;
    }
}
