package io.lathe.server.cli;

import io.lathe.opcua.OpcUaBrowser;
import io.lathe.opcua.OpcUaBrowser.BrowsedNode;
import io.lathe.opcua.SecurityPolicyName;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code lathe opcua}: tools for OPC UA servers. */
@Command(name = "opcua", mixinStandardHelpOptions = true, description = "Tools for OPC UA servers.",
        subcommands = OpcUaCommand.Browse.class)
final class OpcUaCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * {@code lathe opcua browse opc.tcp://host:port [--depth N] [--yaml FILE] [--security ...]}: prints the address
     * space below the Objects folder as a tree with NodeIds, data types and current values, and can write the
     * {@code connections:} entry for the variables found.
     */
    @Command(name = "browse", mixinStandardHelpOptions = true,
            description = "Print an OPC UA server's address space (NodeIds, data types, values) and optionally the YAML to read it.")
    static final class Browse implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "ENDPOINT", description = "The server's endpoint URL, opc.tcp://host:port[/path].")
        String endpoint;

        @Option(names = "--depth", paramLabel = "N", defaultValue = "3", description = "Levels below the Objects folder (default ${DEFAULT-VALUE}).")
        int depth;

        @Option(names = "--yaml", paramLabel = "FILE", description = "Write a connections: entry for the variables found to FILE ('-' for the output).")
        String yaml;

        @Option(names = "--include", paramLabel = "TEXT", description = "Only variables whose path contains TEXT in the YAML (repeatable).")
        List<String> include = new ArrayList<>();

        @Option(names = "--security", paramLabel = "POLICY", defaultValue = "none", description = "none or basic256sha256 (sign and encrypt; default none).")
        String security;

        @Option(names = "--username", paramLabel = "U", description = "User name; anonymous when absent.")
        String username;

        @Option(names = "--password", paramLabel = "P", description = "Password of --username.")
        String password;

        @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "./lathe-data",
                description = "Where Lathe's client certificate and trusted server certificates are (opcua/pki; default ${DEFAULT-VALUE}).")
        Path dataDir;

        @Override
        public Integer call() throws Exception {
            var err = spec.commandLine().getErr();
            var out = spec.commandLine().getOut();
            SecurityPolicyName policy = SecurityPolicyName.parse(security);
            List<String> problems = new ArrayList<>();
            if (policy == null) problems.add("--security must be none or basic256sha256, but was '" + security + "'");
            if (!endpoint.startsWith("opc.tcp://")) problems.add("ENDPOINT must start with opc.tcp://, but was '" + endpoint + "'");
            if ((username == null) != (password == null)) problems.add("--username and --password must be given together");
            if (depth < 1) problems.add("--depth must be at least 1, but was " + depth);
            if (!problems.isEmpty()) {
                err.println("lathe: " + String.join("; ", problems) + ".");
                return 2;
            }
            ByteArrayOutputStream tree = new ByteArrayOutputStream();
            List<BrowsedNode> nodes;
            try (PrintStream ps = new PrintStream(tree, true, StandardCharsets.UTF_8)) {
                nodes = OpcUaBrowser.browse(endpoint, policy, username, password, dataDir, depth, ps);
            } catch (IllegalStateException e) {
                err.println("lathe: " + e.getMessage());
                return 1;
            }
            out.print(tree.toString(StandardCharsets.UTF_8));
            out.flush();
            if (yaml != null) {
                String snippet = snippet(nodes, policy);
                if (yaml.equals("-")) {
                    out.print(snippet);
                    out.flush();
                } else {
                    try {
                        Files.writeString(Path.of(yaml), snippet, StandardCharsets.UTF_8);
                    } catch (IOException e) {
                        err.println("lathe: cannot write the YAML [file=" + yaml + "]: " + e.getMessage() + ". Choose another file.");
                        return 1;
                    }
                    err.println("Wrote the connection for " + nodes.stream().filter(n -> chosen(n)).count() + " variables to " + yaml
                            + "; set machine: and paste it under connections:.");
                }
            }
            return 0;
        }

        private boolean chosen(BrowsedNode n) {
            if (!n.variable()) return false;
            if (include.isEmpty()) return true;
            for (String s : include) if (n.path().contains(s)) return true;
            return false;
        }

        /** A complete {@code connections:} list entry: name from the host, machine to be filled in. */
        private String snippet(List<BrowsedNode> nodes, SecurityPolicyName policy) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (PrintStream ps = new PrintStream(b, true, StandardCharsets.UTF_8)) {
                OpcUaBrowser.writeYaml(nodes.stream().filter(this::chosen).toList(), ps);
            }
            String host = URI.create(endpoint.replaceFirst("^opc\\.tcp://", "tcp://")).getHost();
            StringBuilder s = new StringBuilder();
            s.append("# Written by lathe opcua browse ").append(endpoint).append(". Put under connections: and set machine.\n");
            s.append("- name: ").append(host == null ? "opcua" : host.replace('.', '-')).append('\n');
            s.append("  type: opcua\n");
            s.append("  endpoint: ").append(endpoint).append('\n');
            s.append("  security-policy: ").append(policy.name().toLowerCase(java.util.Locale.ROOT)).append('\n');
            if (username != null) s.append("  username: ").append(username).append("\n  password: \"****\"  # fill in\n");
            s.append("  machine: Site/Area/Line/Machine  # the machine's path or id in plant:\n");
            for (String line : b.toString(StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) s.append("  ").append(line.stripTrailing()).append('\n');
            }
            return s.toString();
        }
    }
}
