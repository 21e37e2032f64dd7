package io.kaji.bench.logs;

import io.kaji.support.logs.HeaderStripper;
import io.kaji.support.logs.LogMiner;
import io.kaji.support.logs.MinerConfig;
import io.kaji.support.logs.eval.LoghubCorpus;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Single-thread throughput of the log template miner on the Loghub-2k lines.
 *
 * <p>One pass feeds every dataset, in turn, to a fresh {@link LogMiner} with the default configuration
 * (as the accuracy evaluation does, so the figure includes learning the templates). The benchmark warms
 * up for a while, then times several runs of as many passes as fit in the run time, and reports lines
 * per second for each run and their median. With {@code --raw}, the raw log lines (with headers) are
 * used and each goes through {@link HeaderStripper} first. Runs on the calling thread only.
 *
 * <pre>java -cp ... io.kaji.bench.logs.LogMiningBenchmark [--raw] [--warmup-seconds N] [--runs N] [--run-seconds N] [DIR]</pre>
 */
public final class LogMiningBenchmark {

    /**
     * The outcome of a benchmark.
     *
     * @param linesPerPass lines fed per pass
     * @param runLinesPerSecond the throughput of each timed run
     * @param raw whether raw lines with header stripping were measured
     */
    public record Result(int linesPerPass, double[] runLinesPerSecond, boolean raw) {
        /** The median run throughput. */
        public double median() {
            double[] s = runLinesPerSecond.clone();
            Arrays.sort(s);
            return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        }
    }

    private LogMiningBenchmark() {
    }

    /** Loads the lines of every dataset: message contents, or raw lines when {@code raw}. */
    public static List<List<String>> load(Path dir, boolean raw) throws IOException {
        List<List<String>> datasets = new ArrayList<>();
        for (String name : LoghubCorpus.datasets(dir)) {
            if (raw) {
                datasets.add(Files.readAllLines(dir.resolve(name).resolve(name + "_2k.log"), StandardCharsets.UTF_8));
            } else {
                datasets.add(LoghubCorpus.load(dir, name).contents());
            }
        }
        return datasets;
    }

    /** Runs the benchmark on the calling thread, printing progress to {@code log}. */
    public static Result run(List<List<String>> datasets, boolean raw, double warmupSeconds, int runs,
            double runSeconds, PrintStream log) {
        int linesPerPass = datasets.stream().mapToInt(List::size).sum();
        long sink = 0;
        long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        while (System.nanoTime() < warmupEnd) {
            sink += pass(datasets, raw);
        }
        double[] rates = new double[runs];
        for (int r = 0; r < runs; r++) {
            long start = System.nanoTime();
            long end = start + (long) (runSeconds * 1e9);
            long lines = 0;
            long now;
            do {
                sink += pass(datasets, raw);
                lines += linesPerPass;
                now = System.nanoTime();
            } while (now < end);
            rates[r] = lines / ((now - start) / 1e9);
            log.printf(Locale.ROOT, "run %d: %,.0f lines/s%n", r + 1, rates[r]);
        }
        if (sink == 42) {
            log.println(); // keeps the work observable to the JIT
        }
        return new Result(linesPerPass, rates, raw);
    }

    private static long pass(List<List<String>> datasets, boolean raw) {
        HeaderStripper stripper = raw ? new HeaderStripper() : null;
        long sink = 0;
        for (List<String> lines : datasets) {
            LogMiner miner = new LogMiner(MinerConfig.defaults());
            for (String line : lines) {
                sink += miner.add(raw ? stripper.message(line) : line).clusterId();
            }
        }
        return sink;
    }

    public static void main(String[] args) throws IOException {
        boolean raw = false;
        double warmup = 10;
        int runs = 5;
        double runSeconds = 5;
        Path dir = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--raw" -> raw = true;
                case "--warmup-seconds" -> warmup = Double.parseDouble(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--run-seconds" -> runSeconds = Double.parseDouble(args[++i]);
                default -> dir = Path.of(args[i]);
            }
        }
        if (dir == null) {
            dir = LoghubCorpus.locate().orElse(null);
        }
        if (dir == null) {
            System.err.println("Loghub-2k data not found at " + LoghubCorpus.whereLooked() + "; pass its folder");
            System.exit(1);
        }
        List<List<String>> datasets = load(dir, raw);
        System.out.printf(Locale.ROOT, "log mining throughput, 1 thread, %d datasets, %d lines per pass, %s, JDK %s%n",
                datasets.size(), datasets.stream().mapToInt(List::size).sum(),
                raw ? "raw lines with header stripping" : "message contents",
                System.getProperty("java.runtime.version"));
        Result result = run(datasets, raw, warmup, runs, runSeconds, System.out);
        System.out.printf(Locale.ROOT, "median: %,.0f lines/s%n", result.median());
    }
}
