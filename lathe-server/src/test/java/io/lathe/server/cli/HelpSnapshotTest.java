package io.lathe.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The text of {@code lathe --help} and {@code lathe bench --help} as users see it, against snapshots in
 * src/test/resources/io/lathe/server/cli/. A changed command line must be a deliberate change: update the snapshots
 * with {@code -Dlathe.update-snapshots=true} and review the difference in the commit.
 */
class HelpSnapshotTest {
    private static final Path SNAPSHOTS = Path.of("src/test/resources/io/lathe/server/cli");

    private static String help(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        assertThat(code).as(err.toString()).isZero();
        return out.toString().replace("\r\n", "\n");
    }

    private static void matchesSnapshot(String name, String actual) throws Exception {
        Path file = SNAPSHOTS.resolve(name);
        if (Boolean.getBoolean("lathe.update-snapshots")) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, actual, StandardCharsets.UTF_8);
        }
        assertThat(file).as("snapshot " + file + "; create it with -Dlathe.update-snapshots=true").exists();
        String expected = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(actual)
                .as("the output differs from the snapshot %s. If the change is intended, update the snapshot with "
                        + "`lmvn lathe-server test -Dtest=HelpSnapshotTest -Dlathe.update-snapshots=true` "
                        + "(or ./mvnw -pl lathe-server test -Dtest=HelpSnapshotTest -Dlathe.update-snapshots=true) and commit it", file)
                .isEqualTo(expected);
    }

    @Test
    void latheHelpListsEveryCommand() throws Exception {
        String help = help("--help");
        assertThat(help).contains("serve", "demo", "import", "query", "store", "kpi", "bench", "user", "config-reference");
        matchesSnapshot("lathe-help.txt", help);
    }

    @Test
    void benchHelpListsIngestAndTheBenchmarksOfTheSourceCheckout() throws Exception {
        String help = help("bench", "--help");
        assertThat(help).contains("ingest", "store-memory", "--update-docs");
        matchesSnapshot("lathe-bench-help.txt", help);
    }
}
