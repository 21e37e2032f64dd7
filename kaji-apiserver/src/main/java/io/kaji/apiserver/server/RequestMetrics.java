package io.kaji.apiserver.server;

import io.kaji.apiserver.handler.RequestInfo;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.watchcache.ResourceCache;
import io.kaji.apiserver.watchcache.WatchCache;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The API server's Prometheus metrics ({@code GET /metrics}, text format 0.0.4), named as Kubernetes names them:
 * {@code apiserver_request_total} by verb, group, resource and code, {@code apiserver_storage_objects} and
 * {@code apiserver_registered_watchers} per resource from the watch cache. Thread-safe.
 */
final class RequestMetrics {

    private record Key(String verb, String group, String resource, int code) {
    }

    private final Map<Key, LongAdder> requests = new ConcurrentHashMap<>();
    private final ResourceRegistry registry;
    private final WatchCache cache;

    RequestMetrics(ResourceRegistry registry, WatchCache cache) {
        this.registry = registry;
        this.cache = cache;
    }

    /** Counts one answered request. */
    void record(ApiRequest req, int code) {
        RequestInfo info;
        try {
            info = RequestInfo.parse(req.path());
        } catch (RuntimeException e) {
            info = null;
        }
        String group = info == null ? "" : info.group();
        String resource = info == null ? "" : info.resource()
                + (info.subresource() == null ? "" : "/" + info.subresource());
        requests.computeIfAbsent(new Key(verb(req, info), group, resource, code), k -> new LongAdder()).increment();
    }

    private static String verb(ApiRequest req, RequestInfo info) {
        String m = req.method();
        if (info == null) {
            return m;
        }
        if (m.equals("GET") && info.name() == null) {
            return info.watchPath() || req.flag("watch") ? "WATCH" : "LIST";
        }
        if (m.equals("DELETE") && info.name() == null) {
            return "DELETECOLLECTION";
        }
        return m;
    }

    /** The exposition text. */
    String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("# HELP apiserver_request_total Counter of apiserver requests broken out by verb, group, resource "
                + "and HTTP response code.\n# TYPE apiserver_request_total counter\n");
        Map<String, Long> sorted = new TreeMap<>();
        requests.forEach((k, v) -> sorted.put("apiserver_request_total{code=\"" + k.code() + "\",group=\"" + k.group()
                + "\",resource=\"" + k.resource() + "\",verb=\"" + k.verb() + "\"}", v.sum()));
        sorted.forEach((k, v) -> sb.append(k).append(' ').append(v).append('\n'));
        sb.append("# HELP apiserver_storage_objects Number of stored objects at the time of last check split by "
                + "kind.\n# TYPE apiserver_storage_objects gauge\n");
        List<ResourceDefinition> cached = registry.all().stream().filter(WatchCache::cacheable).toList();
        for (ResourceDefinition d : cached) {
            sb.append("apiserver_storage_objects{resource=\"").append(d.qualifiedName()).append("\"} ")
                    .append(cache.cache(d).size()).append('\n');
        }
        sb.append("# HELP apiserver_registered_watchers Number of currently registered watchers for a given "
                + "resource.\n# TYPE apiserver_registered_watchers gauge\n");
        for (ResourceDefinition d : cached) {
            ResourceCache c = cache.cache(d);
            sb.append("apiserver_registered_watchers{group=\"").append(d.group()).append("\",kind=\"")
                    .append(d.kind()).append("\",version=\"").append(d.version()).append("\"} ")
                    .append(c.watcherCount()).append('\n');
        }
        sb.append("# HELP kaji_watch_cache_revision The store revision the watch cache has applied.\n"
                + "# TYPE kaji_watch_cache_revision gauge\nkaji_watch_cache_revision ").append(cache.revision())
                .append('\n');
        return sb.toString();
    }
}
