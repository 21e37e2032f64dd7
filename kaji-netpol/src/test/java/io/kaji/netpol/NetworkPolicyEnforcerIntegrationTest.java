package io.kaji.netpol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.apiserver.server.TestServer;
import io.kaji.node.host.HostCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real iptables and real TCP: a bridge {@code kajinp0} (100.64.30.1/24) with three network namespaces
 * (server 100.64.30.10 running busybox httpd, clients 100.64.30.20 and .21), Pod and Namespace objects for them in an
 * in-process API server, and the enforcer for node {@code knp-node}. Connections are made with busybox wget.
 *
 * <p>Kaji's API server does not serve networking.k8s.io/v1 yet, so the policies come from a list the test edits
 * (the package-private start variant); pods and namespaces come through real informers.
 */
class NetworkPolicyEnforcerIntegrationTest {

    static final String NODE = "knp-node";
    static final String TAG = "NPIT";
    static final String OTHER_TAG = "NPI2";
    static final String BRIDGE = "kajinp0";
    static final String GATEWAY = "100.64.30.1";
    static final String SERVER_IP = "100.64.30.10";
    static final String CLIENT_IP = "100.64.30.20";
    static final String CLIENT2_IP = "100.64.30.21";
    static final String NS = "np-web";
    static final List<String> NETNS = List.of("knp-srv", "knp-cli", "knp-cli2");
    /** An empty chain of the test's own, jumped to from FORWARD ahead of the enforcer. */
    static final String FOREIGN_CHAIN = "KNP-TEST-FIRST";

    @TempDir
    static Path data;
    static TestServer server;
    static KubernetesClient client;
    static Process httpd;
    static final List<NetworkPolicy> policies = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static at /bin/busybox is required");
        assumeTrue(HostCommand.run(List.of("id", "-u"), Duration.ofSeconds(5)).stdout().strip().equals("0"),
                "root is required for network namespaces and iptables");
        cleanUp();
        sh("ip", "link", "add", BRIDGE, "type", "bridge");
        sh("ip", "addr", "add", GATEWAY + "/24", "dev", BRIDGE);
        sh("ip", "link", "set", BRIDGE, "up");
        addNetns("knp-srv", "knph-srv", SERVER_IP);
        addNetns("knp-cli", "knph-cli", CLIENT_IP);
        addNetns("knp-cli2", "knph-cli2", CLIENT2_IP);
        Path www = Files.createDirectories(data.resolve("www"));
        Files.writeString(www.resolve("index.html"), "kaji\n");
        httpd = new ProcessBuilder("ip", "netns", "exec", "knp-srv", "/bin/busybox", "httpd", "-f", "-p", "8080",
                "-h", www.toString()).redirectErrorStream(true).redirectOutput(data.resolve("httpd.log").toFile())
                .start();

