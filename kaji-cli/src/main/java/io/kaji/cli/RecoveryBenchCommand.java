package io.kaji.cli;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.cli.localcluster.LocalCluster;
import io.kaji.cli.localcluster.ServerKillBurst;
import io.kaji.node.host.HostCommand;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kaji bench recovery}: issue 8's recovery scenarios on a throw-away cluster of real processes on this
 * machine (a {@code kaji server --disable-agent} and one {@code kaji agent} per node, each with its own containerd),
 * timed over several repetitions.
 */
@Command(name = "recovery",
        mixinStandardHelpOptions = true,
        description = {
                "Measure recovery on a throw-away local cluster of real processes (needs root and containerd):",
                "  1 a container's process is SIGKILLed -> restarted in place (restartCount 1, Ready)",
                "  2 a pod is deleted -> its ReplicaSet's replacement is Running and Ready",
                "  5 the server is SIGKILLed during 1,000 ConfigMap creates and restarted -> acknowledged creates",
                "    present, running containers kept (server back = kill to API answering again)",
                "  3 a node's agent, containerd and containers are SIGKILLed -> NotReady, pods evicted,",
                "    replacements bound, all replicas Running on the surviving nodes (then the node is restarted)",
                "Pods use 100.64.60.0/22, services 100.64.64.0/24, bridges kajib1..kajib3; all removed afterwards."})
final class RecoveryBenchCommand implements Callable<Integer> {

    private static final String NS = "default";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--repeat", defaultValue = "3", description = "Repetitions of each scenario (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--nodes", defaultValue = "2", description = "Agents: 2 or 3 (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--scenarios", split = ",", defaultValue = "1,2,5,3", paramLabel = "N",
            description = "Which scenarios, in this order (default: ${DEFAULT-VALUE}).")
    List<Integer> scenarios;

    @Option(names = "--keep-going", description = "Record a failed repetition and go on instead of stopping.")
    boolean keepGoing;

    @Option(names = "--root", defaultValue = "/var/tmp/kaji-bench-recovery", paramLabel = "DIR",
            description = "Data dirs and logs (deleted first; kept afterwards for reading the logs) (default: ${DEFAULT-VALUE}).")
    Path root;

    private PrintWriter out;
    private LocalCluster cluster;
    private KubernetesClient client;
    private List<String> nodeNames;
    private final Map<String, List<Long>> samples = new LinkedHashMap<>();
    private int failures;

    @Override
    public Integer call() throws Exception {
        if (nodes < 2 || nodes > 3 || repeat < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--nodes must be 2 or 3 and --repeat positive");
        }
        for (int s : scenarios) {
            if (s != 1 && s != 2 && s != 3 && s != 5) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--scenarios: unknown scenario " + s + "; use 1, 2, 3 and 5");
            }
        }
        if (!LocalCluster.supported()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "needs root, /usr/bin/containerd and /bin/busybox (run sudo ./setup first)");
        }
        out = spec.commandLine().getOut();
        nodeNames = List.of("bench-rec-a", "bench-rec-b", "bench-rec-c").subList(0, nodes);
        out.printf(Locale.ROOT, "recovery benchmark: %d nodes, %d repetitions, scenarios %s, cores=%d, JDK %s%n",
                nodes, repeat, scenarios, Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.runtime.version"));
        long t0 = System.nanoTime();
        try (LocalCluster c = LocalCluster.start(new LocalCluster.Spec(root, "100.64.60.0/22", "100.64.64.0/24",
                nodeNames, List.of("kajib1", "kajib2", "kajib3").subList(0, nodes), List.of()), this::progress)) {
            cluster = c;
            client = c.client();
            progress("cluster up in " + (System.nanoTime() - t0) / 1_000_000_000 + " s");
            for (int r = 1; r <= repeat; r++) {
                for (int s : scenarios) {
                    if (!runOne(s, r)) {
                        return report(1);
                    }
                }
            }
            return report(failures == 0 ? 0 : 1);
        }
    }

    private boolean runOne(int scenario, int rep) {
        progress("repetition " + rep + ", scenario " + scenario);
        try {
            switch (scenario) {
                case 1 -> containerKilled(rep);
                case 2 -> podDeleted(rep);
                case 3 -> nodeKilled(rep);
                case 5 -> serverKilled(rep);
                default -> throw new IllegalArgumentException("scenario " + scenario);
            }
            return true;
        } catch (RuntimeException e) {
            failures++;
            out.printf("  scenario %d, repetition %d FAILED: %s%n", scenario, rep, e.getMessage());
            out.flush();
            for (String node : nodeNames) {
                if (!cluster.agent(node).alive()) {
                    try {
                        cluster.restartNode(node);
                    } catch (RuntimeException again) {
                        out.println("  cannot restart " + node + ": " + again.getMessage());
                        return false;
                    }
                }
            }
            return keepGoing;
        } finally {
            deleteDeployments();
        }
    }

