package io.kaji.apiserver.handler;

import static io.kaji.apiserver.errors.ApiException.unavailable;
import static io.kaji.apiserver.handler.AgentEndpoint.encode;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.http.Exchange;
import io.kaji.apiserver.http.ResponseStream;
import io.kaji.apiserver.nodeproxy.AgentClient;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.serialization.Json;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code GET pods/<name>/log}: picks the container (the only one, or the {@code container} parameter), finds the
 * pod's node, its InternalIP and agent port (status.daemonEndpoints.kubeletEndpoint), and streams the agent's
 * {@code /containerLogs} answer through as chunked {@code text/plain}; with {@code follow=true} the response stays
 * open until the agent or the client ends it. Agent errors become Status objects with the agent's message.
 * Blocking; runs on the request's worker thread for the whole stream.
 */
final class PodLogs {

    private static final Logger LOG = LoggerFactory.getLogger(PodLogs.class);
    /** The PodLogOptions query parameters the agent understands, passed through as given. */
    private static final List<String> PASSED = List.of("follow", "previous", "tailLines", "limitBytes",
            "sinceSeconds", "sinceTime", "timestamps");
    private static final int CHUNK = 16 * 1024;

    private final ResourceRegistry registry;
    private final ObjectStorage storage;
    private volatile AgentClient agents;

    PodLogs(ResourceRegistry registry, ObjectStorage storage) {
        this.registry = registry;
        this.storage = storage;
    }

    void connect(AgentClient client) {
        this.agents = client;
    }

    void serve(ResourceDefinition pods, String ns, String name, ApiRequest req, Exchange ex) {
        ObjectNode pod = storage.get(pods, ns, name);
        String container = container(pod, name, req.param("container"));
        String nodeName = Json.text(pod, "spec.nodeName");
        if (nodeName == null || nodeName.isEmpty()) {
            throw unavailable("pod " + name + " is not scheduled to a node yet, so it has no logs; try again once "
                    + "it is bound (kubectl get pod " + name + " -o wide shows its node)");
        }
        ResourceDefinition nodes = registry.find("", "v1", "nodes").orElseThrow();
        ObjectNode node = storage.find(nodes, null, nodeName).orElseThrow(() -> unavailable("node \"" + nodeName
                + "\" of pod " + name + " is not registered; is its agent running?"));
        AgentEndpoint endpoint = AgentEndpoint.require(node, nodeName);
        AgentClient client = agents;
        if (client == null) {
            throw unavailable("this API server has no client certificate for node agents, so it cannot read "
                    + "container logs (see docs/logs-streaming.md)");
        }
        String path = "/containerLogs/" + encode(ns) + "/" + encode(name) + "/" + encode(container) + query(req);
        HttpResponse<InputStream> r;
        try {
            r = client.get(endpoint.ip(), endpoint.port(), path);
        } catch (IOException e) {
            throw endpoint.unreachable(nodeName, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted while connecting to node \"" + nodeName + "\"");
        }
        if (r.statusCode() != 200) {
            throw agentError(r, nodeName);
        }
        stream(r.body(), ex, ns + "/" + name + "/" + container);
    }

    private static void stream(InputStream in, Exchange ex, String what) {
        ResponseStream out = ex.startStream("text/plain", List.of());
        // A client that goes away must end a follow at once, not at the agent's next line: the blocked read is
        // interrupted and the agent connection closed (the agent notices at its next write).
        Thread reader = Thread.currentThread();
        Object lock = new Object();
        boolean[] done = {false};
        out.onClose(() -> {
            synchronized (lock) {
                if (!done[0]) {
                    reader.interrupt();
                }
            }
        });
        byte[] buf = new byte[CHUNK];
        try (in) {
            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                if (n > 0 && !out.write(Arrays.copyOf(buf, n))) {
                    break;
                }
            }
        } catch (IOException e) {
            LOG.debug("log stream of {} ended: {}", what, e.getMessage());
        } finally {
            synchronized (lock) {
                done[0] = true;
            }
            // The interrupt was only for the read above.
            Thread.interrupted();
            out.end();
        }
    }

    /** The container to read: the requested one (which must exist) or the pod's only one. */
    static String container(JsonNode pod, String podName, String requested) {
        List<String> containers = names(Json.at(pod, "spec.containers"));
        List<String> init = names(Json.at(pod, "spec.initContainers"));
        List<String> ephemeral = names(Json.at(pod, "spec.ephemeralContainers"));
        if (requested == null || requested.isEmpty()) {
            if (containers.size() == 1) {
                return containers.get(0);
            }
            // kube-apiserver's wording (pkg/registry/core/pod/strategy.go), which users know.
            String msg = "a container name must be specified for pod " + podName + ", choose one of: "
                    + goList(containers);
            if (!init.isEmpty()) {
                msg += " or one of the init containers: " + goList(init);
            }
            if (!ephemeral.isEmpty()) {
                msg += " or one of the ephemeral containers: " + goList(ephemeral);
            }
            throw ApiException.badRequest(msg);
        }
        if (!containers.contains(requested) && !init.contains(requested) && !ephemeral.contains(requested)) {
            throw ApiException.badRequest("container " + requested + " is not valid for pod " + podName);
        }
        return requested;
    }

    private static List<String> names(JsonNode list) {
        List<String> out = new ArrayList<>();
        if (list != null && list.isArray()) {
            for (JsonNode c : list) {
                String n = Json.text(c, "name");
                if (n != null) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    private static String goList(List<String> l) {
        return "[" + String.join(" ", l) + "]";
    }

    private static String query(ApiRequest req) {
        StringBuilder q = new StringBuilder();
        for (String p : PASSED) {
            String v = req.param(p);
            if (v != null) {
                q.append(q.isEmpty() ? '?' : '&').append(p).append('=').append(encode(v));
            }
        }
        return q.toString();
    }

    private static ApiException agentError(HttpResponse<InputStream> r, String nodeName) {
        String body;
        try (InputStream in = r.body()) {
            body = new String(in.readNBytes(4096), StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            body = "(no message: " + e.getMessage() + ")";
        }
        return switch (r.statusCode()) {
            case 400 -> ApiException.badRequest(body);
            case 404 -> new ApiException(404, "NotFound", body, null);
            case 401, 403 -> ApiException.internal("the agent of node \"" + nodeName + "\" refused the API server's "
                    + "client certificate (" + r.statusCode() + " " + body + "); does it trust this cluster's CA?");
            default -> ApiException.internal("the agent of node \"" + nodeName + "\" answered " + r.statusCode()
                    + ": " + body);
        };
    }
}
