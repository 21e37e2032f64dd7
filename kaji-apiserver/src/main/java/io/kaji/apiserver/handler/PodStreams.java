package io.kaji.apiserver.handler;

import static io.kaji.apiserver.errors.ApiException.unavailable;
import static io.kaji.apiserver.handler.AgentEndpoint.encode;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.http.ApiRequest;
import io.kaji.apiserver.http.Exchange;
import io.kaji.apiserver.nodeproxy.AgentClient;
import io.kaji.apiserver.nodeproxy.AgentUpgrade;
import io.kaji.apiserver.nodeproxy.SpdyTunnel;
import io.kaji.apiserver.nodeproxy.StreamTranslator;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.serialization.Json;
import io.netty.channel.Channel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code pods/exec}, {@code pods/attach} and {@code pods/portforward} (GET or POST, as kubectl, fabric8 and
 * client-java send them): checks the options as kube-apiserver does (container chosen as for logs, a command for
 * exec, at least one stream, the pod bound to a node), builds the kubelet URL ({@code /exec/{ns}/{pod}/{container}
 * ?command=…&stdin=1…}, {@code /attach/…}, {@code /portForward/{ns}/{pod}?port=…}) and sends the client's upgrade
 * request there with the API server's kubelet-client certificate. When the agent answers 101 the client's
 * connection is taken over and both connections are relayed byte for byte ({@link AgentUpgrade#relay}); any other
 * answer becomes a Status (so a client whose WebSocket sub-protocol the node's runtime refuses sees a failed upgrade
 * and falls back to SPDY). WebSocket exec and attach offering {@code v5.channel.k8s.io} are not relayed but
 * translated: SPDY to the node, v5 to the client ({@link StreamTranslator}); a WebSocket port-forward offering
 * {@code SPDY/3.1+portforward.k8s.io} has its SPDY tunnelled through WebSocket messages ({@link SpdyTunnel}). The
 * user's credentials never reach the node: only the upgrade and protocol headers are forwarded. Blocking until the
 * agent answers; the relay then runs on event loops.
 */
final class PodStreams {

    private static final Logger LOG = LoggerFactory.getLogger(PodStreams.class);
    /** The request headers the stream protocols need; nothing else (no Authorization) goes to the node. */
    private static final Set<String> FORWARDED = Set.of("upgrade", "connection", "sec-websocket-key",
            "sec-websocket-version", "sec-websocket-protocol", "x-stream-protocol-version", "user-agent");

    private final ResourceRegistry registry;
    private final ObjectStorage storage;
    private volatile AgentClient agents;

    PodStreams(ResourceRegistry registry, ObjectStorage storage) {
        this.registry = registry;
        this.storage = storage;
    }

    void connect(AgentClient client) {
        this.agents = client;
    }

    /** Whether {@code sub} is one of the streaming subresources this class serves. */
    static boolean serves(String sub) {
        return "exec".equals(sub) || "attach".equals(sub) || "portforward".equals(sub);
    }

    void serve(ResourceDefinition pods, String ns, String name, String sub, ApiRequest req, Exchange ex) {
        if (!req.method().equals("GET") && !req.method().equals("POST")) {
            throw ApiException.methodNotAllowed();
        }
        ObjectNode pod = storage.get(pods, ns, name);
        String path = agentPath(pod, ns, name, sub, req);
        String nodeName = Json.text(pod, "spec.nodeName");
        if (nodeName == null || nodeName.isEmpty()) {
            throw ApiException.badRequest("pod " + name + " does not have a host assigned");
        }
        ResourceDefinition nodes = registry.find("", "v1", "nodes").orElseThrow();
        ObjectNode node = storage.find(nodes, null, nodeName).orElseThrow(() -> unavailable("node \"" + nodeName
                + "\" of pod " + name + " is not registered; is its agent running?"));
        AgentEndpoint endpoint = AgentEndpoint.require(node, nodeName);
        String ip = endpoint.ip();
        int port = endpoint.port();
        AgentClient client = agents;
        if (client == null) {
            throw unavailable("this API server has no client certificate for node agents, so it cannot reach "
                    + "pods/" + sub + " (see docs/node.md)");
        }
        boolean translate = StreamTranslator.translates(sub, req.headers().get("Upgrade"),
                req.headers().all("Sec-WebSocket-Protocol"));
        List<String> tunnelled = sub.equals("portforward") ? SpdyTunnel.tunnelledProtocols(
                req.headers().get("Upgrade"), req.headers().all("Sec-WebSocket-Protocol")) : List.of();
        boolean tunnel = !tunnelled.isEmpty();
        String webSocketKey = req.headers().get("Sec-WebSocket-Key");
        if ((translate || tunnel) && (webSocketKey == null || webSocketKey.isBlank())) {
            throw ApiException.badRequest("a WebSocket upgrade needs a Sec-WebSocket-Key header");
        }
        String userAgent = req.headers().get("User-Agent");
        AgentUpgrade.Answer answer;
        try {
            if (translate) {
                answer = client.upgrade(ip, port, "POST", path,
                        StreamTranslator.nodeUpgradeHeaders(userAgent));
            } else if (tunnel) {
                answer = client.upgrade(ip, port, "POST", path,
                        SpdyTunnel.nodeUpgradeHeaders(tunnelled, userAgent));
            } else {
                answer = client.upgrade(ip, port, req.method(), path, forwardedHeaders(req));
            }
        } catch (IOException e) {
            throw endpoint.unreachable(nodeName, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted while connecting to node \"" + nodeName + "\"");
        }
        if (answer.status() != 101) {
            throw refused(answer, nodeName, sub);
        }
        if (translate && !StreamTranslator.V4.equals(StreamTranslator.negotiated(answer.head()))) {
            answer.channel().close();
            throw ApiException.internal("the node \"" + nodeName + "\" chose stream protocol "
                    + StreamTranslator.negotiated(answer.head()) + " instead of " + StreamTranslator.V4);
        }
        Channel connection = ex.takeOver();
        if (connection == null) {
            answer.channel().close();
            throw ApiException.internal("pods/" + sub + " needs a direct client connection to upgrade");
        }
        if (translate) {
            LOG.debug("pods/{} {}/{}: WebSocket {} to the client, SPDY {} to node {}", sub, ns, name,
                    StreamTranslator.V5, StreamTranslator.V4, nodeName);
            StreamTranslator.start(connection, answer, webSocketKey, new StreamTranslator.Streams(
                    bool(req, "stdin", false), bool(req, "stdout", true), bool(req, "stderr", true),
                    bool(req, "tty", false)));
            return;
        }
        if (tunnel) {
            LOG.debug("pods/{} {}/{}: SPDY tunnelled through WebSocket to node {}", sub, ns, name, nodeName);
            SpdyTunnel.start(connection, answer, webSocketKey);
            return;
        }
        LOG.debug("pods/{} {}/{}: relaying to node {}", sub, ns, name, nodeName);
        AgentUpgrade.relay(answer, connection);
    }

    /** The agent path and query, as kube-apiserver builds the kubelet URL. */
    static String agentPath(ObjectNode pod, String ns, String name, String sub, ApiRequest req) {
        StringBuilder q = new StringBuilder();
        String path;
        if (sub.equals("portforward")) {
            path = "/portForward/" + encode(ns) + "/" + encode(name);
            for (String list : req.query().getOrDefault("ports", List.of())) {
                for (String p : list.split(",")) {
                    String port = p.trim();
                    if (!port.isEmpty()) {
                        checkPort(port);
                        add(q, "port", port);
                    }
                }
            }
        } else {
            String container = PodLogs.container(pod, name, req.param("container"));
            path = "/" + sub + "/" + encode(ns) + "/" + encode(name) + "/" + encode(container);
            if (sub.equals("exec")) {
                List<String> command = req.query().getOrDefault("command", List.of());
                if (command.isEmpty()) {
                    throw ApiException.badRequest("you must specify at least one command for the container");
                }
                for (String c : command) {
                    add(q, "command", c);
                }
            }
            // PodExecOptions and PodAttachOptions default stdout and stderr to true.
            boolean stdin = bool(req, "stdin", false);
            boolean stdout = bool(req, "stdout", true);
            boolean stderr = bool(req, "stderr", true);
            boolean tty = bool(req, "tty", false);
            if (!stdin && !stdout && !stderr) {
                throw ApiException.badRequest("you must specify at least 1 of stdin, stdout, stderr");
            }
            for (var flag : List.of(Map.entry("stdin", stdin), Map.entry("stdout", stdout),
                    Map.entry("stderr", stderr), Map.entry("tty", tty))) {
                if (flag.getValue()) {
                    add(q, flag.getKey(), "1");
                }
            }
        }
        return path + q;
    }

    private static void checkPort(String port) {
        int p;
        try {
            p = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid port \"" + port + "\": must be a number");
        }
        if (p < 1 || p > 65535) {
            throw ApiException.badRequest("port " + p + " must be between 1 and 65535, inclusive");
        }
    }

    /** A query boolean as Go's ParseBool reads it; absent means {@code absent}. */
    static boolean bool(ApiRequest req, String name, boolean absent) {
        String v = req.param(name);
        if (v == null) {
            return absent;
        }
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "1", "t", "true", "" -> true;
            case "0", "f", "false" -> false;
            default -> throw ApiException.badRequest("invalid value for " + name + ": \"" + v
                    + "\" (expected true or false)");
        };
    }

    private static List<Map.Entry<String, String>> forwardedHeaders(ApiRequest req) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (String name : req.headers().names()) {
            if (FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                for (String v : req.headers().all(name)) {
                    out.add(Map.entry(name, v));
                }
            }
        }
        return out;
    }

    /** The agent's refusal (or containerd's, relayed by the agent) as a Status. */
    private static ApiException refused(AgentUpgrade.Answer answer, String nodeName, String sub) {
        String body = answer.bodyText();
        int status = answer.status();
        if (status == 401 || status == 403 && body.startsWith("Forbidden (user=")) {
            return ApiException.internal("the agent of node \"" + nodeName + "\" refused the API server's client "
                    + "certificate (" + status + " " + body + "); does it trust this cluster's CA?");
        }
        if (status == 404) {
            return new ApiException(404, "NotFound", body, null);
        }
        if (status >= 400 && status < 500) {
            // Includes containerd's 403 for a WebSocket sub-protocol it does not speak (v5.channel.k8s.io):
            // clients that also speak SPDY retry with it.
            return ApiException.badRequest(body.isEmpty() ? "the node refused the pods/" + sub + " upgrade with "
                    + status : body);
        }
        return ApiException.internal("the agent of node \"" + nodeName + "\" answered " + status + ": " + body);
    }

    private static void add(StringBuilder q, String key, String value) {
        q.append(q.isEmpty() ? '?' : '&').append(key).append('=').append(encode(value));
    }
}
