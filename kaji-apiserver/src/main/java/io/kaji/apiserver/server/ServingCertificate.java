package io.kaji.apiserver.server;

import io.kaji.apiserver.pki.ClusterPki;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS context new connections get, kept in step with {@code pki/apiserver.crt}: when the file changes
 * ({@code kaji certs renew apiserver}) the new certificate and key are loaded and used for every connection from
 * then on, without a restart; open connections keep theirs. The server also renews the certificate itself once two
 * thirds of its lifetime have passed (as the kubelet rotates its certificates), so it never expires under a running
 * server.
 */
final class ServingCertificate implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ServingCertificate.class);
    static final Duration CHECK_INTERVAL = Duration.ofSeconds(5);

    private final Path pkiDir;
    private final BiFunction<X509Certificate, PrivateKey, SslContext> contexts;
    private final Clock clock;
    private final AtomicReference<SslContext> current = new AtomicReference<>();
    private volatile X509Certificate certificate;
    private volatile byte[] fileContent;
    private final ScheduledFuture<?> task;

    ServingCertificate(Path pkiDir, X509Certificate certificate, PrivateKey key,
            BiFunction<X509Certificate, PrivateKey, SslContext> contexts, ScheduledExecutorService timer,
            Clock clock) {
        this.pkiDir = pkiDir;
        this.contexts = contexts;
        this.clock = clock;
        this.certificate = certificate;
        this.current.set(contexts.apply(certificate, key));
        this.fileContent = read();
        this.task = timer.scheduleWithFixedDelay(this::check, CHECK_INTERVAL.toMillis(), CHECK_INTERVAL.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** The context for a new connection. */
    SslContext current() {
        return current.get();
    }

    /** The certificate new connections are served with. */
    X509Certificate certificate() {
        return certificate;
    }

    /** Reloads a changed file; renews a certificate past two thirds of its lifetime. Never throws. */
    void check() {
        try {
            if (dueForRenewal(certificate, clock.instant())) {
                LOG.info("the serving certificate is past two thirds of its lifetime (until {}): renewing it",
                        certificate.getNotAfter().toInstant());
                ClusterPki.renewServing(pkiDir);
            }
            byte[] now = read();
            if (now == null || Arrays.equals(now, fileContent)) {
                return;
            }
            Map.Entry<X509Certificate, PrivateKey> pair = ClusterPki.readServing(pkiDir);
            current.set(contexts.apply(pair.getKey(), pair.getValue()));
            certificate = pair.getKey();
            fileContent = now;
            LOG.info("serving with the renewed certificate from {} (valid until {})",
                    pkiDir.resolve("apiserver.crt"), pair.getKey().getNotAfter().toInstant());
        } catch (IOException | RuntimeException e) {
            // A half-written pair is read again at the next check; the current context stays in use meanwhile.
            LOG.warn("serving certificate not reloaded: {}", e.getMessage());
        }
    }

    static boolean dueForRenewal(X509Certificate cert, Instant now) {
        Instant from = cert.getNotBefore().toInstant();
        Instant to = cert.getNotAfter().toInstant();
        Instant due = from.plus(Duration.between(from, to).multipliedBy(2).dividedBy(3));
        return !now.isBefore(due);
    }

    private byte[] read() {
        try {
            return Files.readAllBytes(pkiDir.resolve("apiserver.crt"));
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        task.cancel(false);
    }
}
