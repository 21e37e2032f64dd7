package io.kaji.apiserver.auth;

import io.kaji.apiserver.pki.BootstrapToken;
import io.kaji.apiserver.serialization.Json;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes expired bootstrap token Secrets from kube-system, as kube-controller-manager's tokencleaner: a Secret of
 * type {@code bootstrap.kubernetes.io/token} whose {@code expiration} has passed (or cannot be parsed) is deleted,
 * conditionally on the revision it was seen at, so a Secret updated meanwhile (a new expiration) survives. The
 * authenticator already refuses expired tokens; the cleaner only keeps them from piling up. Runs every
 * {@code interval} on the given executor; a failure is logged and retried at the next run. Thread-safe.
 */
public final class BootstrapTokenCleaner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(BootstrapTokenCleaner.class);

    /** The Secrets the cleaner sees and how it deletes one. */
    public interface Secrets {
        /** Every Secret in kube-system with the revision it was read at (from the watch cache). */
        List<Revisioned> inKubeSystem();

        /** Deletes {@code name} if it is still at {@code revision}; true when deleted. */
        boolean delete(String name, long revision);
    }

    /** A Secret as read, with its modification revision. */
    public record Revisioned(tools.jackson.databind.node.ObjectNode secret, long revision) {
    }

    private final Secrets secrets;
    private final Clock clock;
    private ScheduledFuture<?> task;

    public BootstrapTokenCleaner(Secrets secrets, Clock clock) {
        this.secrets = secrets;
        this.clock = clock;
    }

    /** Cleans now and then every {@code interval}. */
    public void start(ScheduledExecutorService executor, Duration interval) {
        task = executor.scheduleWithFixedDelay(() -> {
            try {
                clean();
            } catch (RuntimeException e) {
                LOG.warn("bootstrap token cleaning failed (retried in {}): {}", interval, e.toString());
            }
        }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One pass: deletes every expired bootstrap token Secret; returns how many it deleted. */
    public int clean() {
        int deleted = 0;
        for (Revisioned r : secrets.inKubeSystem()) {
            if (!BootstrapToken.SECRET_TYPE.equals(Json.text(r.secret(), "type"))
                    || !BootstrapTokens.expired(r.secret(), clock.instant())) {
                continue;
            }
            String name = Json.text(r.secret(), "metadata.name");
            if (secrets.delete(name, r.revision())) {
                deleted++;
                LOG.info("deleted expired bootstrap token Secret {}/{}", BootstrapToken.NAMESPACE, name);
            }
        }
        return deleted;
    }

    @Override
    public void close() {
        if (task != null) {
            task.cancel(false);
        }
    }
}
