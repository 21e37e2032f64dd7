package io.kaji.apiserver.handler;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.http.ApiResponse;
import io.kaji.apiserver.nodeproxy.AgentClient;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.selector.LabelSelector;
import io.kaji.apiserver.serialization.Json;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics, as metrics-server serves them, computed from each node agent's
 * {@code /stats/summary} (fetched in parallel, kept for {@link #FRESH}): CPU in nanocores over the agent's sampling
 * window, memory as the working set. A node whose agent does not answer is left out (as metrics-server leaves it
 * out); pods come with their API labels so {@code kubectl top pod -l} selects them. Read-only.
 */
final class ResourceMetrics {

    private static final Logger LOG = LoggerFactory.getLogger(ResourceMetrics.class);
    static final Duration FRESH = Duration.ofSeconds(5);
    private static final String API_VERSION = "metrics.k8s.io/v1beta1";
    private static final String WINDOW = "10s";

    private record Summary(Instant fetched, JsonNode body) {}

    private final AdmissionObjects objects;
    private final Clock clock;
    private final Map<String, Summary> summaries = new ConcurrentHashMap<>();
    private final ExecutorService fetchers = Executors.newVirtualThreadPerTaskExecutor();
    private volatile AgentClient agents;

    ResourceMetrics(AdmissionObjects objects, Clock clock) {
        this.objects = objects;
        this.clock = clock;
    }

    void connect(AgentClient client) {
        this.agents = client;
    }

    ApiResponse serve(ResourceDefinition def, String ns, String name, ApiRequest req) {
        if (!req.method().equals("GET")) {
            throw ApiException.methodNotAllowed();
        }
        boolean nodes = def.plural().equals("nodes");
        List<ObjectNode> nodeObjects = objects.list("", "nodes", null);
        Map<String, JsonNode> byNode = fetchAll(nodeObjects);
        List<ObjectNode> items = nodes ? nodeMetrics(nodeObjects, byNode) : podMetrics(byNode, ns);
        if (name != null) {
            for (ObjectNode item : items) {
                if (name.equals(Json.text(item, "metadata.name"))) {
                    return ApiResponse.json(200, item);
                }
            }
            // metrics-server's wording: nodemetrics.metrics.k8s.io "n1", podmetrics.metrics.k8s.io "ns/name"
            throw ApiException.notFound(nodes ? "nodemetrics" : "podmetrics", def.group(),
                    nodes || ns == null ? name : ns + "/" + name);
        }
        LabelSelector selector = LabelSelector.parse(req.param("labelSelector"));
        ObjectNode list = Json.object();
        list.put("kind", def.kind() + "List");
        list.put("apiVersion", API_VERSION);
        list.putObject("metadata");
        ArrayNode out = list.putArray("items");
        for (ObjectNode item : items) {
            if (selector.matches(labels(item))) {
                out.add(item);
            }
        }
        return ApiResponse.json(200, list);
    }

    private List<ObjectNode> nodeMetrics(List<ObjectNode> nodeObjects, Map<String, JsonNode> byNode) {
        List<ObjectNode> out = new ArrayList<>();
        for (ObjectNode node : nodeObjects) {
            String nodeName = Json.text(node, "metadata.name");
            JsonNode summary = byNode.get(nodeName);
            if (summary == null || !summary.path("node").path("memory").has("workingSetBytes")) {
                continue;
            }
            ObjectNode m = item("NodeMetrics", nodeName, null, node.path("metadata").path("labels"));
            JsonNode n = summary.path("node");
            m.put("timestamp", n.path("cpu").path("time").asString(now()));
            m.put("window", WINDOW);
            ObjectNode usage = m.putObject("usage");
            usage.put("cpu", n.path("cpu").path("usageNanoCores").asLong() + "n");
            usage.put("memory", n.path("memory").path("workingSetBytes").asLong() / 1024 + "Ki");
            out.add(m);
        }
        return out;
    }

    private List<ObjectNode> podMetrics(Map<String, JsonNode> byNode, String ns) {
        Map<String, JsonNode> podStats = new HashMap<>();
        for (JsonNode summary : byNode.values()) {
            for (JsonNode p : summary.path("pods")) {
                podStats.put(p.path("podRef").path("namespace").asString("") + "/"
                        + p.path("podRef").path("name").asString(""), p);
            }
        }
        List<ObjectNode> out = new ArrayList<>();
        for (ObjectNode pod : objects.list("", "pods", ns)) {
            String podNs = Json.text(pod, "metadata.namespace");
            String podName = Json.text(pod, "metadata.name");
            JsonNode stats = podStats.get(podNs + "/" + podName);
            if (stats == null || stats.path("containers").isEmpty()) {
                continue;
            }
            ObjectNode m = item("PodMetrics", podName, podNs, pod.path("metadata").path("labels"));
            m.put("timestamp", stats.path("containers").get(0).path("cpu").path("time").asString(now()));
            m.put("window", WINDOW);
            ArrayNode containers = m.putArray("containers");
            for (JsonNode c : stats.path("containers")) {
                ObjectNode container = containers.addObject();
                container.put("name", c.path("name").asString(""));
                ObjectNode usage = container.putObject("usage");
                usage.put("cpu", c.path("cpu").path("usageNanoCores").asLong() + "n");
                usage.put("memory", c.path("memory").path("workingSetBytes").asLong() / 1024 + "Ki");
            }
            out.add(m);
        }
        return out;
    }

    private ObjectNode item(String kind, String name, String ns, JsonNode labels) {
        ObjectNode m = Json.object();
        m.put("kind", kind);
        m.put("apiVersion", API_VERSION);
        ObjectNode meta = m.putObject("metadata");
        meta.put("name", name);
        if (ns != null) {
            meta.put("namespace", ns);
        }
        meta.put("creationTimestamp", now());
        if (labels != null && labels.isObject() && !labels.isEmpty()) {
            meta.set("labels", labels.deepCopy());
        }
        return m;
    }

    private String now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static Map<String, String> labels(ObjectNode item) {
        Map<String, String> out = new HashMap<>();
        item.path("metadata").path("labels").properties().forEach(e -> out.put(e.getKey(), e.getValue().asString("")));
        return out;
    }

    /** The summary of every node in {@code nodeObjects} whose agent answers, by node name; fresh ones from the cache. */
    private Map<String, JsonNode> fetchAll(List<ObjectNode> nodeObjects) {
        AgentClient client = agents;
        if (client == null) {
            throw ApiException.unavailable("this API server has no client certificate for node "
                    + "agents, so it cannot read their metrics");
        }
        Instant now = clock.instant();
        Map<String, Future<JsonNode>> pending = new HashMap<>();
        Map<String, JsonNode> out = new HashMap<>();
        java.util.Set<String> current = new java.util.HashSet<>();
        for (ObjectNode node : nodeObjects) {
            String name = Json.text(node, "metadata.name");
            current.add(name);
            Summary cached = summaries.get(name);
            if (cached != null && Duration.between(cached.fetched(), now).compareTo(FRESH) < 0) {
                out.put(name, cached.body());
                continue;
            }
            AgentEndpoint endpoint = AgentEndpoint.of(node);
            if (endpoint == null) {
                continue;
            }
            pending.put(name, fetchers.submit(() -> fetch(client, endpoint.ip(), endpoint.port())));
        }
        for (var e : pending.entrySet()) {
            try {
                JsonNode body = e.getValue().get(5, TimeUnit.SECONDS);
                if (body != null) {
                    summaries.put(e.getKey(), new Summary(now, body));
                    out.put(e.getKey(), body);
                }
            } catch (Exception ex) {
                e.getValue().cancel(true);
                LOG.debug("metrics: node {} did not answer: {}", e.getKey(), ex.toString());
            }
        }
        summaries.keySet().retainAll(current);
        return out;
    }

    private static JsonNode fetch(AgentClient client, String ip, int port) throws Exception {
        HttpResponse<InputStream> r = client.get(ip, port, "/stats/summary");
        try (InputStream in = r.body()) {
            if (r.statusCode() != 200) {
                return null;
            }
            return Json.MAPPER.readTree(in.readAllBytes());
        }
    }
}
