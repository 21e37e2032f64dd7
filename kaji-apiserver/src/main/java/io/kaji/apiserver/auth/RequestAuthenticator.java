package io.kaji.apiserver.auth;

import io.kaji.apiserver.http.ApiRequest;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authentication chain of every request, in kube-apiserver's order: a client certificate from the cluster CA,
 * then the bearer token ({@code Authorization: Bearer}, or for WebSocket clients the
 * {@code base64url.bearer.authorization.k8s.io.} sub-protocol) against each token authenticator in turn. Every
 * authenticated user also gets the group {@code system:authenticated}. A rejected certificate or token is logged
 * with its reason (never the token) and leaves the request anonymous, which callers answer with 401.
 * Thread-safe.
 */
public final class RequestAuthenticator {

    private static final Logger LOG = LoggerFactory.getLogger(RequestAuthenticator.class);
    public static final String AUTHENTICATED = "system:authenticated";
    private static final String WS_PROTOCOL_PREFIX = "base64url.bearer.authorization.k8s.io.";

    private final X509Authenticator x509;
    private final List<TokenAuthenticator> tokens = new CopyOnWriteArrayList<>();
    private final List<String> audiences;

    /**
     * @param x509      client certificate authentication, or null for none
     * @param audiences the audiences this API server accepts in service-account tokens
     */
    public RequestAuthenticator(X509Authenticator x509, List<TokenAuthenticator> tokens, List<String> audiences) {
        this.x509 = x509;
        this.tokens.addAll(tokens);
        this.audiences = List.copyOf(audiences);
    }

    /** Adds a token authenticator at the end of the chain. */
    public void addTokenAuthenticator(TokenAuthenticator t) {
        tokens.add(t);
    }

    public List<String> audiences() {
        return audiences;
    }

    /** The request's user, or empty when it presented no valid credential. */
    public Optional<UserInfo> authenticate(ApiRequest req, X509Certificate[] clientChain) {
        if (clientChain != null && clientChain.length > 0 && x509 != null) {
            try {
                return Optional.of(withAuthenticated(x509.authenticate(clientChain)));
            } catch (X509Authenticator.RejectedException e) {
                LOG.info("{} {}: client certificate rejected: {}", req.method(), req.path(), e.getMessage());
            }
        }
        String token = bearerToken(req);
        if (token == null) {
            return Optional.empty();
        }
        Optional<UserInfo> user = authenticateToken(token, audiences);
        if (user.isEmpty()) {
            LOG.info("{} {}: bearer token rejected (unknown, expired, tampered or for another audience)",
                    req.method(), req.path());
        }
        return user;
    }

    /** A bearer token's user (TokenReview uses this with the review's audiences). */
    public Optional<UserInfo> authenticateToken(String token, List<String> acceptedAudiences) {
        for (TokenAuthenticator t : tokens) {
            Optional<UserInfo> u = t.authenticate(token, acceptedAudiences);
            if (u.isPresent()) {
                return Optional.of(withAuthenticated(u.get()));
            }
        }
        return Optional.empty();
    }

    static String bearerToken(ApiRequest req) {
        String auth = req.header("Authorization");
        if (auth != null) {
            String[] parts = auth.trim().split("\\s+", 2);
            if (parts.length == 2 && parts[0].equalsIgnoreCase("Bearer") && !parts[1].isBlank()) {
                return parts[1].trim();
            }
            return null;
        }
        String protocols = req.header("Sec-WebSocket-Protocol");
        if (protocols != null) {
            for (String p : protocols.split(",")) {
                String s = p.trim();
                if (s.startsWith(WS_PROTOCOL_PREFIX)) {
                    try {
                        return new String(Base64.getUrlDecoder().decode(s.substring(WS_PROTOCOL_PREFIX.length())),
                                StandardCharsets.UTF_8);
                    } catch (IllegalArgumentException e) {
                        return null;
                    }
                }
            }
        }
        return null;
    }

    static UserInfo withAuthenticated(UserInfo u) {
        if (u.groups().contains(AUTHENTICATED) || u.name().equals(UserInfo.ANONYMOUS.name())) {
            return u;
        }
        List<String> groups = new ArrayList<>(u.groups());
        groups.add(AUTHENTICATED);
        return new UserInfo(u.name(), u.uid(), groups, u.extra());
    }
}
