package io.lathe.server.cli;

import io.lathe.broker.DevicePasswords;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lathe mqtt-client hash-password}: password hashes for the embedded broker's client list. */
@Command(name = "mqtt-client", mixinStandardHelpOptions = true,
        description = "Help with the embedded MQTT broker's client list (mqtt.embedded.clients-file).",
        subcommands = {MqttClientCommand.HashPassword.class})
final class MqttClientCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "hash-password", mixinStandardHelpOptions = true,
            description = {"Print an Argon2id hash of a password for the password-hash of an edge node or device in "
                    + "mqtt.embedded.clients-file. Asks twice on the terminal without echo, or reads one line of standard input with --stdin.",
                    "The password itself is never printed or stored."})
    static final class HashPassword implements Callable<Integer> {
        @Option(names = "--stdin", description = "Read the password from the first line of standard input (for scripts).")
        boolean stdin;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            char[] password;
            try {
                password = stdin ? readLine() : ask();
            } catch (IOException e) {
                err.println("lathe: cannot read the password: " + e.getMessage());
                return 2;
            }
            try {
                if (password.length == 0) {
                    err.println("lathe: the password is empty. Give the device's password (long and random, for example from a password manager).");
                    return 2;
                }
                out.println(DevicePasswords.hash(java.nio.CharBuffer.wrap(password)));
                return 0;
            } finally {
                Arrays.fill(password, ' ');
            }
        }

        private static char[] readLine() throws IOException {
            String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (line == null) throw new IOException("standard input is empty. Pipe the password in as one line");
            return line.toCharArray();
        }

        private static char[] ask() throws IOException {
            Console c = System.console();
            if (c == null) throw new IOException("no terminal to ask on. Use --stdin and pipe the password in as one line");
            char[] a = c.readPassword("Password of the MQTT client: ");
            char[] b = c.readPassword("Again: ");
            try {
                if (a == null || b == null) throw new IOException("input ended before the password was given twice");
                if (!Arrays.equals(a, b)) throw new IOException("the two passwords differ. Run the command again");
                return a.clone();
            } finally {
                if (a != null) Arrays.fill(a, ' ');
                if (b != null) Arrays.fill(b, ' ');
            }
        }
    }
}
