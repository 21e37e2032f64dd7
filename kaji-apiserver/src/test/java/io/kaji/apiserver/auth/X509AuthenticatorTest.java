package io.kaji.apiserver.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.apiserver.pki.ClusterPki;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class X509AuthenticatorTest {

    @TempDir
    static Path dir;
    static ClusterPki pki;
    static ClusterPki foreign;

    @BeforeAll
    static void pkis() {
        pki = ClusterPki.loadOrCreate(dir.resolve("a"), List.of());
        foreign = ClusterPki.loadOrCreate(dir.resolve("b"), List.of());
    }

    static X509Authenticator at(Instant now) {
        return new X509Authenticator(pki.caCertificate(), Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void commonNameIsTheUserAndOrganizationsAreTheGroups() throws Exception {
        X509Certificate cert = pki.issueClient("jane", List.of("devs", "ops"), Duration.ofHours(1)).certificate();
        UserInfo u = at(Instant.now()).authenticate(new X509Certificate[] {cert});
        assertThat(u.name()).isEqualTo("jane");
        assertThat(u.groups()).containsExactlyInAnyOrder("devs", "ops");
    }

    @Test
    void anExpiredCertificateIsRejected() {
        X509Certificate cert = pki.issueClient("jane", List.of(), Duration.ofHours(1)).certificate();
        assertThatThrownBy(() -> at(Instant.now().plus(Duration.ofHours(2))).authenticate(
                new X509Certificate[] {cert}))
                .isInstanceOf(X509Authenticator.RejectedException.class).hasMessageContaining("expired at");
    }

    @Test
    void aCertificateFromAnotherCaIsRejected() {
        X509Certificate cert = foreign.issueClient("jane", List.of("system:masters"), Duration.ofHours(1))
                .certificate();
        assertThatThrownBy(() -> at(Instant.now()).authenticate(new X509Certificate[] {cert}))
                .isInstanceOf(X509Authenticator.RejectedException.class)
                .hasMessageContaining("does not verify with the cluster CA's key");
    }

    @Test
    void aServingCertificateIsNotAClientCredential() {
        assertThatThrownBy(() -> at(Instant.now()).authenticate(
                new X509Certificate[] {pki.servingCertificate()}))
                .hasMessageContaining("is not for client authentication");
    }
}
