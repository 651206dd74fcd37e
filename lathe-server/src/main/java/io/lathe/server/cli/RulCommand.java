package io.lathe.server.cli;

import io.lathe.predict.bench.BenchFormatException;
import io.lathe.predict.bench.CmapssFile;
import io.lathe.predict.rul.RulModel;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code lathe rul --format cmapss --train FILE... --test FILE --out PRED.csv}: fits an RUL model on run-to-failure
 * files and writes {@code unit,rul} at the last cycle of every test unit (docs/MODELS.md). Exit codes: 0 done,
 * 1 a file could not be read or written, 2 bad options.
 */
@Command(name = "rul", mixinStandardHelpOptions = true,
        description = "Remaining useful life: fit on run-to-failure files, predict at the last cycle of every unit of the test file.")
public final class RulCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--format", required = true, paramLabel = "F", description = "cmapss (26 space-separated columns: unit, cycle, 3 settings, 21 sensors; .gz read too).")
    String format;

    @Option(names = "--train", required = true, arity = "1..*", paramLabel = "FILE", description = "Run-to-failure files (every unit ends in failure).")
    List<Path> train;

    @Option(names = "--test", required = true, paramLabel = "FILE", description = "Units to predict, each cut before failure.")
    Path test;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Output CSV: unit,rul.")
    Path out;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if (!format.equalsIgnoreCase("cmapss")) {
            err.println("lathe rul: --format must be cmapss, but was " + format);
            return 2;
        }
        try {
            List<CmapssFile.Unit> units = new ArrayList<>();
            for (Path p : train) {
                CmapssFile f = CmapssFile.read(p);
                units.addAll(f.units());
                err.printf(Locale.ROOT, "rul: read %s (%d units)%n", p, f.units().size());
            }
            CmapssFile testFile = CmapssFile.read(test);
            long t0 = System.nanoTime();
            RulModel model = RulModel.fit(units, RulModel.Settings.DEFAULT);
            err.printf(Locale.ROOT, "rul: fitted on %d units in %.1f s (%d operating conditions, sensors %s)%n", units.size(),
                    (System.nanoTime() - t0) / 1e9, model.features().conditions(), Arrays.toString(model.features().keptSensors()));
            if (out.toAbsolutePath().getParent() != null) Files.createDirectories(out.toAbsolutePath().getParent());
            try (BufferedWriter w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
                w.write("unit,rul\n");
                for (CmapssFile.Unit u : testFile.units()) {
                    w.write(u.id() + "," + String.format(Locale.ROOT, "%.2f", model.predictLast(u)) + "\n");
                }
            }
            err.printf(Locale.ROOT, "rul: wrote %d predictions to %s%n", testFile.units().size(), out);
            return 0;
        } catch (BenchFormatException e) {
            err.println("lathe rul: " + e.getMessage());
            return 1;
        } catch (NoSuchFileException e) {
            err.println("lathe rul: file not found [file=" + e.getFile() + "]. Check the path.");
            return 1;
        } catch (IOException | IllegalArgumentException e) {
            err.println("lathe rul: " + e.getMessage());
            return 1;
        }
    }
}
