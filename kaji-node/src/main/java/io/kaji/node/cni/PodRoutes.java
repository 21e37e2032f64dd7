package io.kaji.node.cni;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kaji.controllers.runtime.Informers;
import io.kaji.node.host.HostCommand;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The pod network between machines, host-gw style (like flannel's host-gw backend): a route to every other node's
 * podCIDR via that node's InternalIP, kept in step with the Node objects, plus an {@code unreachable} route for
 * the whole cluster CIDR so that no pod packet for an unassigned pod address ever leaves through the default
 * route. Nodes whose InternalIP is an address of this machine (several agents on one host) need no route: their
 * bridges' connected routes already reach them. Every route carries protocol {@value #PROTOCOL}, so Kaji's routes
 * can be told apart and flushed ({@code ip route flush proto 75}). Pod traffic is not NATed between nodes.
 */
public final class PodRoutes implements AutoCloseable {

    /** The routing protocol number on Kaji's routes (unassigned by IANA's rt_protos; k3s/flannel do not use it). */
    public static final int PROTOCOL = 75;
    private static final Logger log = LoggerFactory.getLogger(PodRoutes.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** A desired route: {@code gateway == null} means unreachable. */
    public record Route(String destination, String gateway) {
        public boolean unreachable() {
            return gateway == null;
        }
    }

    private final KubernetesClient client;
    private final String nodeName;
    private final String clusterCidr;
    private final Set<String> localAddresses;
    private final ScheduledExecutorService syncer;
    private final AtomicBoolean pending = new AtomicBoolean();
    private volatile SharedIndexInformer<Node> informer;

    /**
     * @param clusterCidr    the pod network, e.g. 10.42.0.0/16
     * @param localAddresses this machine's addresses (nodes with one of these as InternalIP need no route)
     */
    public PodRoutes(KubernetesClient client, String nodeName, String clusterCidr, Set<String> localAddresses) {
        this.client = client;
        this.nodeName = nodeName;
        this.clusterCidr = BridgeNetwork.normalize(clusterCidr);
        this.localAddresses = Set.copyOf(localAddresses);
        this.syncer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("kaji-routes-" + nodeName).daemon(true).factory());
    }

    /** Watches Nodes and keeps the routes in step; the first sync runs before this returns. */
    public void start() {
        SharedIndexInformer<Node> inf = Informers.informWithoutManagedFields(client.nodes(), new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node n) {
                schedule();
            }

            @Override
            public void onUpdate(Node old, Node n) {
                if (!Objects.equals(route(old), route(n))) {
                    schedule();
                }
            }

            @Override
            public void onDelete(Node n, boolean unknownFinalState) {
                schedule();
            }
        }, 0);
        informer = inf;
        sync();
        syncer.scheduleWithFixedDelay(this::sync, 60, 60, TimeUnit.SECONDS);
    }

    private void schedule() {
        if (pending.compareAndSet(false, true)) {
            syncer.schedule(() -> {
                pending.set(false);
                sync();
            }, 100, TimeUnit.MILLISECONDS);
        }
    }

    /** Reconciles the host's proto-75 routes inside the cluster CIDR with the desired ones. Never throws. */
    void sync() {
        try {
            SharedIndexInformer<Node> inf = informer;
            List<Node> nodes = inf == null ? List.of() : inf.getStore().list();
            apply(desired(nodes, nodeName, clusterCidr, localAddresses));
        } catch (RuntimeException e) {
            log.warn("node {}: syncing pod routes failed (retrying within a minute): {}", nodeName, e.getMessage());
        }
    }

    private static Route route(Node n) {
        String cidr = n.getSpec() == null ? null : n.getSpec().getPodCIDR();
        return cidr == null ? null : new Route(cidr, internalIp(n));
    }

    /**
     * The routes this node wants: unreachable for the cluster CIDR, and for every other node with a podCIDR and
     * an InternalIP that is not local, its podCIDR via that IP. Pure.
     */
    public static List<Route> desired(Collection<Node> nodes, String self, String clusterCidr,
                                      Set<String> localAddresses) {
        List<Route> routes = new ArrayList<>();
        routes.add(new Route(BridgeNetwork.normalize(clusterCidr), null));
        List<Node> sorted = new ArrayList<>(nodes);
        sorted.sort((a, b) -> a.getMetadata().getName().compareTo(b.getMetadata().getName()));
        for (Node n : sorted) {
            if (n.getMetadata().getName().equals(self) || n.getSpec() == null || n.getSpec().getPodCIDR() == null) {
                continue;
            }
            String ip = internalIp(n);
            String cidr;
            try {
                cidr = BridgeNetwork.normalize(n.getSpec().getPodCIDR());
            } catch (IllegalArgumentException e) {
                log.warn("node {} has an unusable podCIDR {}: {}", n.getMetadata().getName(), n.getSpec().getPodCIDR(),
                        e.getMessage());
                continue;
            }
            if (ip == null || localAddresses.contains(ip)) {
                continue;
            }
            routes.add(new Route(cidr, ip));
        }
        return routes;
    }

    private static String internalIp(Node n) {
        if (n.getStatus() == null || n.getStatus().getAddresses() == null) {
            return null;
        }
        for (NodeAddress a : n.getStatus().getAddresses()) {
            if ("InternalIP".equals(a.getType()) && a.getAddress() != null && !a.getAddress().contains(":")) {
                return a.getAddress();
            }
        }
        return null;
    }

    /** Adds or replaces the desired routes and deletes Kaji routes inside the cluster CIDR that are no longer. */
    private void apply(List<Route> want) {
        Map<String, Route> have = current();
        Set<String> wanted = new HashSet<>();
        for (Route r : want) {
            wanted.add(r.destination());
            if (r.equals(have.get(r.destination()))) {
                continue;
            }
            List<String> cmd = r.unreachable()
                    ? List.of("ip", "-4", "route", "replace", "unreachable", r.destination(), "proto",
                            Integer.toString(PROTOCOL))
                    : List.of("ip", "-4", "route", "replace", r.destination(), "via", r.gateway(), "proto",
                            Integer.toString(PROTOCOL));
            HostCommand.Result result = HostCommand.run(cmd, TIMEOUT);
            if (result.ok()) {
                log.info("node {}: route {}{}", nodeName, r.destination(),
                        r.unreachable() ? " unreachable (cluster CIDR)" : " via " + r.gateway());
            } else {
                log.warn("node {}: {} failed: {}", nodeName, String.join(" ", cmd), result.stderr().strip());
            }
        }
        for (Route r : have.values()) {
            if (!wanted.contains(r.destination()) && BridgeNetwork.contains(clusterCidr, r.destination())) {
                List<String> cmd = new ArrayList<>(List.of("ip", "-4", "route", "del"));
                if (r.unreachable()) {
                    cmd.add("unreachable");
                }
                cmd.addAll(List.of(r.destination(), "proto", Integer.toString(PROTOCOL)));
                HostCommand.Result result = HostCommand.run(cmd, TIMEOUT);
                log.info("node {}: removed stale route {} ({})", nodeName, r.destination(),
                        result.ok() ? "ok" : result.stderr().strip());
            }
        }
    }

    /** Kaji's current IPv4 routes (main table, protocol 75) by destination. */
    static Map<String, Route> current() {
        HostCommand.Result r = HostCommand.run(List.of("ip", "-j", "-4", "route", "show", "proto",
                Integer.toString(PROTOCOL)), TIMEOUT).orThrow();
        return parse(r.stdout());
    }

    /** Parses {@code ip -j route show} output. */
    static Map<String, Route> parse(String json) {
        Map<String, Route> routes = new LinkedHashMap<>();
        if (json == null || json.isBlank()) {
            return routes;
        }
        try {
            for (JsonNode n : JSON.readTree(json)) {
                String dst = n.path("dst").asString(null);
                if (dst == null) {
                    continue;
                }
                if (!dst.contains("/")) {
                    dst = dst + "/32";
                }
                boolean unreachable = "unreachable".equals(n.path("type").asString(""));
                routes.put(dst, new Route(dst, unreachable ? null : n.path("gateway").asString(null)));
            }
        } catch (JacksonException e) {
            throw new IllegalStateException("cannot parse `ip -j route` output: " + e.getMessage(), e);
        }
        return routes;
    }

    /** Removes every Kaji route (protocol 75) from the main table: for {@code kaji down} and tests. */
    public static void removeAll() {
        HostCommand.run(List.of("ip", "-4", "route", "flush", "proto", Integer.toString(PROTOCOL)), TIMEOUT);
    }

    /** The IPv4 addresses of this machine's interfaces. */
    public static Set<String> localAddresses() {
        Set<String> out = new HashSet<>();
        try {
            for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress a : Collections.list(ni.getInetAddresses())) {
                    if (a instanceof java.net.Inet4Address) {
                        out.add(a.getHostAddress());
                    }
                }
            }
        } catch (SocketException e) {
            log.warn("cannot list this machine's addresses: {}", e.getMessage());
        }
        return out;
    }

    /** Stops following Nodes; the routes stay (the pods on other nodes stay reachable while an agent restarts). */
    @Override
    public void close() {
        SharedIndexInformer<Node> inf = informer;
        if (inf != null) {
            inf.close();
        }
        syncer.shutdownNow();
    }
}
