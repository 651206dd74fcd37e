package io.lathe.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {

    @Test
    void plainModePrintsWholeLinesAtTheIntervalAndAFinalLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong();
        try (Progress p = new Progress("import", 1000, "points", new PrintStream(bytes, true, StandardCharsets.UTF_8), false, 5, now::get)) {
            p.add(100);
            now.set(6_000_000_000L);
            p.add(400);
            now.set(7_000_000_000L);
            p.add(500);
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).doesNotContain("\r").doesNotContain("[");
        assertThat(out.lines()).containsExactly(
                "import  50% 500 points of 1,000 points, 6.0 s, 83 points/s",
                "import 100% 1,000 points of 1,000 points, 7.0 s, 142 points/s");
    }

    @Test
    void terminalModeRedrawsOneLineWithABar() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong();
        Progress p = new Progress("export", 2L << 20, "B", new PrintStream(bytes, true, StandardCharsets.UTF_8), true, 5, now::get);
        now.set(200_000_000L);
        p.add(1L << 20);
        now.set(400_000_000L);
        p.add(1L << 20);
        p.close();
        p.close();
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).startsWith("\rexport [###############               ]  50% 1.0 MB of 2.0 MB");
        assertThat(out).contains("\rexport [##############################] 100% 2.0 MB of 2.0 MB, 0.4 s, 5.0 MB/s");
        assertThat(out).endsWith("\n");
        assertThat(out.chars().filter(c -> c == '\n').count()).as("one final newline only").isEqualTo(1);
    }

    @Test
    void unknownTotalShowsCountsOnly() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong now = new AtomicLong(1_000_000_000L);
        Progress p = new Progress("bench", 0, "metrics", new PrintStream(bytes, true, StandardCharsets.UTF_8), false, 5, () -> now.get());
        p.set(42);
        now.set(3_000_000_000L);
        p.close();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("bench 42 metrics, 2.0 s, 21 metrics/s\n");
    }
}
