package io.kaji.cli;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.cli.localcluster.KajiProcess;
import io.kaji.cli.localcluster.LocalCluster;
import io.kaji.cli.localcluster.ProcessUsage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kaji bench footprint}: memory and CPU of a {@code kaji server} and its agents, idle and with sleeping
 * busybox pods, on a throw-away local cluster of real processes (docs/footprint.md).
 */
@Command(name = "footprint",
        mixinStandardHelpOptions = true,
        description = {
                "Measure RSS, PSS and CPU of kaji server (--disable-agent) and of two kaji agents (each with its",
                "containerd), idle, with --agent-pods sleeping pods per agent and with --pods pods in all (skipped",
                "when that is the same number), each over --window seconds after --settle seconds (needs root and containerd; pods use 100.64.68.0/22,",
                "services 100.64.72.0/24, bridges kajif1, kajif2). JVM options per role: --server-jvm, --agent-jvm (default: the roles'",
                "defaults, as the ./kaji launcher uses them)."})
final class FootprintBenchCommand implements Callable<Integer> {

    private static final String NS = "default";
    private static final List<String> NODES = List.of("bench-fp-a", "bench-fp-b");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--server-jvm", paramLabel = "OPTIONS", description = "JVM options of the server, space-separated.")
    String serverJvm;

    @Option(names = "--agent-jvm", paramLabel = "OPTIONS", description = "JVM options of the agents, space-separated.")
    String agentJvm;

    @Option(names = "--pods", defaultValue = "100", description = "Pods in the loaded phase (default: ${DEFAULT-VALUE}).")
    int pods;

    @Option(names = "--agent-pods", defaultValue = "30", description = "Pods per agent in the middle phase (default: ${DEFAULT-VALUE}).")
    int agentPods;

    @Option(names = "--window", defaultValue = "60", description = "Seconds each CPU figure is averaged over (default: ${DEFAULT-VALUE}).")
    int window;

    @Option(names = "--settle", defaultValue = "30", description = "Seconds to wait before each window (default: ${DEFAULT-VALUE}).")
    int settle;

    @Option(names = "--root", defaultValue = "/var/tmp/kaji-bench-footprint", paramLabel = "DIR",
            description = "Data dirs and logs (default: ${DEFAULT-VALUE}).")
    Path root;

    @Option(names = "--diagnostics", paramLabel = "DIR",
            description = {"After the middle phase's window, write each agent's jcmd GC.heap_info, VM.metaspace, "
                    + "VM.native_memory summary (with -XX:NativeMemoryTracking=summary in --agent-jvm) and "
                    + "GC.class_histogram (a full collection: taken last) and its /proc smaps_rollup into DIR."})
    Path diagnostics;

    private PrintWriter out;

    @Override
    public Integer call() throws Exception {
        if (!LocalCluster.supported()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "needs root, /usr/bin/containerd and /bin/busybox (run sudo ./setup first)");
        }
        out = spec.commandLine().getOut();
        List<String> sj = serverJvm == null ? KajiProcess.SERVER_JVM_OPTIONS : words(serverJvm);
        List<String> aj = agentJvm == null ? KajiProcess.AGENT_JVM_OPTIONS : words(agentJvm);
        out.printf(Locale.ROOT, "footprint benchmark: server JVM %s, agent JVM %s, cores=%d, JDK %s%n", sj, aj,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.runtime.version"));
        Map<String, Map<String, Sample>> table = new LinkedHashMap<>();
        try (LocalCluster cluster = LocalCluster.start(new LocalCluster.Spec(root, "100.64.68.0/22",
                "100.64.72.0/24", NODES, List.of("kajif1", "kajif2"), List.of()), this::progress, sj, aj)) {
            KubernetesClient client = cluster.client();
            table.put("idle", measure(cluster));
            deploy(client, NODES.size() * agentPods);
            awaitRunning(client, NODES.size() * agentPods);
            table.put(NODES.size() * agentPods + " pods", measure(cluster));
            if (diagnostics != null) {
                diagnose(cluster);
            }
            if (pods != NODES.size() * agentPods) {
                client.apps().deployments().inNamespace(NS).withName("footprint").scale(pods);
                awaitRunning(client, pods);
                table.put(pods + " pods", measure(cluster));
            }
        }
        out.println();
        out.printf(Locale.ROOT, "%-12s %-22s %9s %9s %9s%n", "phase", "process", "RSS MiB", "PSS MiB", "CPU %");
        table.forEach((phase, rows) -> rows.forEach((proc, s) -> out.printf(Locale.ROOT, "%-12s %-22s %9.0f %9.0f %9.1f%n",
                phase, proc, s.rssKib() / 1024.0, s.pssKib() / 1024.0, s.cpuPercent())));
        out.flush();
        return 0;
    }

