package io.kaji.support.certs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class PemCertificatesTest {

    @Test
    void readsEveryBlockAndIgnoresKeysAroundThem() throws Exception {
        Instant now = Instant.now();
        TestCerts.Issued ca = TestCerts.ca("test-ca", now, now.plus(Duration.ofDays(10)));
        TestCerts.Issued leaf = TestCerts.leaf("leaf", ca, now, now.plus(Duration.ofDays(1)));
        List<PemCertificates.Block> blocks = PemCertificates.parse(leaf.keyPem() + leaf.pem() + ca.pem());
        assertThat(blocks).hasSize(2).allMatch(PemCertificates.Block::valid);
        assertThat(blocks.get(0).certificate()).isEqualTo(leaf.cert());
        assertThat(blocks.get(1).certificate()).isEqualTo(ca.cert());
    }

    @Test
    void aCorruptBlockIsReportedWithoutHidingTheOthers() throws Exception {
        Instant now = Instant.now();
        TestCerts.Issued ca = TestCerts.ca("test-ca", now, now.plus(Duration.ofDays(10)));
        String corrupt = "-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
        List<PemCertificates.Block> blocks = PemCertificates.parse(corrupt + ca.pem());
        assertThat(blocks).hasSize(2);
        assertThat(blocks.get(0).valid()).isFalse();
        assertThat(blocks.get(0).error()).startsWith("not an X.509 certificate");
        assertThat(blocks.get(1).valid()).isTrue();
    }

    @Test
    void truncatedAndNonBase64BlocksAreErrorsNotExceptions() {
        assertThat(PemCertificates.parse("-----BEGIN CERTIFICATE-----\nMIIB"))
                .singleElement().satisfies(b -> assertThat(b.error()).contains("without its END line"));
        assertThat(PemCertificates.parse("-----BEGIN CERTIFICATE-----\n%%%%\n-----END CERTIFICATE-----"))
                .singleElement().satisfies(b -> assertThat(b.error()).contains("not base64"));
        assertThat(PemCertificates.parse("just text")).isEmpty();
    }

    @Test
    void commonNameOfADistinguishedName() {
        assertThat(PemCertificates.commonName("CN=kaji-ca,O=kaji")).isEqualTo("kaji-ca");
        assertThat(PemCertificates.commonName("O=x")).isEqualTo("O=x");
    }
}
