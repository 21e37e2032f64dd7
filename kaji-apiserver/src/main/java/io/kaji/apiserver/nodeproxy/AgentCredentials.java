package io.kaji.apiserver.nodeproxy;

import io.kaji.apiserver.pki.ClusterPki;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * The client certificate the API server presents to node agents (kube-apiserver's
 * {@code --kubelet-client-certificate}): CN {@value #COMMON_NAME}, O {@value #ORGANIZATION}, extended key usage
 * clientAuth, issued by the cluster CA that every agent trusts. Issued in memory at start (a fresh key each time),
 * so no file holds it.
 *
 * @param key   the private key
 * @param chain the certificate, then the CA certificate
 */
public record AgentCredentials(PrivateKey key, List<X509Certificate> chain) {

    /** The name agents accept (kubeadm's name for this certificate). */
    public static final String COMMON_NAME = "kube-apiserver-kubelet-client";
    public static final String ORGANIZATION = "kubeadm:cluster-admins";
    private static final Duration VALIDITY = Duration.ofDays(365);

    public AgentCredentials {
        chain = List.copyOf(chain);
    }

    /** Issues the certificate from the cluster CA. */
    public static AgentCredentials issue(ClusterPki pki) {
        return issue(pki.caCertificate(), pki.caKey());
    }

    /** Issues the certificate from the given CA. */
    public static AgentCredentials issue(X509Certificate ca, PrivateKey caKey) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair kp = g.generateKeyPair();
            Instant now = Instant.now();
            var b = new JcaX509v3CertificateBuilder(ca, new BigInteger(127, new SecureRandom()).add(BigInteger.ONE),
                    Date.from(now.minusSeconds(60)), Date.from(now.plus(VALIDITY)),
                    new X500Name("O=" + ORGANIZATION + ",CN=" + COMMON_NAME), kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
            String alg = caKey.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
            X509Certificate cert = new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder(alg).build(caKey)));
            return new AgentCredentials(kp.getPrivate(), List.of(cert, ca));
        } catch (GeneralSecurityException | OperatorCreationException | java.io.IOException e) {
            throw new IllegalStateException("cannot issue the API server's client certificate for node agents: "
                    + e.getMessage(), e);
        }
    }
}
