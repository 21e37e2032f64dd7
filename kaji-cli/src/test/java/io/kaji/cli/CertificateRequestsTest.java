package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringReader;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;

/** The JDK-built requests and keys, checked with Bouncy Castle (which the API server parses them with). */
class CertificateRequestsTest {

    @Test
    void aNodeRequestCarriesTheKubeletSubjectTheKeyAndAValidSignature() throws Exception {
        KeyPair kp = NodeCredentials.newKeyPair();
        String pem = NodeCredentials.csrPem("worker-1.example", kp);
        assertThat(pem).startsWith("-----BEGIN CERTIFICATE REQUEST-----\n")
                .endsWith("-----END CERTIFICATE REQUEST-----\n");

        PKCS10CertificationRequest csr;
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            csr = (PKCS10CertificationRequest) parser.readObject();
        }
        assertThat(csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(kp.getPublic()))).isTrue();
        assertThat(csr.getSignatureAlgorithm().getAlgorithm().getId()).isEqualTo("1.2.840.10045.4.3.2");
        assertThat(csr.getSubjectPublicKeyInfo().getEncoded()).isEqualTo(kp.getPublic().getEncoded());
        assertThat(csr.getAttributes()).isEmpty();
        X500Name subject = csr.getSubject();
        assertThat(subject.getRDNs(BCStyle.CN)[0].getFirst().getValue().toString()).isEqualTo("system:node:worker-1.example");
        assertThat(subject.getRDNs(BCStyle.O)[0].getFirst().getValue().toString()).isEqualTo("system:nodes");
        // RDN order as Bouncy Castle's builder wrote it before: O first, then CN.
        assertThat(subject.getRDNs()[0].getFirst().getType()).isEqualTo(BCStyle.O);
    }

    @Test
    void aRequestSignedWithAnotherKeyDoesNotVerify() throws Exception {
        KeyPair kp = NodeCredentials.newKeyPair();
        KeyPair other = NodeCredentials.newKeyPair();
        String pem = CertificateRequests.pem("CN=x", new KeyPair(kp.getPublic(), other.getPrivate()));
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            PKCS10CertificationRequest csr = (PKCS10CertificationRequest) parser.readObject();
            assertThat(csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(kp.getPublic()))).isFalse();
        }
    }

    @Test
    void aSubjectThatIsNotADistinguishedNameIsRefused() {
        KeyPair kp = NodeCredentials.newKeyPair();
        assertThatThrownBy(() -> CertificateRequests.pem("not a name", kp)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void sec1KeysAreWrappedIntoPkcs8() throws Exception {
        KeyPair kp = NodeCredentials.newKeyPair();
        // The JDK's PKCS#8 encoding of an EC key holds the SEC1 structure in its last OCTET STRING.
        byte[] pkcs8 = kp.getPrivate().getEncoded();
        var info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(pkcs8);
        byte[] sec1 = info.parsePrivateKey().toASN1Primitive().getEncoded();
        var key = (ECPrivateKey) KeyFactory.getInstance("EC")
                .generatePrivate(new PKCS8EncodedKeySpec(CertificateRequests.pkcs8FromSec1(sec1)));
        assertThat(key.getS()).isEqualTo(((ECPrivateKey) kp.getPrivate()).getS());
    }

    @Test
    void longElementsUseTheLongLengthForm() {
        assertThat(CertificateRequests.tagged(0x04, new byte[0x7f])).startsWith(0x04, 0x7f);
        assertThat(CertificateRequests.tagged(0x04, new byte[0x80])).startsWith(0x04, 0x81, 0x80);
        assertThat(CertificateRequests.tagged(0x04, new byte[0x1234])).startsWith(0x04, 0x82, 0x12, 0x34);
        assertThat(CertificateRequests.tagged(0x04, new byte[0x10000])).startsWith(0x04, 0x83, 0x01, 0x00, 0x00);
    }
}
