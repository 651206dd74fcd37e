package io.lathe.server.store;

import io.lathe.server.cli.Progress;
import io.lathe.store.BulkLoad;
import io.lathe.store.CsvImport;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lathe import --data-dir DIR --format FORMAT FILE...}: loads text files into the store, each file as one
 * {@link BulkLoad} (parsed in parallel, written straight into segment files, committed atomically per file).
 */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Import points from files into the store: formats long (series,timestamp,value), nab (timestamp,value), "
                + "skab (';'-separated, one series per column), cmapss (space-separated C-MAPSS, .gz allowed).")
public final class ImportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "A server's data folder (its store/ is used) or a store folder (created when missing).")
    Path dataDir;

    @Option(names = "--format", required = true, paramLabel = "FORMAT", description = "long, nab, skab or cmapss.")
    String format;

    @Option(names = "--threads", paramLabel = "N", description = "Threads that parse and write (default: the number of processors).")
    int threads;

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
        // An import is a batch load of history: accept points of any age. Its points bypass the memory buffers (bulk load).
        StoreSettings settings = StoreSettings.defaults(StoreFolder.forWriting(dataDir)).withLateWindow(Duration.ofDays(365L * 1000)).withMemoryBudgetBytes(128L << 20);
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
        int cores = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        try (TelemetryStore store = opened) {
            for (Path p : files) {
                // Each file is one bulk load: written into segment files and made visible by one manifest write, so an
                // interrupted import leaves every file either complete or absent.
                CsvImport.Result one = new CsvImport.Result();
                // a bar on a terminal, plain lines every few seconds otherwise (stderr: stdout keeps the summary)
                try (Progress bar = Progress.start("  " + p.getFileName(), Files.size(p), "B", err, System.console() != null);
                     BulkLoad bulk = store.bulkLoad().threads(cores)) {
                    CsvImport.load(p, f, bulk, one, cores, (read, total, points) -> bar.set(read));
                    bar.set(Files.size(p));
                    bulk.commit();
                } catch (IOException | UncheckedIOException e) {
                    String why = e instanceof UncheckedIOException u ? String.valueOf(u.getCause().getMessage()) : String.valueOf(e.getMessage());
                    err.printf(Locale.ROOT, "lathe import: import of %s failed: %s. None of its points were imported%s.%n", p, why,
                            result.points > 0 ? "; the files before it were" : "");
                    err.flush();
                    return 1;
                }
                result.addAll(one);
                err.printf(Locale.ROOT, "  %s: %,d points%n", p, one.points);
                err.flush();
            }
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
