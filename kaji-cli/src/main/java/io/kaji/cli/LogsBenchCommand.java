package io.kaji.cli;

import io.kaji.bench.logs.LogMiningBenchmark;
import io.kaji.support.logs.eval.LoghubCorpus;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaji bench logs}: single-thread log template mining throughput on the Loghub-2k lines. */
@Command(name = "logs",
        mixinStandardHelpOptions = true,
        description = {
                "Measure log template mining on one thread over the Loghub-2k lines (message contents, or raw",
                "lines with header stripping): warm-up, then several timed runs; prints lines/s per run and the median."})
final class LogsBenchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Parameters(arity = "0..1", paramLabel = "DIR",
            description = "The loghub2k folder (default: ../shared/data/loghub2k beside the repository, or $KAJI_LOGHUB_DIR).")
    Path dir;

    @Option(names = "--raw", description = "Raw log lines, with Kaji's header stripping first.")
    boolean raw;

    @Option(names = "--warmup-seconds", defaultValue = "10", description = "Warm-up (default: ${DEFAULT-VALUE} s).")
    double warmup;

    @Option(names = "--runs", defaultValue = "5", description = "Timed runs (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--run-seconds", defaultValue = "5", description = "Length of each run (default: ${DEFAULT-VALUE} s).")
    double runSeconds;

    @Override
    public Integer call() throws Exception {
        Path data = dir != null ? dir : LoghubCorpus.locate().orElseThrow(() -> new CommandLine.ParameterException(
                spec.commandLine(), "Loghub-2k data not found at " + LoghubCorpus.whereLooked()
                + "; give its folder as an argument"));
        List<List<String>> datasets = LogMiningBenchmark.load(data, raw);
        PrintStream out = System.out;
        out.printf(Locale.ROOT, "log mining throughput, 1 thread, %d datasets, %d lines per pass, %s, JDK %s%n",
                datasets.size(), datasets.stream().mapToInt(List::size).sum(),
                raw ? "raw lines with header stripping" : "message contents", System.getProperty("java.runtime.version"));
        LogMiningBenchmark.Result r = LogMiningBenchmark.run(datasets, raw, warmup, runs, runSeconds, out);
        out.printf(Locale.ROOT, "median %,.0f lines/s%n", r.median());
        return 0;
    }
}
