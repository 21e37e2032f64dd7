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
 * measured on the same machine just before (docs/benchmarks.md).
 */
@Command(name = "pod-startup",
        mixinStandardHelpOptions = true,
        description = {
                "Measure pod start-up latency: API create -> Running and Ready seen by a watch",
                "(image present), for --pods pods created at once (burst, --bursts times) and one",
                "by one (serial) on one real kaji agent; and the CRI floor on this machine: pods",
                "run directly through the CRI of a containerd of its own, one by one and",
                "--floor-concurrency at a time (--floor-runs times), so the median burst is",
                "compared with the median floor (--floor-shape: bare pods, the agent's pods as it",
                "asks the runtime for them, or both).",
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
            description = "Runs of --pods pods at once per floor shape, the shapes taking turns; their median is the"
                    + " floor (default: ${DEFAULT-VALUE}).")
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
        Map<CriFloor.Shape, Floor> floors = skipFloor ? Map.of() : floors();
        List<PodStartupBenchmark.Result> bursted = new ArrayList<>();
        List<String> burstCpu = new ArrayList<>();
        PodStartupBenchmark.Result serial = null;
        try (LocalCluster cluster = LocalCluster.start(new LocalCluster.Spec(root, CLUSTER_CIDR, SERVICE_CIDR,
                List.of(NODE), List.of("kajips1"), List.of()), this::progress, sj, aj)) {
            // Pods sent to a node that has just started wait for the scheduler while its network services start and
            // its first Leases are renewed; on a loaded machine the node may even turn NotReady for a while then.
            progress("letting the node settle for " + settle + " s");
            Thread.sleep(settle * 1000L);
            cluster.awaitReady(List.of(NODE));
            PodStartupBenchmark bench = new PodStartupBenchmark(cluster.client(), NS, BusyboxImage.NAME, null,
                    this::progress);
            if (warmup > 0) {
                warmUp(cluster, bench);
            }
            for (int b = 1; b <= bursts && !mode.equals("serial"); b++) {
                awaitQuiet("burst " + b);
                progress("burst " + b + " of " + bursts + ": " + pods + " pods at once");
                CpuMeter meter = new CpuMeter(clusterPids(cluster));
                CpuMeter.Snapshot cpu0 = meter.take();
                long[] jit0 = jitMillisEach(cluster);
                bursted.add(bench.burst(pods, Duration.ofMinutes(5)));
                burstCpu.add(CpuMeter.report(cpu0, meter.take(), Runtime.getRuntime().availableProcessors(), pods,
                        "pod") + jitClause(jit0, jitMillisEach(cluster)));
                print(bursted.getLast());
                progress("burst " + b + " CPU: " + burstCpu.getLast());
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
            out.printf(Locale.ROOT, "%s median of %d runs: %.2f pods/s%n", name, floor.runs().size(), floor.median());
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
            floors.forEach((shape, floor) -> out.printf(Locale.ROOT,
                    "burst  = %.1f %% of the CRI floor's median %.2f pods/s with %s (goal >= 80 %%)%n",
                    100 * burst / floor.median(), floor.median(), shape.description()));
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
     * The CRI floor of each shape --floor-shape names, in one containerd: each shape's pods one by one, then
     * --floor-runs rounds in which each shape runs its pods at once, the shapes taking turns (so that a drift of
     * the machine over the minutes falls on both alike).
     */
    private Map<CriFloor.Shape, Floor> floors() throws Exception {
        Path dir = root.resolve("cri-floor");
        if (Files.isDirectory(dir)) {
            // What an earlier run that did not end cleanly left: its containerd's shims and mounts, its pod cgroups.
            new ContainerdResidue(new NodeLayout(dir).containerd()).remove();
            PodCgroups.recorded(dir).ifPresent(PodCgroups::removeAll);
        }
        LocalCluster.deleteRecursively(dir);
        Files.createDirectories(dir);
        progress("CRI floor: starting a containerd of its own under " + dir);
        List<CriFloor.Shape> shapes = java.util.Arrays.stream(CriFloor.Shape.values())
                .filter(x -> floorShape.equals("both") || floorShape.equals(x.name().toLowerCase(Locale.ROOT)))
                .toList();
        Map<CriFloor.Shape, LatencySummary> sequential = new java.util.EnumMap<>(CriFloor.Shape.class);
        Map<CriFloor.Shape, List<CriFloor.Parallel>> runs = new java.util.EnumMap<>(CriFloor.Shape.class);
        try (CriFloor floor = CriFloor.start(dir, "kajipsf", FLOOR_CIDR, SERVICE_CIDR)) {
            for (CriFloor.Shape shape : shapes) {
                LatencySummary seq = floor.sequential(pods, shape, this::progress);
                out.printf(Locale.ROOT, "  CRI floor (%s) one by one: %s%n", shape.description(), seq.format());
                sequential.put(shape, seq);
            }
            for (int i = 1; i <= floorRuns; i++) {
                for (CriFloor.Shape shape : shapes) {
                    CriFloor.Parallel r = floor.parallel(pods, floorConcurrency, shape, this::progress);
                    out.printf(Locale.ROOT, "  CRI floor (%s) at once, run %d: %s; %.2f pods/s%n"
                                    + "  CRI floor (%s) CPU, run %d: %s%n", shape.description(), i,
                            r.latency().format(), r.perSecond(), shape.description(), i, r.cpu());
                    runs.computeIfAbsent(shape, k -> new ArrayList<>()).add(r);
                }
            }
        }
        Map<CriFloor.Shape, Floor> results = new java.util.EnumMap<>(CriFloor.Shape.class);
        shapes.forEach(x -> results.put(x, new Floor(sequential.get(x), runs.get(x))));
        return results;
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
     * Waits for the machine to go quiet before a measured phase (as the CRI floor does before each of its runs):
     * the previous phase's deletions leave work behind (network namespaces torn down, snapshots removed) that is
     * not the next phase's.
     */
    private void awaitQuiet(String before) throws InterruptedException {
        progress("before " + before + ", machine " + CpuMeter.awaitQuiet().describe());
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
