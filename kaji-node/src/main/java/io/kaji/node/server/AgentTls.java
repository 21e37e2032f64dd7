package io.kaji.node.server;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The agent endpoint's TLS: a self-signed serving certificate generated at start (as the kubelet does without
 * {@code --tls-cert-file}; the API server does not verify it unless told to), and the client CAs whose
 * certificates authenticate callers (the cluster CA, as the kubelet's {@code --client-ca-file}).
 */
public final class AgentTls {

    private static final Duration VALIDITY = Duration.ofDays(365);

    private AgentTls() {
    }

    /**
     * An SSL context serving a fresh self-signed certificate for {@code nodeName} (SANs: the node name and the
     * given IPs) and trusting client certificates issued by {@code clientCas}.
     */
    public static SSLContext context(String nodeName, List<String> ips, List<X509Certificate> clientCas) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = g.generateKeyPair();
            X509Certificate cert = selfSigned(nodeName, ips, kp);
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            char[] pw = new char[0];
            keys.setKeyEntry("serving", kp.getPrivate(), pw, new java.security.cert.Certificate[] {cert});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, pw);
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            for (int i = 0; i < clientCas.size(); i++) {
                trust.setCertificateEntry("client-ca-" + i, clientCas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("node " + nodeName + ": cannot set up the agent's TLS: " + e.getMessage(),
                    e);
        }
    }

    /** The certificates in PEM text (e.g. a kubeconfig's certificate-authority-data, decoded). */
    public static List<X509Certificate> parsePem(String pem) {
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            List<X509Certificate> out = new ArrayList<>();
            for (var c : f.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)))) {
                out.add((X509Certificate) c);
            }
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not PEM certificates: " + e.getMessage(), e);
        }
    }

    private static X509Certificate selfSigned(String nodeName, List<String> ips, KeyPair kp)
            throws GeneralSecurityException, java.io.IOException {
        Instant now = Instant.now();
        X500Name name = new X500Name("CN=" + nodeName.replaceAll("[,+=\"\\\\<>;]", "-") + "@" + now.getEpochSecond());
        X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name,
                new BigInteger(127, new SecureRandom()).add(BigInteger.ONE), Date.from(now.minusSeconds(60)),
                Date.from(now.plus(VALIDITY)), name, kp.getPublic());
        List<GeneralName> sans = new ArrayList<>();
        sans.add(new GeneralName(GeneralName.dNSName, nodeName));
        for (String ip : ips) {
            if (ip != null && !ip.isEmpty()) {
                sans.add(new GeneralName(GeneralName.iPAddress, InetAddress.getByName(ip).getHostAddress()));
            }
        }
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(new GeneralName[0])));
        try {
            var signer = new JcaContentSignerBuilder("SHA256withECDSA").build(kp.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(b.build(signer));
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new GeneralSecurityException(e);
        }
    }
}
