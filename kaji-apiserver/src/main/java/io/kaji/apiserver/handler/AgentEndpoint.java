package io.kaji.apiserver.handler;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.serialization.Json;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Where a node's agent listens, from its Node object: the InternalIP address and
 * {@code status.daemonEndpoints.kubeletEndpoint.Port} (the kubelet's 10250 when unset or out of range). Used by
 * every request the API server sends to agents: pods/log, exec, attach, portforward, nodes/proxy, metrics.
 */
record AgentEndpoint(String ip, int port) {

    static final int DEFAULT_PORT = 10250;

    /** The node's agent endpoint, or null while the node reports no InternalIP. */
    static AgentEndpoint of(ObjectNode node) {
        String ip = internalIp(node);
        if (ip == null) {
            return null;
        }
        long port = Json.longAt(node, "status.daemonEndpoints.kubeletEndpoint.Port", 0);
        return new AgentEndpoint(ip, port <= 0 || port > 65535 ? DEFAULT_PORT : (int) port);
    }

    /** {@link #of}, or 503 ServiceUnavailable naming {@code nodeName} while it reports no address. */
    static AgentEndpoint require(ObjectNode node, String nodeName) {
        AgentEndpoint e = of(node);
        if (e == null) {
            throw ApiException.unavailable("node \"" + nodeName + "\" reports no InternalIP address; its "
                    + "agent has not reported status yet");
        }
        return e;
    }

    /** 503 for a request that could not reach this agent: names the node, the address and the I/O error. */
    ApiException unreachable(String nodeName, IOException e) {
        String m = e.getMessage();
        return ApiException.unavailable("cannot reach the agent of node \"" + nodeName + "\" at " + ip + ":" + port
                + ": " + (m == null || m.isEmpty() ? e.getClass().getSimpleName() : m));
    }

    /** A path segment or query value of a request to an agent, percent-encoded (spaces as %20). */
    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static String internalIp(ObjectNode node) {
        JsonNode addresses = Json.at(node, "status.addresses");
        if (addresses == null || !addresses.isArray()) {
            return null;
        }
        for (JsonNode a : addresses) {
            if ("InternalIP".equals(Json.text(a, "type"))) {
                return Json.text(a, "address");
            }
        }
        return null;
    }
}
