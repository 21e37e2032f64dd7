package io.kaji.cli;

import io.kaji.bench.JitWarmup;
import io.kaji.bench.node.LatencySummary;
import io.kaji.bench.node.PodStartupBenchmark;
import io.kaji.cli.localcluster.CpuMeter;
import io.kaji.cli.localcluster.CriFloor;
import io.kaji.cli.localcluster.KajiProcess;
import io.kaji.cli.localcluster.LocalCluster;
import io.kaji.node.NodeLayout;
import io.kaji.node.cgroup.PodCgroups;
import io.kaji.node.containerd.ContainerdResidue;
import io.kaji.node.image.BusyboxImage;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kaji bench pod-startup}: issue 6's pod start-up latency on a throw-away cluster of real processes (one
 * {@code kaji server --disable-agent} and one {@code kaji agent} with its containerd), against the CRI floor
 * measured on the same machine in the same run, by a containerd of its own beside the cluster's: its pods one by
 * one before the warm-up, its pods at once just before each burst, each time with the cluster's processes paused
 * (docs/benchmarks.md).
 */
@Command(name = "pod-startup",
        mixinStandardHelpOptions = true,
        description = {
                "Measure pod start-up latency: API create -> Running and Ready seen by a watch",
                "(image present), for --pods pods created at once (burst, --bursts times) and one",
                "by one (serial) on one real kaji agent; and the CRI floor on this machine: pods",
                "run directly through the CRI of a containerd of its own beside the cluster's (the",
                "cluster paused meanwhile), one by one, and --floor-concurrency at a time just",
                "before each burst (--floor-runs times), so the median burst is compared with the",
                "median floor, and each burst with the floor run just before it (--floor-shape:",
                "bare pods, the agent's pods as it asks the runtime for them, or both).",
                "Warm-up bursts (--warmup) run first until the server's and the agent's JIT",
                "compilers settle.",
                "Needs root and containerd; pods use 100.64.120.0/22 (the floor 100.64.123.0/24),",
                "services 100.64.124.0/24, bridges kajips1 and kajipsf; all removed afterwards."})
final class PodStartupBenchCommand implements Callable<Integer> {

    private static final String NS = "default";
    private static final String NODE = "bench-ps-a";
    private static final String CLUSTER_CIDR = "100.64.120.0/22";
    /** Inside the cluster CIDR but not the node's podCIDR (the first /24): LocalCluster's cleanup covers it too. */
    private static final String FLOOR_CIDR = "100.64.123.0/24";
    private static final String SERVICE_CIDR = "100.64.124.0/24";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--pods", defaultValue = "100", description = "Pods per mode (default: ${DEFAULT-VALUE}).")
    int pods;

    @Option(names = "--mode", defaultValue = "both", paramLabel = "MODE",
            description = "burst, serial or both (default: ${DEFAULT-VALUE}).")
    String mode;

    @Option(names = "--floor-concurrency", defaultValue = "8", paramLabel = "N",
            description = "Pods the parallel CRI floor starts at a time (default: ${DEFAULT-VALUE}).")
    int floorConcurrency;

    @Option(names = "--bursts", defaultValue = "3", paramLabel = "N",
            description = "Measured bursts of --pods pods at once, each after the previous one's pods are gone; their"
                    + " median throughput is compared with the floor's (default: ${DEFAULT-VALUE}).")
    int bursts;

    @Option(names = "--floor-runs", defaultValue = "3", paramLabel = "N",
            description = "Runs of --pods pods at once per floor shape, the shapes taking turns, one round just before"
                    + " each burst (rounds beyond --bursts have floor runs only); their median is the floor"
                    + " (default: ${DEFAULT-VALUE}).")
    int floorRuns;

    @Option(names = "--floor-shape", defaultValue = "both", paramLabel = "SHAPE",
            description = "The CRI floor's pods: bare (one container, no volumes, no pod cgroup), agent (the"
                    + " benchmark's pods as the API server stores them, translated into CRI requests by the agent's own"
                    + " code: pod cgroup, service-account volume, /etc/hosts, termination log, security settings,"
                    + " service variables, as a kubelet asks for them), or both (default: ${DEFAULT-VALUE}).")
    String floorShape;