    /** One process' figures over a window: memory at its end, CPU as % of one core over it. */
    private record Sample(long rssKib, long pssKib, double cpuPercent) {}

    private Map<String, Sample> measure(LocalCluster cluster) throws IOException, InterruptedException {
        progress("settling " + settle + " s, then measuring over " + window + " s");
        Thread.sleep(settle * 1000L);
        Map<String, Long> pids = new LinkedHashMap<>();
        pids.put("server", cluster.server().pid());
        for (String n : NODES) {
            pids.put("agent " + n, cluster.agent(n).pid());
            cluster.containerdPid(n).ifPresent(pid -> pids.put("containerd " + n, pid));
        }
        Map<String, ProcessUsage> before = new LinkedHashMap<>();
        for (var e : pids.entrySet()) {
            before.put(e.getKey(), ProcessUsage.of(e.getValue()));
        }
        long t0 = System.nanoTime();
        Thread.sleep(window * 1000L);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Map<String, Sample> rows = new LinkedHashMap<>();
        for (var e : pids.entrySet()) {
            ProcessUsage after = ProcessUsage.of(e.getValue());
            double cpu = 100.0 * (after.cpuTicks() - before.get(e.getKey()).cpuTicks())
                    / ProcessUsage.TICKS_PER_SECOND / seconds;
            rows.put(e.getKey(), new Sample(after.rssKib(), after.pssKib(), cpu));
            out.printf(Locale.ROOT, "  %-22s RSS %6.0f MiB  PSS %6.0f MiB  CPU %5.1f %%%n", e.getKey(),
                    after.rssKib() / 1024.0, after.pssKib() / 1024.0, cpu);
        }
        out.flush();
        return rows;
    }

    /** jcmd output and smaps_rollup of each agent, one file per agent and command, into {@link #diagnostics}. */
    private void diagnose(LocalCluster cluster) throws IOException, InterruptedException {
        Files.createDirectories(diagnostics);
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        for (String n : NODES) {
            long pid = cluster.agent(n).pid();
            Files.copy(Path.of("/proc", Long.toString(pid), "smaps_rollup"), diagnostics.resolve(n + "-smaps_rollup.txt"),
                    StandardCopyOption.REPLACE_EXISTING);
            for (String command : List.of("GC.heap_info", "VM.metaspace", "VM.native_memory", "GC.class_histogram")) {
                Path file = diagnostics.resolve(n + "-" + command + ".txt");
                Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true)
                        .redirectOutput(file.toFile()).start();
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
        progress("diagnostics of the agents written to " + diagnostics);
    }

    private void deploy(KubernetesClient client, int replicas) {
        progress("deploying " + replicas + " sleeping busybox pods");
        client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder()
                .withNewMetadata().withName("footprint").endMetadata()
                .withNewSpec().withReplicas(replicas)
                .withNewSelector().addToMatchLabels("app", "footprint").endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", "footprint").endMetadata()
                .withNewSpec().withTerminationGracePeriodSeconds(1L)
                // exactly --agent-pods on each agent: the default spreading scores leave e.g. 17 and 43
                .addNewTopologySpreadConstraint().withMaxSkew(1).withTopologyKey("kubernetes.io/hostname")
                .withWhenUnsatisfiable("DoNotSchedule").withNewLabelSelector().addToMatchLabels("app", "footprint")
                .endLabelSelector().endTopologySpreadConstraint()
                .addNewContainer().withName("main").withImage("docker.io/kaji/busybox:1.35")
                .withCommand("sleep", "1000000").endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
    }

    private void awaitRunning(KubernetesClient client, int n) throws InterruptedException {
        long deadline = System.nanoTime() + 600_000_000_000L;
        long last = -1;
        while (true) {
            List<Pod> all = client.pods().inNamespace(NS).withLabel("app", "footprint").list().getItems();
            long running = all.stream().filter(p -> p.getStatus() != null && "Running".equals(p.getStatus().getPhase()))
                    .count();
            if (running != last) {
                progress(running + " of " + n + " pods Running, by node " + all.stream()
                        .filter(p -> p.getSpec().getNodeName() != null)
                        .collect(Collectors.groupingBy(p -> p.getSpec().getNodeName(), Collectors.counting())));
                last = running;
            }
            if (running >= n) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + running + " of " + n + " pods Running after 10 min");
            }
            Thread.sleep(2000);
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
