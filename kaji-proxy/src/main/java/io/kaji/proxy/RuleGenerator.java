package io.kaji.proxy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The pure heart of the proxy: service ports in, the {@code iptables-restore --noflush} input that makes this
 * instance's chains exactly right out. No I/O, so it is unit-tested without root.
 *
 * <p>Layout (nat), after kube-proxy's iptables mode ({@code pkg/proxy/iptables/proxier.go}):
 * <pre>
 * PREROUTING, OUTPUT → KAJI-t-SERVICES: node-local DNS redirect; per service port "-d clusterIP -p proto --dport port"
 *                      → KAJI-t-SVC-h; last "-m addrtype --dst-type LOCAL" → KAJI-t-NODEPORTS
 * KAJI-t-NODEPORTS   : per node port → KAJI-t-EXT-h (mark for masquerade, then → KAJI-t-SVC-h)
 * KAJI-t-SVC-h       : mark traffic from outside the cluster CIDR; ClientIP affinity ("-m recent --rcheck");
 *                      spread with "-m statistic --probability 1/n, 1/(n-1), …" → KAJI-t-SEP-h
 * KAJI-t-SEP-h       : hairpin (source is the endpoint itself) → mark; DNAT to podIP:targetPort
 * POSTROUTING        → KAJI-t-POSTROUTING: pod traffic leaving the cluster CIDR and marked packets are masqueraded
 * </pre>
 * filter: KAJI-t-SERVICES (from INPUT, FORWARD, OUTPUT for new connections) rejects service ports without ready
 * endpoints, so clients fail fast; KAJI-t-FORWARD accepts the cluster CIDR and marked packets; KAJI-t-FIREWALL
 * (from INPUT) drops martian traffic to 127.0.0.0/8, which route_localnet=1 would otherwise admit.
 */
final class RuleGenerator {

    /** The packet mark bit meaning "masquerade this" (kube-proxy's default, 0x4000). */
    static final String MASQ_MARK = "0x4000";

    /**
     * The desired content of every chain of one instance: per table, chain → its rules ({@code -A chain …} lines),
     * in declaration order.
     */
    record Rules(String chainTag, Map<String, List<String>> nat, Map<String, List<String>> filter) {

        Set<String> natChains() {
            return nat.keySet();
        }

        Set<String> filterChains() {
            return filter.keySet();
        }

        /** The restore input that writes every chain (a full sync), deleting this instance's other existing chains. */
        String fullRestore(Set<String> existingNat, Set<String> existingFilter) {
            return restoreInput(this, null, existingNat, existingFilter);
        }
    }

    private RuleGenerator() {
    }

