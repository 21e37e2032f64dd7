package io.kaji.apiserver.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.serialization.Json;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.node.ObjectNode;

class BootstrapTokensTest {

    static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    static final String TOKEN = "abcdef.0123456789abcdef";

    static ObjectNode secret(Consumer<Map<String, String>> change) {
        Map<String, String> data = new java.util.LinkedHashMap<>(Map.of("token-id", "abcdef",
                "token-secret", "0123456789abcdef", "usage-bootstrap-authentication", "true",
                "expiration", "2026-01-01T13:00:00Z"));
        change.accept(data);
        ObjectNode s = Json.object();
        s.putObject("metadata").put("name", "bootstrap-token-abcdef").put("namespace", "kube-system");
        s.put("type", "bootstrap.kubernetes.io/token");
        ObjectNode d = s.putObject("data");
        data.forEach((k, v) -> d.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        return s;
    }

    static Optional<UserInfo> authenticate(ObjectNode secret, String token) {
        BootstrapTokens tokens = new BootstrapTokens((resource, ns, name) -> resource.equals("secrets")
                && ns.equals("kube-system") && secret != null
                && name.equals(Json.text(secret, "metadata.name")) ? secret : null,
                Clock.fixed(NOW, ZoneOffset.UTC));
        return tokens.authenticate(token, List.of("https://kubernetes.default.svc.cluster.local"));
    }

    @Test
    void aValidTokenIsItsBootstrapUserWithTheExtraGroups() {
        ObjectNode s = secret(d -> d.put("auth-extra-groups",
                "system:bootstrappers:kaji:nodes, system:bootstrappers:kaji:nodes"));
        UserInfo u = authenticate(s, TOKEN).orElseThrow();
        assertThat(u.name()).isEqualTo("system:bootstrap:abcdef");
        assertThat(u.groups()).containsExactly("system:bootstrappers", "system:bootstrappers:kaji:nodes");
    }

    static Stream<Arguments> refusals() {
        List<Arguments> out = new ArrayList<>();
        out.add(Arguments.of("wrong secret", secret(d -> d.put("token-secret", "fedcba9876543210")), TOKEN));
        out.add(Arguments.of("mismatched id", secret(d -> d.put("token-id", "zzzzzz")), TOKEN));
        out.add(Arguments.of("expired", secret(d -> d.put("expiration", "2026-01-01T11:59:59Z")), TOKEN));
        out.add(Arguments.of("expires now", secret(d -> d.put("expiration", "2026-01-01T12:00:00Z")), TOKEN));
        out.add(Arguments.of("unparseable expiry", secret(d -> d.put("expiration", "tomorrow")), TOKEN));
        out.add(Arguments.of("not for authentication", secret(d -> d.remove("usage-bootstrap-authentication")),
                TOKEN));
        out.add(Arguments.of("usage false", secret(d -> d.put("usage-bootstrap-authentication", "false")), TOKEN));
        out.add(Arguments.of("bad extra group", secret(d -> d.put("auth-extra-groups", "system:masters")), TOKEN));
        ObjectNode wrongType = secret(d -> { });
        wrongType.put("type", "Opaque");
        out.add(Arguments.of("wrong type", wrongType, TOKEN));
        ObjectNode deleting = secret(d -> { });
        Json.metadata(deleting).put("deletionTimestamp", "2026-01-01T11:00:00Z");
        out.add(Arguments.of("being deleted", deleting, TOKEN));
        out.add(Arguments.of("no secret", null, TOKEN));
        out.add(Arguments.of("not a bootstrap token", secret(d -> { }), "abcdef:0123456789abcdef"));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusals")
    void refused(String why, ObjectNode secret, String token) {
        assertThat(authenticate(secret, token)).as(why).isEmpty();
    }

    @Test
    void withoutExpirationATokenDoesNotExpire() {
        assertThat(authenticate(secret(d -> d.remove("expiration")), TOKEN)).isPresent();
        assertThat(BootstrapTokens.expired(secret(d -> d.remove("expiration")), Instant.MAX)).isFalse();
    }

    @Test
    void cleanerDeletesOnlyExpiredTokenSecretsAtTheRevisionItSaw() {
        ObjectNode expired = secret(d -> d.put("expiration", "2026-01-01T11:00:00Z"));
        ObjectNode valid = secret(d -> { });
        Json.metadata(valid).put("name", "bootstrap-token-valid1");
        ObjectNode opaque = secret(d -> d.put("expiration", "2020-01-01T00:00:00Z"));
        opaque.put("type", "Opaque");
        Json.metadata(opaque).put("name", "not-a-token");
        List<String> deleted = new ArrayList<>();
        BootstrapTokenCleaner cleaner = new BootstrapTokenCleaner(new BootstrapTokenCleaner.Secrets() {
            @Override
            public List<BootstrapTokenCleaner.Revisioned> inKubeSystem() {
                return List.of(new BootstrapTokenCleaner.Revisioned(expired, 7),
                        new BootstrapTokenCleaner.Revisioned(valid, 8),
                        new BootstrapTokenCleaner.Revisioned(opaque, 9));
            }

            @Override
            public boolean delete(String name, long revision) {
                deleted.add(name + "@" + revision);
                return true;
            }
        }, Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(cleaner.clean()).isEqualTo(1);
        assertThat(deleted).containsExactly("bootstrap-token-abcdef@7");
    }
}
