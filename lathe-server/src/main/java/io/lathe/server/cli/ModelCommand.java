package io.lathe.server.cli;

import io.lathe.ingest.PointSink;
import io.lathe.model.PlantModel;
import io.lathe.model.Quality;
import io.lathe.model.Signal;
import io.lathe.model.Value;
import io.lathe.predict.live.HealthMonitor;
import io.lathe.predict.model.ModelFile;
import io.lathe.predict.model.ModelRepository;
import io.lathe.server.config.ConfigException;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.LatheConfig;
import io.lathe.server.config.PlantBuilder;
import io.lathe.store.CsvImport;
import io.lathe.store.StoreSettings;
import io.lathe.store.TelemetryStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lathe model fit|list|show}: the machine health models of a data folder ({@code <data-dir>/models}). {@code fit}
 * learns from a period of the store's history, like {@code POST /api/models/fit}; a running server reads the folder at
 * its start, so with a server running fit through the API instead.
 */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = "Machine health models (anomaly score, remaining useful life) of a data folder: fit from stored history, list, show.",
        subcommands = {ModelCommand.Fit.class, ModelCommand.ListModels.class, ModelCommand.Show.class})
public final class ModelCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the saved models: id, type, version, training window, features.")
    static final class ListModels implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "The server's data folder.")
        Path dataDir;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            ModelRepository repo = open(dataDir, spec);
            if (repo == null) return 2;
            for (String p : repo.problems()) spec.commandLine().getErr().println("lathe model: " + p);
            if (repo.all().isEmpty()) {
                out.println("No models in " + repo.folder() + ". A server learns them by itself (predict.anomaly.training of running per machine),"
                        + " or fit one: lathe model fit --data-dir DIR --config FILE --machine ID --from T --to T");
                return 0;
            }
            out.printf(Locale.ROOT, "%-70s %-8s %4s %-20s %-20s %8s  %s%n", "ID", "TYPE", "VER", "FROM", "TO", "RUN-H", "FEATURES");
            for (ModelFile m : repo.all()) {
                out.printf(Locale.ROOT, "%-70s %-8s %4d %-20s %-20s %8.2f  %s%n", m.id(), m.type(), m.version(),
                        clip(m.training().from()), clip(m.training().to()), m.training().runningHours(),
                        String.join(", ", m.features().stream().map(ModelFile.Feature::name).toList()));
            }
            out.flush();
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Print one model as saved (JSON): parameters and validation figures.")
    static final class Show implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "The server's data folder.")
        Path dataDir;

        @Parameters(index = "0", paramLabel = "ID", description = "Model id, for example <machine id>.anomaly (see lathe model list).")
        String id;

        @Override
        public Integer call() throws Exception {
            ModelRepository repo = open(dataDir, spec);
            if (repo == null) return 2;
            ModelFile m = repo.get(id);
            if (m == null) {
                spec.commandLine().getErr().println("lathe model show: no model [id=" + id + ", folder=" + repo.folder() + "]. List them with lathe model list.");
                return 1;
            }
            spec.commandLine().getOut().println(ModelRepository.toJson(m));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "fit", mixinStandardHelpOptions = true,
            description = "Fit a machine's model from a period of the store and save it in <data-dir>/models (stop the server first: it reads the folder at start; with it running use POST /api/models/fit).")
    static final class Fit implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "The server's data folder (store/ is read, models/ written).")
        Path dataDir;

        @Option(names = "--config", required = true, paramLabel = "FILE",
                description = "Configuration with the plant (and kpi: section for states and reasons); 'demo' for the built-in demo configuration.")
        String config;

        @Option(names = "--machine", required = true, paramLabel = "ID", description = "Machine: asset id or path like Site/Area/Line/Machine.")
        String machine;

        @Option(names = "--type", defaultValue = "anomaly", paramLabel = "TYPE",
                description = "anomaly (default): the period is normal running to learn from; rul: its wear-out failures are the run-to-failure cycles.")
        String type;

        @Option(names = "--from", required = true, paramLabel = "T", description = "Start: ISO-8601 or epoch milliseconds.")
        String from;

        @Option(names = "--to", required = true, paramLabel = "T", description = "End: ISO-8601 or epoch milliseconds.")
        String to;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            long fromMicros, toMicros;
            try {
                fromMicros = CsvImport.parseTimeMicros(from);
                toMicros = CsvImport.parseTimeMicros(to);
            } catch (RuntimeException e) {
                err.println("lathe model fit: " + e.getMessage());
                return 2;
            }
            LatheConfig cfg;
            try {
                if (config.equals("demo")) {
                    try (InputStream in = ModelCommand.class.getResourceAsStream(DemoCommand.DEMO_CONFIG)) {
                        cfg = ConfigLoader.load(new String(in.readAllBytes(), StandardCharsets.UTF_8), "demo.yaml (built in)", System.getenv());
                    }
                } else {
                    cfg = ConfigLoader.load(Path.of(config), System.getenv());
                }
            } catch (ConfigException e) {
                err.println("lathe model fit: " + e.getMessage());
                return 2;
            }
            Path storeDir = io.lathe.server.store.StoreFolder.find(dataDir).orElse(null);
            if (storeDir == null) {
                err.println(io.lathe.server.store.StoreFolder.noStore("lathe model fit", dataDir));
                return 2;
            }
            PlantModel plant = PlantBuilder.build(cfg.plant());
            String machineId = KpiCommand.resolveAsset(plant, machine);
            ModelRepository repo = open(dataDir, spec);
            if (repo == null) return 2;
            PointSink none = new PointSink() {
                @Override
                public void accept(Signal s, long t, Value v, Quality q, boolean h) {}

                @Override
                public void markStale(Signal s, long t) {}
            };
            HealthMonitor monitor = new HealthMonitor(plant, cfg.kpi(), repo, none,
                    io.lathe.server.LatheServer.healthSettings(cfg.settings()), new SimpleMeterRegistry());
            try (TelemetryStore store = TelemetryStore.openReadOnly(StoreSettings.defaults(storeDir))) {
                ModelFile m = monitor.fitFromHistory(machineId, type, fromMicros, toMicros, store);
                PrintWriter out = spec.commandLine().getOut();
                out.printf(Locale.ROOT, "Fitted %s (version %d) from %.2f running hours, %d samples; features %s; validation %s%nSaved in %s%n",
                        m.id(), m.version(), m.training().runningHours(), m.training().samples(),
                        m.features().stream().map(ModelFile.Feature::name).toList(), m.validation(), repo.folder());
                out.flush();
                return 0;
            } catch (IllegalArgumentException e) {
                err.println("lathe model fit: " + e.getMessage());
                return 1;
            }
        }
    }

    private static ModelRepository open(Path dataDir, CommandSpec spec) {
        if (!Files.isDirectory(dataDir)) {
            spec.commandLine().getErr().println("lathe model: no data folder [data-dir=" + dataDir.toAbsolutePath() + "]. Give the server's --data-dir.");
            return null;
        }
        try {
            return ModelRepository.open(dataDir);
        } catch (java.io.IOException e) {
            spec.commandLine().getErr().println("lathe model: cannot read the model folder [dir=" + dataDir.resolve(ModelRepository.FOLDER).toAbsolutePath()
                    + "]: " + e + ". Check its permissions.");
            return null;
        }
    }

    private static String clip(String iso) {
        return iso == null ? "-" : iso.length() > 19 ? iso.substring(0, 19) : iso;
    }
}
