package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Secret;
import io.kaji.apiserver.pki.BootstrapToken;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenCommandTest {

    static final BootstrapToken T = new BootstrapToken("abcdef", "0123456789abcdef");

    @Test
    void durationsAreGoStyleHoursMinutesSeconds() {
        assertThat(TokenCommand.parseDuration("24h")).isEqualTo(Duration.ofHours(24));
        assertThat(TokenCommand.parseDuration("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(TokenCommand.parseDuration("45s")).isEqualTo(Duration.ofSeconds(45));
        assertThat(TokenCommand.parseDuration("0")).isZero();
        assertThat(TokenCommand.parseDuration("1d")).isEqualTo(Duration.ofDays(1));
        for (String bad : List.of("", "24", "h", "1h 30m", "-1h")) {
            assertThatThrownBy(() -> TokenCommand.parseDuration(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a duration");
        }
    }

    @Test
    void deleteTakesAnIdATokenOrAJoinToken() {
        assertThat(TokenCommand.tokenId("abcdef")).isEqualTo("abcdef");
        assertThat(TokenCommand.tokenId("abcdef.0123456789abcdef")).isEqualTo("abcdef");
        assertThat(TokenCommand.tokenId("K10" + "a".repeat(64) + "::abcdef.0123456789abcdef")).isEqualTo("abcdef");
        assertThat(TokenCommand.tokenId("ABCDEF")).isNull();
        assertThat(TokenCommand.tokenId("abcdef.short")).isNull();
    }

    @Test
    void theSecretIsWhatKubeadmWrites() {
        Secret s = TokenCommand.secret(T, Instant.parse("2026-01-02T00:00:00Z"), "for n2",
                List.of(TokenCommand.DEFAULT_GROUP));
        assertThat(s.getMetadata().getName()).isEqualTo("bootstrap-token-abcdef");
        assertThat(s.getMetadata().getNamespace()).isEqualTo("kube-system");
        assertThat(s.getType()).isEqualTo("bootstrap.kubernetes.io/token");
        assertThat(s.getData()).containsOnlyKeys("token-id", "token-secret", "expiration", "description",
                "usage-bootstrap-authentication", "usage-bootstrap-signing", "auth-extra-groups");
        assertThat(new String(Base64.getDecoder().decode(s.getData().get("expiration"))))
                .isEqualTo("2026-01-02T00:00:00Z");
        assertThat(TokenCommand.secret(T, null, null, List.of(TokenCommand.DEFAULT_GROUP)).getData())
                .doesNotContainKeys("expiration", "description");
    }

    @Test
    void listPrintsKubeadmsTable() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        Secret later = TokenCommand.secret(T, now.plus(Duration.ofHours(23).plusMinutes(59)), "for n2",
                List.of(TokenCommand.DEFAULT_GROUP));
        Secret forever = TokenCommand.secret(new BootstrapToken("zzzzzz", "0123456789abcdef"), null, null,
                List.of(TokenCommand.DEFAULT_GROUP));
        Secret expired = TokenCommand.secret(new BootstrapToken("bbbbbb", "0123456789abcdef"),
                now.minusSeconds(1), null, List.of(TokenCommand.DEFAULT_GROUP));
        Secret other = new io.fabric8.kubernetes.api.model.SecretBuilder().withNewMetadata().withName("x")
                .endMetadata().withType("Opaque").build();
        assertThat(TokenCommand.table(List.of(forever, later, expired, other), now)).isEqualTo("""
                TOKEN                     TTL         EXPIRES                USAGES                   DESCRIPTION   EXTRA GROUPS
                abcdef.0123456789abcdef   23h         2026-01-01T23:59:00Z   authentication,signing   for n2        system:bootstrappers:kaji:default-node-token
                bbbbbb.0123456789abcdef   <invalid>   2025-12-31T23:59:59Z   authentication,signing   <none>        system:bootstrappers:kaji:default-node-token
                zzzzzz.0123456789abcdef   <forever>   <never>                authentication,signing   <none>        system:bootstrappers:kaji:default-node-token
                """);
    }

    @Test
    void joinTokensOfBothKinds() {
        String hash = "ab".repeat(32);
        JoinToken bootstrap = JoinToken.parse("K10" + hash + "::abcdef.0123456789abcdef\n");
        assertThat(bootstrap.bearer()).isEqualTo("abcdef.0123456789abcdef");
        assertThat(bootstrap.caHash()).isEqualTo(hash);
        assertThat(bootstrap.toString()).doesNotContain("0123456789abcdef");
        JoinToken node = JoinToken.parse("K10" + hash + "::server:" + "f".repeat(64));
        assertThat(node.bearer()).isEqualTo("K10" + hash + "::server:" + "f".repeat(64));
        assertThat(node.id()).isNull();
        assertThatThrownBy(() -> JoinToken.parse("K10xyz::abcdef.0123456789abcdef"))
                .hasMessageContaining("CA hash");
    }
}
