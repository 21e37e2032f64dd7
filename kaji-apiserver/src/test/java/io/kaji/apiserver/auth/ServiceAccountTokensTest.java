package io.kaji.apiserver.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jwt.SignedJWT;
import io.kaji.apiserver.serialization.Json;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class ServiceAccountTokensTest {

    static final String ISSUER = "https://kubernetes.default.svc.cluster.local";
    static final List<String> API = List.of(ISSUER);

    final Map<String, ObjectNode> objects = new HashMap<>();
    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final KeyPair key = newKey();
    final ServiceAccountTokens tokens = new ServiceAccountTokens(key, ISSUER, clock,
            (resource, ns, name) -> objects.get(resource + "/" + ns + "/" + name));

    static KeyPair newKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    void put(String resource, String ns, String name, String uid) {
        objects.put(resource + "/" + ns + "/" + name, Json.parseTrusted("{\"metadata\":{\"name\":\"" + name
                + "\",\"namespace\":\"" + ns + "\",\"uid\":\"" + uid + "\"}}"));
    }

    @Test
    void aFreshTokenCarriesKubernetesClaimsAndAuthenticatesTheServiceAccount() throws Exception {
        put("serviceaccounts", "team", "robot", "sa-uid");
        put("pods", "team", "web", "pod-uid");
        String t = tokens.issue("team", "robot", "sa-uid", API, Duration.ofHours(1),
                new ServiceAccountTokens.BoundPod("web", "pod-uid"));
        var claims = SignedJWT.parse(t).getJWTClaimsSet();
        assertThat(claims.getSubject()).isEqualTo("system:serviceaccount:team:robot");
        assertThat(claims.getIssuer()).isEqualTo(ISSUER);
        assertThat(claims.getAudience()).isEqualTo(API);
        assertThat(claims.getExpirationTime().toInstant()).isEqualTo(Instant.parse("2026-01-01T01:00:00Z"));
        assertThat(claims.getNotBeforeTime()).isEqualTo(claims.getIssueTime());
        assertThat(claims.getJSONObjectClaim("kubernetes.io").toString()).contains("namespace=team")
                .contains("serviceaccount={").contains("uid=sa-uid").contains("pod={");
        UserInfo u = tokens.authenticate(t, API).orElseThrow();
        assertThat(u.name()).isEqualTo("system:serviceaccount:team:robot");
        assertThat(u.uid()).isEqualTo("sa-uid");
        assertThat(u.groups()).containsExactly("system:serviceaccounts", "system:serviceaccounts:team");
        assertThat(u.extra().get(ServiceAccountTokens.POD_NAME)).containsExactly("web");
    }

    @Test
    void tamperedExpiredForeignAudienceAndOrphanedTokensAreRejected() {
        put("serviceaccounts", "team", "robot", "sa-uid");
        String t = tokens.issue("team", "robot", "sa-uid", API, Duration.ofMinutes(10), null);
        assertThat(tokens.authenticate(t, API)).isPresent();

        String[] parts = t.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]));
        String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(
                payload.replace("robot", "admin").getBytes()) + "." + parts[2];
        assertThat(tokens.authenticate(forged, API)).as("payload changed").isEmpty();
        String otherKey = new ServiceAccountTokens(newKey(), ISSUER, clock, (r, n, m) -> null)
                .issue("team", "robot", "sa-uid", API, Duration.ofMinutes(10), null);
        assertThat(tokens.authenticate(otherKey, API)).as("signed by another key").isEmpty();
        assertThat(tokens.authenticate(t, List.of("https://vault"))).as("another audience").isEmpty();

        clock.now = clock.now.plus(Duration.ofMinutes(11));
        assertThat(tokens.authenticate(t, API)).as("expired").isEmpty();
        clock.now = clock.now.minus(Duration.ofMinutes(11));

        put("serviceaccounts", "team", "robot", "recreated-uid");
        assertThat(tokens.authenticate(t, API)).as("service account recreated").isEmpty();
        objects.clear();
        assertThat(tokens.authenticate(t, API)).as("service account deleted").isEmpty();
    }

    @Test
    void aTokenBoundToAPodDiesWithThePod() {
        put("serviceaccounts", "team", "robot", "sa-uid");
        put("pods", "team", "web", "pod-uid");
        String t = tokens.issue("team", "robot", "sa-uid", API, Duration.ofHours(1),
                new ServiceAccountTokens.BoundPod("web", "pod-uid"));
        assertThat(tokens.authenticate(t, API)).isPresent();
        objects.remove("pods/team/web");
        assertThat(tokens.authenticate(t, API)).isEmpty();
    }

    @Test
    void tokensThatAreNotOurJwtsAreLeftToOtherAuthenticators() {
        assertThat(tokens.authenticate("plain-static-token", API)).isEmpty();
        assertThat(tokens.authenticate("a.b.c", API)).isEmpty();
    }

    static final class MutableClock extends java.time.Clock {
        Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
