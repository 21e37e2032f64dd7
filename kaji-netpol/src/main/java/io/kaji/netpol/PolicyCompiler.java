package io.kaji.netpol;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.kaji.controllers.runtime.Selectors;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Turns NetworkPolicies, Pods and Namespaces into the iptables rules of one node: a pure function, so that the
 * same cluster state always gives the same chains (and tests can check semantics without iptables).
 *
 * <p>Semantics (networking.k8s.io/v1, as kube-router's policy controller enforces them):
 * <ul>
 *   <li>a local pod is isolated for ingress when some policy of its namespace selects it and has Ingress among
 *       its policyTypes (defaulting: Ingress always, Egress when the policy has egress rules); likewise egress;</li>
 *   <li>an isolated pod accepts what any rule of any selecting policy allows (union), plus replies of allowed
 *       connections, traffic from the node itself and from itself; everything else is rejected;</li>
 *   <li>a peer is a podSelector (the policy's namespace), a namespaceSelector (every pod in matching namespaces),
 *       both (AND), or an ipBlock minus its excepts; no peers means every address; no ports means every port;</li>
 *   <li>a named port resolves against the pod receiving the traffic (the local pod for ingress, each destination
 *       pod for egress); a name no container declares matches nothing.</li>
 * </ul>
 * Peers are enumerated pod by pod from the caches (no ipset). IPv4 only: IPv6 pods and blocks are skipped.
 * A malformed peer is skipped (narrowing what is allowed) and reported in {@link Result#problems()}.
 */
final class PolicyCompiler {

    /** Kubernetes sets this label on every namespace; matching on it works even if the store lacks it. */
    static final String NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

    private final PolicyOptions options;
    private final ChainNames names;

    PolicyCompiler(PolicyOptions options) {
        this.options = options;
        this.names = new ChainNames(options.chainTag());
    }

    /** The rules and the objects that were skipped (one sentence each, naming the object). */
    record Result(RuleSet rules, List<String> problems) {
    }

    /** A pod as a policy peer or target: IPv4 address, labels and named container ports. */
    record PodInfo(String key, String namespace, Map<String, String> labels, String ip, String nodeName,
                   List<ContainerPort> ports) {
    }

    /** A policy with Kubernetes' defaults applied. */
    private record Policy(String key, String namespace, LabelSelector podSelector, boolean ingress, boolean egress,
                          List<RuleSpec> ingressRules, List<RuleSpec> egressRules) {
    }

    /** One ingress or egress rule: peers null means every address; ports empty means every port. */
    private record RuleSpec(List<NetworkPolicyPeer> peers, List<NetworkPolicyPort> ports) {
    }

    /** One resolved peer: a CIDR (or a pod's address, then {@code pod} is set). */
    private record Peer(String cidr, PodInfo pod) {
    }

    private record PortMatch(String protocol, String ports) {
    }

    Result compile(ClusterState state) {
        List<String> problems = new ArrayList<>();
        Map<String, Map<String, String>> namespaceLabels = namespaceLabels(state.namespaces());
        List<PodInfo> pods = pods(state.pods());
        List<Policy> policies = new ArrayList<>();
        for (NetworkPolicy np : state.policies()) {
            try {
                policies.add(normalize(np));
            } catch (RuntimeException e) {
                problems.add("network policy " + key(np) + " skipped: " + e.getMessage());
            }
        }
        policies.sort(Comparator.comparing(Policy::key));
        Map<String, List<Peer>> peerCache = new HashMap<>();

        Map<String, List<Rule>> chains = new LinkedHashMap<>();
        List<Rule> top = new ArrayList<>();
        chains.put(names.top(), top);
        top.add(new Rule(null, null, null, null, true, Rule.RETURN, "replies of allowed connections"));
        List<PodInfo> local = pods.stream().filter(p -> options.nodeName().equals(p.nodeName()))
                .sorted(Comparator.comparing(PodInfo::key)).toList();
        // Pods selected by the same policies share one chain per direction: the chain is named after a hash of its
        // content, so N replicas of a Deployment cost N jump rules plus one list of peers, not N lists.
        Map<String, String> chainByInputs = new HashMap<>();
        List<Rule> selfTraffic = new ArrayList<>();
        for (PodInfo pod : local) {
            List<Policy> selecting = policies.stream().filter(p -> p.namespace().equals(pod.namespace())
                    && matchesOrAll(p.podSelector(), pod.labels())).toList();
            List<Policy> ingress = selecting.stream().filter(Policy::ingress).toList();
            if (!ingress.isEmpty()) {
                // ingress rules depend on the pod only through its named ports
                String inputs = "in " + ingress.stream().map(Policy::key).toList() + " " + portNames(pod);
                String chain = chainByInputs.computeIfAbsent(inputs, k -> {
                    List<Rule> rules = ingressChain(pod, ingress, pods, namespaceLabels, peerCache, problems);
                    String name = names.ingress(content(rules));
                    chains.putIfAbsent(name, rules);
                    return name;
                });
                top.add(new Rule(null, pod.ip(), null, null, false, chain, pod.key() + " ingress"));
            }
            List<Policy> egress = selecting.stream().filter(Policy::egress).toList();
            if (!egress.isEmpty()) {
                String inputs = "out " + egress.stream().map(Policy::key).toList();
                String chain = chainByInputs.computeIfAbsent(inputs, k -> {
                    List<Rule> rules = egressChain(pod, egress, pods, namespaceLabels, peerCache, problems);
                    String name = names.egress(content(rules));
                    chains.putIfAbsent(name, rules);
                    return name;
                });
                top.add(new Rule(pod.ip(), null, null, null, false, chain, pod.key() + " egress"));
            }
            if (!ingress.isEmpty() || !egress.isEmpty()) {
                // "a pod cannot block access to itself" (Kubernetes docs), e.g. through a Service with hairpin
                selfTraffic.add(new Rule(pod.ip(), pod.ip(), null, null, false, Rule.RETURN, pod.key() + " to itself"));
            }
        }
        top.addAll(1, selfTraffic);
        return new Result(new RuleSet(names.top(), chains), List.copyOf(new LinkedHashSet<>(problems)));
    }

    // ---- ingress and egress rule generation ----

    private List<Rule> ingressChain(PodInfo pod, List<Policy> selecting, List<PodInfo> pods,
                                    Map<String, Map<String, String>> namespaceLabels, Map<String, List<Peer>> peerCache,
                                    List<String> problems) {
        Set<Rule> rules = new LinkedHashSet<>();
        for (String a : options.nodeAddresses()) {
            if (!Cidrs.isIpv4(a)) {
                continue; // IPv6: not enforced at all
            }
            rules.add(new Rule(Cidrs.parse(a).toString(), null, null, null, false, Rule.RETURN, "node"));
        }
        for (Policy p : selecting) {
            for (int i = 0; i < p.ingressRules().size(); i++) {
                RuleSpec r = p.ingressRules().get(i);
                List<Peer> peers = peerCache.computeIfAbsent(p.key() + "/in/" + i,
                        k -> peers(p, r, pods, namespaceLabels, problems));
                try {
                    ingressRules(pod, r, peers, rules);
                } catch (RuntimeException e) {
                    problems.add("network policy " + p.key() + ": ingress rule " + i + " skipped for " + pod.key()
                            + ": " + e.getMessage());
                }
            }
        }
        String denied = "ingress not allowed by " + policyNames(selecting);
        rules.add(new Rule(null, null, "tcp", null, false, Rule.REJECT_TCP, denied));
        rules.add(Rule.jump(Rule.REJECT).withComment(denied));
        return new ArrayList<>(rules);
    }

    private List<Rule> egressChain(PodInfo pod, List<Policy> selecting, List<PodInfo> pods,
                                   Map<String, Map<String, String>> namespaceLabels, Map<String, List<Peer>> peerCache,
                                   List<String> problems) {
        Set<Rule> rules = new LinkedHashSet<>();
        for (Policy p : selecting) {
            for (int i = 0; i < p.egressRules().size(); i++) {
                RuleSpec r = p.egressRules().get(i);
                List<Peer> peers = peerCache.computeIfAbsent(p.key() + "/out/" + i,
                        k -> peers(p, r, pods, namespaceLabels, problems));
                try {
                    egressRules(r, peers, pods, rules);
                } catch (RuntimeException e) {
                    problems.add("network policy " + p.key() + ": egress rule " + i + " skipped for " + pod.key()
                            + ": " + e.getMessage());
                }
            }
        }
        String denied = "egress not allowed by " + policyNames(selecting);
        rules.add(new Rule(null, null, "tcp", null, false, Rule.REJECT_TCP, denied));
        rules.add(Rule.jump(Rule.REJECT).withComment(denied));
        return new ArrayList<>(rules);
    }

    /** The selecting policies for a comment; iptables allows 256 characters, so long lists are cut. */
    private static String policyNames(List<Policy> selecting) {
        String names = String.join(",", selecting.stream().map(Policy::key).toList());
        return names.length() <= 200 ? names : names.substring(0, 197) + "...";
    }

    private static String portNames(PodInfo pod) {
        return pod.ports().stream().filter(p -> p.getName() != null)
                .map(p -> p.getName() + "=" + p.getContainerPort() + "/" + p.getProtocol()).sorted().toList().toString();
    }

    private static String content(List<Rule> rules) {
        StringBuilder sb = new StringBuilder();
        rules.forEach(r -> sb.append(r.arguments()).append('\n'));
        return sb.toString();
    }

    private static void ingressRules(PodInfo target, RuleSpec r, List<Peer> peers, Set<Rule> out) {
        List<PortMatch> ports = new ArrayList<>();
        if (r.ports().isEmpty()) {
            ports.add(new PortMatch(null, null));
        } else {
            for (NetworkPolicyPort p : r.ports()) {
                ports.addAll(resolve(p, target));
            }
            if (ports.isEmpty()) {
                return; // only named ports the pod does not declare: the rule allows nothing
            }
        }
        List<String> sources = peers == null ? java.util.Collections.singletonList(null)
                : peers.stream().map(Peer::cidr).toList();
        for (String src : sources) {
            for (PortMatch pm : ports) {
                out.add(new Rule(src, null, pm.protocol(), pm.ports(), false, Rule.RETURN, null));
            }
        }
    }

    private static void egressRules(RuleSpec r, List<Peer> peers, List<PodInfo> pods, Set<Rule> out) {
        List<String> destinations = peers == null ? java.util.Collections.singletonList(null)
                : peers.stream().map(Peer::cidr).toList();
        if (r.ports().isEmpty()) {
            destinations.forEach(d -> out.add(new Rule(null, d, null, null, false, Rule.RETURN, null)));
            return;
        }
        for (NetworkPolicyPort p : r.ports()) {
            if (!isNamed(p)) {
                PortMatch pm = resolve(p, null).getFirst();
                destinations.forEach(d -> out.add(new Rule(null, d, pm.protocol(), pm.ports(), false, Rule.RETURN, null)));
                continue;
            }
            // A named port means the destination pod's port of that name: resolve it pod by pod.
            List<PodInfo> targets = new ArrayList<>();
            if (peers == null) {
                targets.addAll(pods);
            } else {
                for (Peer peer : peers) {
                    if (peer.pod() != null) {
                        targets.add(peer.pod());
                    } else {
                        Cidrs.Block block = Cidrs.parse(peer.cidr());
                        pods.stream().filter(q -> block.contains(Cidrs.address(q.ip()))).forEach(targets::add);
                    }
                }
            }
            for (PodInfo t : targets) {
                for (PortMatch pm : resolve(p, t)) {
                    out.add(new Rule(null, t.ip(), pm.protocol(), pm.ports(), false, Rule.RETURN, null));
                }
            }
        }
    }

    private static boolean isNamed(NetworkPolicyPort p) {
        return p.getPort() != null && p.getPort().getStrVal() != null && p.getPort().getIntVal() == null;
    }

    /** The protocol/port matches of one policy port; a named port against {@code pod}'s container ports. */
    private static List<PortMatch> resolve(NetworkPolicyPort p, PodInfo pod) {
        String protocol = p.getProtocol() == null ? "tcp" : p.getProtocol().toLowerCase(Locale.ROOT);
        if (!protocol.equals("tcp") && !protocol.equals("udp") && !protocol.equals("sctp")) {
            throw new IllegalArgumentException("unsupported protocol " + p.getProtocol());
        }
        IntOrString port = p.getPort();
        if (port == null) {
            return List.of(new PortMatch(protocol, null));
        }
        Integer number = port.getIntVal();
        if (number == null && port.getStrVal() != null && port.getStrVal().chars().allMatch(Character::isDigit)
                && !port.getStrVal().isEmpty()) {
            number = Integer.parseInt(port.getStrVal());
        }
        if (number != null) {
            checkPort(number);
            Integer end = p.getEndPort();
            if (end != null && end > number) {
                checkPort(end);
                return List.of(new PortMatch(protocol, number + ":" + end));
            }
            return List.of(new PortMatch(protocol, Integer.toString(number)));
        }
        if (pod == null) {
            return List.of();
        }
        List<PortMatch> out = new ArrayList<>();
        for (ContainerPort cp : pod.ports()) {
            String cpProtocol = cp.getProtocol() == null ? "tcp" : cp.getProtocol().toLowerCase(Locale.ROOT);
            if (port.getStrVal().equals(cp.getName()) && cpProtocol.equals(protocol) && cp.getContainerPort() != null) {
                out.add(new PortMatch(protocol, Integer.toString(cp.getContainerPort())));
            }
        }
        return out;
    }

    private static void checkPort(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is outside 1-65535");
        }
    }

    // ---- peers ----

    /** The rule's peers, or null for "every address". Malformed peers are skipped and reported. */
    private static List<Peer> peers(Policy policy, RuleSpec r, List<PodInfo> pods,
                                    Map<String, Map<String, String>> namespaceLabels, List<String> problems) {
        if (r.peers() == null) {
            return null;
        }
        Set<Peer> out = new LinkedHashSet<>();
        for (NetworkPolicyPeer peer : r.peers()) {
            try {
                addPeer(policy, peer, pods, namespaceLabels, out);
            } catch (RuntimeException e) {
                problems.add("network policy " + policy.key() + ": peer skipped: " + e.getMessage());
            }
        }
        return new ArrayList<>(out);
    }

    private static void addPeer(Policy policy, NetworkPolicyPeer peer, List<PodInfo> pods,
                                Map<String, Map<String, String>> namespaceLabels, Set<Peer> out) {
        IPBlock block = peer.getIpBlock();
        if (block != null) {
            if (peer.getPodSelector() != null || peer.getNamespaceSelector() != null) {
                throw new IllegalArgumentException("ipBlock may not be combined with a selector");
            }
            if (block.getCidr() != null && block.getCidr().contains(":")) {
                throw new IllegalArgumentException("IPv6 block " + block.getCidr() + " is not enforced (IPv4 only)");
            }
            Cidrs.Block cidr = Cidrs.parse(block.getCidr());
            List<Cidrs.Block> except = new ArrayList<>();
            for (String e : block.getExcept() == null ? List.<String>of() : block.getExcept()) {
                except.add(Cidrs.parse(e));
            }
            Cidrs.subtract(cidr, except).forEach(b -> out.add(new Peer(b.toString(), null)));
            return;
        }
        LabelSelector podSelector = peer.getPodSelector();
        LabelSelector nsSelector = peer.getNamespaceSelector();
        if (podSelector == null && nsSelector == null) {
            throw new IllegalArgumentException("a peer needs podSelector, namespaceSelector or ipBlock");
        }
        for (PodInfo p : pods) {
            boolean nsOk = nsSelector == null ? p.namespace().equals(policy.namespace())
                    : matchesOrAll(nsSelector, namespaceLabels.getOrDefault(p.namespace(),
                    Map.of(NAMESPACE_NAME_LABEL, p.namespace())));
            if (nsOk && (podSelector == null || matchesOrAll(podSelector, p.labels()))) {
                out.add(new Peer(p.ip(), p));
            }
        }
    }

    /** Selector semantics where the field is a value in the API (a missing selector is the empty one). */
    private static boolean matchesOrAll(LabelSelector s, Map<String, String> labels) {
        return Selectors.isEmpty(s) || Selectors.matches(s, labels);
    }

    // ---- inputs ----

    private static Policy normalize(NetworkPolicy np) {
        if (np.getMetadata() == null || np.getMetadata().getNamespace() == null || np.getSpec() == null) {
            throw new IllegalArgumentException("no namespace or spec");
        }
        var spec = np.getSpec();
        List<RuleSpec> in = new ArrayList<>();
        validatePorts(spec.getIngress() == null ? List.of()
                : spec.getIngress().stream().flatMap(r -> r.getPorts() == null ? java.util.stream.Stream.empty()
                : r.getPorts().stream()).toList());
        validatePorts(spec.getEgress() == null ? List.of()
                : spec.getEgress().stream().flatMap(r -> r.getPorts() == null ? java.util.stream.Stream.empty()
                : r.getPorts().stream()).toList());
        for (NetworkPolicyIngressRule r : spec.getIngress() == null ? List.<NetworkPolicyIngressRule>of() : spec.getIngress()) {
            in.add(new RuleSpec(emptyToNull(r.getFrom()), r.getPorts() == null ? List.of() : List.copyOf(r.getPorts())));
        }
        List<RuleSpec> out = new ArrayList<>();
        for (NetworkPolicyEgressRule r : spec.getEgress() == null ? List.<NetworkPolicyEgressRule>of() : spec.getEgress()) {
            out.add(new RuleSpec(emptyToNull(r.getTo()), r.getPorts() == null ? List.of() : List.copyOf(r.getPorts())));
        }
        boolean ingress;
        boolean egress;
        List<String> types = spec.getPolicyTypes();
        if (types == null || types.isEmpty()) {
            // Kubernetes' defaulting: Ingress always, Egress only when there are egress rules.
            ingress = true;
            egress = !out.isEmpty();
        } else {
            for (String t : types) {
                if (!t.equals("Ingress") && !t.equals("Egress")) {
                    throw new IllegalArgumentException("unknown policyType \"" + t + "\"");
                }
            }
            ingress = types.contains("Ingress");
            egress = types.contains("Egress");
        }
        return new Policy(key(np), np.getMetadata().getNamespace(), spec.getPodSelector(), ingress, egress, in, out);
    }

    /** Rejects what the API server's validation would have rejected, so rule generation cannot fail later. */
    private static void validatePorts(List<NetworkPolicyPort> ports) {
        for (NetworkPolicyPort p : ports) {
            resolve(p, null);
        }
    }

    private static List<NetworkPolicyPeer> emptyToNull(List<NetworkPolicyPeer> peers) {
        return peers == null || peers.isEmpty() ? null : List.copyOf(peers);
    }

    private static Map<String, Map<String, String>> namespaceLabels(List<Namespace> namespaces) {
        Map<String, Map<String, String>> out = new HashMap<>();
        for (Namespace ns : namespaces) {
            if (ns.getMetadata() == null || ns.getMetadata().getName() == null) {
                continue;
            }
            Map<String, String> labels = new HashMap<>();
            if (ns.getMetadata().getLabels() != null) {
                labels.putAll(ns.getMetadata().getLabels());
            }
            labels.put(NAMESPACE_NAME_LABEL, ns.getMetadata().getName());
            out.put(ns.getMetadata().getName(), labels);
        }
        return out;
    }

    /** Pods that have an IPv4 pod address of their own: running or starting, not host-network, not finished. */
    private static List<PodInfo> pods(List<Pod> pods) {
        List<PodInfo> out = new ArrayList<>();
        for (Pod p : pods) {
            if (p.getMetadata() == null || p.getSpec() == null || p.getStatus() == null) {
                continue;
            }
            String ip = p.getStatus().getPodIP();
            String phase = p.getStatus().getPhase();
            if (ip == null || Cidrs.address(ip) < 0 || Boolean.TRUE.equals(p.getSpec().getHostNetwork())
                    || "Succeeded".equals(phase) || "Failed".equals(phase)) {
                continue;
            }
            List<ContainerPort> ports = new ArrayList<>();
            if (p.getSpec().getContainers() != null) {
                p.getSpec().getContainers().forEach(c -> {
                    if (c.getPorts() != null) {
                        ports.addAll(c.getPorts());
                    }
                });
            }
            String ns = p.getMetadata().getNamespace();
            out.add(new PodInfo(ns + "/" + p.getMetadata().getName(), ns,
                    p.getMetadata().getLabels() == null ? Map.of() : p.getMetadata().getLabels(), ip,
                    p.getSpec().getNodeName(), ports));
        }
        out.sort(Comparator.comparing(PodInfo::key));
        return out;
    }

    private static String key(NetworkPolicy np) {
        return np.getMetadata() == null ? "?" : np.getMetadata().getNamespace() + "/" + np.getMetadata().getName();
    }
}
