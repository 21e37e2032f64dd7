package io.kaji.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.dns.ClusterDns;
import io.kaji.dns.DnsOptions;
import io.kaji.netpol.NetworkPolicyEnforcer;
import io.kaji.netpol.PolicyOptions;
import io.kaji.node.agent.NodeAgent;
import io.kaji.proxy.ProxyOptions;
import io.kaji.proxy.ServiceProxy;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-node network services next to a node agent, started once the node's pod network is known (its podCIDR
 * assigned and its bridge up): the cluster DNS server on the bridge gateway (node-local DNS: the proxy redirects
 * the DNS Service IP to it), the service proxy (iptables NAT for Services, the cluster-wide masquerade) and the
 * NetworkPolicy enforcer. Each part starts on its own: one that fails is logged and the others still run. DNS and
 * the proxy watch Services and EndpointSlices through the process's shared {@link ServiceInformers}, which their
 * owner (the {@link LocalAgent}) starts before and stops after them.
 * Several agents on one machine each get their own iptables chains ({@code KAJI-<tag>-…}, the tag derived from
 * the node name) and their own DNS address (their gateway).
 */
public final class NodeNetworkServices implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeNetworkServices.class);

    /** Where pods' DNS queries are answered, on the node's bridge gateway. */
    static final int DNS_PORT = 53;

    private final KubernetesClient client;
    private final ServiceInformers serviceInformers;
    private final String nodeName;
    private final String hostIp;
    private final CompletableFuture<Void> started;
    private volatile boolean closed;
    private ClusterDns dns;
    private ServiceProxy proxy;
    private NetworkPolicyEnforcer policy;

    private NodeNetworkServices(KubernetesClient client, ServiceInformers serviceInformers, String nodeName,
                                String hostIp) {
        this.client = client;
        this.serviceInformers = serviceInformers;
        this.nodeName = nodeName;
        this.hostIp = hostIp;
        this.started = new CompletableFuture<>();
    }

    /**
     * Starts the services in the background as soon as {@code agent} knows its pod network.
     *
     * @param serviceInformers the process's Service and EndpointSlice informers, for DNS and the proxy; the caller
     *                         stops them after closing this
     */
    static NodeNetworkServices startWhenReady(KubernetesClient client, ServiceInformers serviceInformers,
                                              NodeAgent agent, String nodeName, String hostIp) {
        NodeNetworkServices s = new NodeNetworkServices(client, serviceInformers, nodeName, hostIp);
        agent.network().thenAcceptAsync(s::start).whenComplete((v, e) -> {
            if (e != null) {
                log.error("node {}: network services did not start", nodeName, e);
                s.started.completeExceptionally(e);
            } else {
                s.started.complete(null);
            }
        });
        return s;
    }

    /** Completes once every part was started (or failed and was logged). */
    CompletableFuture<Void> started() {
        return started;
    }

    /** The chain tag for {@code nodeName}: 4 characters [A-Z0-9], stable across restarts. */
    public static String chainTag(String nodeName) {
        String digits = Integer.toString(Math.floorMod(nodeName.hashCode(), 36 * 36 * 36 * 36), 36)
                .toUpperCase(Locale.ROOT);
        return "0".repeat(4 - digits.length()) + digits;
    }

    private synchronized void start(NodeAgent.NodeNetwork net) {
        if (closed) {
            return;
        }
        String tag = chainTag(nodeName);
        String clusterCidr = net.cluster().clusterCidr() != null ? net.cluster().clusterCidr() : net.podCidr();
        String dnsIp = net.cluster().clusterDns();
        InetSocketAddress dnsAddress = new InetSocketAddress(net.gateway(), DNS_PORT);
        if (dnsIp != null) {
            try {
                List<String> reverse = new ArrayList<>(List.of(clusterCidr));
                if (net.cluster().serviceCidr() != null) {
                    reverse.add(net.cluster().serviceCidr());
                }
                dns = ClusterDns.start(serviceInformers.services(), serviceInformers.endpointSlices(),
                        DnsOptions.defaults(List.of(dnsAddress))
                        .withClusterDomain(net.cluster().clusterDomain()).withReverseCidrs(reverse));
                log.info("node {}: cluster DNS for {} answering on {}", nodeName, dnsIp, dnsAddress);
            } catch (RuntimeException e) {
                log.warn("node {}: cluster DNS could not start on {}: {} (pods on this node cannot resolve "
                        + "Service names)", nodeName, dnsAddress, e.getMessage());
            }
        }
        try {
            ProxyOptions options = ProxyOptions.defaults(nodeName, tag, clusterCidr);
            if (dns != null) {
                options = options.withLocalDns(net.podCidr(), dnsIp, dnsAddress);
            }
            proxy = ServiceProxy.start(serviceInformers.services(), serviceInformers.endpointSlices(), options);
            log.info("node {}: service proxy running (iptables chains KAJI-{}-*)", nodeName, tag);
        } catch (RuntimeException e) {
            log.warn("node {}: the service proxy could not start: {} (Services are not reachable from this node)",
                    nodeName, e.getMessage());
        }
        try {
            List<String> nodeAddresses = new ArrayList<>(List.of(net.gateway()));
            if (hostIp != null) {
                nodeAddresses.add(hostIp);
            }
            policy = NetworkPolicyEnforcer.start(client, PolicyOptions.defaults(nodeName, tag, nodeAddresses));
            log.info("node {}: NetworkPolicy enforcement running (iptables chains KAJI-{}-NP*)", nodeName, tag);
        } catch (RuntimeException e) {
            log.warn("node {}: NetworkPolicy enforcement could not start: {} (policies are not enforced here)",
                    nodeName, e.getMessage());
        }
    }

    ServiceProxy proxy() {
        return proxy;
    }

    /** Stops DNS, removes the proxy's and the enforcer's iptables rules. */
    @Override
    public synchronized void close() {
        closed = true;
        for (AutoCloseable c : new AutoCloseable[] {policy, proxy, dns}) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception e) {
                log.warn("node {}: stopping {} failed: {}", nodeName, c.getClass().getSimpleName(), e.getMessage());
            }
        }
    }
}
