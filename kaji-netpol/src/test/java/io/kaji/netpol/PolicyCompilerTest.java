package io.kaji.netpol;

import static io.kaji.netpol.PacketSimulator.Packet.tcp;
import static io.kaji.netpol.PacketSimulator.Packet.udp;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeerBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.kaji.netpol.PacketSimulator.Packet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PolicyCompilerTest {

    static final String NODE_IP = "192.168.5.1";
    static final String SERVER = "10.1.0.10";      // prod/server on n1 (app=web, port "http" = 8080)
    static final String DB = "10.1.0.11";          // prod/db on n1 (app=db)
    static final String CLIENT = "10.1.1.20";      // prod/client on n2 (app=client)
    static final String OTHER = "10.1.1.21";       // prod/other on n2 (app=other)
    static final String DEV_CLIENT = "10.1.1.30";  // dev/client on n2 (app=client)
    static final String DEV_OTHER = "10.1.1.31";   // dev/other on n2 (app=other)
    static final String DNS = "10.1.1.53";         // kube-system/coredns on n2 (port "dns" = 53/UDP)
    static final String OUTSIDE = "203.0.113.9";

    final PolicyOptions options = new PolicyOptions("n1", "T3ST", List.of(NODE_IP), Duration.ZERO,
            Duration.ofSeconds(30));
    final List<Pod> pods = new ArrayList<>(List.of(
            pod("prod", "server", "n1", SERVER, Map.of("app", "web"), "http", 8080, "TCP"),
            pod("prod", "db", "n1", DB, Map.of("app", "db"), null, 0, null),
            pod("prod", "client", "n2", CLIENT, Map.of("app", "client"), null, 0, null),
            pod("prod", "other", "n2", OTHER, Map.of("app", "other"), null, 0, null),
            pod("dev", "client", "n2", DEV_CLIENT, Map.of("app", "client"), null, 0, null),
            pod("dev", "other", "n2", DEV_OTHER, Map.of("app", "other"), null, 0, null),
            pod("kube-system", "coredns", "n2", DNS, Map.of("k8s-app", "kube-dns"), "dns", 53, "UDP")));
    final List<Namespace> namespaces = List.of(ns("prod", Map.of("team", "a")), ns("dev", Map.of("team", "b")),
            ns("kube-system", Map.of()));

    PolicyCompiler.Result compile(NetworkPolicy... policies) {
        return new PolicyCompiler(options).compile(new ClusterState(List.of(policies), pods, namespaces));
    }

    PacketSimulator sim(NetworkPolicy... policies) {
        PolicyCompiler.Result r = compile(policies);
        assertThat(r.problems()).isEmpty();
        return new PacketSimulator(r.rules());
    }

    @Test
    void withoutPoliciesEverythingIsAllowedAndNoPodChainExists() {
        PolicyCompiler.Result r = compile();
        assertThat(r.rules().chains()).containsOnlyKeys("KAJI-T3ST-NP-FWD");
        PacketSimulator s = new PacketSimulator(r.rules());
        assertThat(s.allows(tcp(CLIENT, SERVER, 8080))).isTrue();
        assertThat(s.allows(tcp(SERVER, OUTSIDE, 443))).isTrue();
    }

    @Test
    void defaultDenyIngressRejectsNewConnectionsButNotRepliesNodeOrEgress() {
        PacketSimulator s = sim(policy("prod", "deny", selector(Map.of())).withNewSpec().withPodSelector(selector(Map.of()))
                .withPolicyTypes("Ingress").endSpec().build());
        assertThat(s.allows(tcp(CLIENT, SERVER, 8080))).isFalse();
        assertThat(s.allows(tcp(CLIENT, DB, 5432))).isFalse();
        assertThat(s.allows(new Packet(CLIENT, SERVER, "tcp", 8080, true))).as("established").isTrue();
        assertThat(s.allows(tcp(NODE_IP, SERVER, 8080))).as("kubelet probe from the node").isTrue();
        assertThat(s.allows(tcp(SERVER, CLIENT, 80))).as("egress not isolated").isTrue();
        assertThat(s.allows(tcp(CLIENT, DEV_CLIENT, 80))).as("remote pods are not this node's business").isTrue();
        assertThat(s.allows(tcp(SERVER, SERVER, 8080))).as("a pod cannot block access to itself").isTrue();
        assertThat(s.allows(tcp(DB, SERVER, 8080))).as("local pods are isolated from each other").isFalse();
    }

    @Test
    void allowByPodLabelOnlyInThePolicyNamespace() {
        PacketSimulator s = sim(ingressPolicy("prod", "web", Map.of("app", "web"),
                List.of(peer(selector(Map.of("app", "client")), null)), List.of()));
        assertThat(s.allows(tcp(CLIENT, SERVER, 8080))).isTrue();
        assertThat(s.allows(tcp(OTHER, SERVER, 8080))).isFalse();
        assertThat(s.allows(tcp(DEV_CLIENT, SERVER, 8080))).as("same label, other namespace").isFalse();
        assertThat(s.allows(tcp(OTHER, DB, 5432))).as("db is not selected").isTrue();
    }

    @Test
    void allowByNamespaceLabel() {
        PacketSimulator s = sim(ingressPolicy("prod", "web", Map.of("app", "web"),
                List.of(peer(null, selector(Map.of("team", "b")))), List.of()));
        assertThat(s.allows(tcp(DEV_CLIENT, SERVER, 8080))).isTrue();
        assertThat(s.allows(tcp(DEV_OTHER, SERVER, 8080))).isTrue();
        assertThat(s.allows(tcp(CLIENT, SERVER, 8080))).isFalse();
    }

    @Test
    void namespaceNameLabelIsImplicit() {
        PacketSimulator s = sim(ingressPolicy("prod", "web", Map.of("app", "web"),
                List.of(peer(null, selector(Map.of(PolicyCompiler.NAMESPACE_NAME_LABEL, "kube-system")))), List.of()));
        assertThat(s.allows(tcp(DNS, SERVER, 8080))).isTrue();
        assertThat(s.allows(tcp(DEV_CLIENT, SERVER, 8080))).isFalse();
    }

    @Test
    void podAndNamespaceSelectorInOnePeerAreAnAnd() {
        PacketSimulator s = sim(ingressPolicy("prod", "web", Map.of("app", "web"),
                List.of(peer(selector(Map.of("app", "client")), selector(Map.of("team", "b")))), List.of()));
        assertThat(s.allows(tcp(DEV_CLIENT, SERVER, 8080))).isTrue();
        assertThat(s.allows(tcp(DEV_OTHER, SERVER, 8080))).isFalse();
        assertThat(s.allows(tcp(CLIENT, SERVER, 8080))).isFalse();
    }

    @Test
    void ipBlockWithExcept() {
        NetworkPolicyPeer block = new NetworkPolicyPeerBuilder()
                .withIpBlock(new IPBlock("10.1.1.0/24", List.of("10.1.1.16/29"))).build();
        PacketSimulator s = sim(ingressPolicy("prod", "web", Map.of("app", "web"), List.of(block), List.of()));
        assertThat(s.allows(tcp(DEV_CLIENT, SERVER, 8080))).as("10.1.1.30 outside the except").isTrue();
        assertThat(s.allows(tcp(CLIENT, SERVER, 8080))).as("10.1.1.20 inside the except").isFalse();
        assertThat(s.allows(tcp("10.1.2.1", SERVER, 8080))).isFalse();
        assertThat(s.allows(tcp("10.1.1.255", SERVER, 8080))).isTrue();
    }

    @Test
    void namedPortResolvesAgainstTheTargetPod() {
        PacketSimulator s = sim(ingressPolicy("prod", "all", Map.of(), null, List.of(port("TCP", "http", null))));
        assertThat(s.allows(tcp(CLIENT, SERVER, 8080))).isTrue();
        assertThat(s.allows(tcp(CLIENT, SERVER, 80))).isFalse();
        assertThat(s.allows(udp(CLIENT, SERVER, 8080))).as("the name is a TCP port").isFalse();
        assertThat(s.allows(tcp(CLIENT, DB, 8080))).as("db declares no port named http").isFalse();
    }

    @Test
    void endPortRangeAndProtocol() {
        PacketSimulator s = sim(ingressPolicy("prod", "range", Map.of("app", "web"), null,
                List.of(port(null, 8000, 8100), port("UDP", 53, null))));
        assertThat(s.allows(tcp(CLIENT, SERVER, 8000))).isTrue();
        assertThat(s.allows(tcp(CLIENT, SERVER, 8100))).isTrue();
        assertThat(s.allows(tcp(CLIENT, SERVER, 8101))).isFalse();
        assertThat(s.allows(udp(CLIENT, SERVER, 8080))).isFalse();
        assertThat(s.allows(udp(CLIENT, SERVER, 53))).isTrue();
        assertThat(s.allows(tcp(CLIENT, SERVER, 53))).isFalse();
    }

    @Test
    void egressDenyExceptDns() {
        NetworkPolicy p = new NetworkPolicyBuilder().withNewMetadata().withNamespace("prod").withName("dns-only")
                .endMetadata().withNewSpec().withPodSelector(selector(Map.of("app", "web"))).withPolicyTypes("Egress")
                .addNewEgress().withPorts(port("UDP", 53, null), port("TCP", 53, null)).endEgress().endSpec().build();
        PacketSimulator s = sim(p);
        assertThat(s.allows(udp(SERVER, DNS, 53))).isTrue();
        assertThat(s.allows(tcp(SERVER, DNS, 53))).isTrue();
        assertThat(s.allows(tcp(SERVER, CLIENT, 80))).isFalse();
        assertThat(s.allows(tcp(SERVER, OUTSIDE, 443))).isFalse();
        assertThat(s.allows(new Packet(SERVER, CLIENT, "tcp", 80, true))).as("replies").isTrue();
        assertThat(s.allows(tcp(CLIENT, SERVER, 8080))).as("ingress not isolated").isTrue();
        assertThat(s.allows(tcp(DB, OUTSIDE, 443))).as("db not selected").isTrue();
    }

    @Test
    void egressNamedPortResolvesAgainstEachDestinationPod() {
        NetworkPolicy p = new NetworkPolicyBuilder().withNewMetadata().withNamespace("prod").withName("dns-by-name")
                .endMetadata().withNewSpec().withPodSelector(selector(Map.of("app", "web"))).withPolicyTypes("Egress")
                .addNewEgress().withPorts(port("UDP", "dns", null)).endEgress().endSpec().build();
        PacketSimulator s = sim(p);
        assertThat(s.allows(udp(SERVER, DNS, 53))).isTrue();
        assertThat(s.allows(udp(SERVER, CLIENT, 53))).as("client declares no port named dns").isFalse();
    }

    @Test
    void policyTypesDefaultToEgressWhenEgressRulesExist() {
        NetworkPolicy p = new NetworkPolicyBuilder().withNewMetadata().withNamespace("prod").withName("both")
                .endMetadata().withNewSpec().withPodSelector(selector(Map.of("app", "db")))
                .addNewEgress().withTo(peer(selector(Map.of("app", "web")), null)).endEgress().endSpec().build();
        PacketSimulator s = sim(p);
        assertThat(s.allows(tcp(CLIENT, DB, 5432))).as("Ingress is always a default type, with no rules").isFalse();
        assertThat(s.allows(tcp(DB, SERVER, 8080))).isTrue();
        assertThat(s.allows(tcp(DB, CLIENT, 80))).isFalse();
    }

    @Test
    void twoPoliciesAreAUnion() {
        PacketSimulator s = sim(
                ingressPolicy("prod", "a", Map.of("app", "web"), List.of(peer(selector(Map.of("app", "client")), null)),
                        List.of(port("TCP", 8080, null))),
                ingressPolicy("prod", "b", Map.of("app", "web"), List.of(peer(null, selector(Map.of("team", "b")))),
                        List.of()));
        assertThat(s.allows(tcp(CLIENT, SERVER, 8080))).isTrue();
        assertThat(s.allows(tcp(CLIENT, SERVER, 9090))).isFalse();
        assertThat(s.allows(tcp(DEV_OTHER, SERVER, 9090))).isTrue();
        assertThat(s.allows(tcp(OTHER, SERVER, 8080))).isFalse();
    }

    @Test
    void aPolicySelectingNoPodsChangesNothing() {
        PolicyCompiler.Result r = compile(ingressPolicy("prod", "none", Map.of("app", "nothing"), List.of(), List.of()),
                ingressPolicy("dev", "other-ns", Map.of(), List.of(), List.of()));
        assertThat(r.rules().chains()).hasSize(1);
        assertThat(new PacketSimulator(r.rules()).allows(tcp(OTHER, SERVER, 8080))).isTrue();
    }

    @Test
    void podsOfOtherNodesHostNetworkAndFinishedPodsGetNoChains() {
        pods.add(new PodBuilder(pod("prod", "host", "n1", "192.168.5.7", Map.of(), null, 0, null))
                .editSpec().withHostNetwork(true).endSpec().build());
        pods.add(new PodBuilder(pod("prod", "done", "n1", "10.1.0.99", Map.of(), null, 0, null))
                .editStatus().withPhase("Succeeded").endStatus().build());
        PolicyCompiler.Result r = compile(ingressPolicy("prod", "deny", Map.of(), List.of(), List.of()));
        assertThat(r.rules().chain("KAJI-T3ST-NP-FWD")).extracting(Rule::comment).containsExactly(
                "replies of allowed connections", "prod/db to itself", "prod/server to itself", "prod/db ingress",
                "prod/server ingress");
    }

    @Test
    void podsSelectedByTheSamePoliciesShareOneChain() {
        pods.add(pod("prod", "server-2", "n1", "10.1.0.12", Map.of("app", "web"), "http", 8080, "TCP"));
        pods.add(pod("prod", "server-3", "n1", "10.1.0.13", Map.of("app", "web"), "web", 9090, "TCP"));
        NetworkPolicy p = ingressPolicy("prod", "web", Map.of("app", "web"),
                List.of(peer(selector(Map.of("app", "client")), null)), List.of(port("TCP", "http", null)));
        PolicyCompiler.Result r = compile(p);
        List<Rule> top = r.rules().chain("KAJI-T3ST-NP-FWD");
        String server = target(top, SERVER);
        assertThat(target(top, "10.1.0.12")).as("same policies, same named port").isEqualTo(server);
        assertThat(target(top, "10.1.0.13")).as("http is not declared there").isNotEqualTo(server);
        assertThat(r.rules().chains()).hasSize(3);
        PacketSimulator s = new PacketSimulator(r.rules());
        assertThat(s.allows(tcp(CLIENT, "10.1.0.12", 8080))).isTrue();
        assertThat(s.allows(tcp(CLIENT, "10.1.0.13", 8080))).isFalse();
        assertThat(s.allows(tcp(CLIENT, "10.1.0.13", 9090))).isFalse();
    }

    @Test
    void ruleCountGrowsWithPodsPlusPeersNotTheirProduct() {
        pods.clear();
        for (int i = 0; i < 100; i++) {
            pods.add(pod("prod", "web-" + i, "n1", "10.1.0." + (i + 1), Map.of("app", "web"), "http", 8080, "TCP"));
        }
        for (int i = 0; i < 1000; i++) {
            pods.add(pod("prod", "client-" + i, "n2", "10.2." + (i / 250) + "." + (i % 250 + 1),
                    Map.of("app", "client"), null, 0, null));
        }
        long t0 = System.nanoTime();
        PolicyCompiler.Result r = compile(ingressPolicy("prod", "web", Map.of("app", "web"),
                List.of(peer(selector(Map.of("app", "client")), null)), List.of(port("TCP", "http", null))));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        // 1 established + 100 self + 100 jumps; one shared chain: node + 1000 peers + 2 rejects
        assertThat(r.rules().ruleCount()).isEqualTo(1 + 100 + 100 + 1 + 1000 + 2);
        System.out.printf("compiled 100 local pods x 1000 peers into %d rules in %d ms%n", r.rules().ruleCount(), ms);
    }

    static String target(List<Rule> top, String destination) {
        return top.stream().filter(r -> r.source() == null && destination.equals(r.destination())).findFirst()
                .orElseThrow().target();
    }

    @Test
    void malformedPeersAndPoliciesAreSkippedAndReported() {
        NetworkPolicyPeer bad = new NetworkPolicyPeerBuilder().withIpBlock(new IPBlock("10.1.1.0/99", List.of())).build();
        NetworkPolicy badPeer = ingressPolicy("prod", "bad-peer", Map.of("app", "web"),
                List.of(bad, peer(selector(Map.of("app", "client")), null)), List.of());
        NetworkPolicy badProtocol = ingressPolicy("prod", "bad-proto", Map.of("app", "web"), null,
                List.of(port("ICMP", 1, null)));
        PolicyCompiler.Result r = compile(badPeer, badProtocol);
        assertThat(r.problems()).containsExactly(
                "network policy prod/bad-proto skipped: unsupported protocol ICMP",
                "network policy prod/bad-peer: peer skipped: not an IPv4 address or CIDR: \"10.1.1.0/99\"");
        PacketSimulator s = new PacketSimulator(r.rules());
        assertThat(s.allows(tcp(CLIENT, SERVER, 8080))).as("the good peer still works").isTrue();
        assertThat(s.allows(tcp(OTHER, SERVER, 8080))).isFalse();
    }

    @Test
    void chainNamesAreOwnedShortAndStable() {
        PolicyCompiler.Result r = compile(ingressPolicy("prod", "deny", Map.of(), List.of(), List.of()));
        assertThat(r.rules().chains().keySet()).allSatisfy(c -> {
            assertThat(c).startsWith("KAJI-T3ST-NP");
            assertThat(c.length()).isLessThanOrEqualTo(ChainNames.MAX_LENGTH);
        });
        assertThat(compile(ingressPolicy("prod", "deny", Map.of(), List.of(), List.of()))).isEqualTo(r);
    }

    @Test
    void restoreScriptRewritesOwnedChainsAndDeletesStaleOnes() {
        RuleSet rules = compile(ingressPolicy("prod", "deny", Map.of("app", "web"), List.of(), List.of())).rules();
        String serverChain = target(rules.chain("KAJI-T3ST-NP-FWD"), SERVER);
        String script = rules.restoreScript(List.of("KAJI-T3ST-NP-FWD", "KAJI-T3ST-NPI-GONE"));
        assertThat(script).startsWith("*filter\n:KAJI-T3ST-NP-FWD - [0:0]\n:" + serverChain + " - [0:0]\n"
                + ":KAJI-T3ST-NPI-GONE - [0:0]\n").endsWith("-X KAJI-T3ST-NPI-GONE\nCOMMIT\n");
        assertThat(script).contains("-A KAJI-T3ST-NP-FWD -d " + SERVER + " -m comment --comment \"prod/server ingress\" -j "
                + serverChain + "\n");
        assertThat(script).contains("-A " + serverChain + " -s " + NODE_IP + " -m comment --comment \"node\" -j RETURN\n");
        assertThat(script).contains("-A KAJI-T3ST-NP-FWD -m comment --comment \"replies of allowed connections\" -m conntrack"
                + " --ctstate RELATED,ESTABLISHED -j RETURN\n");
    }

    // ---- builders ----

    static Pod pod(String ns, String name, String node, String ip, Map<String, String> labels, String portName,
                   int port, String protocol) {
        PodBuilder b = new PodBuilder().withNewMetadata().withNamespace(ns).withName(name).withLabels(labels)
                .endMetadata().withNewSpec().withNodeName(node).addNewContainer().withName("c").withImage("busybox")
                .endContainer().endSpec().withNewStatus().withPhase("Running").withPodIP(ip).endStatus();
        if (portName != null) {
            b.editSpec().editFirstContainer().addNewPort().withName(portName).withContainerPort(port)
                    .withProtocol(protocol).endPort().endContainer().endSpec();
        }
        return b.build();
    }

    static Namespace ns(String name, Map<String, String> labels) {
        return new NamespaceBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().build();
    }

    static LabelSelector selector(Map<String, String> labels) {
        return new LabelSelectorBuilder().withMatchLabels(labels).build();
    }

    static NetworkPolicyPeer peer(LabelSelector pods, LabelSelector namespaces) {
        return new NetworkPolicyPeerBuilder().withPodSelector(pods).withNamespaceSelector(namespaces).build();
    }

    static NetworkPolicyPort port(String protocol, Object port, Integer endPort) {
        IntOrString p = port == null ? null : port instanceof Integer i ? new IntOrString(i) : new IntOrString((String) port);
        return new NetworkPolicyPort(endPort, p, protocol);
    }

    static NetworkPolicyBuilder policy(String ns, String name, LabelSelector pods) {
        return new NetworkPolicyBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata();
    }

    /** An Ingress policy with one rule ({@code from} null: every source), or no rule when both lists are empty. */
    static NetworkPolicy ingressPolicy(String ns, String name, Map<String, String> podLabels,
                                       List<NetworkPolicyPeer> from, List<NetworkPolicyPort> ports) {
        var spec = new NetworkPolicyBuilder().withNewMetadata().withNamespace(ns).withName(name).endMetadata()
                .withNewSpec().withPodSelector(selector(podLabels)).withPolicyTypes("Ingress");
        if (from == null || !from.isEmpty() || !ports.isEmpty()) {
            spec.addNewIngress().withFrom(from).withPorts(ports).endIngress();
        }
        return spec.endSpec().build();
    }
}
