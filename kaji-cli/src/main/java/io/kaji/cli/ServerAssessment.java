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

    /** Starts the loop; closing the result stops it and its client. */
    static AutoCloseable start(Path dataDir, Path kubeconfig, Duration interval) {
        KubernetesClient client = EmbeddedControlPlane.client(kubeconfig);
        ContinuousAssessment assessment = new ContinuousAssessment(client,
                () -> HostConfig.detect(dataDir, Path.of("/proc"), HostConfig.DEFAULT_CONFIG,
                        Path.of("/etc/systemd/system")),
                Clock.systemUTC(), Executors.newSingleThreadScheduledExecutor(
                        Thread.ofPlatform().name("kaji-assessment").daemon(true).factory()));
        assessment.start(FIRST_RUN, interval);
        return () -> {
            assessment.close();
            client.close();
        };
    }
}
