package io.kaji.apiserver.server;

import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.watchcache.CachedObject;
import io.kaji.apiserver.watchcache.WatchCache;
import io.kaji.apiserver.watchcache.WatchFilter;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Picks free Service cluster IPs from 10.43.0.0/16 (the default service CIDR), avoiding the ones Services hold
 * (from the watch cache) and the ones handed out recently but not yet visible there. Reserved: .0.0, .0.1 (the
 * kubernetes Service), .0.10 (cluster DNS) and the broadcast address. Thread-safe.
 */
final class ClusterIpAllocator implements Supplier<String> {

    private static final int RECENT = 4096;

    private final RandomGenerator random;
    private final LinkedHashSet<String> recent = new LinkedHashSet<>();
    private volatile WatchCache cache;
    private volatile ResourceDefinition services;

    ClusterIpAllocator(RandomGenerator random) {
        this.random = random;
    }

    void bind(WatchCache watchCache, ResourceDefinition serviceDefinition) {
        this.cache = watchCache;
        this.services = serviceDefinition;
    }

    @Override
    public synchronized String get() {
        Set<String> used = new HashSet<>(recent);
        if (cache != null) {
            for (CachedObject o : cache.cache(services).list(WatchFilter.EVERYTHING, null).items()) {
                String ip = Json.text(o.object(), "spec.clusterIP");
                if (ip != null) {
                    used.add(ip);
                }
            }
        }
        for (int attempt = 0; attempt < 100_000; attempt++) {
            int n = 2 + random.nextInt(65533);
            if (n == 10) {
                continue;
            }
            String ip = "10.43." + (n >> 8) + "." + (n & 0xff);
            if (!used.contains(ip)) {
                recent.add(ip);
                if (recent.size() > RECENT) {
                    recent.remove(recent.iterator().next());
                }
                return ip;
            }
        }
        throw new IllegalStateException("the service CIDR 10.43.0.0/16 has no free cluster IP");
    }
}
