package io.kaji.controllers.runtime;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Campaigns for a {@code coordination.k8s.io/v1} Lease (fabric8's LeaderElector) for as long as it is open:
 * {@code onStartLeading} runs each time this instance wins, {@code onStopLeading} each time it loses, and after a
 * lost term it campaigns again (Kubernetes' components exit instead; inside one process stopping is enough).
 * Closing it gives the lease up so another instance takes over at once. Used by the controller manager and the
 * scheduler.
 */
public final class LeaderElection implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeaderElection.class);

    /** The Lease and its timings. */
    public record Lease(String namespace, String name, String identity, Duration duration, Duration renewDeadline,
                        Duration retryPeriod) {}

    private final KubernetesClient client;
    private final String component;
    private final Lease lease;
    private final Runnable onStartLeading;
    private final Runnable onStopLeading;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile CompletableFuture<?> election;
    private volatile boolean closed;

    public LeaderElection(KubernetesClient client, String component, Lease lease, Runnable onStartLeading,
                          Runnable onStopLeading) {
        this.client = client;
        this.component = component;
        this.lease = lease;
        this.onStartLeading = onStartLeading;
        this.onStopLeading = onStopLeading;
    }

    /** Starts campaigning; returns at once. */
    public void start() {
        LeaderElectionConfig config = new LeaderElectionConfigBuilder()
                .withName(component)
                .withLock(new LeaseLock(lease.namespace(), lease.name(), lease.identity()))
                .withLeaseDuration(lease.duration())
                .withRenewDeadline(lease.renewDeadline())
                .withRetryPeriod(lease.retryPeriod())
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(this::startLeadingOrResign, onStopLeading,
                        leader -> log.info("{} leader is now {}", component, leader)))
                .build();
        campaign(config);
    }

    /**
     * Runs {@code onStartLeading}; if it fails (e.g. a bad configuration, or caches that do not sync; the callback
     * cleans up what it started), the term is given up — the elector is cancelled, releasing the lease — and the
     * campaign resumes after a retry period, so a leader never holds the lease while doing nothing.
     */
    private void startLeadingOrResign() {
        try {
            onStartLeading.run();
        } catch (RuntimeException e) {
            log.error("{} {} could not start leading: {}; giving up this term", component, lease.identity(),
                    e.toString());
            CompletableFuture<?> current = election;
            if (current != null) {
                current.cancel(true);
            }
        }
    }

    private void campaign(LeaderElectionConfig config) {
        if (closed) {
            stopped.countDown();
            return;
        }
        CompletableFuture<?> current = client.leaderElector().withConfig(config).build().start();
        election = current;
        current.whenComplete((ok, error) -> {
            if (!closed) {
                log.info("{} {} lost or left the election{}; campaigning again in {}", component, lease.identity(),
                        error == null ? "" : " (" + error.getMessage() + ")", lease.retryPeriod());
                CompletableFuture.delayedExecutor(lease.retryPeriod().toMillis(), TimeUnit.MILLISECONDS)
                        .execute(() -> campaign(config));
            } else {
                stopped.countDown();
            }
        });
    }

    /** Stops campaigning and releases the lease; waits up to 5 s for the elector to finish. */
    @Override
    public void close() {
        closed = true;
        CompletableFuture<?> e = election;
        if (e != null) {
            e.cancel(true);
        }
        onStopLeading.run();
        try {
            stopped.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
