package io.kaji.e2e;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.cli.NodeNetworkServices;
import io.kaji.node.NodeLayout;
import io.kaji.node.containerd.ContainerdResidue;
import io.kaji.node.host.HostCommand;
import io.kaji.node.image.BusyboxImage;
import io.kaji.node.image.ImageImporter;
import io.kaji.node.image.OciImageLayout;
import io.kaji.proxy.KajiIptables;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A cluster of real processes on this machine for end-to-end tests: one {@code kaji server --disable-agent}
 * (API server, controllers, scheduler) and one {@code kaji agent} per node, each with its own data dir,
 * containerd, bridge and podCIDR (from {@code clusterCidr}), the demo image imported into every node. Everything
 * lives under {@code root}; {@link #close()} deletes the workloads, stops the processes and removes what they
 * leave on the host (containers, mounts, bridges, routes, CNI firewall rules), as does {@link #start} for a
 * killed earlier run.
 */
final class LocalCluster implements AutoCloseable {

    /** What a cluster looks like: all addresses inside 100.64.0.0/10. */
    record Spec(Path root, String clusterCidr, String serviceCidr, List<String> nodes, List<String> bridges,
                List<String> extraServerArgs) {}

    private final Spec spec;
    private KajiProcess server;
    private final List<KajiProcess> agents = new ArrayList<>();
    private KubernetesClient client;
    private Kubectl kubectl;
    private Path kubeconfig;
    private final java.util.Set<String> killed = new java.util.HashSet<>();

    private LocalCluster(Spec spec) {
        this.spec = spec;
    }

    static boolean supported() {
        return "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/containerd"))
                && Files.isExecutable(Path.of("/bin/busybox"));
    }

    /** Starts the server and every agent, waits for all nodes Ready and imports the demo image. */
    static LocalCluster start(Spec spec) throws Exception {
        LocalCluster c = new LocalCluster(spec);
        try {
            c.startAll();
            return c;
        } catch (Exception | AssertionError e) {
            c.close();
            throw e;
        }
    }

    private void startAll() throws Exception {
        cleanupHost();
        deleteRecursively(spec.root());
        Files.createDirectories(spec.root());
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path serverDir = spec.root().resolve("server");
        List<String> args = new ArrayList<>(List.of("server", "--data-dir", serverDir.toString(), "--https-port",
                Integer.toString(port), "--disable-agent", "--cluster-cidr", spec.clusterCidr(), "--service-cidr",
                spec.serviceCidr()));
        args.addAll(spec.extraServerArgs());
        server = KajiProcess.start("server", spec.root().resolve("server.log"), args.toArray(String[]::new));
        kubeconfig = serverDir.resolve("kubeconfig");
        try {
            await("the server writes its kubeconfig").atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(200)).failFast("the server exited", () -> !server.alive())
                    .until(() -> Files.exists(kubeconfig));
        } catch (RuntimeException e) {
            throw new AssertionError(e.getMessage() + "\n" + server.tail(40), e);
        }
        client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
        kubectl = new Kubectl(Kubectl.DEFAULT_BINARY, kubeconfig, Files.createDirectories(spec.root().resolve("home")));
        for (int i = 0; i < spec.nodes().size(); i++) {
            agents.add(startAgent(i));
        }
        awaitReady(spec.nodes());
        Path tarball = spec.root().resolve("busybox-demo.tar");
        OciImageLayout.write(BusyboxImage.image(BusyboxImage.NAME, BusyboxImage.HOST_BUSYBOX), tarball);
        for (String node : spec.nodes()) {
            ImageImporter.forSocket(new NodeLayout(nodeDir(node)).criSocket()).importTarball(tarball);
        }
    }

    private KajiProcess startAgent(int i) {
        String node = spec.nodes().get(i);
        return KajiProcess.start(node, spec.root().resolve(node + ".log"), "agent", "--kubeconfig",
                kubeconfig.toString(), "--node-name", node, "--data-dir", nodeDir(node).toString(), "--bridge",
                spec.bridges().get(i), "--initial-backoff", "1s");
    }

    /** Waits until every named node reports Ready=True, failing with the logs if a process exits. */
    void awaitReady(List<String> nodes) {
        try {
            await("nodes Ready: " + nodes).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                    .failFast("a Kaji process exited", () -> !server.alive()
                            || agents.stream().anyMatch(a -> a != null && !a.alive()))
                    .until(() -> nodes.stream().allMatch(this::ready));
        } catch (RuntimeException e) {
            StringBuilder logs = new StringBuilder(e.getMessage());
            agents.forEach(a -> logs.append("\n").append(a.tail(40)));
            throw new AssertionError(logs.append("\n").append(server.tail(40)).toString(), e);
        }
    }

    boolean ready(String node) {
        Node n = client.nodes().withName(node).get();
        if (n == null || n.getStatus() == null || n.getStatus().getConditions() == null) {
            return false;
        }
        return n.getStatus().getConditions().stream()
                .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    KubernetesClient client() {
        return client;
    }

    Kubectl kubectl() {
        return kubectl;
    }

    Path nodeDir(String node) {
        return spec.root().resolve(node);
    }

    KajiProcess agent(String node) {
        return agents.get(spec.nodes().indexOf(node));
    }

    KajiProcess server() {
        return server;
    }

    /**
     * The machine dies: SIGKILL the agent, then kill its containerd and every container it ran (a dead machine's
     * containers do not keep serving), leaving the Node object to the controllers.
     */
    void killNode(String node) {
        agent(node).kill();
        killed.add(node);
        new ContainerdResidue(new NodeLayout(nodeDir(node)).containerd()).remove();
    }

    /** Deletes the workloads (so the agents tear their pods down properly), stops everything, cleans the host. */
    @Override
    public void close() {
        try {
            if (kubectl != null && server != null && server.alive()) {
                kubectl.run("delete", "networkpolicies,deployments,replicasets,services,pods", "--all", "--wait=false",
                        "--grace-period=0");
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                        .until(() -> client.pods().inAnyNamespace().list().getItems().stream()
                                .allMatch(p -> killed.contains(p.getSpec().getNodeName())));
            }
        } catch (RuntimeException e) {
            System.err.println("cleanup: pods did not go away: " + e.getMessage());
        } finally {
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

    /** Removes what a killed run may have left: containers, mounts, bridges, routes, CNI firewall accepts. */
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
        // The CNI firewall plugin's per-pod accepts of pods whose sandboxes were killed rather than torn down.
        HostCommand.Result forward = HostCommand.run(List.of("iptables", "-S", "CNI-FORWARD"), Duration.ofSeconds(10));
        for (String rule : forward.stdout().lines().toList()) {
            if (rule.startsWith("-A CNI-FORWARD") && !rule.contains("\"") && insideClusterCidr(rule)) {
                List<String> delete = new ArrayList<>(List.of("iptables", "-D"));
                delete.addAll(List.of(rule.substring(3).split(" ")));
                HostCommand.run(delete, Duration.ofSeconds(10));
            }
        }
    }

    private boolean insideClusterCidr(String rule) {
        for (String word : rule.split(" ")) {
            if (word.endsWith("/32") && io.kaji.node.cni.BridgeNetwork.contains(spec.clusterCidr(), word)) {
                return true;
            }
        }
        return false;
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