    private void containerKilled(int rep) {
        String app = "crashy-" + rep;
        String sleep = "sleep " + (300_100 + rep);
        deployment(app, 1, "exec " + sleep);
        until(app + " Running", Duration.ofSeconds(90), () -> running(app).size() == 1);
        String pod = running(app).get(0).getMetadata().getName();
        long start = System.nanoTime();
        HostCommand.run(List.of("pkill", "-9", "-f", "^" + sleep + "$"), Duration.ofSeconds(5)).orThrow();
        until("restarted in place", Duration.ofSeconds(60), () -> {
            Pod p = client.pods().inNamespace(NS).withName(pod).get();
            if (p == null || p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
                return false;
            }
            ContainerStatus s = p.getStatus().getContainerStatuses().get(0);
            return s.getRestartCount() == 1 && s.getState().getRunning() != null && ready(p);
        });
        record("1 container killed -> running again", start);
    }

    private void podDeleted(int rep) {
        String app = "web-" + rep;
        deployment(app, 3, "exec sleep " + (300_200 + rep));
        until(app + " Running", Duration.ofSeconds(90), () -> running(app).size() == 3);
        for (int i = 0; i < 3; i++) {
            Pod victim = running(app).get(0);
            long start = System.nanoTime();
            client.pods().inNamespace(NS).resource(victim).withGracePeriod(0).delete();
            until("replacement Running", Duration.ofSeconds(60), () -> {
                List<Pod> now = running(app);
                return now.size() == 3 && now.stream()
                        .noneMatch(p -> p.getMetadata().getUid().equals(victim.getMetadata().getUid()));
            });
            record("2 pod deleted -> replacement Running", start);
        }
    }

    private void serverKilled(int rep) {
        String app = "steady-" + rep;
        deployment(app, nodes, "exec sleep " + (300_300 + rep));
        until(app + " Running", Duration.ofSeconds(90), () -> running(app).size() == nodes);
        Map<String, String> before = containerIds(running(app));
        ServerKillBurst.Outcome o = new ServerKillBurst(cluster, NS, "burst-" + rep, 1_000, 8, 300).run(() -> { });
        out.printf(Locale.ROOT, "  %d creates: %d acknowledged, %d failed; killed at %d ms; API back after %d ms;"
                + " acknowledged but missing: %d%n", o.attempted(), o.acknowledged().size(), o.failed(),
                o.killedAtMs(), o.apiBackMs(), o.missing().size());
        samples.computeIfAbsent("5 server killed -> API answers again", k -> new ArrayList<>()).add(o.apiBackMs());
        if (!o.missing().isEmpty()) {
            throw new IllegalStateException(o.missing().size() + " acknowledged ConfigMaps lost: " + o.missing());
        }
        long back = System.nanoTime();
        cluster.awaitReady(nodeNames);
        samples.computeIfAbsent("5 API back -> all nodes Ready", k -> new ArrayList<>())
                .add((System.nanoTime() - back) / 1_000_000);
        Map<String, String> after = containerIds(running(app));
        if (!after.equals(before)) {
            throw new IllegalStateException("containers changed across the server restart: " + before + " -> " + after);
        }
        client.configMaps().inNamespace(NS).withLabel(ServerKillBurst.LABEL, "burst-" + rep).delete();
    }

