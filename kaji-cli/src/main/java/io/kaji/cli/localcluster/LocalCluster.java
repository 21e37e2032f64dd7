package io.kaji.cli.localcluster;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.cli.NodeNetworkServices;
import io.kaji.node.NodeLayout;
import io.kaji.node.cni.BridgeNetwork;
import io.kaji.node.containerd.ContainerdResidue;
import io.kaji.node.host.HostCommand;
import io.kaji.node.image.BusyboxImage;
import io.kaji.node.image.ImageImporter;
import io.kaji.node.image.OciImageLayout;
import io.kaji.proxy.KajiIptables;
import io.kaji.store.etcd.LoopbackPorts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A throw-away cluster of real processes on this machine, for end-to-end tests and {@code kaji bench recovery}:
 * one {@code kaji server --disable-agent} (API server, controllers, scheduler) and one {@code kaji agent} per node,
 * each with its own data dir, containerd, bridge and podCIDR (from {@code clusterCidr}), the demo image imported
 * into every node. Everything lives under {@code root}; {@link #close()} deletes the workloads of the default
 * namespace, stops the processes and removes what they leave on the host (containers, mounts, bridges, routes,
 * Kaji and CNI firewall rules), as does {@link #start} for a killed earlier run. Needs root and containerd.
 *
 * <p>Not thread-safe: one caller drives it.
 */
public final class LocalCluster implements AutoCloseable {

    /**
     * What a cluster looks like. Addresses must be inside 100.64.0.0/10 and unused by anything else on the host.
     *
     * @param root            directory for data dirs and logs (deleted and re-created by {@link #start})
     * @param clusterCidr     the pod network, split into per-node podCIDRs by the server
     * @param serviceCidr     the ClusterIP range
     * @param nodes           node names, one agent each
     * @param bridges         one bridge name per node (at most 15 characters)
     * @param extraServerArgs further {@code kaji server} arguments
     * @param extraAgentArgs  further {@code kaji agent} arguments, for every agent
     */
    public record Spec(Path root, String clusterCidr, String serviceCidr, List<String> nodes, List<String> bridges,
                       List<String> extraServerArgs, List<String> extraAgentArgs) {
        public Spec {
            nodes = List.copyOf(nodes);
            bridges = List.copyOf(bridges);
            extraServerArgs = List.copyOf(extraServerArgs);
            extraAgentArgs = List.copyOf(extraAgentArgs);
            if (nodes.size() != bridges.size()) {
                throw new IllegalArgumentException("one bridge per node: " + nodes + " vs " + bridges);
            }
        }

        /** Agents with no further arguments. */
        public Spec(Path root, String clusterCidr, String serviceCidr, List<String> nodes, List<String> bridges,
                    List<String> extraServerArgs) {
            this(root, clusterCidr, serviceCidr, nodes, bridges, extraServerArgs, List.of());
        }
    }

    private final Spec spec;
    private final Consumer<String> progress;
    private final List<String> serverJvm;
    private final List<String> agentJvm;
    private final List<KajiProcess> agents = new ArrayList<>();
    private final Set<String> killed = new HashSet<>();
    private KajiProcess server;
    private KubernetesClient client;
    private Path kubeconfig;
    private int port;

    private LocalCluster(Spec spec, Consumer<String> progress, List<String> serverJvm, List<String> agentJvm) {
        this.spec = spec;
        this.progress = progress;
        this.serverJvm = List.copyOf(serverJvm);
        this.agentJvm = List.copyOf(agentJvm);
    }

    /** True if this machine can run one: root, containerd and busybox-static installed. */
    public static boolean supported() {
        return "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/containerd"))
                && Files.isExecutable(Path.of("/bin/busybox"));
    }

    /** Starts the server and every agent, waits for all nodes Ready and imports the demo image. */
    public static LocalCluster start(Spec spec) throws IOException {
        return start(spec, line -> { });
    }

    /** As {@link #start(Spec)}, reporting each step (a line without newline) to {@code progress}. */
    public static LocalCluster start(Spec spec, Consumer<String> progress) throws IOException {
        return start(spec, progress, KajiProcess.SERVER_JVM_OPTIONS, KajiProcess.AGENT_JVM_OPTIONS);
    }

    /**
     * As {@link #start(Spec, Consumer)}, with these JVM options for the server and agent processes instead of the
     * roles' defaults ({@link KajiProcess#SERVER_JVM_OPTIONS}, {@link KajiProcess#AGENT_JVM_OPTIONS}).
     */
    public static LocalCluster start(Spec spec, Consumer<String> progress, List<String> serverJvm,
                                     List<String> agentJvm) throws IOException {
        LocalCluster c = new LocalCluster(spec, progress, serverJvm, agentJvm);
        try {
            c.startAll();
            return c;
        } catch (IOException | RuntimeException | Error e) {
            c.close();
            throw e;
        }
    }

    private void startAll() throws IOException {
        progress.accept("cleaning up leftovers of an earlier run under " + spec.root());
        cleanupHost();
        deleteRecursively(spec.root());
        Files.createDirectories(spec.root());
        // Below the ephemeral range: no outgoing connection takes it before the server binds it, or while a test
        // has the server down before starting it again on the same port.
        port = LoopbackPorts.free();
        kubeconfig = serverDir().resolve("kubeconfig");
        progress.accept("starting kaji server on port " + port);
        startServer();
        client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
        for (int i = 0; i < spec.nodes().size(); i++) {
            progress.accept("starting kaji agent " + spec.nodes().get(i));
            agents.add(startAgent(i));
        }
        progress.accept("waiting for nodes Ready: " + spec.nodes());
        awaitReady(spec.nodes());
        Path tarball = spec.root().resolve("busybox-demo.tar");
        OciImageLayout.write(BusyboxImage.image(BusyboxImage.NAME, BusyboxImage.HOST_BUSYBOX), tarball);
        for (String node : spec.nodes()) {
            progress.accept("importing the demo image into " + node);
            ImageImporter.forSocket(new NodeLayout(nodeDir(node)).criSocket()).importTarball(tarball);
        }
    }

    private Path serverDir() {
        return spec.root().resolve("server");
    }

    /** Starts the server process on this cluster's port and data dir and waits for its kubeconfig and API. */
    private void startServer() {
        List<String> args = new ArrayList<>(List.of("server", "--data-dir", serverDir().toString(), "--https-port",
                Integer.toString(port), "--disable-agent", "--cluster-cidr", spec.clusterCidr(), "--service-cidr",
                spec.serviceCidr()));
        args.addAll(spec.extraServerArgs());
        server = KajiProcess.start("server", spec.root().resolve("server.log"), serverJvm,
                args.toArray(String[]::new));
        poll("the server writes its kubeconfig", Duration.ofSeconds(90), Duration.ofMillis(200),
                () -> !server.alive(), () -> Files.exists(kubeconfig), List.of(server));
    }

    /**
     * SIGKILLs the server process (its data dir stays as the kill left it). The agents keep running and retry.
     */
    public void killServer() {
        server.kill();
    }

    /**
     * Starts the server again on the same port and data dir (after {@link #killServer()} or a stop) and waits until
     * its API answers.
     */
    public void restartServer() {
        if (server.alive()) {
            server.stop();
        }
        startServer();
        poll("the restarted server's API answers", Duration.ofSeconds(90), Duration.ofMillis(200),
                () -> !server.alive(), this::apiAnswers, List.of(server));
    }

    private boolean apiAnswers() {
        try {
            client.namespaces().withName("default").get();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private KajiProcess startAgent(int i) {
        String node = spec.nodes().get(i);
        List<String> args = new ArrayList<>(List.of("agent", "--kubeconfig", kubeconfig.toString(), "--node-name",
                node, "--data-dir", nodeDir(node).toString(), "--bridge", spec.bridges().get(i), "--initial-backoff",
                "1s"));
        args.addAll(spec.extraAgentArgs());
        return KajiProcess.start(node, spec.root().resolve(node + ".log"), agentJvm, args.toArray(String[]::new));
    }

    /** Waits up to 120 s until every named node reports Ready=True; fails with the logs if a process exits. */
    public void awaitReady(List<String> nodes) {
        List<KajiProcess> all = new ArrayList<>(agents);
        all.add(server);
        poll("nodes Ready: " + nodes, Duration.ofSeconds(120), Duration.ofMillis(500),
                () -> !server.alive() || agents.stream().anyMatch(a -> !a.alive() && !killed.contains(a.name())),
                () -> nodes.stream().allMatch(this::ready), all);
    }

    /** True if the node reports Ready=True. */
    public boolean ready(String node) {
        Node n = client.nodes().withName(node).get();
        if (n == null || n.getStatus() == null || n.getStatus().getConditions() == null) {
            return false;
        }
        return n.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    /** An admin client (fabric8) of this cluster; closed by {@link #close()}. */
    public KubernetesClient client() {
        return client;
    }

    /** The admin kubeconfig the server wrote. */
    public Path kubeconfig() {
        return kubeconfig;
    }

    public Spec spec() {
        return spec;
    }

    /** The data dir of a node's agent. */
    public Path nodeDir(String node) {
        return spec.root().resolve(node);
    }

    /** The agent process of a node. */
    public KajiProcess agent(String node) {
        int i = spec.nodes().indexOf(node);
        if (i < 0) {
            throw new IllegalArgumentException("no node " + node + " in this cluster: " + spec.nodes());
        }
        return agents.get(i);
    }

    /** The pid of the containerd a node's agent supervises (its child process), if it runs. */
    public java.util.Optional<Long> containerdPid(String node) {
        return ProcessHandle.of(agent(node).pid()).flatMap(h -> h.children()
                .filter(c -> c.info().command().map(cmd -> cmd.endsWith("/containerd")).orElse(false))
                .findFirst()).map(ProcessHandle::pid);
    }

    /** The current server process (a new one after {@link #restartServer()}). */
    public KajiProcess server() {
        return server;
    }

    /**
     * The machine dies: SIGKILL the agent, then kill its containerd and every container it ran (a dead machine's
     * containers do not keep serving), leaving the Node object to the controllers.
     */
    public void killNode(String node) {
        agent(node).kill();
        killed.add(node);
        new ContainerdResidue(new NodeLayout(nodeDir(node)).containerd()).remove();
    }

    /**
     * Starts a killed node's agent again on its data dir (its containerd comes back with the imported images) and
     * waits until the node is Ready.
     */
    public void restartNode(String node) {
        int i = spec.nodes().indexOf(node);
        if (agent(node).alive()) {
            throw new IllegalStateException("node " + node + " is running: kill it first");
        }
        agents.set(i, startAgent(i));
        killed.remove(node);
        awaitReady(List.of(node));
    }

    /** Deletes the workloads (so the agents tear their pods down properly), stops everything, cleans the host. */
    @Override
    public void close() {
        try {
            if (client != null && server != null && server.alive()) {
                progress.accept("deleting the workloads");
                deleteWorkloads();
                poll("pods gone", Duration.ofSeconds(60), Duration.ofSeconds(1), () -> false, this::podsGone,
                        List.of());
            }
        } catch (RuntimeException e) {
            System.err.println("cleanup: pods did not go away: " + e.getMessage());
        } finally {
            progress.accept("stopping the processes and cleaning up the host");
            agents.forEach(KajiProcess::stop);
            if (server != null) {
                server.stop();
            }
            if (client != null) {
                client.close();
            }
            cleanupHost();
        }
    }

    /** Deletes the workloads of every namespace but the system ones, pods without grace. */
    private void deleteWorkloads() {
        for (var namespace : client.namespaces().list().getItems()) {
            String ns = namespace.getMetadata().getName();
            if (Set.of("kube-system", "kube-public", "kube-node-lease").contains(ns)) {
                continue;
            }
            client.network().v1().networkPolicies().inNamespace(ns).delete();
            client.apps().deployments().inNamespace(ns).delete();
            client.apps().replicaSets().inNamespace(ns).delete();
            client.services().inNamespace(ns).list().getItems().stream()
                    .filter(s -> !"kubernetes".equals(s.getMetadata().getName()))
                    .forEach(s -> client.services().inNamespace(ns).resource(s).delete());
            client.pods().inNamespace(ns).withGracePeriod(0).delete();
        }
    }

    private boolean podsGone() {
        try {
            return client.pods().inAnyNamespace().list().getItems().stream()
                    .allMatch(p -> killed.contains(p.getSpec().getNodeName()));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Removes what a killed run may have left: containers, mounts, bridges, routes, firewall rules. */
    private void cleanupHost() {
        for (String node : spec.nodes()) {
            Path dir = nodeDir(node);
            if (Files.isDirectory(dir)) {
                try {
                    new ContainerdResidue(new NodeLayout(dir).containerd()).remove();
                } catch (RuntimeException e) {
                    System.err.println("cleanup " + node + ": " + e.getMessage());
                }
            }
        }
        for (String bridge : spec.bridges()) {
            HostCommand.run(List.of("ip", "link", "del", bridge), Duration.ofSeconds(10));
        }
        for (String node : spec.nodes()) {
            // A killed agent could not remove its service proxy's and policy enforcer's chains.
            KajiIptables.removeWithPrefix("KAJI-" + NodeNetworkServices.chainTag(node) + "-");
        }
        HostCommand.run(List.of("ip", "route", "del", "unreachable", spec.clusterCidr(), "proto", "75"),
                Duration.ofSeconds(10));
        removeCniForwardRules(spec.clusterCidr());
    }

    /**
     * Removes the CNI firewall plugin's per-pod accepts (chain CNI-FORWARD) of pod addresses inside {@code cidr}:
     * those of pods whose sandboxes were killed rather than torn down.
     */
    public static void removeCniForwardRules(String cidr) {
        HostCommand.Result forward = HostCommand.run(List.of("iptables", "-S", "CNI-FORWARD"), Duration.ofSeconds(10));
        for (String rule : forward.stdout().lines().toList()) {
            if (rule.startsWith("-A CNI-FORWARD") && !rule.contains("\"") && inside(cidr, rule)) {
                List<String> delete = new ArrayList<>(List.of("iptables", "-D"));
                delete.addAll(List.of(rule.substring(3).split(" ")));
                HostCommand.run(delete, Duration.ofSeconds(10));
            }
        }
    }

    private static boolean inside(String cidr, String rule) {
        for (String word : rule.split(" ")) {
            if (word.endsWith("/32") && BridgeNetwork.contains(cidr, word)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Polls {@code condition} until true; throws IllegalStateException with the processes' log tails when the
     * timeout passes or {@code failFast} becomes true.
     */
    private static void poll(String what, Duration timeout, Duration interval, BooleanSupplier failFast,
                             BooleanSupplier condition, List<KajiProcess> logs) {
        long deadline = System.nanoTime() + timeout.toNanos();
        String why;
        while (true) {
            if (failFast.getAsBoolean()) {
                why = "a Kaji process exited";
                break;
            }
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                // the API may not answer yet: try again until the deadline
            }
            if (System.nanoTime() > deadline) {
                why = "not within " + timeout.toSeconds() + " s";
                break;
            }
            try {
                Thread.sleep(interval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                why = "interrupted";
                break;
            }
        }
        StringBuilder message = new StringBuilder(what + ": " + why);
        logs.forEach(p -> message.append('\n').append(p.tail(40)));
        throw new IllegalStateException(message.toString());
    }

    /** Deletes a directory tree if it exists. */
    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