    /** The desired chains for {@code ports}. */
    static Rules generate(ProxyOptions options, List<ProxiedPort> ports) {
        ChainNames names = new ChainNames(options.chainTag());
        Set<String> natChains = new LinkedHashSet<>(List.of(names.services(), names.nodePorts(), names.postrouting(), names.markMasq()));
        List<String> nat = new ArrayList<>();
        List<String> filterRules = new ArrayList<>();
        String cidr = options.clusterCidr();

        nat.add(rule(names.markMasq(), "-j MARK --or-mark " + MASQ_MARK));
        nat.add(rule(names.postrouting(), "-s " + cidr + " ! -d " + cidr
                + " -m comment --comment \"kaji: pod traffic leaving the cluster network\" -j MASQUERADE"));
        nat.add(rule(names.postrouting(), "-m mark ! --mark " + MASQ_MARK + "/" + MASQ_MARK + " -j RETURN"));
        nat.add(rule(names.postrouting(), "-j MARK --xor-mark " + MASQ_MARK));
        nat.add(rule(names.postrouting(), "-m comment --comment \"kaji: service traffic requiring SNAT\" -j MASQUERADE --random-fully"));

        if (options.dnsServiceIp() != null && options.localPodCidr() != null) {
            String target = options.localDnsTarget().getHostString() + ":" + options.localDnsTarget().getPort();
            for (String proto : List.of("udp", "tcp")) {
                nat.add(rule(names.services(), "-s " + options.localPodCidr() + " -d " + options.dnsServiceIp() + "/32 -p " + proto
                        + " --dport 53 -m comment --comment \"kaji: node-local DNS\" -j DNAT --to-destination " + target));
            }
        }

        List<String> nodePortRules = new ArrayList<>();
        for (ProxiedPort p : ports) {
            String match = "-p " + p.proto() + " --dport " + p.port();
            String comment = " -m comment --comment \"" + p.id() + "\"";
            if (p.endpoints().isEmpty()) {
                filterRules.add(rule(names.services(), "-d " + p.clusterIp() + "/32 " + match
                        + " -m comment --comment \"" + p.id() + " has no endpoints\" -j " + reject(p)));
                if (p.nodePort() > 0) {
                    filterRules.add(rule(names.services(), "-m addrtype --dst-type LOCAL -p " + p.proto() + " --dport "
                            + p.nodePort() + " -m comment --comment \"" + p.id() + " has no endpoints\" -j " + reject(p)));
                }
                continue;
            }
            String svc = names.service(p);
            natChains.add(svc);
            nat.add(rule(names.services(), "-d " + p.clusterIp() + "/32 " + match
                    + " -m comment --comment \"" + p.id() + " cluster IP\" -j " + svc));
            // kube-proxy's --cluster-cidr: traffic to a ClusterIP from outside the pod network is masqueraded,
            // so replies come back through this node.
            nat.add(rule(svc, "! -s " + cidr + " -d " + p.clusterIp() + "/32 " + match + " -j " + names.markMasq()));
            List<String> endpointChains = new ArrayList<>();
            List<String> localChains = new ArrayList<>();
            for (Endpoint e : p.endpoints()) {
                endpointChains.add(names.endpoint(p, e));
                if (e.local()) {
                    localChains.add(names.endpoint(p, e));
                }
            }
            natChains.addAll(endpointChains);
            spread(nat, svc, endpointChains, p.affinityTimeoutSeconds());
            if (p.nodePort() > 0) {
                String ext = names.external(p);
                natChains.add(ext);
                nodePortRules.add(rule(names.nodePorts(), "-p " + p.proto() + " --dport " + p.nodePort() + comment + " -j " + ext));
                if (!p.externalLocal()) {
                    // externalTrafficPolicy Cluster: always masquerade (covers 127.0.0.1 sources, which must be).
                    nat.add(rule(ext, "-j " + names.markMasq()));
                    nat.add(rule(ext, "-j " + svc));
                } else {
                    // externalTrafficPolicy Local, as kube-proxy: pods and the node itself still reach every endpoint
                    // (the node's own traffic masqueraded); external clients reach this node's endpoints only, with
                    // their source address kept, or are dropped when it has none.
                    nat.add(rule(ext, "-s " + cidr + " -m comment --comment \"pod traffic for " + p.id()
                            + " external destinations\" -j " + svc));
                    nat.add(rule(ext, "-m addrtype --src-type LOCAL -j " + names.markMasq()));
                    nat.add(rule(ext, "-m addrtype --src-type LOCAL -j " + svc));
                    if (localChains.isEmpty()) {
                        filterRules.add(rule(names.services(), "-m addrtype --dst-type LOCAL -p " + p.proto() + " --dport "
                                + p.nodePort() + " -m comment --comment \"" + p.id() + " has no local endpoints\" -j DROP"));
                    } else {
                        String svl = names.localEndpoints(p);
                        natChains.add(svl);
                        nat.add(rule(ext, "-j " + svl));
                        spread(nat, svl, localChains, p.affinityTimeoutSeconds());
                    }
                }
            }
            int n = endpointChains.size();
            for (int i = 0; i < n; i++) {
                Endpoint e = p.endpoints().get(i);
                String sep = endpointChains.get(i);
                nat.add(rule(sep, "-s " + e.ip() + "/32 -j " + names.markMasq()));
                String recent = p.affinityTimeoutSeconds() > 0 ? " -m recent --name " + sep + " --set" : "";
                nat.add(rule(sep, "-p " + p.proto() + recent + " -j DNAT --to-destination " + e.hostPort()));
            }
        }
        nat.addAll(nodePortRules);
        // Last in KAJI-t-SERVICES, as in kube-proxy: node ports for every local destination address, 127.0.0.1 included.
        nat.add(rule(names.services(), "-m addrtype --dst-type LOCAL -j " + names.nodePorts()));

        Set<String> filterChains = new LinkedHashSet<>(List.of(names.services(), names.forward(), names.firewall()));
        filterRules.add(rule(names.forward(), "-m mark --mark " + MASQ_MARK + "/" + MASQ_MARK + " -j ACCEPT"));
        filterRules.add(rule(names.forward(), "-s " + cidr + " -j ACCEPT"));
        filterRules.add(rule(names.forward(), "-d " + cidr + " -j ACCEPT"));
        filterRules.add(rule(names.firewall(), "-d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT"
                + " -m comment --comment \"kaji: block martian traffic to localhost (route_localnet)\" -j DROP"));

        return new Rules(options.chainTag(), byChain(natChains, nat), byChain(filterChains, filterRules));
    }