    @Option(names = "--settle", defaultValue = "20", paramLabel = "SECONDS",
            description = "Seconds to let the new node settle (its network services start, its Lease renews) before the"
                    + " first pod; the node must then be Ready (default: ${DEFAULT-VALUE}).")
    int settle;

    @Option(names = "--warmup", defaultValue = "100", paramLabel = "PODS",
            description = "Pods per warm-up burst, started at once and deleted, not measured; bursts go on until the"
                    + " server's and the agent's JIT compilers are mostly done (two bursts in a row in which they"
                    + " compiled for under --warmup-jit-percent of the wall time) or --warmup-max-seconds have passed;"
                    + " 0 for no warm-up (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--warmup-max-seconds", defaultValue = "300", paramLabel = "SECONDS",
            description = "Upper bound on the warm-up's time (default: ${DEFAULT-VALUE}).")
    int warmupMaxSeconds;

    @Option(names = "--warmup-jit-percent", defaultValue = "5", paramLabel = "PERCENT",
            description = "The warm-up ends after two bursts in a row in which the JIT compilers worked for less than"
                    + " this share of the wall time (default: ${DEFAULT-VALUE}; lower for a longer-running cluster's"
                    + " state, with a larger --warmup-max-seconds).")
    double warmupJitPercent;

    @Option(names = "--skip-floor", description = "Do not measure the CRI floor (no comparison then).")
    boolean skipFloor;

    @Option(names = "--server-jvm", paramLabel = "OPTIONS",
            description = "JVM options of the server, space-separated (default: the server role's, as ./kaji uses them).")
    String serverJvm;

    @Option(names = "--agent-jvm", paramLabel = "OPTIONS",
            description = "JVM options of the agent, space-separated (default: the agent role's, as ./kaji uses them).")
    String agentJvm;

    @Option(names = "--data-dir", defaultValue = "/var/tmp/kaji-bench-pod-startup", paramLabel = "DIR",
            description = "Data dirs and logs (deleted first; kept afterwards for reading the logs) (default: ${DEFAULT-VALUE}).")
    Path root;

    private PrintWriter out;

