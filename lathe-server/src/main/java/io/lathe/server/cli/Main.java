package io.lathe.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code lathe} command. Exit codes: 0 success, 1 failure at run time, 2 bad configuration, option or port. */
@Command(name = "lathe", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Lathe, the open industrial internet platform.",
        subcommands = {ServeCommand.class, DemoCommand.class, io.lathe.server.store.ImportCommand.class,
                io.lathe.server.store.QueryCommand.class, io.lathe.server.store.StoreCommand.class, KpiCommand.class,
                ConfigReferenceCommand.class, OpcUaCommand.class, UserCommand.class, MqttClientCommand.class, DetectCommand.class, RulCommand.class, ModelCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
            description = "Log at INFO level on stderr (commands other than serve and demo log warnings only).")
    boolean verbose;

    public static void main(String[] args) {
        quietLoggingForTools(args);
        System.exit(run(args));
    }

    /**
     * Commands other than the servers ({@code serve}, {@code demo}) print their results, not a log: their INFO lines
     * (and libraries' chatter) are off unless {@code --verbose}. Runs before any logger exists, since slf4j-simple reads
     * its settings once; an explicit {@code -Dorg.slf4j.simpleLogger.defaultLogLevel} wins.
     */
    static void quietLoggingForTools(String[] args) {
        String command = args.length == 0 ? "" : args[0];
        boolean server = command.equals("serve") || command.equals("demo");
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        if (!server && !verbose && System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
    }

    public static int run(String... args) {
        return run(new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true), args);
    }

    /** Runs a command with the given output streams (tests capture them). */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("lathe: " + ex.getMessage());
            return 1;
        });
        return cl.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
