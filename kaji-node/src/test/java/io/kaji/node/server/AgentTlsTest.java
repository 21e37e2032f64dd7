package io.kaji.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's serving certificate made by keytool, kept in a directory and reused like the kubelet's. */
class AgentTlsTest {

    @TempDir
    Path dir;

    private static X509Certificate cert(KeyStore ks) throws Exception {
        return (X509Certificate) ks.getCertificate("serving");
    }

    @Test
    void madeCertificateNamesTheNodeAndItsAddressesForServerAuthOnly() throws Exception {
        Instant now = Instant.now();
        KeyStore ks = AgentTls.servingKeys("node-1", List.of("100.64.7.1", "127.0.0.1"), dir, now);
        X509Certificate c = cert(ks);

        assertThat(ks.isKeyEntry("serving")).isTrue();
        assertThat(c.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(c.getSigAlgName()).isEqualTo("SHA256withECDSA");
        assertThat(c.getSubjectX500Principal().getName()).startsWith("CN=node-1@");
        List<String> sans = new ArrayList<>();
        for (List<?> san : c.getSubjectAlternativeNames()) {
            sans.add(san.get(0) + "=" + san.get(1));
        }
        assertThat(sans).containsExactlyInAnyOrder("2=node-1", "7=100.64.7.1", "7=127.0.0.1");
        assertThat(c.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(c.getBasicConstraints()).isEqualTo(-1);
        assertThat(c.getKeyUsage()[0]).as("digitalSignature").isTrue();
        assertThat(c.getNotBefore().toInstant()).isBefore(now);
        assertThat(Duration.between(now, c.getNotAfter().toInstant()).toDays()).isBetween(364L, 365L);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(AgentTls.SERVING_FILE))))
                .isEqualTo("rw-------");
    }

    @Test
    void keptCertificateIsReusedWhileItStillFits() throws Exception {
        Instant now = Instant.now();
        X509Certificate first = cert(AgentTls.servingKeys("node-1", List.of("100.64.7.1"), dir, now));

        X509Certificate again = cert(AgentTls.servingKeys("node-1", List.of("100.64.7.1"), dir, now));
        assertThat(again).isEqualTo(first);

        X509Certificate otherAddress = cert(AgentTls.servingKeys("node-1", List.of("100.64.7.2"), dir, now));
        assertThat(otherAddress.getSerialNumber()).isNotEqualTo(first.getSerialNumber());

        Instant nearExpiry = now.plus(AgentTls.VALIDITY).minus(AgentTls.RENEW_BEFORE).plusSeconds(3600);
        X509Certificate renewed = cert(AgentTls.servingKeys("node-1", List.of("100.64.7.2"), dir, nearExpiry));
        assertThat(renewed.getSerialNumber()).isNotEqualTo(otherAddress.getSerialNumber());
    }

    @Test
    void unreadableKeptFileIsReplaced() throws Exception {
        Files.writeString(dir.resolve(AgentTls.SERVING_FILE), "not a key store");

        KeyStore ks = AgentTls.servingKeys("node-1", List.of("127.0.0.1"), dir, Instant.now());

        assertThat(cert(ks).getSubjectX500Principal().getName()).startsWith("CN=node-1@");
        assertThat(Files.list(dir)).containsExactly(dir.resolve(AgentTls.SERVING_FILE));
    }

    @Test
    void withoutDirectoryNothingIsLeftBehind() throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long before;
        try (var s = Files.list(tmp)) {
            before = s.filter(p -> p.getFileName().toString().startsWith("kaji-agent-tls")).count();
        }
        KeyStore ks = AgentTls.servingKeys("node-1", List.of("::1"), null, Instant.now());
        assertThat(cert(ks).getSubjectAlternativeNames()).anySatisfy(san -> assertThat(san.get(0)).isEqualTo(7));
        try (var s = Files.list(tmp)) {
            assertThat(s.filter(p -> p.getFileName().toString().startsWith("kaji-agent-tls")).count())
                    .isEqualTo(before);
        }
    }
}
