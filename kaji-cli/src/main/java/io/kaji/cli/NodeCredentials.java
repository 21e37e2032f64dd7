package io.kaji.cli;

import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequest;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestBuilder;
import io.fabric8.kubernetes.api.model.certificates.v1.CertificateSigningRequestCondition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.apiserver.pki.ClusterPki;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A joining agent's own identity, as the kubelet's TLS bootstrap: with the node token (a bootstrap credential
 * that may only create CertificateSigningRequests) the agent asks for a client certificate
 * {@code CN=system:node:<name>, O=system:nodes} from the signer {@code kubernetes.io/kube-apiserver-client-kubelet},
 * waits for the server to approve and sign it, keeps key and certificate in {@code <data-dir>/pki/}
 * ({@code node-client.key} 0600, {@code node-client.crt} 0644) and from then on authenticates with it. A kept
 * certificate is reused while it names this node, comes from the cluster CA and has more than a day left.
 */
final class NodeCredentials {

    private static final Logger log = LoggerFactory.getLogger(NodeCredentials.class);
    static final String SIGNER = "kubernetes.io/kube-apiserver-client-kubelet";
    private static final Duration RENEW_BEFORE = Duration.ofDays(1);

    private NodeCredentials() {
    }

    /** A certificate and its key, as PEM. */
    record Issued(String certPem, String keyPem) {
    }

    /**
     * The client configuration for node {@code nodeName}: {@code bootstrap}'s server and CA with the node's client
     * certificate instead of the token. Blocking: up to {@code timeout} for the approval.
     *
     * @throws IllegalStateException when the request is denied, fails or is not signed in time
     */
    static Config obtain(Config bootstrap, String nodeName, Path pkiDir, Duration timeout) {
        Issued issued = obtainIssued(bootstrap, nodeName, pkiDir, timeout);
        return withCertificate(bootstrap, issued.certPem(), issued.keyPem());
    }

    /**
     * Like {@link #obtain}, as a certificate that renews itself before it expires (not started: call
     * {@link NodeClientCertificate#start()} once the agent uses it).
     */
    static NodeClientCertificate obtainRotating(Config bootstrap, String nodeName, Path pkiDir, Duration timeout,
            java.util.concurrent.ScheduledExecutorService executor) {
        Issued issued = obtainIssued(bootstrap, nodeName, pkiDir, timeout);
        Config base = new ConfigBuilder(bootstrap).withOauthToken(null).build();
        return new NodeClientCertificate(base, nodeName, pkiDir, issued.certPem(), issued.keyPem(),
                java.time.Clock.systemUTC(), executor, timeout);
    }

    /**
     * The in-process agent's certificate, issued directly from the cluster CA (the server holds it) for
     * {@code validity}, written to {@code pkiDir} and renewed through CSRs like a joined agent's.
     *
     * @param server the server's admin configuration, of which only the URL and the CA are used
     */
    static NodeClientCertificate issueInProcess(ClusterPki pki, Config server, String nodeName, Path pkiDir,
            Duration validity, java.util.concurrent.ScheduledExecutorService executor) {
        ClusterPki.ClientCredentials creds = pki.issueClient("system:node:" + nodeName, List.of("system:nodes"),
                validity);
        NodeClientCertificate.write(pkiDir, creds.certificatePem(), creds.keyPem());
        Config base = new ConfigBuilder().withMasterUrl(server.getMasterUrl()).withCaCertData(server.getCaCertData())
                .build();
        return new NodeClientCertificate(base, nodeName, pkiDir, creds.certificatePem(), creds.keyPem(),
                java.time.Clock.systemUTC(), executor, Duration.ofSeconds(60));
    }