    /**
     * The {@code iptables-restore --noflush} input taking the host from {@code previous} (what the last successful
     * sync applied; null for a full sync) to {@code desired}. As kube-proxy does since 1.26, a partial sync writes only
     * the chains whose rules changed (restoring a chain's whole table costs seconds at a few thousand rules on the nft
     * backend; one changed chain costs milliseconds). Chains of this instance in {@code existing…} that are not
     * desired are flushed and deleted in the same transaction.
     */
    static String restoreInput(Rules desired, Rules previous, Set<String> existingNat, Set<String> existingFilter) {
        ChainNames names = new ChainNames(desired.chainTag());
        StringBuilder out = new StringBuilder();
        table(out, "nat", desired.nat(), previous == null ? null : previous.nat(), stale(names, existingNat, desired.natChains()));
        table(out, "filter", desired.filter(), previous == null ? null : previous.filter(),
                stale(names, existingFilter, desired.filterChains()));
        return out.toString();
    }

    private static Map<String, List<String>> byChain(Set<String> chains, List<String> rules) {
        Map<String, List<String>> byChain = new LinkedHashMap<>();
        for (String c : chains) {
            byChain.put(c, new ArrayList<>());
        }
        for (String r : rules) {
            String chain = r.substring(3, r.indexOf(' ', 3));
            byChain.computeIfAbsent(chain, c -> new ArrayList<>()).add(r);
        }
        byChain.replaceAll((c, list) -> List.copyOf(list));
        return java.util.Collections.unmodifiableMap(byChain);
    }

    /** The jumps from built-in chains, in the order they are inserted at the top (so the last comes first). */
    static List<Jump> jumps(String chainTag) {
        ChainNames names = new ChainNames(chainTag);
        List<String> newConn = List.of("-m", "conntrack", "--ctstate", "NEW");
        return List.of(
                new Jump("nat", "PREROUTING", List.of("-m", "comment", "--comment", "kaji service portals", "-j", names.services())),
                new Jump("nat", "OUTPUT", List.of("-m", "comment", "--comment", "kaji service portals", "-j", names.services())),
                new Jump("nat", "POSTROUTING", List.of("-m", "comment", "--comment", "kaji postrouting", "-j", names.postrouting())),
                new Jump("filter", "FORWARD", List.of("-m", "comment", "--comment", "kaji forwarding", "-j", names.forward())),
                new Jump("filter", "INPUT", List.of("-m", "comment", "--comment", "kaji firewall", "-j", names.firewall())),
                new Jump("filter", "INPUT", concat(newConn, "kaji services without endpoints", names.services())),
                new Jump("filter", "FORWARD", concat(newConn, "kaji services without endpoints", names.services())),
                new Jump("filter", "OUTPUT", concat(newConn, "kaji services without endpoints", names.services())));
    }

