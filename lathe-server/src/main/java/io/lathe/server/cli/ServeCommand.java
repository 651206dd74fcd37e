package io.lathe.server.cli;

import io.lathe.server.config.ConfigException;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.LatheConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run Lathe with the plant, connections and settings of a YAML configuration file.")
final class ServeCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The plant configuration (YAML).")
    Path config;

    @Mixin
    ServerOptions options = new ServerOptions();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        LatheConfig cfg;
        try {
            cfg = ConfigLoader.load(config, System.getenv());
        } catch (ConfigException e) {
            spec.commandLine().getErr().println("lathe: " + e.getMessage());
            spec.commandLine().getErr().println("Fix the configuration and start again; `lathe config-reference` lists every key.");
            return 2;
        }
        cfg = cfg.withSettings(options.apply(cfg.settings()));
        return Runner.runUntilStopped(cfg, false, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
