package io.lathe.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Issue 14: the bulk import names file, line and field of every bad line, in each format, and imports the rest. */
class ImportErrorsTest {
    @TempDir
    Path dir;

    private String[] run(String format, Path file) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        CommandLine cl = new CommandLine(new ImportCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute("--data-dir", dir.resolve("store").toString(), "--format", format, file.toString());
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void longFormatNamesLineAndField() throws Exception {
        Path csv = dir.resolve("bad.csv");
        Files.writeString(csv, "series,timestamp,value\r\nm1,2024-01-01T00:00:00Z,abc\r\nm1,yesterday,1\nm1;2024;1\n ,2024-01-01T00:00:00Z,1\n"
                + "m1,-99999999999999999,1\nm1,2024-01-01T00:00:01Z,2.5");
        String[] r = run("long", csv);
        assertThat(r[0]).isEqualTo("0");
        assertThat(r[1]).contains("imported 1 points").contains("rejected 5 points")
                .contains("bad.csv:2: value must be a number, but was 'abc'")
                .contains("bad.csv:3: timestamp must be ISO-8601 or epoch milliseconds, but was 'yesterday'")
                .contains("bad.csv:4: expected series,timestamp,value")
                .contains("bad.csv:5: series name must not be empty")
                .contains("bad.csv:6: timestamp out of range");
    }

    @Test
    void nabAndCmapssNameLineAndField() throws Exception {
        Path nab = dir.resolve("machine.csv");
        Files.writeString(nab, "timestamp,value\n2014-01-01 00:00:00,1.5\n2014-01-01 00:05:00,x\n");
        String[] r = run("nab", nab);
        assertThat(r[1]).contains("imported 1 points").contains("machine.csv:3: value must be a number, but was 'x'");

        StringBuilder line = new StringBuilder("1 1");
        for (int i = 0; i < 24; i++) line.append(' ').append(i == 2 ? "bad" : "0.5");
        Path cm = dir.resolve("train_X.txt");
        Files.writeString(cm, line.toString().replace("bad", "0.1") + "\n" + line + "\n");
        r = run("cmapss", cm);
        assertThat(r[1]).contains("imported 24 points").contains("rejected 1 points").contains("train_X.txt:2: column 5 (setting3): not a number 'bad'");
    }
}
