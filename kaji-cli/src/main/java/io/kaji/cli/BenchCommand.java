package io.kaji.cli;

import io.kaji.bench.store.StoreBenchmark;
import io.kaji.store.etcd.EtcdOptions;
import io.kaji.store.etcd.EtcdStore;
import io.kaji.store.etcd.LocalEtcdCluster;
import io.kaji.store.sqlite.SqliteStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaji bench ...}: the benchmarks whose figures docs/benchmarks.md records. */
@Command(name = "bench",
        description = "Run Kaji's benchmarks on this machine (figures for docs/benchmarks.md).",
        mixinStandardHelpOptions = true,
        subcommands = {BenchCommand.Store.class, BenchCommand.Jmh.class, SchedulerBenchCommand.class,
                ControllerBenchCommand.class, LogsBenchCommand.class, DnsBenchCommand.class,
                RecoveryBenchCommand.class, FootprintBenchCommand.class, ApiServerBenchCommand.class,
                PodStartupBenchCommand.class})
public final class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "store",
            mixinStandardHelpOptions = true,
            description = {
                    "Measure the state store: sequential create latency, concurrent durable writes/s,",
                    "a range of 10,000 keys, and watch fan-out, for the embedded SQLite store and for etcd.",
                    "Without --etcd-endpoints a one-member etcd is started on loopback (needs the etcd-server package)."})
    static final class Store implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--backend", split = ",", defaultValue = "sqlite,etcd", paramLabel = "NAME",
                description = "Which stores to measure: sqlite, etcd (default: ${DEFAULT-VALUE}).")
        List<String> backends;

        @Option(names = "--etcd-endpoints", split = ",", paramLabel = "URL",
                description = "Measure this etcd instead of starting one (its keys go under a fresh prefix).")
        List<String> etcdEndpoints;

        @Option(names = "--data-dir", paramLabel = "DIR",
                description = "Where the SQLite store is created (default: a temporary directory, removed afterwards).")
        Path dataDir;

        @Option(names = "--writers", defaultValue = "16", description = "Concurrent writers (default: ${DEFAULT-VALUE}).")
        int writers;

        @Option(names = "--watchers", defaultValue = "100", description = "Watchers for fan-out (default: ${DEFAULT-VALUE}).")
        int watchers;

        @Option(names = "--quick", description = "Smaller counts, for a smoke run.")
        boolean quick;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            for (String b : backends) {
                if (!b.equals("sqlite") && !b.equals("etcd")) {
                    throw new CommandLine.ParameterException(spec.commandLine(),
                            "--backend: unknown store \"" + b + "\"; use sqlite, etcd or both");
                }
            }
            StoreBenchmark.Settings d = StoreBenchmark.Settings.defaults();
            StoreBenchmark.Settings s = quick
                    ? new StoreBenchmark.Settings(200, writers, 2_000, 1_000, 3, Math.min(watchers, 10), 200, d.valueBytes())
                    : new StoreBenchmark.Settings(d.sequentialCreates(), writers, d.concurrentWrites(), d.rangeKeys(),
                    d.rangeRepeats(), watchers, d.watchedWrites(), d.valueBytes());
            StoreBenchmark bench = new StoreBenchmark(s, System.err);
            List<String> reports = new ArrayList<>();
            out.printf("Machine: %d cores, %s, JDK %s%n", Runtime.getRuntime().availableProcessors(),
                    System.getProperty("os.name") + " " + System.getProperty("os.version"),
                    System.getProperty("java.runtime.version"));
            if (backends.contains("sqlite")) {
                Path dir = dataDir != null ? dataDir : Files.createTempDirectory("kaji-bench-sqlite-");
                try {
                    reports.add(StoreBenchmark.format(bench.run("sqlite", () -> SqliteStore.open(dir)), s));
                } finally {
                    if (dataDir == null) {
                        deleteTree(dir);
                    }
                }
                out.println(reports.get(reports.size() - 1));
            }
            if (backends.contains("etcd")) {
                LocalEtcdCluster local = etcdEndpoints == null ? LocalEtcdCluster.start(1) : null;
                try {
                    List<String> urls = local != null ? local.clientUrls() : etcdEndpoints;
                    String name = "etcd (" + (local != null ? "local 1-member, " : "") + String.join(",", urls) + ")";
                    EtcdOptions options = EtcdOptions.of(urls).withNamespace("/kaji-bench-" + System.nanoTime());
                    reports.add(StoreBenchmark.format(bench.run(name, () -> EtcdStore.connect(options)), s));
                    out.println(reports.get(reports.size() - 1));
                } finally {
                    if (local != null) {
                        local.close();
                    }
                }
            }
            return 0;
        }

        private static void deleteTree(Path dir) throws java.io.IOException {
            try (Stream<Path> paths = Files.walk(dir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Command(name = "jmh",
            mixinStandardHelpOptions = true,
            description = {"Run the JMH micro-benchmarks (hot paths), e.g. 'kaji bench jmh SqliteRead'.",
                    "JMH forks a JVM per benchmark with the same class path."})
    static final class Jmh implements Callable<Integer> {

        @CommandLine.Parameters(arity = "0..*", paramLabel = "REGEX",
                description = "Benchmarks to run (regular expressions over their names; default: all).")
        List<String> includes = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            org.openjdk.jmh.runner.options.ChainedOptionsBuilder options =
                    new org.openjdk.jmh.runner.options.OptionsBuilder().shouldFailOnError(true);
            for (String include : includes.isEmpty() ? List.of("io\\.kaji\\.bench\\..*") : includes) {
                options.include(include);
            }
            new org.openjdk.jmh.runner.Runner(options.build()).run();
            return 0;
        }
    }
}
