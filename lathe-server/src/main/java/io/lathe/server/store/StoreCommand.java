package io.lathe.server.store;

import io.lathe.store.StoreSettings;
import io.lathe.store.StoreStats;
import io.lathe.store.TelemetryStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lathe store stats --data-dir DIR} and {@code lathe store export-tsfile ...}. */
@Command(name = "store", mixinStandardHelpOptions = true, description = "Inspect the telemetry store, or export it to Apache TsFile.",
        subcommands = {StoreCommand.Stats.class, ExportTsFileCommand.class})
public final class StoreCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return 2;
    }

    @Command(name = "stats", mixinStandardHelpOptions = true,
            description = "Print series, points, bytes on disk and bytes per point, per encoding.")
    public static final class Stats implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "The server's data folder (holding store/) or the store folder.")
        Path dataDir;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            Path storeDir = StoreFolder.find(dataDir).orElse(null);
            if (storeDir == null) {
                spec.commandLine().getErr().println(StoreFolder.noStore("lathe store stats", dataDir));
                return 2;
            }
            StoreStats s;
            // read-only: also while a server writes the folder; points still only in its log count as memory points
            try (TelemetryStore store = TelemetryStore.openReadOnly(StoreSettings.defaults(storeDir))) {
                s = store.stats();
            }
            out.printf(Locale.ROOT, "series          %,d%n", s.series());
            out.printf(Locale.ROOT, "points          %,d%n", s.points());
            out.printf(Locale.ROOT, "files           %,d%n", s.files());
            out.printf(Locale.ROOT, "bytes on disk   %,d (files) + %,d (write-ahead log)%n", s.fileBytes(), s.walBytes());
            out.printf(Locale.ROOT, "bytes/point     %.3f%n", s.bytesPerPoint());
            out.printf(Locale.ROOT, "%-32s %14s %14s %10s %12s%n", "encoding", "points", "block bytes", "blocks", "bytes/point");
            s.byEncoding().forEach((k, e) -> out.printf(Locale.ROOT, "%-32s %,14d %,14d %,10d %12.3f%n", k, e.points(), e.bytes(), e.blocks(), e.bytesPerPoint()));
            out.flush();
            return 0;
        }
    }
}
