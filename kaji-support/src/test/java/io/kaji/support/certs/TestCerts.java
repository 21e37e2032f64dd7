package io.kaji.support.certs;

import java.io.StringWriter;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** Certificates with chosen validity for tests (Bouncy Castle, P-256). */
final class TestCerts {

    private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());

    /** A key pair with the certificate made for it. */
    record Issued(KeyPair keys, X509Certificate cert) {
        String pem() {
            return TestCerts.pem(cert);
        }

        String keyPem() {
            return TestCerts.pem(keys.getPrivate());
        }
    }

    private TestCerts() {
    }

    static Issued ca(String cn, Instant notBefore, Instant notAfter) throws Exception {
        KeyPair keys = keys();
        return new Issued(keys, sign(cn, keys, cn, keys, notBefore, notAfter, true));
    }

    static Issued leaf(String cn, Issued ca, Instant notBefore, Instant notAfter) throws Exception {
        KeyPair keys = keys();
        String issuer = ca.cert().getSubjectX500Principal().getName();
        return new Issued(keys, sign(cn, keys, issuer, ca.keys(), notBefore, notAfter, false));
    }

    private static X509Certificate sign(String subject, KeyPair subjectKeys, String issuer, KeyPair issuerKeys,
            Instant notBefore, Instant notAfter, boolean ca) throws Exception {
        X500Name issuerName = issuer.contains("=") ? new X500Name(issuer) : new X500Name("CN=" + issuer);
        var b = new JcaX509v3CertificateBuilder(issuerName, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(notBefore), Date.from(notAfter), new X500Name("CN=" + subject), subjectKeys.getPublic());
        if (ca) {
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        }
        var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate());
        return new JcaX509CertificateConverter().getCertificate(b.build(signer));
    }

    private static KeyPair keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    static String pem(Object o) {
        StringWriter w = new StringWriter();
        try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
            pw.writeObject(o);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return w.toString();
    }
}
