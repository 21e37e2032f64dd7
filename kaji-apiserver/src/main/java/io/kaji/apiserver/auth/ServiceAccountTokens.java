package io.kaji.apiserver.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Service-account tokens as Kubernetes issues them (TokenRequest) and checks them: ES256 JWTs signed with the
 * cluster's service-account key, with the claims {@code iss}, {@code sub} ({@code system:serviceaccount:NS:NAME}),
 * {@code aud}, {@code exp}, {@code iat}, {@code nbf}, {@code jti} and the private {@code kubernetes.io} claim
 * (namespace, serviceaccount name and uid, and the bound pod's name and uid). A token authenticates only when its
 * signature verifies, it is within its validity, one of its audiences is accepted, and its service account (and
 * bound pod) still exists with the same uid; the user is then in {@code system:serviceaccounts} and
 * {@code system:serviceaccounts:NS}. Thread-safe.
 */
public final class ServiceAccountTokens implements TokenAuthenticator {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceAccountTokens.class);
    private static final String PREFIX = "system:serviceaccount:";
    public static final String POD_NAME = "authentication.kubernetes.io/pod-name";
    public static final String POD_UID = "authentication.kubernetes.io/pod-uid";
    public static final String CREDENTIAL_ID = "authentication.kubernetes.io/credential-id";

    /** Finds a current object, or null: how a token's service account and pod are checked for existence. */
    @FunctionalInterface
    public interface Objects {
        ObjectNode get(String resource, String namespace, String name);
    }

    /** A pod a token is bound to. */
    public record BoundPod(String name, String uid) {
    }

    private final KeyPair key;
    private final String keyId;
    private final String issuer;
    private final Clock clock;
    private final Objects objects;
    /**
     * One signer for every token (nimbus' signers are thread-safe), with one source of randomness: without one set,
     * the signer builds a new {@link SecureRandom} for each signature: a tenth of a token's issue time in a
     * burst of pod starts (one token per pod; JFR profile, docs/benchmarks.md).
     */
    private final ECDSASigner signer;

    public ServiceAccountTokens(KeyPair key, String issuer, Clock clock, Objects objects) {
        this.key = key;
        this.keyId = keyId(key);
        this.issuer = issuer;
        this.clock = clock;
        this.objects = objects;
        try {
            this.signer = new ECDSASigner((ECPrivateKey) key.getPrivate());
        } catch (JOSEException e) {
            throw new IllegalArgumentException("the service-account signing key is no P-256 key: " + e.getMessage(), e);
        }
        signer.getJCAContext().setSecureRandom(new SecureRandom());
    }

    /** Kubernetes' key id: the unpadded base64url SHA-256 of the DER public key. */
    static String keyId(KeyPair key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getPublic().getEncoded());
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    public String issuer() {
        return issuer;
    }

    /**
     * Issues a token for {@code namespace/name} (uid {@code saUid}), valid from now for {@code lifetime}.
     *
     * @param pod the pod it is bound to, or null
     */
    public String issue(String namespace, String name, String saUid, List<String> audiences, Duration lifetime,
            BoundPod pod) {
        Instant now = clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Map<String, Object> k8s = new LinkedHashMap<>();
        k8s.put("namespace", namespace);
        if (pod != null) {
            k8s.put("pod", Map.of("name", pod.name(), "uid", pod.uid()));
        }
        k8s.put("serviceaccount", Map.of("name", name, "uid", saUid));
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(PREFIX + namespace + ":" + name)
                .audience(audiences)
                .expirationTime(Date.from(now.plus(lifetime)))
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .jwtID(UUID.randomUUID().toString())
                .claim("kubernetes.io", k8s)
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(keyId).build(), claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("sign a service-account token: " + e.getMessage(), e);
        }
        return jwt.serialize();
    }

    @Override
    public Optional<UserInfo> authenticate(String token, List<String> audiences) {
        if (token == null || token.chars().filter(c -> c == '.').count() != 2) {
            return Optional.empty();
        }
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token);
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            return Optional.empty();
        }
        if (!issuer.equals(claims.getIssuer())) {
            // Another issuer's JWT: not ours to judge.
            return Optional.empty();
        }
        try {
            return Optional.of(validate(jwt, claims, audiences));
        } catch (InvalidToken e) {
            LOG.info("service-account token rejected: {}", e.getMessage());
            return Optional.empty();
        }
    }

    private static final class InvalidToken extends Exception {
        InvalidToken(String message) {
            super(message);
        }
    }

    private UserInfo validate(SignedJWT jwt, JWTClaimsSet claims, List<String> audiences) throws InvalidToken {
        if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) {
            throw new InvalidToken("unexpected signing algorithm " + jwt.getHeader().getAlgorithm());
        }
        try {
            JWSVerifier verifier = new ECDSAVerifier((ECPublicKey) key.getPublic());
            if (!jwt.verify(verifier)) {
                throw new InvalidToken("the signature does not verify (tampered, or signed by another key)");
            }
        } catch (JOSEException e) {
            throw new InvalidToken("cannot verify the signature: " + e.getMessage());
        }
        Instant now = clock.instant();
        if (claims.getExpirationTime() == null || !now.isBefore(claims.getExpirationTime().toInstant())) {
            throw new InvalidToken("the token has expired");
        }
        if (claims.getNotBeforeTime() != null && now.isBefore(claims.getNotBeforeTime().toInstant())) {
            throw new InvalidToken("the token is not valid yet");
        }
        List<String> tokenAudiences = claims.getAudience() == null ? List.of() : claims.getAudience();
        if (tokenAudiences.stream().noneMatch(audiences::contains)) {
            throw new InvalidToken("the token's audiences " + tokenAudiences + " include none of " + audiences);
        }
        Map<String, Object> k8s;
        try {
            k8s = claims.getJSONObjectClaim("kubernetes.io");
        } catch (ParseException e) {
            throw new InvalidToken("malformed kubernetes.io claim");
        }
        if (k8s == null) {
            throw new InvalidToken("no kubernetes.io claim");
        }
        String namespace = string(k8s.get("namespace"));
        Map<?, ?> sa = k8s.get("serviceaccount") instanceof Map<?, ?> m ? m : Map.of();
        String name = string(sa.get("name"));
        String uid = string(sa.get("uid"));
        if (namespace.isEmpty() || name.isEmpty() || !(PREFIX + namespace + ":" + name).equals(claims.getSubject())) {
            throw new InvalidToken("the subject does not match the kubernetes.io claim");
        }
        ObjectNode account = objects.get("serviceaccounts", namespace, name);
        if (account == null) {
            throw new InvalidToken("service account " + namespace + "/" + name + " no longer exists");
        }
        if (!uid.equals(account.path("metadata").path("uid").asString(""))) {
            throw new InvalidToken("service account " + namespace + "/" + name + " was deleted and recreated "
                    + "(uid differs)");
        }
        Map<String, List<String>> extra = new LinkedHashMap<>();
        if (k8s.get("pod") instanceof Map<?, ?> pod) {
            String podName = string(pod.get("name"));
            String podUid = string(pod.get("uid"));
            ObjectNode current = objects.get("pods", namespace, podName);
            if (current == null || !podUid.equals(current.path("metadata").path("uid").asString(""))) {
                throw new InvalidToken("the pod " + namespace + "/" + podName + " the token is bound to no longer "
                        + "exists");
            }
            if (current.path("metadata").has("deletionTimestamp")) {
                throw new InvalidToken("the pod " + namespace + "/" + podName + " the token is bound to is being "
                        + "deleted");
            }
            extra.put(POD_NAME, List.of(podName));
            extra.put(POD_UID, List.of(podUid));
        }
        if (claims.getJWTID() != null) {
            extra.put(CREDENTIAL_ID, List.of("JTI=" + claims.getJWTID()));
        }
        List<String> groups = new ArrayList<>(List.of("system:serviceaccounts", "system:serviceaccounts:" + namespace));
        return new UserInfo(claims.getSubject(), uid, groups, extra);
    }

    private static String string(Object o) {
        return o instanceof String s ? s : "";
    }
}
