package io.lathe.server.cli;

import io.lathe.api.internal.ApiError;
import io.lathe.api.internal.KpiRoutes;
import io.lathe.kpi.Grouping;
import io.lathe.kpi.KpiConfig;
import io.lathe.kpi.KpiEngine;
import io.lathe.model.Asset;
import io.lathe.model.PlantModel;
import io.lathe.server.LatheServer;
import io.lathe.server.config.ConfigException;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.Keys;
import io.lathe.server.config.LatheConfig;
import io.lathe.server.config.PlantBuilder;
import io.lathe.store.CsvImport;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lathe kpi --data-dir DIR --config FILE --asset ID --from T --to T [--by shift] [--format csv]}: the KPIs of
 * {@code GET /api/kpi} computed from a store without a server (for example on imported history).
 */
@Command(name = "kpi", mixinStandardHelpOptions = true,
        description = "Print the ISO 22400 KPIs of an asset over a period as JSON (the body of GET /api/kpi), computed from the store in --data-dir.")
public final class KpiCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR",
            description = "The server's data folder (its store/ subfolder is read) or a store folder itself.")
    Path dataDir;

    @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "Configuration with the plant and the kpi: section; 'demo' for the built-in demo configuration.")
    String config;

    @Option(names = "--asset", required = true, paramLabel = "ID", description = "Machine, line, area or site: asset id or path like Site/Area/Line/Machine.")
    String asset;

    @Option(names = "--from", required = true, paramLabel = "T", description = "Start, inclusive: ISO-8601 or epoch milliseconds.")
    String from;

    @Option(names = "--to", required = true, paramLabel = "T", description = "End, exclusive: ISO-8601 or epoch milliseconds.")
    String to;

    @Option(names = "--by", paramLabel = "P", description = "Periods: hour, shift, day or week (default: one total).")
    String by;

    @Option(names = "--format", paramLabel = "F", defaultValue = "json", description = "json (default) or csv.")
    String format;

    @Option(names = "--history", paramLabel = "DURATION", defaultValue = "1d",
            description = "How far before --from points are read, so counters have a baseline and the state is known (default 1d).")
    String history;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long fromMicros, toMicros, historyMicros;
        Grouping grouping;
        try {
            fromMicros = CsvImport.parseTimeMicros(from);
            toMicros = CsvImport.parseTimeMicros(to);
            historyMicros = io.lathe.server.config.ConfigKey.parseDuration(history).toNanos() / 1000;
            if (toMicros <= fromMicros) throw new IllegalArgumentException("--to must be after --from [from=" + from + ", to=" + to + "]");
            if (!format.equals("json") && !format.equals("csv")) throw new IllegalArgumentException("--format must be json or csv, but was " + format);
            grouping = KpiRoutes.grouping(by);
        } catch (ApiError e) {
            err.println("lathe kpi: --by must be hour, shift, day or week, but was " + by);
            return 2;
        } catch (RuntimeException e) {
            err.println("lathe kpi: " + e.getMessage());
            return 2;
        }
        LatheConfig cfg;
        try {
            if (config.equals("demo")) {
                try (InputStream in = KpiCommand.class.getResourceAsStream(DemoCommand.DEMO_CONFIG)) {
                    cfg = ConfigLoader.load(new String(in.readAllBytes(), StandardCharsets.UTF_8), "demo.yaml (built in)", System.getenv());
                }
            } else {
                cfg = ConfigLoader.load(Path.of(config), System.getenv());
            }
        } catch (ConfigException e) {
            err.println("lathe kpi: " + e.getMessage());
            return 2;
        }
        KpiConfig kpi = cfg.kpi();
        if (kpi == null) {
            err.println("lathe kpi: the configuration has no kpi: section [config=" + config + "]. Add one with sites and machines.");
            return 2;
        }
        Path storeDir = io.lathe.server.store.StoreFolder.find(dataDir).orElse(null);
        if (storeDir == null) {
            err.println(io.lathe.server.store.StoreFolder.noStore("lathe kpi", dataDir));
            return 2;
        }
        String assetId = resolveAsset(PlantBuilder.build(cfg.plant()), asset);
        try (TelemetryStore store = TelemetryStore.openReadOnly(StoreSettings.defaults(storeDir))) {
            // one-shot over any bounds: keep every raw point (no eviction window)
            KpiEngine engine = KpiEngine.recompute(kpi.withRawRetention(java.time.Duration.ZERO), cfg.settings().duration(Keys.STORE_LATE_WINDOW), store,
                    fromMicros - historyMicros, toMicros, Map.of());
            new KpiRoutes.ReasonLog(dataDir.resolve(LatheServer.KPI_REASONS_FILE)).replay(engine);
            try {
                engine.machinesOf(assetId);
            } catch (IllegalArgumentException e) {
                err.println("lathe kpi: " + e.getMessage());
                return 1;
            }
            out.print(format.equals("csv") ? KpiRoutes.csv(engine, assetId, fromMicros, toMicros, grouping)
                    : KpiRoutes.kpiJson(engine, assetId, fromMicros, toMicros, grouping) + "\n");
            out.flush();
        }
        return 0;
    }

    /** An asset id, or the id of the asset at a path of names ({@code Site/Area/Line}, the enterprise may lead); else as given. */
    static String resolveAsset(PlantModel model, String ref) {
        Asset root = model.snapshot();
        if (root.find(ref) != null) return ref;
        String[] parts = ref.split("/");
        int i = parts.length > 0 && parts[0].trim().equals(root.name()) ? 1 : 0;
        Asset at = root;
        for (; i < parts.length && at != null; i++) {
            Asset next = null;
            for (Asset c : at.children()) if (c.name().equals(parts[i].trim())) next = c;
            at = next;
        }
        return at == null || at == root ? ref : at.id();
    }
}
