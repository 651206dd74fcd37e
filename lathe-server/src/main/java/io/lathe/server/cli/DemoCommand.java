package io.lathe.server.cli;

import io.lathe.server.config.ConfigException;
import io.lathe.server.config.ConfigLoader;
import io.lathe.server.config.LatheConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run Lathe with the built-in virtual factory: 2 lines of 4 machines publishing Sparkplug B through the embedded broker, a CNC mill on OPC UA and an energy meter on Modbus TCP.")
final class DemoCommand implements Callable<Integer> {

    static final String DEMO_CONFIG = "/io/lathe/server/demo.yaml";

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    ServerOptions options = new ServerOptions();

    @Option(names = "--speed", paramLabel = "FACTOR", description = "Simulated seconds per real second (default 1).")
    Double speed;

    @Option(names = "--seed", paramLabel = "N", description = "Random seed of the virtual factory (default 42).")
    Long seed;

    @Override
    public Integer call() throws IOException {
        LatheConfig cfg;
        try (InputStream in = DemoCommand.class.getResourceAsStream(DEMO_CONFIG)) {
            if (in == null) throw new IOException("the demo configuration " + DEMO_CONFIG + " is missing from the jar; rebuild with ./lathe --rebuild");
            cfg = ConfigLoader.load(new String(in.readAllBytes(), StandardCharsets.UTF_8), "demo.yaml (built in)", System.getenv());
        } catch (ConfigException e) {
            spec.commandLine().getErr().println("lathe: " + e.getMessage());
            return 2;
        }
        var s = options.apply(cfg.settings());
        if (speed != null) s = s.with(io.lathe.server.config.Keys.SIM_SPEED, speed, "option --speed");
        if (seed != null) s = s.with(io.lathe.server.config.Keys.SIM_SEED, seed, "option --seed");
        return Runner.runUntilStopped(cfg.withSettings(s), true, spec.commandLine().getOut(), spec.commandLine().getErr());
    }
}