    private static Issued obtainIssued(Config bootstrap, String nodeName, Path pkiDir, Duration timeout) {
        String user = "system:node:" + nodeName;
        X509Certificate ca = certificate(new String(Base64.getDecoder().decode(bootstrap.getCaCertData()),
                StandardCharsets.UTF_8));
        Path keyFile = pkiDir.resolve(NodeClientCertificate.KEY_FILE);
        Path certFile = pkiDir.resolve(NodeClientCertificate.CERT_FILE);
        try {
            if (Files.exists(keyFile) && Files.exists(certFile)) {
                String certPem = Files.readString(certFile);
                String keyPem = Files.readString(keyFile);
                X509Certificate kept = certificate(certPem);
                if (usable(kept, keyPem, ca, user, Instant.now())) {
                    log.info("using node client certificate {} (expires {})", certFile, kept.getNotAfter().toInstant());
                    return new Issued(certPem, keyPem);
                }
                log.info("node client certificate {} is not usable for {} any more; requesting a new one", certFile,
                        user);
            }
            KeyPair kp = newKeyPair();
            String certPem = request(bootstrap, nodeName, kp, timeout);
            X509Certificate issued = certificate(certPem);
            String keyPem = pkcs8Pem(kp.getPrivate());
            NodeClientCertificate.write(pkiDir, certPem, keyPem);
            log.info("node {} got its client certificate (expires {})", nodeName, issued.getNotAfter().toInstant());
            return new Issued(certPem, keyPem);
        } catch (IOException e) {
            throw new UncheckedIOException("node client certificate in " + pkiDir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether a kept certificate can still be used: from {@code ca}, for {@code user}, matching its key, and valid
     * for more than a day or a tenth of its lifetime, whichever is shorter (short-lived certificates are renewed
     * by rotation, not replaced at every start).
     */
    static boolean usable(X509Certificate cert, String keyPem, X509Certificate ca, String user, Instant now) {
        try {
            cert.verify(ca.getPublicKey());
            java.security.Signature signer = java.security.Signature.getInstance("SHA256withECDSA");
            signer.initSign(readKey(keyPem));
            byte[] probe = "kaji".getBytes(StandardCharsets.UTF_8);
            signer.update(probe);
            byte[] signature = signer.sign();
            java.security.Signature verifier = java.security.Signature.getInstance("SHA256withECDSA");
            verifier.initVerify(cert.getPublicKey());
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                return false;
            }
        } catch (java.security.GeneralSecurityException | IOException e) {
            return false;
        }
        Duration lifetime = Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
        Duration margin = lifetime.dividedBy(10).compareTo(RENEW_BEFORE) < 0 ? lifetime.dividedBy(10) : RENEW_BEFORE;
        return cert.getSubjectX500Principal().getName().contains("CN=" + user)
                && cert.getNotAfter().toInstant().isAfter(now.plus(margin));
    }

    /** Creates a CSR with {@code config}'s identity and waits for its certificate (PEM). */
    static String request(Config bootstrap, String nodeName, KeyPair kp, Duration timeout) {
        String csrPem = csrPem(nodeName, kp);
        String name = "node-csr-" + nodeName + "-" + UUID.randomUUID().toString().substring(0, 8);
        CertificateSigningRequest csr = new CertificateSigningRequestBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withNewSpec()
                .withRequest(Base64.getEncoder().encodeToString(csrPem.getBytes(StandardCharsets.UTF_8)))
                .withSignerName(SIGNER)
                .withUsages(List.of("digital signature", "client auth"))
                .endSpec().build();
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(bootstrap).build()) {
            client.certificates().v1().certificateSigningRequests().resource(csr).create();
            log.info("requested a node client certificate for {} ({})", nodeName, name);
            Instant deadline = Instant.now().plus(timeout);
            while (Instant.now().isBefore(deadline)) {
                CertificateSigningRequest current = client.certificates().v1().certificateSigningRequests()
                        .withName(name).get();
                if (current != null && current.getStatus() != null) {
                    for (CertificateSigningRequestCondition c : current.getStatus().getConditions()) {
                        if (("Denied".equals(c.getType()) || "Failed".equals(c.getType()))
                                && !"False".equals(c.getStatus())) {
                            throw new IllegalStateException("the server " + c.getType().toLowerCase()
                                    + " certificate signing request " + name + ": " + c.getMessage());
                        }
                    }
                    String cert = current.getStatus().getCertificate();
                    if (cert != null && !cert.isEmpty()) {
                        return new String(Base64.getDecoder().decode(cert), StandardCharsets.UTF_8);
                    }
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for certificate " + name, e);
                }
            }
        }
        throw new IllegalStateException("certificate signing request " + name + " was not signed within "
                + timeout.toSeconds() + " s (is the server's CSR approver running? kubectl get csr " + name + ")");
    }

    /** The node's certificate request: {@code CN=system:node:<name>, O=system:nodes}, as the kubelet's. */
    static String csrPem(String nodeName, KeyPair kp) {
        return CertificateRequests.pem("CN=system:node:" + nodeName + ", O=system:nodes", kp);
    }

    private static Config withCertificate(Config bootstrap, String certPem, String keyPem) {
        Base64.Encoder b64 = Base64.getEncoder();
        return new ConfigBuilder(bootstrap).withOauthToken(null)
                .withClientCertData(b64.encodeToString(certPem.getBytes(StandardCharsets.UTF_8)))
                .withClientKeyData(b64.encodeToString(keyPem.getBytes(StandardCharsets.UTF_8)))
                .withClientKeyAlgo("EC").build();
    }

    static KeyPair newKeyPair() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an EC P-256 key: " + e.getMessage(), e);
        }
    }

    private static X509Certificate certificate(String pem) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.cert.CertificateException e) {
            throw new IllegalStateException("not a PEM certificate: " + e.getMessage(), e);
        }
    }

    /**
     * The node's private key from PEM: PKCS#8 ({@code PRIVATE KEY}, as Kaji writes node keys) or SEC1
     * ({@code EC PRIVATE KEY} on P-256, as earlier builds wrote them), both with the JDK alone.
     */
    static PrivateKey readKey(String pem) throws IOException {
        boolean pkcs8 = pem.contains(PKCS8_BEGIN);
        String begin = pkcs8 ? PKCS8_BEGIN : SEC1_BEGIN;
        String end = pkcs8 ? PKCS8_END : SEC1_END;
        int from = pem.indexOf(begin);
        if (from < 0) {
            throw new IOException("not a PEM private key (expected " + PKCS8_BEGIN + " or " + SEC1_BEGIN + ")");
        }
        from += begin.length();
        int to = pem.indexOf(end, from);
        if (to < 0) {
            throw new IOException(begin + " without its END line");
        }
        try {
            byte[] der = Base64.getMimeDecoder().decode(pem.substring(from, to));
            return java.security.KeyFactory.getInstance("EC").generatePrivate(
                    new java.security.spec.PKCS8EncodedKeySpec(pkcs8 ? der : CertificateRequests.pkcs8FromSec1(der)));
        } catch (IllegalArgumentException | java.security.GeneralSecurityException e) {
            throw new IOException("not an EC P-256 private key in " + (pkcs8 ? "PKCS#8" : "SEC1") + ": "
                    + e.getMessage(), e);
        }
    }

    private static final String PKCS8_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String PKCS8_END = "-----END PRIVATE KEY-----";
    private static final String SEC1_BEGIN = "-----BEGIN EC PRIVATE KEY-----";
    private static final String SEC1_END = "-----END EC PRIVATE KEY-----";

    /**
     * {@code key} as PKCS#8 PEM ({@code PRIVATE KEY}), the form the node's key file and its client configuration
     * carry: the JDK, fabric8 and Go's client read it without Bouncy Castle (docs/footprint.md).
     */
    static String pkcs8Pem(PrivateKey key) {
        return PKCS8_BEGIN + "\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getEncoded()) + "\n" + PKCS8_END + "\n";
    }

    /** The daemon thread that renews a node certificate and closes the API clients it replaced. */
    static java.util.concurrent.ScheduledExecutorService rotationExecutor() {
        return java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "node-certificate-rotation");
            t.setDaemon(true);
            return t;
        });
    }
}
