package io.lathe.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code lathe bench}: the benchmark that needs the whole server ({@code ingest}) runs from this jar. The store
 * benchmarks carry DuckDB and QuestDB as peers, which never enter the jar: {@code ./lathe bench store ...} in a source
 * checkout runs them from lathe-bench. No benchmark writes a tracked file unless given {@code --update-docs}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks. Never part of the test run; results go to docs/PERFORMANCE.md only with --update-docs.",
        footer = {"", "From a source checkout, ./lathe bench also runs store (Lathe vs DuckDB and QuestDB), store-memory, store-cpu, "
                + "ingest-queue, year-of-data and paint (lathe-bench, which carries the peers)."},
        subcommands = {io.lathe.server.bench.IngestBench.class, io.lathe.server.bench.LoadProcess.class})
public final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
