package io.lathe.server.cli;

import io.lathe.server.config.ConfigReference;
import picocli.CommandLine.Command;

@Command(name = "config-reference", mixinStandardHelpOptions = true,
        description = "Print every configuration key with its type, default and environment variable (Markdown).")
final class ConfigReferenceCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().getOut().print(ConfigReference.markdown());
        spec.commandLine().getOut().flush();
    }
}