        server = TestServer.start(data.resolve("api"));
        client = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(null, Files.readString(server.kubeconfig()), null)).build();
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS)
                .withLabels(Map.of("team", "web")).endMetadata().build()).create();
        createPod("server", Map.of("app", "web"), SERVER_IP);
        createPod("client", Map.of("app", "client"), CLIENT_IP);
        createPod("client2", Map.of("app", "other"), CLIENT2_IP);
        await().atMost(Duration.ofSeconds(10)).until(() -> reachable("knp-cli"));
    }

    @AfterAll
    static void tearDown() {
        if (httpd != null) {
            httpd.destroyForcibly();
        }
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        cleanUp();
    }

    @Test
    void enforcesPoliciesOnRealTraffic() {
        // a chain left over by a killed run of this node's enforcer is deleted by the first sync
        sh("iptables", "-w", "-N", "KAJI-" + TAG + "-NPI-LEFTOVER");
        NetworkPolicyEnforcer enforcer = NetworkPolicyEnforcer.start(client,
                new PolicyOptions(NODE, TAG, List.of(GATEWAY), Duration.ofMillis(100), Duration.ofSeconds(30)),
                () -> List.copyOf(policies));
        NetworkPolicyEnforcer other = null;
        try {
            assertThat(ownedChains(TAG)).containsExactly("KAJI-NPIT-NP-FWD");
            assertThat(jumpCount(enforcer)).isEqualTo(1);
            assertThat(firstForwardRule()).endsWith("-j KAJI-NPIT-NP-FWD");

            // a rule inserted ahead later (as the CNI firewall plugin does with CNI-FORWARD) is overtaken again
            sh("iptables", "-w", "-N", FOREIGN_CHAIN);
            sh("iptables", "-w", "-I", "FORWARD", "1", "-j", FOREIGN_CHAIN);
            // (a sync that writes nothing checks the position at most every 5 s)
            await().atMost(Duration.ofSeconds(8)).pollInterval(Duration.ofMillis(200)).until(() -> {
                enforcer.requestSync();
                return firstForwardRule().endsWith("-j KAJI-NPIT-NP-FWD");
            });
            assertThat(jumpCount(enforcer)).isEqualTo(1);
            assertThat(reachable("knp-cli")).as("no policy: allowed").isTrue();
            assertThat(reachable("knp-cli2")).isTrue();
            assertThat(enforcer.watchingPods()).as("no policy: no watch of every pod").isFalse();

            // a second enforcer on the same machine (another node, no pods) keeps to its own chains
            other = NetworkPolicyEnforcer.start(client, new PolicyOptions("knp-other", OTHER_TAG, List.of(),
                    Duration.ofMillis(100), Duration.ofSeconds(30)), () -> List.copyOf(policies));
            assertThat(ownedChains(OTHER_TAG)).containsExactly("KAJI-NPI2-NP-FWD");
            // the two enforcers do not fight over the first place: each tolerates the other's jump ahead of it
            long syncs0 = enforcer.syncCount();
            long otherSyncs0 = other.syncCount();
            enforcer.requestSync();
            other.requestSync();
            NetworkPolicyEnforcer second = other;
            await().atMost(Duration.ofSeconds(2))
                    .until(() -> enforcer.syncCount() > syncs0 && second.syncCount() > otherSyncs0);
            assertThat(forwardRules().subList(0, 2)).allMatch(r -> r.matches(".*-j KAJI-NPI[T2]-NP-FWD$"));

            long t0 = System.nanoTime();
            long syncs = enforcer.syncCount();
            setPolicies(enforcer, policy("deny-ingress", Map.of(), List.of("Ingress")).build());
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10))
                    .until(() -> enforcer.syncCount() > syncs);
            long applied = System.nanoTime();
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
                    .until(() -> !reachable("knp-cli"));
            System.out.printf("default-deny ingress: rules applied after %d ms, connection refused after %d ms%n",
                    (applied - t0) / 1_000_000, (System.nanoTime() - t0) / 1_000_000);
            long t1 = System.nanoTime();
            assertThat(reachable("knp-cli2")).isFalse();
            assertThat(reachableFromHost()).as("the node itself (kubelet probes)").isTrue();
            System.out.printf("a rejected GET returns after %d ms%n", (System.nanoTime() - t1) / 1_000_000);
            assertThat(ownedChains(TAG)).hasSize(2); // top + one ingress chain the three pods share
            assertThat(enforcer.watchingPods()).as("the first policy started the pod watch").isTrue();

            setPolicies(enforcer, policy("deny-ingress", Map.of(), List.of("Ingress")).build(),
                    policy("allow-client", Map.of("app", "web"), List.of("Ingress")).editSpec().addNewIngress()
                            .addNewFrom().withPodSelector(new LabelSelectorBuilder().withMatchLabels(
                                    Map.of("app", "client")).build()).endFrom()
                            .addNewPort().withProtocol("TCP").withNewPort(8080).endPort().endIngress().endSpec().build());
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50)).until(() -> reachable("knp-cli"));
            assertThat(reachable("knp-cli2")).as("app=other is not allowed").isFalse();

            // closing the other enforcer leaves this one's rules alone
            other.close();
            other = null;
            assertThat(ownedChains(OTHER_TAG)).isEmpty();
            assertThat(reachable("knp-cli2")).isFalse();
            assertThat(reachable("knp-cli")).isTrue();

            List<NetworkPolicy> withEgress = new ArrayList<>(policies);
            withEgress.add(policy("client-egress", Map.of("app", "client"), List.of("Egress")).build());
            setPolicies(enforcer, withEgress.toArray(NetworkPolicy[]::new));
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
                    .until(() -> !reachable("knp-cli"));

            // a pod change alone (the client's label) re-syncs: the client is no longer selected by the egress
            // policy nor allowed by the ingress one
            client.pods().inNamespace(NS).withName("client").edit(p -> new PodBuilder(p).editMetadata()
                    .addToLabels("app", "moved").endMetadata().build());
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
                    .until(() -> ruleText().contains("--comment \"np-web/client ingress\"")
                            && !ruleText().contains("--comment \"np-web/client egress\""));
            assertThat(reachable("knp-cli")).isFalse();

            // the last policy gone: the pods' rules and the pod watch go
            setPolicies(enforcer);
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(50))
                    .until(() -> !enforcer.watchingPods() && reachable("knp-cli"));
            assertThat(ownedChains(TAG)).containsExactly("KAJI-NPIT-NP-FWD");
        } finally {
            if (other != null) {
                other.close();
            }
            enforcer.close();
        }
        assertThat(ownedChains(TAG)).isEmpty();
        assertThat(jumpCount(enforcer)).isZero();
        assertThat(reachable("knp-cli")).as("no enforcer: allowed again").isTrue();
    }

    @Test
    void runsWithoutEnforcingWhenTheApiServerDoesNotServeNetworkPolicies() {
        // Kaji's API server has no networking.k8s.io/v1 yet: the informer path must start, write its top chain,
        // keep asking (resync every second here) and not crash
        NetworkPolicyEnforcer enforcer = NetworkPolicyEnforcer.start(client,
                new PolicyOptions(NODE, TAG, List.of(GATEWAY), Duration.ofMillis(100), Duration.ofSeconds(1)));
        try {
            assertThat(ownedChains(TAG)).containsExactly("KAJI-NPIT-NP-FWD");
            long before = enforcer.syncCount();
            await().atMost(Duration.ofSeconds(5)).until(() -> enforcer.syncCount() >= before + 2);
            assertThat(reachable("knp-cli2")).isTrue();
        } finally {
            enforcer.close();
        }
        assertThat(ownedChains(TAG)).isEmpty();
    }

    // ---- helpers ----

    static void setPolicies(NetworkPolicyEnforcer enforcer, NetworkPolicy... ps) {
        policies.clear();
        policies.addAll(List.of(ps));
        enforcer.requestSync();
    }

    static NetworkPolicyBuilder policy(String name, Map<String, String> podLabels, List<String> types) {
        return new NetworkPolicyBuilder().withNewMetadata().withNamespace(NS).withName(name).endMetadata()
                .withNewSpec().withPodSelector(new LabelSelectorBuilder().withMatchLabels(podLabels).build())
                .withPolicyTypes(types).endSpec();
    }

    static void createPod(String name, Map<String, String> labels, String ip) {
        Pod pod = client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(name)
                .withLabels(labels).endMetadata().withNewSpec().withNodeName(NODE).addNewContainer().withName("c")
                .withImage("busybox").addNewPort().withName("http").withContainerPort(8080).endPort().endContainer()
                .endSpec().build()).create();
        client.pods().inNamespace(NS).resource(new PodBuilder(pod).withNewStatus().withPhase("Running")
                .withPodIP(ip).endStatus().build()).updateStatus();
    }

    /**
     * True when an HTTP GET from {@code netns} to the server succeeds within 2 s (busybox 1.35's wget -T
     * crashes, so coreutils timeout bounds it).
     */
    static boolean reachable(String netns) {
        HostCommand.Result r = HostCommand.run(List.of("timeout", "2", "ip", "netns", "exec", netns, "/bin/busybox",
                "wget", "-q", "-O", "-", "http://" + SERVER_IP + ":8080/"), Duration.ofSeconds(10));
        return r.ok() && r.stdout().contains("kaji");
    }

    static boolean reachableFromHost() {
        HostCommand.Result r = HostCommand.run(List.of("timeout", "2", "/bin/busybox", "wget", "-q", "-O", "-",
                "http://" + SERVER_IP + ":8080/"), Duration.ofSeconds(10));
        return r.ok() && r.stdout().contains("kaji");
    }

    static List<String> ownedChains(String tag) {
        return new Iptables().chains("KAJI-" + tag + "-NP");
    }

    static int jumpCount(NetworkPolicyEnforcer e) {
        return (int) HostCommand.run(List.of("iptables", "-w", "-S", "FORWARD"), Duration.ofSeconds(10)).orThrow()
                .stdout().lines().filter(l -> l.contains(e.jumpComment())).count();
    }

    static List<String> forwardRules() {
        return HostCommand.run(List.of("iptables", "-w", "-S", "FORWARD"), Duration.ofSeconds(10)).orThrow().stdout()
                .lines().filter(l -> l.startsWith("-A FORWARD")).toList();
    }

    static String firstForwardRule() {
        return forwardRules().getFirst();
    }

    static String ruleText() {
        return HostCommand.run(List.of("iptables-save", "-t", "filter"), Duration.ofSeconds(10)).orThrow().stdout();
    }

    static void addNetns(String name, String hostVeth, String ip) {
        sh("ip", "netns", "add", name);
        sh("ip", "link", "add", hostVeth, "type", "veth", "peer", "name", "eth0", "netns", name);
        sh("ip", "link", "set", hostVeth, "master", BRIDGE, "up");
        sh("ip", "netns", "exec", name, "ip", "addr", "add", ip + "/24", "dev", "eth0");
        sh("ip", "netns", "exec", name, "ip", "link", "set", "eth0", "up");
        sh("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up");
    }

    /** Removes everything this test creates; tolerates its absence (leftovers of a killed run, or nothing). */
    static void cleanUp() {
        for (String tag : List.of(TAG, OTHER_TAG)) {
            String top = "KAJI-" + tag + "-NP-FWD";
            for (String line : HostCommand.run(List.of("iptables", "-w", "-S", "FORWARD"), Duration.ofSeconds(10))
                    .stdout().lines().filter(l -> l.contains("-j " + top)).toList()) {
                List<String> delete = new ArrayList<>(List.of("iptables", "-w"));
                delete.addAll(splitRule(line.replaceFirst("^-A ", "-D ")));
                HostCommand.run(delete, Duration.ofSeconds(10));
            }
            List<String> owned = ownedChains(tag);
            if (!owned.isEmpty()) {
                new Iptables().restore(RuleSet.deleteScript(owned));
            }
        }
        HostCommand.run(List.of("iptables", "-w", "-D", "FORWARD", "-j", FOREIGN_CHAIN), Duration.ofSeconds(10));
        HostCommand.run(List.of("iptables", "-w", "-X", FOREIGN_CHAIN), Duration.ofSeconds(10));
        for (String ns : NETNS) {
            HostCommand.run(List.of("ip", "netns", "del", ns), Duration.ofSeconds(10));
        }
        HostCommand.run(List.of("ip", "link", "del", BRIDGE), Duration.ofSeconds(10));
    }

    /** Splits an iptables -S line into arguments, keeping a quoted comment as one argument. */
    static List<String> splitRule(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (char c : line.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ' ' && !quoted) {
                if (!cur.isEmpty()) {
                    out.add(cur.toString());
                    cur.setLength(0);
                }
            } else {
                cur.append(c);
            }
        }
        if (!cur.isEmpty()) {
            out.add(cur.toString());
        }
        return out;
    }

    static void sh(String... command) {
        HostCommand.run(List.of(command), Duration.ofSeconds(20)).orThrow();
    }
}
