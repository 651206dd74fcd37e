package io.lathe.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the benchmarks: {@code lathe-bench/run <jdk> store [--quick]}, {@code store-memory}, {@code store-cpu} or {@code ingest-queue}. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Lathe benchmarks (./lathe bench ingest, the end-to-end ingest benchmark, runs from the lathe jar).", subcommands = {StoreBench.class, StoreMemoryBench.class, StoreCpuBench.class, IngestQueueBench.class, YearOfDataCommand.class, PaintBench.class, ImportBench.class})
public final class BenchMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new BenchMain()).execute(args));
    }
}
