package io.kaji.apiserver.server;

import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ServiceAllocations;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.watchcache.CachedObject;
import io.kaji.apiserver.watchcache.WatchCache;
import io.kaji.apiserver.watchcache.WatchFilter;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.random.RandomGenerator;
import tools.jackson.databind.JsonNode;

/**
 * Cluster IPs from the service CIDR and node ports from 30000-32767. What is in use comes from the Services in the
 * watch cache plus what was handed out recently and may not be visible there yet. Reserved: the network and
 * broadcast addresses, the first address (the {@code kubernetes} Service) and the tenth (cluster DNS), which only
 * the Services that own them (default/kubernetes, kube-system/kube-dns) may request. Thread-safe.
 *
 * <p>Unlike kube-apiserver, which keeps allocation bitmaps in the store and updates them transactionally, two
 * concurrent creates requesting the same specific IP can both pass; automatic allocation never collides because
 * it goes through this one object.
 */
final class ServiceAllocator implements ServiceAllocations {

    static final int NODE_PORT_MIN = 30000;
    static final int NODE_PORT_MAX = 32767;
    private static final int RECENT = 4096;

    private final ServiceCidr cidr;
    private final RandomGenerator random;
    /** How long a handed-out IP or port counts as taken before the Service holding it shows in the cache. */
    private static final long RECENT_NANOS = 30_000_000_000L;

    /** An IP or port handed out at {@code nanos} to {@code owner} ("" when allocated before the owner was known). */
    private record Grant(String owner, long nanos) {}

    private final LinkedHashMap<String, Grant> recentIps = new LinkedHashMap<>();
    private final LinkedHashMap<Integer, Grant> recentPorts = new LinkedHashMap<>();
    private volatile WatchCache cache;
    private volatile ResourceDefinition services;

    ServiceAllocator(ServiceCidr cidr, RandomGenerator random) {
        this.cidr = cidr;
        this.random = random;
    }

    void bind(WatchCache watchCache, ResourceDefinition serviceDefinition) {
        this.cache = watchCache;
        this.services = serviceDefinition;
    }

    ServiceCidr cidr() {
        return cidr;
    }

    @Override
    public synchronized String allocateClusterIp() {
        Map<String, String> used = usedIps();
        long size = cidr.size();
        long start = 2 + (long) (random.nextDouble() * (size - 3));
        for (long i = 0; i < size; i++) {
            long offset = 2 + Math.floorMod(start - 2 + i, size - 3);
            if (offset == 10) {
                continue;
            }
            String ip = cidr.address(offset);
            if (!used.containsKey(ip)) {
                remember(recentIps, ip, "");
                return ip;
            }
        }
        throw new IllegalStateException("the service CIDR " + cidr + " has no free cluster IP");
    }

    @Override
    public synchronized int allocateNodePort() {
        Map<Integer, String> used = usedPorts();
        int range = NODE_PORT_MAX - NODE_PORT_MIN + 1;
        int start = random.nextInt(range);
        for (int i = 0; i < range; i++) {
            int port = NODE_PORT_MIN + (start + i) % range;
            if (!used.containsKey(port)) {
                remember(recentPorts, port, "");
                return port;
            }
        }
        throw new IllegalStateException("all node ports " + NODE_PORT_MIN + "-" + NODE_PORT_MAX + " are allocated");
    }

    @Override
    public synchronized Optional<String> clusterIpProblem(String namespace, String name, String ip) {
        if (ip.equals("None")) {
            return Optional.empty();
        }
        if (ServiceCidr.parseAddress(ip) < 0) {
            return Optional.of("must be a valid IPv4 address or None");
        }
        if (!cidr.assignable(ip)) {
            return Optional.of("provided IP is not in the valid range. The range of valid IPs is " + cidr);
        }
        String owner = namespace + "/" + name;
        if (ip.equals(cidr.apiServerIp()) && !owner.equals("default/kubernetes")) {
            return Optional.of("provided IP is reserved for the kubernetes Service");
        }
        if (ip.equals(cidr.dnsIp()) && !owner.equals("kube-system/kube-dns")) {
            return Optional.of("provided IP is reserved for the cluster DNS Service (kube-system/kube-dns)");
        }
        String holder = usedIps().get(ip);
        if (holder != null && !holder.isEmpty() && !holder.equals(owner)) {
            return Optional.of("provided IP is already allocated (to the Service " + holder + ")");
        }
        remember(recentIps, ip, owner);
        return Optional.empty();
    }

    @Override
    public synchronized Optional<String> nodePortProblem(String namespace, String name, int port) {
        if (port < NODE_PORT_MIN || port > NODE_PORT_MAX) {
            return Optional.of("provided port is not in the valid range. The range of valid ports is "
                    + NODE_PORT_MIN + "-" + NODE_PORT_MAX);
        }
        String owner = namespace + "/" + name;
        String holder = usedPorts().get(port);
        if (holder != null && !holder.isEmpty() && !holder.equals(owner)) {
            return Optional.of("provided port is already allocated (to the Service " + holder + ")");
        }
        remember(recentPorts, port, owner);
        return Optional.empty();
    }

    private Map<String, String> usedIps() {
        Map<String, String> used = new HashMap<>();
        recentGrants(recentIps, used);
        forEachService((owner, svc) -> {
            String ip = Json.text(svc, "spec.clusterIP");
            if (ip != null) {
                used.put(ip, owner);
            }
        });
        return used;
    }

    private Map<Integer, String> usedPorts() {
        Map<Integer, String> used = new HashMap<>();
        recentGrants(recentPorts, used);
        forEachService((owner, svc) -> {
            JsonNode ports = Json.at(svc, "spec.ports");
            if (ports != null && ports.isArray()) {
                for (JsonNode p : ports) {
                    int port = p.path("nodePort").asInt(0);
                    if (port > 0) {
                        used.put(port, owner);
                    }
                }
            }
        });
        return used;
    }

    private void forEachService(java.util.function.BiConsumer<String, JsonNode> action) {
        WatchCache c = cache;
        if (c == null) {
            return;
        }
        for (CachedObject o : c.cache(services).list(WatchFilter.EVERYTHING, null).items()) {
            JsonNode svc = o.object();
            action.accept(Json.text(svc, "metadata.namespace") + "/" + Json.text(svc, "metadata.name"), svc);
        }
    }

    private static <K> void remember(LinkedHashMap<K, Grant> recent, K key, String owner) {
        recent.remove(key);
        recent.put(key, new Grant(owner, System.nanoTime()));
        if (recent.size() > RECENT) {
            recent.remove(recent.keySet().iterator().next());
        }
    }

    /** Copies the grants younger than {@link #RECENT_NANOS} into {@code used}, dropping the older ones. */
    private static <K> void recentGrants(LinkedHashMap<K, Grant> recent, Map<K, String> used) {
        long now = System.nanoTime();
        recent.values().removeIf(g -> now - g.nanos() > RECENT_NANOS);
        recent.forEach((k, g) -> used.put(k, g.owner()));
    }
}
