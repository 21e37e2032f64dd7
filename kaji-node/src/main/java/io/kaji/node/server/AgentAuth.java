package io.kaji.node.server;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Who may call the agent endpoint, decided as the kubelet decides it with {@code --authentication-token-webhook}
 * and {@code --authorization-mode=Webhook} (what k3s and kubeadm configure):
 * <ul>
 *   <li><b>Authentication:</b> a client certificate from a CA the endpoint trusts (the TLS layer has checked it)
 *   names the caller by its common name and groups by its organizations; else a bearer token is sent to the API
 *   server in a TokenReview; else the caller is unauthenticated (401: no anonymous access, the CIS benchmark's
 *   {@code --anonymous-auth=false}).</li>
 *   <li><b>Authorization:</b> the API server's kubelet client and {@code system:masters} may do anything, as
 *   before; anyone else is asked about in a SubjectAccessReview of the request's attributes ({@link #attributes}):
 *   verb from the HTTP method, resource {@code nodes}, the node's name, a subresource from the path. So a
 *   monitoring service account given {@code nodes/metrics} and {@code nodes/stats} (Prometheus', metrics-server's
 *   roles) can scrape the node, and nobody else.</li>
 * </ul>
 * Answers are cached as the kubelet's flags default: an authenticated token 2 min, a refused one 10 s; an allowed
 * request 5 min, a denied one 30 s. Without {@link Reviews} (no API client) tokens and other certificates are
 * refused.
 */
public final class AgentAuth {

    static final Duration TOKEN_TTL = Duration.ofMinutes(2);
    static final Duration TOKEN_FAILURE_TTL = Duration.ofSeconds(10);
    static final Duration ALLOWED_TTL = Duration.ofMinutes(5);
    static final Duration DENIED_TTL = Duration.ofSeconds(30);
    private static final int MAX_ENTRIES = 1024;

    /** An authenticated caller. */
    public record Caller(String name, String uid, List<String> groups, Map<String, List<String>> extra) {
        public Caller {
            groups = List.copyOf(groups);
            extra = Map.copyOf(extra);
        }

        static Caller ofCertificate(String commonName, List<String> organizations) {
            return new Caller(commonName, "", organizations, Map.of());
        }
    }

    /** What a request asks to do, in the API server's terms (the kubelet's request attributes). */
    public record Attributes(String verb, String subresource) {
    }

    /** The API server's answer to a SubjectAccessReview. */
    public record Decision(boolean allowed, String reason) {
    }

    /** The two reviews, asked of the API server. Both throw if the API server cannot be asked. */
    public interface Reviews {
        /** The token's user, or empty if the API server does not authenticate it. */
        Optional<Caller> token(String token);

        /** Whether {@code caller} may do {@code attributes} on node {@code node}. */
        Decision access(Caller caller, Attributes attributes, String node);
    }

    private final Reviews reviews;
    private final String node;
    private final Clock clock;
    private final Map<String, Cached<Optional<Caller>>> tokens = lru();
    private final Map<String, Cached<Decision>> decisions = lru();

    /**
     * @param reviews the API server's reviews; null: only the API server's client and {@code system:masters}
     * @param node    the node's name, the name in every SubjectAccessReview
     */
    public AgentAuth(Reviews reviews, String node, Clock clock) {
        this.reviews = reviews;
        this.node = node;
        this.clock = clock;
    }

    /**
     * The kubelet's request attributes: the verb from the HTTP method (POST create, GET and HEAD get, PUT update,
     * PATCH patch, DELETE delete), the subresource from the path ({@code /stats} stats, {@code /metrics} metrics,
     * {@code /logs} log, {@code /spec} spec, {@code /checkpoint} checkpoint, anything else, container logs and
     * exec included, proxy).
     */
    public static Attributes attributes(String method, String path) {
        String verb = switch (method) {
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> "delete";
            default -> "get";
        };
        String subresource = "proxy";
        for (String sub : List.of("stats", "metrics", "logs", "spec", "checkpoint")) {
            if (path.equals("/" + sub) || path.startsWith("/" + sub + "/")) {
                subresource = sub.equals("logs") ? "log" : sub;
            }
        }
        return new Attributes(verb, subresource);
    }

    /** The caller a bearer token stands for, or empty if it is not authenticated (or cannot be checked now). */
    public Optional<Caller> authenticateToken(String token) throws ReviewFailedException {
        if (reviews == null || token.isEmpty()) {
            return Optional.empty();
        }
        String key = sha256(token);
        Instant now = clock.instant();
        synchronized (tokens) {
            Cached<Optional<Caller>> hit = tokens.get(key);
            if (hit != null && now.isBefore(hit.expires())) {
                return hit.value();
            }
        }
        Optional<Caller> caller;
        try {
            caller = reviews.token(token);
        } catch (RuntimeException e) {
            throw new ReviewFailedException("TokenReview", e);
        }
        synchronized (tokens) {
            tokens.put(key, new Cached<>(caller, now.plus(caller.isPresent() ? TOKEN_TTL : TOKEN_FAILURE_TTL)));
        }
        return caller;
    }

    /** Whether {@code caller} may make the request described by {@code attributes}. */
    public Decision authorize(Caller caller, Attributes attributes) throws ReviewFailedException {
        if (caller.name().equals(AgentServer.API_SERVER_CLIENT) || caller.groups().contains("system:masters")) {
            return new Decision(true, "");
        }
        if (reviews == null) {
            return new Decision(false, "the agent has no API client to ask");
        }
        String key = caller.name() + "\u0000" + caller.uid() + "\u0000" + caller.groups() + "\u0000"
                + caller.extra() + "\u0000" + attributes.verb() + "\u0000" + attributes.subresource();
        Instant now = clock.instant();
        synchronized (decisions) {
            Cached<Decision> hit = decisions.get(key);
            if (hit != null && now.isBefore(hit.expires())) {
                return hit.value();
            }
        }
        Decision d;
        try {
            d = reviews.access(caller, attributes, node);
        } catch (RuntimeException e) {
            throw new ReviewFailedException("SubjectAccessReview", e);
        }
        synchronized (decisions) {
            decisions.put(key, new Cached<>(d, now.plus(d.allowed() ? ALLOWED_TTL : DENIED_TTL)));
        }
        return d;
    }

    /** A review the API server could not be asked for (unreachable, or it answered with an error). */
    public static final class ReviewFailedException extends Exception {
        private static final long serialVersionUID = 1L;

        ReviewFailedException(String review, RuntimeException cause) {
            super(review + " failed: " + cause.getMessage(), cause);
        }
    }

    private record Cached<T>(T value, Instant expires) {
    }

    private static <V> Map<String, V> lru() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > MAX_ENTRIES;
            }
        };
    }

    private static String sha256(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("no SHA-256 in this JDK", e);
        }
    }
}
