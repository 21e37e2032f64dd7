package io.kaji.node.server;

import io.kaji.node.runtime.StreamOptions;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One of the kubelet's streaming requests, parsed from its path and query: {@code /exec/{ns}/{pod}[/{uid}]/{container}
 * ?command=…&stdin=1&stdout=1&stderr=1&tty=1}, {@code /attach/{ns}/{pod}[/{uid}]/{container}?…} and
 * {@code /portForward/{ns}/{pod}[/{uid}][?port=…]}. Booleans are true for {@code 1} or {@code true}, as the kubelet
 * reads what kube-apiserver sends ({@code 1}) and what clients send ({@code true}).
 *
 * @param kind      what is asked for
 * @param uid       the pod uid if the path names one, else null
 * @param container the container (null for port-forward)
 * @param command   the command for exec (empty otherwise)
 * @param streams   the streams for exec and attach (null for port-forward)
 * @param ports     the ports a WebSocket port-forward carries ({@code ports} or {@code port} parameters; SPDY clients
 *                  name ports per stream instead, so this may be empty)
 */
public record StreamRequest(Kind kind, String namespace, String pod, String uid, String container,
                            List<String> command, StreamOptions streams, List<Integer> ports) {

    /** The three streaming endpoints and their path prefixes. */
    public enum Kind {
        EXEC("/exec/"), ATTACH("/attach/"), PORT_FORWARD("/portForward/");

        final String prefix;

        Kind(String prefix) {
            this.prefix = prefix;
        }
    }

    public StreamRequest {
        command = List.copyOf(command);
        ports = List.copyOf(ports);
    }

    /** The kind whose prefix {@code rawPath} starts with, or null for other paths. */
    public static Kind kindOf(String rawPath) {
        for (Kind k : Kind.values()) {
            if (rawPath.startsWith(k.prefix)) {
                return k;
            }
        }
        return null;
    }

    /**
     * Parses a streaming request.
     *
     * @throws IllegalArgumentException with the message for a 400 answer
     */
    public static StreamRequest parse(String rawPath, Map<String, List<String>> query) {
        Kind kind = kindOf(rawPath);
        if (kind == null) {
            throw new IllegalArgumentException("not a streaming path: " + rawPath);
        }
        String[] parts = rawPath.substring(kind.prefix.length()).split("/", -1);
        for (String p : parts) {
            if (p.isEmpty()) {
                throw new IllegalArgumentException(usage(kind, rawPath));
            }
        }
        if (kind == Kind.PORT_FORWARD) {
            if (parts.length != 2 && parts.length != 3) {
                throw new IllegalArgumentException(usage(kind, rawPath));
            }
            return new StreamRequest(kind, decode(parts[0]), decode(parts[1]),
                    parts.length == 3 ? decode(parts[2]) : null, null, List.of(), null, ports(query));
        }
        if (parts.length != 3 && parts.length != 4) {
            throw new IllegalArgumentException(usage(kind, rawPath));
        }
        String uid = parts.length == 4 ? decode(parts[2]) : null;
        String container = decode(parts[parts.length - 1]);
        List<String> command = query.getOrDefault("command", List.of());
        if (kind == Kind.EXEC && command.isEmpty()) {
            throw new IllegalArgumentException("you must specify at least one command for the container");
        }
        StreamOptions streams = new StreamOptions(flag(query, "stdin"), flag(query, "stdout"),
                flag(query, "stderr"), flag(query, "tty"));
        return new StreamRequest(kind, decode(parts[0]), decode(parts[1]), uid, container,
                kind == Kind.EXEC ? command : List.of(), streams, List.of());
    }

    private static String usage(Kind kind, String path) {
        return switch (kind) {
            case PORT_FORWARD -> "expected /portForward/{namespace}/{pod}[/{uid}], got " + path;
            default -> "expected " + kind.prefix + "{namespace}/{pod}[/{uid}]/{container}, got " + path;
        };
    }

    private static boolean flag(Map<String, List<String>> query, String name) {
        List<String> v = query.get(name);
        if (v == null || v.isEmpty()) {
            return false;
        }
        return v.get(0).equals("1") || v.get(0).equalsIgnoreCase("true");
    }

    /** The kubelet's port list: {@code ports=80,8080} (WebSocket clients) or repeated {@code port}. */
    private static List<Integer> ports(Map<String, List<String>> query) {
        List<Integer> out = new ArrayList<>();
        List<String> raw = new ArrayList<>(query.getOrDefault("ports", List.of()));
        raw.addAll(query.getOrDefault("port", List.of()));
        for (String list : raw) {
            for (String p : list.split(",")) {
                String t = p.trim();
                if (t.isEmpty()) {
                    continue;
                }
                int port;
                try {
                    port = Integer.parseInt(t);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("unable to parse \"" + t + "\" as a port: " + e.getMessage());
                }
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException("port \"" + t + "\" must be > 0 and < 65536");
                }
                out.add(port);
            }
        }
        return out;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
