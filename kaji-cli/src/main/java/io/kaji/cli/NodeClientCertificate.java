package io.kaji.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's client certificate ({@code CN=system:node:<name>, O=system:nodes}) that renews itself, as client-go's
 * certificate manager does for the kubelet: when a jittered 70–90% of its lifetime has passed it generates a new
 * key, asks for a certificate with a CertificateSigningRequest authenticated by the current certificate (the
 * server approves a node renewing its own name: {@code selfnodeclient}), writes key and certificate to
 * {@code <pki>/node-client.key} (0600) and {@code node-client.crt} (0644), each replaced atomically, and tells its
 * listeners (which switch the agent's API clients to it). A failed renewal is retried with back-off, and logged;
 * the old certificate keeps working until it expires. Thread-safe.
 */
final class NodeClientCertificate implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeClientCertificate.class);
    static final String KEY_FILE = "node-client.key";
    static final String CERT_FILE = "node-client.crt";

    private final Config base;
    private final String nodeName;
    private final Path pkiDir;
    private final Clock clock;
    private final ScheduledExecutorService executor;
    private final Duration signingTimeout;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile String certPem;
    private volatile String keyPem;
    private volatile X509Certificate certificate;
    private volatile ScheduledFuture<?> next;
    private volatile boolean closed;

    /**
     * @param base           the server, its CA and the client settings, without credentials
     * @param signingTimeout how long one renewal waits for its CSR to be signed
     */
    NodeClientCertificate(Config base, String nodeName, Path pkiDir, String certPem, String keyPem, Clock clock,
            ScheduledExecutorService executor, Duration signingTimeout) {
        this.base = base;
        this.nodeName = nodeName;
        this.pkiDir = pkiDir;
        this.clock = clock;
        this.executor = executor;
        this.signingTimeout = signingTimeout;
        use(certPem, keyPem);
    }

    private void use(String cert, String key) {
        this.certificate = parse(cert);
        this.certPem = cert;
        this.keyPem = key;
    }

    /** The client configuration with the current certificate. */
    Config current() {
        Base64.Encoder b64 = Base64.getEncoder();
        return new ConfigBuilder(base).withOauthToken(null).withUsername(null).withPassword(null)
                .withClientCertFile(null).withClientKeyFile(null)
                .withClientCertData(b64.encodeToString(certPem.getBytes(StandardCharsets.UTF_8)))
                .withClientKeyData(b64.encodeToString(keyPem.getBytes(StandardCharsets.UTF_8)))
                .withClientKeyAlgo("EC").build();
    }

    X509Certificate certificate() {
        return certificate;
    }

    /** Runs {@code listener} after each rotation (on the rotation thread). */
    void onRotated(Runnable listener) {
        listeners.add(listener);
    }

    /** Schedules the first renewal. */
    void start() {
        schedule(rotationDeadline(certificate, 0.7 + 0.2 * ThreadLocalRandom.current().nextDouble()));
    }

    /**
     * When a certificate is due for renewal: {@code fraction} (0.7–0.9 jittered, as client-go) of the way from its
     * notBefore to its notAfter.
     */
    static Instant rotationDeadline(X509Certificate cert, double fraction) {
        Instant from = cert.getNotBefore().toInstant();
        Instant to = cert.getNotAfter().toInstant();
        long total = Duration.between(from, to).toMillis();
        return from.plusMillis((long) (total * fraction));
    }

    private void schedule(Instant when) {
        if (closed) {
            return;
        }
        long delay = Math.max(0, Duration.between(clock.instant(), when).toMillis());
        log.info("node {}: client certificate (expires {}) will be renewed at {}", nodeName,
                certificate.getNotAfter().toInstant(), when);
        next = executor.schedule(this::renewOrRetry, delay, TimeUnit.MILLISECONDS);
    }

    private void renewOrRetry() {
        try {
            rotate();
            start();
        } catch (RuntimeException e) {
            Duration left = Duration.between(clock.instant(), certificate.getNotAfter().toInstant());
            Duration retry = Duration.ofMillis(Math.clamp(left.toMillis() / 20, 1_000L, 30_000L));
            log.warn("node {}: renewing the client certificate failed (it expires in {} s; retrying in {} s): {}",
                    nodeName, Math.max(0, left.toSeconds()), retry.toSeconds(), e.getMessage());
            schedule(clock.instant().plus(retry));
        }
    }

    /**
     * Renews now: a new key, a CSR signed with the current certificate's identity, the files replaced, the
     * listeners told. Blocking up to the signing timeout.
     *
     * @throws IllegalStateException when the request is denied, fails or is not signed in time
     */
    void rotate() {
        KeyPair kp = NodeCredentials.newKeyPair();
        String issuedPem = NodeCredentials.request(current(), nodeName, kp, signingTimeout);
        X509Certificate issued = parse(issuedPem);
        String issuedKeyPem = NodeCredentials.pkcs8Pem(kp.getPrivate());
        write(pkiDir, issuedPem, issuedKeyPem);
        use(issuedPem, issuedKeyPem);
        log.info("node {}: rotated its client certificate (serial {}, expires {})", nodeName,
                issued.getSerialNumber().toString(16), issued.getNotAfter().toInstant());
        for (Runnable l : listeners) {
            try {
                l.run();
            } catch (RuntimeException e) {
                log.warn("node {}: after certificate rotation: {}", nodeName, e.toString());
            }
        }
    }

    /** Writes key (0600) then certificate (0644), each to a temporary file moved over the old one. */
    static void write(Path pkiDir, String certPem, String keyPem) {
        try {
            Files.createDirectories(pkiDir);
            replace(pkiDir.resolve(KEY_FILE), keyPem, "rw-------");
            replace(pkiDir.resolve(CERT_FILE), certPem, "rw-r--r--");
        } catch (IOException e) {
            throw new UncheckedIOException("write the node client certificate to " + pkiDir + ": " + e.getMessage(),
                    e);
        }
    }

    private static void replace(Path file, String content, String mode) throws IOException {
        Path tmp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(mode)));
        try {
            Files.writeString(tmp, content);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static X509Certificate parse(String pem) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.cert.CertificateException e) {
            throw new IllegalStateException("not a PEM certificate: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closed = true;
        ScheduledFuture<?> f = next;
        if (f != null) {
            f.cancel(false);
        }
    }
}
