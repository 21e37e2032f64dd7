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
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * The API server's Prometheus metrics ({@code GET /metrics}, text format 0.0.4), named and labelled as Kubernetes
 * names them, so that dashboards and alerts written for kube-apiserver read them unchanged:
 * {@code apiserver_request_total} by verb, dry_run, group, version, resource, subresource, scope, component and
 * code; {@code apiserver_request_duration_seconds}, a histogram with kube-apiserver's buckets, over the same labels
 * without the code; {@code apiserver_storage_objects} and {@code apiserver_registered_watchers} per resource from
 * the watch cache. Thread-safe.
 *
 * <p>A request's duration runs from when its last byte was read off the connection (before it waited for a
 * handler thread) to when its complete response was handed to the connection. Streamed answers (watches, followed
 * logs) and upgraded connections (exec, attach, port-forward) are counted but not timed: kube-apiserver observes
 * them when they end, so their "duration" is how long a client kept them open, which says nothing of the server.
 */
final class RequestMetrics {

    /** kube-apiserver's buckets for {@code apiserver_request_duration_seconds} (1.27 and later), in seconds. */
    static final double[] BUCKETS = {0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6,
            8, 10, 15, 20, 30, 45, 60};

    record Labels(String verb, String dryRun, String group, String version, String resource, String subresource,
            String scope) {

        /** The request's labels as kube-apiserver's {@code MonitorRequest} cleans them; {@code info} may be null. */
        static Labels of(ApiRequest req, RequestInfo info) {
            String dryRun = req.param("dryRun") == null ? "" : "All";
            if (info == null) {
                return new Labels(req.method(), dryRun, "", "", "", "", "");
            }
            String sub = info.subresource() == null ? "" : info.subresource();
            String scope;
            if (info.name() != null || req.method().equals("POST")) {
                scope = "resource";
            } else if (info.namespace() != null) {
                scope = "namespace";
            } else {
                scope = "cluster";
            }
            return new Labels(verb(req, info, sub), dryRun, info.group(), info.version(), info.resource(), sub,
                    scope);
        }

        private static String verb(ApiRequest req, RequestInfo info, String sub) {
            String m = req.method();
            switch (sub) {
                case "exec", "attach", "portforward", "proxy" -> {
                    return "CONNECT";
                }
                default -> {
                }
            }
            if (info.watchPath() || (m.equals("GET") && req.flag("watch"))) {
                return "WATCH";
            }
            if (m.equals("GET") && info.name() == null) {
                return "LIST";
            }
            if (m.equals("DELETE") && info.name() == null) {
                return "DELETECOLLECTION";
            }
            if (m.equals("PATCH")) {
                String type = req.header("Content-Type");
                if (type != null && type.startsWith("application/apply-patch")) {
                    return "APPLY";
                }
            }
            return m;
        }
    }

    private record CountKey(Labels labels, int code) {
    }

    /** One label set's histogram: a count per bucket (not cumulative; the last is +Inf) and the sum. */
    static final class Histogram {
        private final LongAdder[] buckets = new LongAdder[BUCKETS.length + 1];
        private final DoubleAdder sum = new DoubleAdder();

        Histogram() {
            for (int i = 0; i < buckets.length; i++) {
                buckets[i] = new LongAdder();
            }
        }

        void observe(double seconds) {
            int i = 0;
            while (i < BUCKETS.length && seconds > BUCKETS[i]) {
                i++;
            }
            buckets[i].increment();
            sum.add(seconds);
        }

        /** The count at or below each bound of {@link #BUCKETS}, then the total (the {@code +Inf} bucket). */
        long[] cumulative() {
            long[] out = new long[buckets.length];
            long running = 0;
            for (int i = 0; i < buckets.length; i++) {
                running += buckets[i].sum();
                out[i] = running;
            }
            return out;
        }

        double sum() {
            return sum.sum();
        }
    }

    /**
     * One request on its way through the server: the router tells it the parsed path once it has one (so the path
     * is parsed once) and the answer's status once it is given.
     */
    final class Call {
        private final ApiRequest req;
        private final long receivedNanos;
        private RequestInfo info;
        private boolean parsed;