    private void nodeKilled(int rep) {
        String dead = nodeNames.get((rep - 1) % nodes);
        String app = "spread-" + rep;
        int replicas = 2 * nodes;
        deployment(app, replicas, "exec sleep " + (300_400 + rep));
        until(app + " Running on every node", Duration.ofSeconds(90), () -> {
            List<Pod> pods = running(app);
            return pods.size() == replicas && pods.stream().map(p -> p.getSpec().getNodeName()).distinct().count() == nodes;
        });
        Set<String> lost = running(app).stream().filter(p -> dead.equals(p.getSpec().getNodeName()))
                .map(p -> p.getMetadata().getUid()).collect(Collectors.toSet());
        long start = System.nanoTime();
        cluster.killNode(dead);
        long[] steps = new long[4];
        until("all replicas Running on the other nodes", Duration.ofSeconds(120), () -> {
            long now = (System.nanoTime() - start) / 1_000_000;
            if (steps[0] == 0 && !nodeReady(dead)) {
                steps[0] = now;
            }
            List<Pod> pods = client.pods().inNamespace(NS).withLabel("app", app).list().getItems();
            if (steps[1] == 0 && pods.stream().filter(p -> lost.contains(p.getMetadata().getUid()))
                    .allMatch(p -> p.getMetadata().getDeletionTimestamp() != null)) {
                steps[1] = now;
            }
            List<Pod> live = pods.stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
            if (steps[2] == 0 && live.size() == replicas && live.stream().allMatch(p -> p.getSpec().getNodeName() != null
                    && !dead.equals(p.getSpec().getNodeName()))) {
                steps[2] = now;
            }
            List<Pod> ok = running(app);
            if (ok.size() == replicas && ok.stream().noneMatch(p -> dead.equals(p.getSpec().getNodeName()))) {
                steps[3] = now;
                return true;
            }
            return false;
        });
        String[] names = {"3a node killed -> NotReady", "3b node killed -> pods evicted",
                "3c node killed -> replacements bound", "3d node killed -> all Running"};
        for (int i = 0; i < 4; i++) {
            samples.computeIfAbsent(names[i], k -> new ArrayList<>()).add(steps[i]);
        }
        out.printf(Locale.ROOT, "  %s: NotReady %d ms, evicted %d ms, bound %d ms, all Running %d ms%n", dead,
                steps[0], steps[1], steps[2], steps[3]);
        deleteDeployments();
        progress("restarting " + dead);
        cluster.restartNode(dead);
    }

    private void record(String scenario, long startNanos) {
        long ms = (System.nanoTime() - startNanos) / 1_000_000;
        samples.computeIfAbsent(scenario, k -> new ArrayList<>()).add(ms);
        out.printf(Locale.ROOT, "  %s: %d ms%n", scenario, ms);
        out.flush();
    }

    private int report(int code) {
        out.println();
        out.printf(Locale.ROOT, "%-40s %8s %8s %8s%n", "scenario (ms)", "samples", "p50", "max");
        samples.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            List<Long> v = e.getValue().stream().sorted().toList();
            out.printf(Locale.ROOT, "%-40s %8d %8d %8d%n", e.getKey(), v.size(), v.get((v.size() - 1) / 2),
                    v.get(v.size() - 1));
        });
        if (failures > 0) {
            out.printf("%d repetition(s) failed; logs under %s%n", failures, root);
        }
        out.flush();
        return code;
    }

    private void progress(String line) {
        out.println("* " + line);
        out.flush();
    }

    private void deployment(String app, int replicas, String command) {
        client.apps().deployments().inNamespace(NS).resource(new DeploymentBuilder()
                .withNewMetadata().withName(app).endMetadata()
                .withNewSpec().withReplicas(replicas)
                .withNewSelector().addToMatchLabels("app", app).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", app).endMetadata()
                .withNewSpec().withTerminationGracePeriodSeconds(1L)
                .addNewContainer().withName("main").withImage("docker.io/kaji/busybox:1.35")
                .withCommand("sh", "-c", command).endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
    }

    private void deleteDeployments() {
        try {
            client.apps().deployments().inNamespace(NS).delete();
            until("pods gone", Duration.ofSeconds(60), () -> client.pods().inNamespace(NS).list().getItems().stream()
                    .allMatch(p -> !cluster.agent(p.getSpec().getNodeName() == null ? nodeNames.get(0)
                            : p.getSpec().getNodeName()).alive()));
        } catch (RuntimeException e) {
            out.println("  (clean-up between scenarios: " + e.getMessage() + ")");
        }
    }

    private List<Pod> running(String app) {
        return client.pods().inNamespace(NS).withLabel("app", app).list().getItems().stream()
                .filter(p -> p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null
                        && "Running".equals(p.getStatus().getPhase()) && ready(p))
                .toList();
    }

    private static boolean ready(Pod p) {
        return p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private boolean nodeReady(String name) {
        Node n = client.nodes().withName(name).get();
        return n != null && n.getStatus() != null && n.getStatus().getConditions() != null
                && n.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static Map<String, String> containerIds(List<Pod> pods) {
        return pods.stream().collect(Collectors.toMap(p -> p.getMetadata().getUid(),
                p -> p.getStatus().getContainerStatuses().get(0).getContainerID()));
    }

    /** Polls every 20 ms (API errors count as "not yet"); throws naming {@code what} after the timeout. */
    private static void until(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                // not yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + ": not within " + timeout.toSeconds() + " s");
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(what + ": interrupted", e);
            }
        }
    }
}
