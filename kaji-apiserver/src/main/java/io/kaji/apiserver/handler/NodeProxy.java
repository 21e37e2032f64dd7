package io.kaji.apiserver.handler;

import static io.kaji.apiserver.errors.ApiException.unavailable;
import static io.kaji.apiserver.handler.AgentEndpoint.encode;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.http.ApiResponse;
import io.kaji.apiserver.nodeproxy.AgentClient;
import io.kaji.apiserver.registry.ResourceDefinition;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET /api/v1/nodes/<name>/proxy/<path>}: the node agent's answer to {@code GET <path>} (its kubelet port,
 * with the API server's agent client certificate), passed through with its status and content type — what
 * {@code kubectl get --raw /api/v1/nodes/N/proxy/stats/summary} and {@code .../proxy/metrics/resource} read.
 * Kubernetes proxies every method and streams; here GET only, and the answer is read whole (at most
 * {@link #MAX_BYTES}), so a followed log belongs to {@code pods/log}.
 */
final class NodeProxy {

    /** The largest agent answer passed through. */
    static final int MAX_BYTES = 32 * 1024 * 1024;

    private final ObjectStorage storage;
    private volatile AgentClient agents;

    NodeProxy(ObjectStorage storage) {
        this.storage = storage;
    }

    void connect(AgentClient client) {
        this.agents = client;
    }

    ApiResponse serve(ResourceDefinition nodes, String name, ApiRequest req) {
        if (!req.method().equals("GET")) {
            throw new ApiException(405, "MethodNotAllowed", "nodes/proxy serves GET only here; " + req.method()
                    + " is not proxied to node agents", null);
        }
        ObjectNode node = storage.get(nodes, null, name);
        AgentEndpoint endpoint = AgentEndpoint.require(node, name);
        AgentClient client = agents;
        if (client == null) {
            throw unavailable("this API server has no client certificate for node agents, so it cannot proxy to "
                    + "them");
        }
        String target = targetPath(req.path(), name) + query(req.query());
        HttpResponse<InputStream> r;
        byte[] body;
        try {
            r = client.get(endpoint.ip(), endpoint.port(), target);
            try (InputStream in = r.body()) {
                body = in.readNBytes(MAX_BYTES + 1);
            }
        } catch (IOException e) {
            throw endpoint.unreachable(name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted while proxying to node \"" + name + "\"");
        }
        if (body.length > MAX_BYTES) {
            throw ApiException.internal("the agent of node \"" + name + "\" answered " + target + " with more than "
                    + MAX_BYTES + " bytes, more than this API server passes through");
        }
        String type = r.headers().firstValue("Content-Type").orElse("application/octet-stream");
        return new ApiResponse(r.statusCode(), type, body, List.of());
    }

    /**
     * The agent path of a proxy request path: what follows {@code /nodes/<name>/proxy}, "/" when nothing does.
     */
    static String targetPath(String requestPath, String name) {
        String marker = "/nodes/" + name + "/proxy";
        int at = requestPath.indexOf(marker);
        if (at < 0) {
            throw ApiException.notFoundPath();
        }
        String rest = requestPath.substring(at + marker.length());
        return rest.isEmpty() ? "/" : rest;
    }

    private static String query(Map<String, List<String>> params) {
        StringBuilder q = new StringBuilder();
        params.forEach((k, values) -> {
            for (String v : values) {
                q.append(q.isEmpty() ? '?' : '&').append(encode(k)).append('=').append(encode(v));
            }
        });
        return q.toString();
    }
}
