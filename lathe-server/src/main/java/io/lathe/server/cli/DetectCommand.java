package io.lathe.server.cli;

import io.lathe.predict.anomaly.MahalanobisDetector;
import io.lathe.predict.anomaly.SeasonalUnivariateDetector;
import io.lathe.predict.bench.BenchFormatException;
import io.lathe.predict.bench.NabBench;
import io.lathe.predict.bench.NabFile;
import io.lathe.predict.bench.SkabBench;
import io.lathe.predict.bench.SkabFile;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code lathe detect --format skab|nab FILE... --out DIR [--normal FILE]}: anomaly scores of benchmark files, one
 * output row per input row (docs/MODELS.md). Exit codes: 0 done, 1 a file could not be read or written, 2 bad options.
 */
@Command(name = "detect", mixinStandardHelpOptions = true,
        description = "Score benchmark files for anomalies (SKAB: fitted on each file's first 400 rows; NAB: online). "
                + "Writes datetime|timestamp,anomaly_score,anomaly for every row.")
public final class DetectCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--format", required = true, paramLabel = "F", description = "skab or nab.")
    String format;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output folder: skab writes DIR/<relative path>.csv, nab DIR/<file name>.")
    Path out;

    @Option(names = "--normal", paramLabel = "FILE", description = "skab only: an anomaly-free run with the same signals (read and checked; used as far as --normal-weight says).")
    Path normal;

    @Option(names = "--normal-weight", paramLabel = "W", defaultValue = "0",
            description = "skab only: share of the --normal run in the signals' correlation structure, 0..1 (default 0: measured to lower held-out F1, see docs/MODELS.md).")
    double normalWeight;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Input files.")
    List<Path> files;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        String f = format.toLowerCase(Locale.ROOT);
        if (!f.equals("skab") && !f.equals("nab")) {
            err.println("lathe detect: --format must be skab or nab, but was " + format);
            return 2;
        }
        if (normal != null && !f.equals("skab")) {
            err.println("lathe detect: --normal applies to --format skab only");
            return 2;
        }
        if (!(normalWeight >= 0 && normalWeight <= 1)) {
            err.println("lathe detect: --normal-weight must be in [0, 1], but was " + normalWeight);
            return 2;
        }
        Path base = commonParent(files);
        try {
            double[][] normalRows = null;
            if (normal != null) {
                normalRows = SkabFile.read(normal).signals();
            }
            int i = 0;
            for (Path file : files) {
                i++;
                long t0 = System.nanoTime();
                String summary = f.equals("skab") ? skab(file, base, normalRows) : nab(file);
                err.printf(Locale.ROOT, "detect: %d/%d %s %s (%.0f ms)%n", i, files.size(), file, summary, (System.nanoTime() - t0) / 1e6);
            }
            return 0;
        } catch (BenchFormatException e) {
            err.println("lathe detect: " + e.getMessage());
            return 1;
        } catch (NoSuchFileException e) {
            err.println("lathe detect: file not found [file=" + e.getFile() + "]. Check the path.");
            return 1;
        } catch (IOException | IllegalArgumentException e) {
            err.println("lathe detect: " + e.getMessage());
            return 1;
        }
    }

    private String skab(Path file, Path base, double[][] normalRows) throws IOException {
        SkabFile data = SkabFile.read(file);
        if (normalRows != null && normalRows.length > 0 && normalRows[0].length != data.signalNames().size()) {
            throw new IllegalArgumentException("--normal file has " + normalRows[0].length + " signals but " + file + " has " + data.signalNames().size());
        }
        SkabBench.Output o = SkabBench.detect(data, normalRows, normalWeight, MahalanobisDetector.Settings.DEFAULT);
        Path target = out.resolve(relative(file, base));
        String name = target.getFileName().toString();
        if (!name.endsWith(".csv")) target = target.resolveSibling(name + ".csv");
        write(target, "datetime", data.datetimes(), o.scores(), o.anomaly());
        return rowsSummary(o.anomaly()) + " -> " + target;
    }

    private String nab(Path file) throws IOException {
        NabFile data = NabFile.read(file);
        NabBench.Output o = NabBench.detect(data.epochMillis(), data.values(), SeasonalUnivariateDetector.Settings.DEFAULT);
        Path target = out.resolve(file.getFileName().toString());
        write(target, "timestamp", data.timestamps(), o.scores(), o.anomaly());
        return rowsSummary(o.anomaly()) + " -> " + target;
    }

    private static String rowsSummary(int[] flags) {
        int n = 0;
        for (int v : flags) n += v;
        return flags.length + " rows, " + n + " flagged";
    }

    private static void write(Path target, String timeHeader, List<String> times, double[] scores, int[] flags) throws IOException {
        if (target.getParent() != null) Files.createDirectories(target.getParent());
        try (BufferedWriter w = Files.newBufferedWriter(target, StandardCharsets.UTF_8)) {
            w.write(timeHeader + ",anomaly_score,anomaly\n");
            for (int i = 0; i < scores.length; i++) {
                w.write(times.get(i));
                w.write(',');
                w.write(String.format(Locale.ROOT, "%.6g", scores[i]));
                w.write(',');
                w.write(flags[i] == 0 ? '0' : '1');
                w.write('\n');
            }
        }
    }

    /** A relative input path is kept as given; absolute ones are taken relative to the inputs' common folder. */
    static Path relative(Path file, Path base) {
        Path n = file.normalize();
        if (!n.isAbsolute() && !n.startsWith("..")) return n;
        return base.relativize(file.toAbsolutePath().normalize());
    }

    static Path commonParent(List<Path> files) {
        Path common = null;
        for (Path f : files) {
            Path p = f.toAbsolutePath().normalize().getParent();
            if (p == null) continue;
            if (common == null) common = p;
            while (!p.startsWith(common)) common = common.getParent();
        }
        return common == null ? Path.of("").toAbsolutePath() : common;
    }
}