    @Override
    public Integer call() throws Exception {
        if (!List.of("bare", "agent", "both").contains(floorShape)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--floor-shape: unknown shape \"" + floorShape + "\"; use bare, agent or both");
        }
        if (!List.of("burst", "serial", "both").contains(mode)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--mode: unknown mode \"" + mode + "\"; use burst, serial or both");
        }
        if (warmup < 0 || warmup > 105) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--warmup must be 0 to 105");
        }
        if (!(warmupJitPercent > 0 && warmupJitPercent <= 100)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--warmup-jit-percent must be above 0 and at"
                    + " most 100");
        }
        if (bursts < 1 || floorRuns < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--bursts and --floor-runs must be at least 1");
        }
        if (warmupMaxSeconds < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--warmup-max-seconds must not be negative");
        }
        if (pods < 1 || pods > 105) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--pods must be 1 to 105 (one node takes at most 110 pods)");
        }
        if (!LocalCluster.supported()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "needs root, /usr/bin/containerd and /bin/busybox (run sudo ./setup first)");
        }
        out = spec.commandLine().getOut();
        List<String> sj = serverJvm == null ? KajiProcess.SERVER_JVM_OPTIONS : words(serverJvm);
        List<String> aj = agentJvm == null ? KajiProcess.AGENT_JVM_OPTIONS : words(agentJvm);
        out.printf(Locale.ROOT,
                "pod-startup benchmark: %d pods, mode %s, server JVM %s, agent JVM %s, cores=%d, JDK %s, load %s%n",
                pods, mode, sj, aj, Runtime.getRuntime().availableProcessors(), System.getProperty("java.runtime.version"),
                loadAverage());
        List<CriFloor.Shape> shapes = skipFloor ? List.of() : Arrays.stream(CriFloor.Shape.values())
                .filter(x -> floorShape.equals("both") || floorShape.equals(x.name().toLowerCase(Locale.ROOT)))
                .toList();
        Map<CriFloor.Shape, LatencySummary> sequential = new EnumMap<>(CriFloor.Shape.class);
        Map<CriFloor.Shape, List<CriFloor.Parallel>> floorRunsDone = new EnumMap<>(CriFloor.Shape.class);
        List<PodStartupBenchmark.Result> bursted = new ArrayList<>();
        List<String> burstCpu = new ArrayList<>();
        PodStartupBenchmark.Result serial = null;
        Path floorDir = root.resolve("cri-floor");
        if (!skipFloor) {
            removeFloorResidue(floorDir);
        }
        // The floor's runs pause the cluster (SIGSTOP) so that they have the machine to themselves: its leader
        // Leases and its node's Lease must outlast a pause of a floor run or two (~20 s) by far.
        List<String> serverArgs = skipFloor ? List.of() : List.of("--leader-elect-lease-duration", "90s",
                "--leader-elect-renew-deadline", "60s", "--node-monitor-grace-period", "90s");
        try (LocalCluster cluster = LocalCluster.start(new LocalCluster.Spec(root, CLUSTER_CIDR, SERVICE_CIDR,
                List.of(NODE), List.of("kajips1"), serverArgs), this::progress, sj, aj);
                CriFloor floor = skipFloor ? null : startFloor(floorDir)) {
            // Pods sent to a node that has just started wait for the scheduler while its network services start and
            // its first Leases are renewed; on a loaded machine the node may even turn NotReady for a while then.
            progress("letting the node settle for " + settle + " s");
            Thread.sleep(settle * 1000L);
            cluster.awaitReady(List.of(NODE));
            for (CriFloor.Shape shape : shapes) {
                LatencySummary seq;
                awaitQuiet("pausing the cluster");
                try (Paused p = Paused.of(cluster, this::progress)) {
                    seq = floor.sequential(pods, shape, this::progress);
                }
                out.printf(Locale.ROOT, "  CRI floor (%s) one by one: %s%n", shape.description(), seq.format());
                sequential.put(shape, seq);
            }
            PodStartupBenchmark bench = new PodStartupBenchmark(cluster.client(), NS, BusyboxImage.NAME, null,
                    this::progress);
            if (warmup > 0) {
                warmUp(cluster, bench);
            }
            // Rounds: the floor's runs of pods at once, then a burst, so that each burst is compared with a floor
            // measured a minute before it (the machine's speed drifts by 10-20 % over the tens of minutes a run
            // takes; a floor measured before the warm-up missed that).
            int rounds = mode.equals("serial") ? 0 : Math.max(bursts, shapes.isEmpty() ? 0 : floorRuns);
            for (int r = 1; r <= rounds; r++) {
                for (CriFloor.Shape shape : r <= floorRuns ? shapes : List.<CriFloor.Shape>of()) {
                    CriFloor.Parallel run;
                    // What the cluster still does after the last burst's deletions (its JIT compilers, containerd's
                    // garbage collection) is finished first: paused, it would fall into the next burst instead.
                    awaitQuiet("pausing the cluster");
                    try (Paused p = Paused.of(cluster, this::progress)) {
                        run = floor.parallel(pods, floorConcurrency, shape, this::progress, p.pids());
                    }
                    out.printf(Locale.ROOT, "  CRI floor (%s) at once, run %d: %s; %.2f pods/s%n"
                                    + "  CRI floor (%s) CPU, run %d: %s%n", shape.description(), r,
                            run.latency().format(), run.perSecond(), shape.description(), r, run.cpu());
                    floorRunsDone.computeIfAbsent(shape, k -> new ArrayList<>()).add(run);
                }
                if (r > bursts) {
                    continue;
                }
                awaitQuiet("burst " + r);
                progress("burst " + r + " of " + bursts + ": " + pods + " pods at once");
                CpuMeter meter = new CpuMeter(clusterPids(cluster));
                CpuMeter.Snapshot cpu0 = meter.take();
                long[] jit0 = jitMillisEach(cluster);
                bursted.add(bench.burst(pods, Duration.ofMinutes(5)));
                burstCpu.add(CpuMeter.report(cpu0, meter.take(), Runtime.getRuntime().availableProcessors(), pods,
                        "pod") + jitClause(jit0, jitMillisEach(cluster)));
                print(bursted.getLast());
                progress("burst " + r + " CPU: " + burstCpu.getLast());
                bench.deleteAll(Duration.ofMinutes(4));
            }
            if (!mode.equals("burst")) {
                awaitQuiet("the pods one by one");
                progress("serial: " + pods + " pods one by one");
                serial = bench.serial(pods, Duration.ofSeconds(60));
                print(serial);
                bench.deleteAll(Duration.ofMinutes(4));
            }
        }
        Map<CriFloor.Shape, Floor> floors = new EnumMap<>(CriFloor.Shape.class);
        shapes.forEach(x -> floors.put(x, new Floor(sequential.get(x), floorRunsDone.getOrDefault(x, List.of()))));
        out.println();
        out.printf(Locale.ROOT, "load average after: %s%n", loadAverage());
        floors.forEach((shape, floor) -> {
            String name = "CRI floor, " + shape.name().toLowerCase(Locale.ROOT) + ":";
            out.printf(Locale.ROOT, "%s one by one:  %s%n", name, floor.sequential().format());
            for (int i = 0; i < floor.runs().size(); i++) {
                CriFloor.Parallel run = floor.runs().get(i);
                out.printf(Locale.ROOT, "%s %d at once, %d at a time, run %d: %s; %.2f pods/s%n", name, pods,
                        floorConcurrency, i + 1, run.latency().format(), run.perSecond());
                out.printf(Locale.ROOT, "%s CPU, run %d: %s%n", name, i + 1, run.cpu());
            }
            if (!floor.runs().isEmpty()) {
                out.printf(Locale.ROOT, "%s median of %d runs: %.2f pods/s%n", name, floor.runs().size(),
                        floor.median());
            }
        });
        for (int i = 0; i < bursted.size(); i++) {
            PodStartupBenchmark.Result r = bursted.get(i);
            out.printf(Locale.ROOT, "burst  Running: %s%n", r.running().format());
            out.printf(Locale.ROOT, "burst  Ready:   %s%n", r.ready().format());
            out.printf(Locale.ROOT, "burst  CPU: %s%n", burstCpu.get(i));
            out.printf(Locale.ROOT, "burst  throughput: %.2f pods/s%n", r.podsPerSecond());
        }
        if (!bursted.isEmpty()) {
            double burst = median(bursted.stream().map(PodStartupBenchmark.Result::podsPerSecond).toList());
            out.printf(Locale.ROOT, "burst  median throughput of %d burst(s): %.2f pods/s%n", bursted.size(), burst);
            floors.forEach((shape, floor) -> {
                if (floor.runs().isEmpty()) {
                    return;
                }
                out.printf(Locale.ROOT,
                        "burst  = %.1f %% of the CRI floor's median %.2f pods/s with %s (goal >= 80 %%)%n",
                        100 * burst / floor.median(), floor.median(), shape.description());
                List<Double> shares = pairedShares(bursted.stream().map(PodStartupBenchmark.Result::podsPerSecond)
                        .toList(), floor.runs().stream().map(CriFloor.Parallel::perSecond).toList());
                if (!shares.isEmpty()) {
                    out.printf(Locale.ROOT, "burst  each burst against the floor run just before it, with %s: %s;"
                                    + " median %.1f %%%n", shape.description(), shares.stream()
                                    .map(x -> String.format(Locale.ROOT, "%.1f %%", x)).toList(), median(shares));
                }
            });
        }
        if (serial != null) {
            out.printf(Locale.ROOT, "serial Running: %s%n", serial.running().format());
            out.printf(Locale.ROOT, "serial Ready:   %s%n", serial.ready().format());
            out.printf(Locale.ROOT, "serial p99 to Running %.0f ms (goal <= 1000 ms; Kubernetes' SLO 5000 ms)%n",
                    serial.running().p99Ms());
            floors.forEach((shape, floor) -> out.printf(Locale.ROOT,
                    "serial the CRI floor's p50 one by one with %s: %.0f ms%n", shape.description(),
                    floor.sequential().p50Ms()));
        }
        out.flush();
        return 0;
    }

    /** A floor shape's figures: its pods one by one, and its runs of pods at once. */
    private record Floor(LatencySummary sequential, List<CriFloor.Parallel> runs) {
        double median() {
            return PodStartupBenchCommand.median(runs.stream().map(CriFloor.Parallel::perSecond).toList());
        }
    }

    static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /**
     * Each burst's throughput as a percentage of the floor run of the same round (the one just before it); as many as
     * there are rounds with both.
     */
    static List<Double> pairedShares(List<Double> bursts, List<Double> floorRuns) {
        List<Double> shares = new ArrayList<>();
        for (int i = 0; i < Math.min(bursts.size(), floorRuns.size()); i++) {
            shares.add(100 * bursts.get(i) / floorRuns.get(i));
        }
        return shares;
    }

    /**
     * What an earlier run that did not end cleanly left of its floor: its containerd's shims and mounts, its pod
     * cgroups (before the cluster's start deletes the data dir they are recorded in).
     */
    private static void removeFloorResidue(Path dir) {
        if (Files.isDirectory(dir)) {
            new ContainerdResidue(new NodeLayout(dir).containerd()).remove();
            PodCgroups.recorded(dir).ifPresent(PodCgroups::removeAll);
        }
    }

    /**
     * The CRI floor's containerd under {@code dir}, beside the cluster's (on its own bridge and CIDR), up for the
     * whole run: its pods one by one before the warm-up, its runs of pods at once interleaved with the bursts, the
     * shapes taking turns.
     */
    private CriFloor startFloor(Path dir) throws java.io.IOException {
        LocalCluster.deleteRecursively(dir);
        Files.createDirectories(dir);
        progress("CRI floor: starting a containerd of its own under " + dir);
        return CriFloor.start(dir, "kajipsf", FLOOR_CIDR, SERVICE_CIDR);
    }

    /**
     * The cluster's processes stopped (SIGSTOP) for a floor run, the agent first (so that it does not see its
     * containerd stop), then its containerd, then the server; {@link #close()} continues them in the reverse order.
     * Their CPU over the run is still measured ({@link #pids()}): it should read 0.
     */
    record Paused(Map<String, Long> pids) implements AutoCloseable {

        static Paused of(LocalCluster cluster, java.util.function.Consumer<String> progress) {
            Map<String, Long> pids = new LinkedHashMap<>();
            pids.put("paused kaji agent", cluster.agent(NODE).pid());
            cluster.containerdPid(NODE).ifPresent(pid -> pids.put("paused node containerd", pid));
            pids.put("paused kaji server", cluster.server().pid());
            Paused paused = new Paused(pids);
            List<Long> stopped = new ArrayList<>();
            try {
                for (long pid : pids.values()) {
                    signal("STOP", pid);
                    stopped.add(pid);
                }
            } catch (RuntimeException e) {
                for (long pid : stopped.reversed()) {
                    signal("CONT", pid);
                }
                throw e;
            }
            progress.accept("cluster paused (SIGSTOP) for the floor's run: " + pids.values());
            return paused;
        }

        @Override
        public void close() {
            List<Long> order = new ArrayList<>(pids.values());
            RuntimeException failed = null;
            for (long pid : order.reversed()) {
                try {
                    signal("CONT", pid);
                } catch (RuntimeException e) {
                    failed = failed == null ? e : failed;
                }
            }
            if (failed != null) {
                throw failed;
            }
        }

        private static void signal(String name, long pid) {
            io.kaji.node.host.HostCommand.Result r = io.kaji.node.host.HostCommand.run(
                    List.of("kill", "-" + name, Long.toString(pid)), Duration.ofSeconds(10));
            if (!r.ok()) {
                throw new IllegalStateException("kill -" + name + " " + pid + " failed: " + r.stderr().strip());
            }
        }
    }

    /**
     * Bursts of {@link #warmup} pods, each deleted again, until the server's and the agent's JIT compilers are mostly
     * done ({@link JitWarmup}). A cluster that has run for a while executes the pod path as compiled code; a fresh
     * one runs it interpreted or as profiling code while its compiler threads take CPU from the pods: on two cores
     * the first burst of 100 pods used about three times the server's and the agent's CPU per pod of the sixth.
     * Each burst's figures are printed, so that the cold ones are seen too.
     */
    private void warmUp(LocalCluster cluster, PodStartupBenchmark bench) throws Exception {
        int[] round = {0};
        JitWarmup.Round burst = () -> {
            round[0]++;
            progress("warm-up burst " + round[0] + ": " + warmup + " pods at once (not measured)");
            CpuMeter meter = new CpuMeter(clusterPids(cluster));
            CpuMeter.Snapshot cpu0 = meter.take();
            long[] jit0 = jitMillisEach(cluster);
            PodStartupBenchmark.Result w = bench.burst("warmup", warmup, Duration.ofMinutes(3));
            String cpu = CpuMeter.report(cpu0, meter.take(), Runtime.getRuntime().availableProcessors(), warmup,
                    "pod") + jitClause(jit0, jitMillisEach(cluster));
            progress(String.format(Locale.ROOT, "warm-up burst %d: %.2f pods/s, p50 %.0f ms; %s", round[0],
                    w.podsPerSecond(), w.running().p50Ms(), cpu));
            bench.deleteAll(Duration.ofMinutes(2));
        };
        JitWarmup.Result done = JitWarmup.run(burst, burst, Duration.ofSeconds(warmupMaxSeconds),
                () -> jitMillis(cluster), warmupJitPercent / 100);
        progress("warm-up done: " + done.describe() + " (the server's and the agent's compilers, deletions included)");
    }

    /**
     * Waits for the machine to go quiet before a measured phase or a pause of the cluster: the previous phase's
     * deletions leave work behind (network namespaces torn down, snapshots removed, code still being compiled) that
     * is not the next phase's. Quiet: under 0.1 cores busy over 2 s (the idle cluster uses about 0.05), at most 60 s.
     */
    private void awaitQuiet(String before) throws InterruptedException {
        progress("before " + before + ", machine " + CpuMeter.awaitQuiet(0.1, Duration.ofSeconds(2),
                Duration.ofSeconds(60)).describe());
    }

    /** CPU time the server's and the agent's JIT compiler threads have used so far; -1 if unknown. */
    private static long jitMillis(LocalCluster cluster) {
        return CpuMeter.compilerMillis(cluster.server().pid(), cluster.agent(NODE).pid());
    }

    /** {@link #jitMillis} of the server and of the agent apart. */
    private static long[] jitMillisEach(LocalCluster cluster) {
        return new long[] {CpuMeter.compilerMillis(cluster.server().pid()),
                CpuMeter.compilerMillis(cluster.agent(NODE).pid())};
    }

    private static String jitClause(long[] from, long[] to) {
        if (from[0] < 0 || from[1] < 0 || to[0] < 0 || to[1] < 0) {
            return "";
        }
        return String.format(Locale.ROOT, "; JIT compilation in the server %.1f s, in the agent %.1f s",
                (to[0] - from[0]) / 1000.0, (to[1] - from[1]) / 1000.0);
    }

    /** The server, the agent and the agent's containerd (its child), and this process, for {@link CpuMeter}. */
    private static Map<String, Long> clusterPids(LocalCluster cluster) {
        Map<String, Long> pids = new LinkedHashMap<>();
        pids.put("server", cluster.server().pid());
        pids.put("agent", cluster.agent(NODE).pid());
        cluster.containerdPid(NODE).ifPresent(pid -> pids.put("containerd", pid));
        pids.put("this benchmark", ProcessHandle.current().pid());
        return pids;
    }

    private void print(PodStartupBenchmark.Result r) {
        out.printf(Locale.ROOT, "  %s: Running %s%n  %s: Ready   %s; %.2f pods/s%n", r.mode(), r.running().format(),
                r.mode(), r.ready().format(), r.podsPerSecond());
        out.flush();
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    private static List<String> words(String s) {
        return new ArrayList<>(Arrays.stream(s.trim().split("\\s+")).filter(w -> !w.isEmpty()).toList());
    }

    private void progress(String line) {
        out.println("* " + line);
        out.flush();
    }
}