        private Call(ApiRequest req, long receivedNanos) {
            this.req = req;
            this.receivedNanos = receivedNanos;
        }

        /** The request's parsed resource path (null: not a resource request). */
        void info(RequestInfo parsedInfo) {
            this.info = parsedInfo;
            this.parsed = true;
        }

        /** A complete response with this status was handed to the connection. */
        void responded(int code) {
            Labels labels = labels();
            count(labels, code);
            durations.computeIfAbsent(labels, l -> new Histogram())
                    .observe((System.nanoTime() - receivedNanos) / 1e9);
        }

        /** A stream or an upgraded connection began with this status: counted, not timed. */
        void streamed(int code) {
            count(labels(), code);
        }

        private Labels labels() {
            if (!parsed) {
                try {
                    info = RequestInfo.parse(req.path());
                } catch (RuntimeException e) {
                    info = null;
                }
            }
            return Labels.of(req, info);
        }
    }

    private final Map<CountKey, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<Labels, Histogram> durations = new ConcurrentHashMap<>();
    private final ResourceRegistry registry;
    private final WatchCache cache;

    RequestMetrics(ResourceRegistry registry, WatchCache cache) {
        this.registry = registry;
        this.cache = cache;
    }

    /** Starts accounting for a request read completely at {@code receivedNanos} ({@link System#nanoTime()}). */
    Call start(ApiRequest req, long receivedNanos) {
        return new Call(req, receivedNanos);
    }

    private void count(Labels labels, int code) {
        requests.computeIfAbsent(new CountKey(labels, code), k -> new LongAdder()).increment();
    }

    private static String labelText(Labels l) {
        return "component=\"apiserver\",dry_run=\"" + l.dryRun() + "\",group=\"" + l.group() + "\",resource=\""
                + l.resource() + "\",scope=\"" + l.scope() + "\",subresource=\"" + l.subresource() + "\",verb=\""
                + l.verb() + "\",version=\"" + l.version() + "\"";
    }

    /** The exposition text. */
    String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("# HELP apiserver_request_total Counter of apiserver requests broken out for each verb, dry run "
                + "value, group, version, resource, scope, component, and HTTP response code.\n"
                + "# TYPE apiserver_request_total counter\n");
        Map<String, Long> sorted = new TreeMap<>();
        requests.forEach((k, v) -> sorted.put("apiserver_request_total{code=\"" + k.code() + "\","
                + labelText(k.labels()) + "}", v.sum()));
        sorted.forEach((k, v) -> sb.append(k).append(' ').append(v).append('\n'));
        sb.append("# HELP apiserver_request_duration_seconds Response latency distribution in seconds for each "
                + "verb, dry run value, group, version, resource, subresource, scope and component.\n"
                + "# TYPE apiserver_request_duration_seconds histogram\n");
        Map<String, Histogram> byLabels = new TreeMap<>();
        durations.forEach((l, h) -> byLabels.put(labelText(l), h));
        byLabels.forEach((labels, h) -> {
            long[] cumulative = h.cumulative();
            for (int i = 0; i < cumulative.length; i++) {
                String le = i < BUCKETS.length ? format(BUCKETS[i]) : "+Inf";
                sb.append("apiserver_request_duration_seconds_bucket{").append(labels).append(",le=\"").append(le)
                        .append("\"} ").append(cumulative[i]).append('\n');
            }
            sb.append("apiserver_request_duration_seconds_sum{").append(labels).append("} ").append(h.sum())
                    .append('\n');
            sb.append("apiserver_request_duration_seconds_count{").append(labels).append("} ")
                    .append(cumulative[cumulative.length - 1]).append('\n');
        });
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

    /** A bucket bound as Prometheus' Go client writes it: {@code 0.005}, {@code 1}, {@code 1.25}, {@code 60}. */
    static String format(double bound) {
        return bound == Math.rint(bound) ? Long.toString((long) bound) : Double.toString(bound);
    }
}
