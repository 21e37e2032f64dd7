package io.kaji.support.certs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CertificateGaugesTest {

    @Test
    void secondsLeftPerCertificateAndInvalidOnesCounted() throws Exception {
        Instant now = Instant.now();
        TestCerts.Issued ca = TestCerts.ca("ca", now.minusSeconds(60), now.plus(Duration.ofDays(10)));
        TestCerts.Issued old = TestCerts.leaf("old", ca, now.minus(Duration.ofDays(3)), now.minus(Duration.ofDays(1)));
        String text = CertificateGauges.render(List.of(
                CertificateEntry.of("secret/shop/tls/tls.crt", Source.SECRET, "shop", "tls", ca.cert(), "", null, now,
                        Thresholds.DEFAULT),
                CertificateEntry.of("apiserver", Source.KAJI_PKI, null, "/x", old.cert(), "ca", false, now,
                        Thresholds.DEFAULT),
                CertificateEntry.invalid("broken", Source.SECRET, "shop", "b", "not a certificate")), now);
        long tenDays = Duration.between(now, ca.cert().getNotAfter().toInstant()).getSeconds();
        assertThat(text).contains("# TYPE kaji_certificate_expiry_seconds gauge",
                "kaji_certificate_expiry_seconds{source=\"secret\",namespace=\"shop\",name=\"secret/shop/tls/tls.crt\"} "
                        + tenDays,
                "kaji_certificate_invalid{source=\"secret\",namespace=\"shop\",name=\"broken\"} 1");
        assertThat(text).containsPattern("kaji_certificate_expiry_seconds\\{source=\"kaji-pki\",namespace=\"\","
                + "name=\"apiserver\"} -8640\\d");
    }
}
