package io.lathe.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// Issue 12: the benchmark command-line contracts (lathe detect, lathe rul) write one well-formed output row per input
// row or unit, and bad input stops them with the file and line named.
class BenchmarkCommandsTest {

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void detectSkabWritesEveryRowUnderTheSameRelativePath() throws IOException {
        Path in = dir.resolve("in/valve1/3.csv");
        Files.createDirectories(in.getParent());
        StringBuilder b = new StringBuilder("datetime;A;B;anomaly;changepoint\n");
        for (int i = 0; i < 600; i++) {
            double a = Math.sin(i * 0.7), shift = i >= 500 ? 30 : 0;
            b.append("2020-03-09 10:").append(i / 60 % 60).append(':').append(i % 60).append(';').append(a).append(';').append(2 * a + 0.1 * Math.cos(i * 1.3) + shift).append(";0;0\n");
        }
        Files.writeString(in, b);
        Result r = run("detect", "--format", "skab", in.toString(), "--out", dir.resolve("out").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("detect: 1/1");
        List<String> lines = Files.readAllLines(dir.resolve("out/3.csv"));
        assertThat(lines).hasSize(601);
        assertThat(lines.get(0)).isEqualTo("datetime,anomaly_score,anomaly");
        assertThat(lines.get(1)).matches("2020-03-09 10:0:0,[-0-9.e+]+,[01]");
        assertThat(lines.get(100)).endsWith(",0");
        assertThat(lines.get(590)).as("the shifted rows are flagged").endsWith(",1");
    }

    @Test
    void detectReportsBadLineWithFileAndLine() throws IOException {
        Path in = Files.writeString(dir.resolve("bad.csv"), "datetime;A;B\nt1;1;2\nt2;1;x\n");
        Result r = run("detect", "--format", "skab", in.toString(), "--out", dir.resolve("out").toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("lathe detect: bad line: column 3 (B) is not a number: 'x' [file=" + in + ", line=3]");
        Result nab = run("detect", "--format", "nab", dir.resolve("missing.csv").toString(), "--out", dir.toString());
        assertThat(nab.code()).isEqualTo(1);
        assertThat(nab.err()).contains("file not found").contains("missing.csv");
        assertThat(run("detect", "--format", "xyz", in.toString(), "--out", dir.toString()).code()).isEqualTo(2);
    }

    @Test
    void detectNabWritesEveryRowOnline() throws IOException {
        StringBuilder b = new StringBuilder("timestamp,value\n");
        for (int i = 0; i < 1500; i++) b.append(String.format("2014-07-%02d %02d:%02d:00,%s%n", 1 + i / 288, i / 12 % 24, i % 12 * 5, i > 1200 ? 500 : 10 + i % 7));
        Path in = Files.writeString(dir.resolve("series.csv"), b);
        Result r = run("detect", "--format", "nab", in.toString(), "--out", dir.resolve("out").toString());
        assertThat(r.code()).as(r.err()).isZero();
        List<String> lines = Files.readAllLines(dir.resolve("out/series.csv"));
        assertThat(lines).hasSize(1501);
        assertThat(lines.get(0)).isEqualTo("timestamp,anomaly_score,anomaly");
        assertThat(lines.subList(1202, 1210)).anyMatch(l -> l.endsWith(",1"));
    }

    @Test
    void rulWritesOneLinePerTestUnitAndNamesBadLines() throws IOException {
        StringBuilder train = new StringBuilder(), test = new StringBuilder();
        for (int u = 1; u <= 12; u++) {
            int life = 120 + 7 * u;
            for (int c = 1; c <= life; c++) train.append(row(u, c, life));
            if (u <= 3) for (int c = 1; c <= life - 30 * u; c++) test.append(row(u, c, life));
        }
        Path tr = Files.writeString(dir.resolve("train.txt"), train);
        Path te = Files.writeString(dir.resolve("test.txt"), test);
        Path out = dir.resolve("pred.csv");
        Result r = run("rul", "--format", "cmapss", "--train", tr.toString(), "--test", te.toString(), "--out", out.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("rul: fitted on 12 units");
        List<String> lines = Files.readAllLines(out);
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0)).isEqualTo("unit,rul");
        // Unit 3 is cut 90 cycles before its failure, unit 1 only 30: the predictions keep that order.
        double rul1 = Double.parseDouble(lines.get(1).split(",")[1]), rul3 = Double.parseDouble(lines.get(3).split(",")[1]);
        assertThat(rul3).isGreaterThan(rul1);
        Files.writeString(te, row(1, 1, 100) + "1 2 3\n");
        Result bad = run("rul", "--format", "cmapss", "--train", tr.toString(), "--test", te.toString(), "--out", out.toString());
        assertThat(bad.code()).isEqualTo(1);
        assertThat(bad.err()).contains("3 numbers where 26 are expected").contains("file=" + te).contains("line=2");
    }

    @Test
    void detectOnSharedSkabFilesWritesEveryRow() throws IOException {
        Optional<Path> data = Stream.of(System.getenv("LATHE_DATA"), "../shared/data", "../../shared/data", "/work/shared/data")
                .filter(s -> s != null).map(Path::of).filter(p -> Files.isDirectory(p.resolve("skab/valve1"))).findFirst();
        if (data.isEmpty()) System.out.println("detectOnSharedSkabFilesWritesEveryRow skipped: no shared data at ../shared/data or LATHE_DATA");
        Assumptions.assumeTrue(data.isPresent());
        List<String> args = new ArrayList<>(List.of("detect", "--format", "skab", "--out", dir.toString(), "--normal", data.get().resolve("skab/anomaly-free.csv").toString()));
        Path f0 = data.get().resolve("skab/valve1/0.csv"), f1 = data.get().resolve("skab/valve1/1.csv");
        args.add(f0.toString());
        args.add(f1.toString());
        Result r = run(args.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        for (Path in : List.of(f0, f1)) {
            List<String> src = Files.readAllLines(in), got = Files.readAllLines(dir.resolve(in.getFileName()));
            assertThat(got).hasSize(src.size());
            for (int i = 1; i < src.size(); i++) {
                assertThat(got.get(i)).startsWith(src.get(i).split(";")[0] + ",").matches(".*,[-0-9.e+]+,[01]");
            }
        }
    }

    /** A synthetic engine whose sensor 2 drifts up as failure nears (sensor k constant otherwise, 1-based). */
    private static String row(int unit, int cycle, int life) {
        StringBuilder b = new StringBuilder(unit + " " + cycle + " 0.0 0.0 100.0");
        double wear = Math.exp(-(life - cycle) / 30.0);
        for (int k = 1; k <= 21; k++) b.append(' ').append(k == 2 ? 640 + 5 * wear + 0.01 * ((cycle * 7919 + unit) % 13) : k == 3 ? 1590 + 0.1 * ((cycle * 31 + unit) % 7) : 10 * k);
        return b.append('\n').toString();
    }
}
