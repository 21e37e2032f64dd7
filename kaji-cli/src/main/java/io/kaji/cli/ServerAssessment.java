package io.kaji.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.support.assess.ContinuousAssessment;
import io.kaji.support.assess.HostConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * {@code kaji server --assess-interval}: the continuous assessment beside the control plane, with its own client
 * from the admin kubeconfig and this server's data dir as the Kaji configuration it reads. The first run starts
 * one minute after the server, when the controllers have created the system objects.
 */
final class ServerAssessment {

    static final Duration FIRST_RUN = Duration.ofMinutes(1);

    private ServerAssessment() {
    }

    /** The running loops: close to stop them; {@link #metrics()} for the API server's {@code /metrics}. */
    interface Running extends AutoCloseable {
        /** The assessment's gauges and the certificates' expiry gauges of the latest runs. */
        String metrics();

        @Override
        void close();
    }

    /**
     * Starts the loops: the assessment, and next to it a scan of the cluster's and the data dir's certificates
     * (kaji certs check-expiration) every interval, kept for the {@code kaji_certificate_expiry_seconds} gauges.
     */
    static Running start(Path dataDir, Path kubeconfig, Duration interval) {
        KubernetesClient client = EmbeddedControlPlane.client(kubeconfig);
        java.util.concurrent.ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("kaji-assessment").daemon(true).factory());
        ContinuousAssessment assessment = new ContinuousAssessment(client,
                () -> HostConfig.detect(dataDir, Path.of("/proc"), HostConfig.DEFAULT_CONFIG,
                        Path.of("/etc/systemd/system")),
                Clock.systemUTC(), executor);
        assessment.start(FIRST_RUN, interval);
        java.util.concurrent.atomic.AtomicReference<java.util.List<io.kaji.support.certs.CertificateEntry>> certs =
                new java.util.concurrent.atomic.AtomicReference<>(java.util.List.of());
        executor.scheduleWithFixedDelay(() -> {
            try {
                var entries = io.kaji.support.certs.ExpiryReport.scan(client, dataDir, java.time.Instant.now(),
                        io.kaji.support.certs.Thresholds.DEFAULT).entries();
                certs.set(java.util.List.copyOf(entries));
            } catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(ServerAssessment.class)
                        .warn("certificate expiry scan failed: {}", e.toString());
            }
        }, FIRST_RUN.toMillis(), interval.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        return new Running() {
            @Override
            public String metrics() {
                return assessment.metrics()
                        + io.kaji.support.certs.CertificateGauges.render(certs.get(), java.time.Instant.now());
            }

            @Override
            public void close() {
                assessment.close();
                executor.shutdownNow();
                client.close();
            }
        };
    }
}
