package io.kaji.apiserver.auth;

import io.kaji.apiserver.pki.BootstrapToken;
import io.kaji.apiserver.serialization.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Authenticates bootstrap tokens ({@code <id>.<secret>}) against their Secrets
 * {@code kube-system/bootstrap-token-<id>}, as kube-apiserver's bootstrap token authenticator: the Secret must
 * exist and not be being deleted, be of type {@code bootstrap.kubernetes.io/token}, carry the same
 * {@code token-id} and {@code token-secret} (compared in constant time), not be past its {@code expiration}
 * (RFC 3339; an unreadable one counts as expired) and say {@code usage-bootstrap-authentication: "true"}. The user
 * is {@code system:bootstrap:<id>} in {@code system:bootstrappers} plus the valid groups of
 * {@code auth-extra-groups}. Every refusal is logged with the token id, never the secret. A deleted Secret's token
 * is refused as soon as the watch cache has seen the deletion. Thread-safe.
 */
public final class BootstrapTokens implements TokenAuthenticator {

    private static final Logger LOG = LoggerFactory.getLogger(BootstrapTokens.class);

    private final ServiceAccountTokens.Objects objects;
    private final Clock clock;

    /** @param objects where Secrets are looked up (the watch cache) */
    public BootstrapTokens(ServiceAccountTokens.Objects objects, Clock clock) {
        this.objects = objects;
        this.clock = clock;
    }

    @Override
    public Optional<UserInfo> authenticate(String token, List<String> audiences) {
        Optional<BootstrapToken> parsed = BootstrapToken.parse(token);
        if (parsed.isEmpty()) {
            return Optional.empty();
        }
        BootstrapToken t = parsed.get();
        ObjectNode secret = objects.get("secrets", BootstrapToken.NAMESPACE, t.secretName());
        if (secret == null) {
            LOG.info("bootstrap token {} rejected: no Secret {}/{}", t.id(), BootstrapToken.NAMESPACE,
                    t.secretName());
            return Optional.empty();
        }
        String problem = problem(secret, t, clock.instant());
        if (problem != null) {
            LOG.info("bootstrap token {} rejected: Secret {}/{} {}", t.id(), BootstrapToken.NAMESPACE,
                    t.secretName(), problem);
            return Optional.empty();
        }
        return Optional.of(new UserInfo(t.userName(), "", groups(secret), Map.of()));
    }

    /** Why {@code secret} does not accept {@code token} at {@code now}, or null when it does. */
    static String problem(ObjectNode secret, BootstrapToken token, Instant now) {
        if (Json.text(secret, "metadata.deletionTimestamp") != null) {
            return "is deleted and awaiting removal";
        }
        if (!BootstrapToken.SECRET_TYPE.equals(Json.text(secret, "type"))) {
            return "has invalid type, expected " + BootstrapToken.SECRET_TYPE;
        }
        String stored = data(secret, BootstrapToken.KEY_SECRET);
        if (!MessageDigest.isEqual(stored.getBytes(StandardCharsets.UTF_8),
                token.secret().getBytes(StandardCharsets.UTF_8))) {
            return "has invalid value for key " + BootstrapToken.KEY_SECRET;
        }
        if (!token.id().equals(data(secret, BootstrapToken.KEY_ID))) {
            return "has invalid value for key " + BootstrapToken.KEY_ID;
        }
        if (expired(secret, now)) {
            return "has expired (" + data(secret, BootstrapToken.KEY_EXPIRATION) + ")";
        }
        if (!"true".equals(data(secret, BootstrapToken.KEY_USAGE_AUTHENTICATION))) {
            return "not marked " + BootstrapToken.KEY_USAGE_AUTHENTICATION + "=true";
        }
        try {
            groups(secret);
        } catch (IllegalArgumentException e) {
            return "has invalid value for key " + BootstrapToken.KEY_EXTRA_GROUPS + ": " + e.getMessage();
        }
        return null;
    }

    /**
     * Whether the token Secret's {@code expiration} is at or before {@code now}; one without expiration never
     * expires, one that cannot be parsed is treated as expired (as Kubernetes does).
     */
    public static boolean expired(ObjectNode secret, Instant now) {
        String expiration = data(secret, BootstrapToken.KEY_EXPIRATION);
        if (expiration.isEmpty()) {
            return false;
        }
        try {
            return !Instant.parse(expiration).isAfter(now);
        } catch (DateTimeParseException e) {
            return true;
        }
    }

    /**
     * {@code system:bootstrappers} plus the extra groups, without duplicates.
     *
     * @throws IllegalArgumentException naming an extra group outside {@code system:bootstrappers:*}
     */
    static List<String> groups(ObjectNode secret) {
        Set<String> groups = new LinkedHashSet<>();
        groups.add(BootstrapToken.GROUP);
        for (String g : data(secret, BootstrapToken.KEY_EXTRA_GROUPS).split(",")) {
            String group = g.trim();
            if (group.isEmpty()) {
                continue;
            }
            if (!BootstrapToken.isValidExtraGroup(group)) {
                throw new IllegalArgumentException("group \"" + group + "\" does not match "
                        + "system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]");
            }
            groups.add(group);
        }
        return new ArrayList<>(groups);
    }

    /**
     * A data value of a Secret, decoded; empty when missing. A value only in {@code stringData} (which this server
     * stores as sent) counts too.
     */
    static String data(ObjectNode secret, String key) {
        String encoded = secret.path("data").path(key).asString("");
        if (encoded.isEmpty()) {
            return secret.path("stringData").path(key).asString("");
        }
        try {
            return new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }
}
