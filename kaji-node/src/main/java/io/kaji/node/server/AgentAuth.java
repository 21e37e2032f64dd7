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
import java.util.function.Function;
import java.util.function.Supplier;

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
        return cached(tokens, sha256(token), "TokenReview", () -> reviews.token(token),
                caller -> caller.isPresent() ? TOKEN_TTL : TOKEN_FAILURE_TTL);
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
        return cached(decisions, key, "SubjectAccessReview", () -> reviews.access(caller, attributes, node),
                d -> d.allowed() ? ALLOWED_TTL : DENIED_TTL);
    }

    /**
     * {@code cache}'s unexpired answer for {@code key}, else {@code ask}'s, kept for {@code ttl} of it; a failure to
     * ask is not kept.
     */
    private <V> V cached(Map<String, Cached<V>> cache, String key, String review, Supplier<V> ask,
                         Function<V, Duration> ttl) throws ReviewFailedException {
        Instant now = clock.instant();
        synchronized (cache) {
            Cached<V> hit = cache.get(key);
            if (hit != null && now.isBefore(hit.expires())) {
                return hit.value();
            }
        }
        V answer;
        try {
            answer = ask.get();
        } catch (RuntimeException e) {
            throw new ReviewFailedException(review, e);
        }
        synchronized (cache) {
            cache.put(key, new Cached<>(answer, now.plus(ttl.apply(answer))));
        }
        return answer;
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
