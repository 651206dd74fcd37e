package io.lathe.server.cli;

import io.lathe.auth.AccessControl;
import io.lathe.auth.Actor;
import io.lathe.auth.AuthException;
import io.lathe.auth.AuthSettings;
import io.lathe.auth.RoleGrants;
import io.lathe.auth.UserAdmin;
import io.lathe.auth.UserInfo;
import io.lathe.server.config.Keys;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lathe user add|list|passwd|remove}: manages the users in {@code <data-dir>/auth/users.json}, also while the
 * server runs (it notices the change: a changed password or removed user ends that user's sessions at once). Changes
 * are audited as {@code cli:<os user>}.
 */
@Command(name = "user", mixinStandardHelpOptions = true,
        description = "Manage the people who may log in: add, list, passwd, remove. Works beside a running server.",
        subcommands = {UserCommand.Add.class, UserCommand.ListUsers.class, UserCommand.Passwd.class, UserCommand.Remove.class})
final class UserCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Options and helpers every subcommand shares. */
    abstract static class Base implements Callable<Integer> {
        @Option(names = "--data-dir", paramLabel = "DIR", description = "The server's data folder (default ./lathe-data, key server.data-dir).")
        Path dataDir = Path.of(Keys.DATA_DIR.defaultValue());

        @Spec
        CommandSpec spec;

        @Override
        public final Integer call() {
            PrintWriter err = spec.commandLine().getErr();
            if (!Files.isDirectory(dataDir)) {
                err.println("lathe: no data folder [data-dir=" + dataDir.toAbsolutePath() + "]: give the server's folder with --data-dir.");
                return 2;
            }
            try (AccessControl ac = AccessControl.open(dataDir, AuthSettings.defaults(), InstantSource.system())) {
                return run(ac, spec.commandLine().getOut());
            } catch (AuthException e) {
                err.println("lathe: " + e.getMessage());
                return e.error().httpStatus() >= 500 ? 1 : 2;
            } catch (IOException e) {
                err.println("lathe: cannot read the password: " + e.getMessage());
                return 1;
            }
        }

        abstract int run(AccessControl ac, PrintWriter out) throws IOException;
    }

    /** Where a new password comes from: the terminal (asked twice), one line of standard input, or generated. */
    static final class PasswordSource {
        @Option(names = "--password-stdin", description = "Read the password from the first line of standard input (for scripts).")
        boolean stdin;

        @Option(names = "--generate-password", description = "Generate a random password and print it once.")
        boolean generate;

        String read(PrintWriter out, String user) throws IOException {
            if (generate) {
                String p = UserAdmin.generatePassword();
                out.println("Password for " + user + " (shown once): " + p);
                return p;
            }
            if (stdin) {
                String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
                if (line == null) throw new IOException("standard input is empty");
                return line;
            }
            Console c = System.console();
            if (c == null) throw new IOException("no terminal to ask on: use --password-stdin or --generate-password");
            char[] a = c.readPassword("New password for %s (at least 12 characters): ", user);
            char[] b = c.readPassword("Again: ");
            try {
                if (a == null || b == null || !Arrays.equals(a, b)) throw new IOException("the two passwords differ");
                return new String(a);
            } finally {
                if (a != null) Arrays.fill(a, ' ');
                if (b != null) Arrays.fill(b, ' ');
            }
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Add a user.")
    static final class Add extends Base {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--roles", required = true, paramLabel = "GRANTS",
                description = "Roles per site: viewer, operator, engineer or admin, optionally @site; comma-separated, e.g. operator@north,viewer.")
        String roles;

        @Option(names = "--must-change", description = "The user must choose a new password at the first login (for passwords you hand over).")
        boolean mustChange;

        @picocli.CommandLine.Mixin
        PasswordSource password = new PasswordSource();

        @Override
        int run(AccessControl ac, PrintWriter out) throws IOException {
            var grants = RoleGrants.parse(roles);
            UserInfo u = ac.users().add(Actor.commandLine(), name, password.read(out, name), grants, mustChange || password.generate);
            out.println("Added " + u.name() + " (" + RoleGrants.format(u.roles()) + ")" + (u.mustChangePassword() ? "; must change the password at the first login" : "") + ".");
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List users and their roles.")
    static final class ListUsers extends Base {
        @Override
        int run(AccessControl ac, PrintWriter out) {
            out.printf("%-24s %-32s %-12s %s%n", "NAME", "ROLES", "MUST-CHANGE", "PASSWORD SET");
            for (UserInfo u : ac.users().list()) {
                out.printf("%-24s %-32s %-12s %s%n", u.name(), RoleGrants.format(u.roles()), u.mustChangePassword() ? "yes" : "no", u.passwordChanged());
            }
            return 0;
        }
    }

    @Command(name = "passwd", mixinStandardHelpOptions = true, description = "Set a user's password; ends the user's sessions.")
    static final class Passwd extends Base {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Option(names = "--must-change", description = "The user must choose a new password at the next login.")
        boolean mustChange;

        @picocli.CommandLine.Mixin
        PasswordSource password = new PasswordSource();

        @Override
        int run(AccessControl ac, PrintWriter out) throws IOException {
            if (ac.users().find(name).isEmpty()) {
                throw new AuthException(io.lathe.auth.AuthError.USER_NOT_FOUND, "No such user [user=" + name + "]: see lathe user list.");
            }
            ac.users().setPassword(Actor.commandLine(), name, password.read(out, name), mustChange || password.generate);
            out.println("Password of " + name + " set; their sessions ended.");
            return 0;
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a user; ends the user's sessions.")
    static final class Remove extends Base {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        int run(AccessControl ac, PrintWriter out) {
            ac.users().remove(Actor.commandLine(), name);
            out.println("Removed " + name + ".");
            return 0;
        }
    }
}
