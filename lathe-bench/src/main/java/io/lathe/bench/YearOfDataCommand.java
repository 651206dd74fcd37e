package io.lathe.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Writes a long-format file ({@code series,timestamp,value}) per signal with one value per second for {@code --days}
 * days ending now, for {@code lathe import}: the history behind the dashboard's paint timing (docs/PERFORMANCE.md).
 * Values are a seeded random walk with a daily cycle and stops, 2 decimals, so they compress like real sensor data.
 */
@Command(name = "year-of-data", mixinStandardHelpOptions = true,
        description = "Write 1 Hz history files of a machine's signals for `lathe import --format long`.")
final class YearOfDataCommand implements Callable<Integer> {
    @Option(names = "--machine", required = true, description = "Machine asset id, e.g. lathe-demo-works.springfield.machining.line-a.cnc-lathe-1.")
    String machine;

    @Option(names = "--signals", split = ",", defaultValue = "spindle-speed,vibration-rms,temperature,power",
            description = "Signal names below the machine (default ${DEFAULT-VALUE}).")
    List<String> signals;

    @Option(names = "--days", defaultValue = "365", description = "Days of history ending now (default ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--out", required = true, description = "Folder for the files (one per signal).")
    Path out;

    @Option(names = "--seed", defaultValue = "7", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws IOException {
        Files.createDirectories(out);
        // Whole seconds ending a minute ago, so live data of a server started afterwards is newer than all of it.
        long end = Instant.now().minus(Duration.ofMinutes(1)).getEpochSecond();
        long start = end - days * 86_400L;
        List<Path> files = new ArrayList<>();
        long t0 = System.nanoTime();
        for (String s : signals) {
            Path f = out.resolve(s + ".csv");
            files.add(f);
            write(f, machine + "." + s, s, start, end);
            System.err.printf(Locale.ROOT, "  %s: %,d points%n", f, end - start);
        }
        System.out.printf(Locale.ROOT, "wrote %,d points in %d files in %.1f s%n", (end - start) * signals.size(), files.size(),
                (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    private void write(Path f, String series, String signal, long start, long end) throws IOException {
        SplittableRandom rnd = new SplittableRandom(seed ^ signal.hashCode());
        double level = switch (signal) {
            case "spindle-speed" -> 1200;
            case "temperature" -> 40;
            case "power" -> 12;
            default -> 2;
        };
        double base = level;
        double v = base;
        boolean running = true;
        StringBuilder line = new StringBuilder(128);
        try (BufferedWriter w = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(f), StandardCharsets.US_ASCII), 1 << 20)) {
            for (long t = start; t < end; t++) {
                // stops of a few minutes every few hours; values fall to rest while stopped
                if (running ? rnd.nextInt(7200) == 0 : rnd.nextInt(300) == 0) running = !running;
                double daily = 1 + 0.05 * Math.sin(2 * Math.PI * (t % 86_400) / 86_400.0);
                double target = running ? base * daily : (signal.equals("temperature") ? 22 : 0);
                v += (target - v) * 0.01 + rnd.nextGaussian() * base * 0.002;
                line.setLength(0);
                line.append(series).append(',').append(t * 1000).append(',').append(Math.round(v * 100) / 100.0).append('\n');
                w.append(line);
            }
        }
    }
}