    /** The restore input that deletes {@code chains} (flushing them first, so references among them go too). */
    static String deleteChains(String table, Set<String> chains, List<String> deleteRules) {
        StringBuilder out = new StringBuilder("*").append(table).append('\n');
        for (String c : new TreeSet<>(chains)) {
            out.append(':').append(c).append(" - [0:0]\n");
        }
        for (String r : deleteRules) {
            out.append(r).append('\n');
        }
        for (String c : new TreeSet<>(chains)) {
            out.append("-X ").append(c).append('\n');
        }
        return out.append("COMMIT\n").toString();
    }

    private static List<String> concat(List<String> match, String comment, String target) {
        List<String> args = new ArrayList<>(match);
        args.addAll(List.of("-m", "comment", "--comment", comment, "-j", target));
        return List.copyOf(args);
    }

    private static Set<String> stale(ChainNames names, Set<String> existing, Set<String> wanted) {
        Set<String> stale = new TreeSet<>();
        for (String c : existing) {
            if (names.owns(c) && !wanted.contains(c)) {
                stale.add(c);
            }
        }
        return stale;
    }

    private static void table(StringBuilder out, String table, Map<String, List<String>> chains, Map<String, List<String>> previous,
                              Set<String> stale) {
        List<String> write = new ArrayList<>();
        for (var e : chains.entrySet()) {
            if (previous == null || !e.getValue().equals(previous.get(e.getKey()))) {
                write.add(e.getKey());
            }
        }
        out.append('*').append(table).append('\n');
        // With --noflush, declaring a chain creates it or flushes it: the rules below are its whole content.
        for (String c : write) {
            out.append(':').append(c).append(" - [0:0]\n");
        }
        for (String c : stale) {
            out.append(':').append(c).append(" - [0:0]\n");
        }
        for (String c : write) {
            for (String r : chains.get(c)) {
                out.append(r).append('\n');
            }
        }
        for (String c : stale) {
            out.append("-X ").append(c).append('\n');
        }
        out.append("COMMIT\n");
    }

    /**
     * TCP gets a reset, other protocols ICMP port unreachable. kube-proxy sends ICMP for TCP too, but the kernel rate-
     * limits ICMP errors per destination (net.ipv4.icmp_ratelimit, 1/s) and shares that budget with ICMP redirects,
     * which a node sends to pods on its bridge for every service connection routed back out the bridge: a pod that
     * just used a Service could wait a second or more for its "connection refused". A reset is not rate-limited.
     */
    private static String reject(ProxiedPort p) {
        return p.proto().equals("tcp") ? "REJECT --reject-with tcp-reset" : "REJECT";
    }

    private static String rule(String chain, String spec) {
        return "-A " + chain + " " + spec;
    }

    /**
     * Affinity first ({@code -m recent --rcheck} per endpoint), then random spreading: the i-th of n endpoints is
     * taken with probability 1/(n-i), the last unconditionally, which picks each with probability 1/n.
     */
    private static void spread(List<String> nat, String chain, List<String> endpointChains, int affinitySeconds) {
        if (affinitySeconds > 0) {
            for (String sep : endpointChains) {
                nat.add(rule(chain, "-m recent --name " + sep + " --rcheck --seconds " + affinitySeconds + " --reap -j " + sep));
            }
        }
        int n = endpointChains.size();
        for (int i = 0; i < n; i++) {
            String sep = endpointChains.get(i);
            nat.add(rule(chain, i < n - 1 ? "-m statistic --mode random --probability " + probability(n - i) + " -j " + sep : "-j " + sep));
        }
    }

    /** kube-proxy's format: ten decimals, so 1/3 is 0.3333333333. */
    static String probability(int remaining) {
        return String.format(Locale.ROOT, "%.10f", 1.0 / remaining);
    }
}
