package io.kaji.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.controllers.ControllerManager;
import io.kaji.scheduler.KajiScheduler;
import io.kaji.store.Compactor;
import io.kaji.store.RevisionedStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control-plane components {@code kaji server} runs beside its API server, in the same JVM but talking to it
 * only through the Kubernetes API, exactly as they would as separate processes, each with its own identity (a
 * fabric8 client built from its kubeconfig: {@code system:kube-controller-manager} and {@code system:kube-scheduler}
 * client certificates, authorized by RBAC): the leader-elected controller manager and scheduler, and the store compactor (history kept
 * 5 minutes or 10,000 revisions). Closing it stops them in reverse order.
 */
final class EmbeddedControlPlane implements AutoCloseable {

    /** Each node's share of the cluster CIDR: a /24, as in k3s. */
    static final int NODE_CIDR_PREFIX = 24;

    private static final Logger log = LoggerFactory.getLogger(EmbeddedControlPlane.class);

    private final List<AutoCloseable> running = new ArrayList<>();

    /**
     * Settings taken from {@code kaji server}'s flags.
     *
     * @param controllerManagerKubeconfig the controller manager's kubeconfig (user system:kube-controller-manager)
     * @param schedulerKubeconfig         the scheduler's kubeconfig (user system:kube-scheduler)
     * @param identity the leader-election identity of this server's controller manager and scheduler (the Lease
     *                 holder), naming the server so that operators and tests can tell which one leads
     * @param election the lease duration, renew deadline and retry period of both elections; null for the
     *                 components' defaults (15 s, 10 s, 2 s)
     */
    record Options(Path controllerManagerKubeconfig, Path schedulerKubeconfig, String clusterCidr, boolean controllers, boolean scheduler, String identity,
                   ElectionTimes election) {}

    /** Leader-election timing, as kube-controller-manager's --leader-elect-* flags. */
    record ElectionTimes(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
        ElectionTimes {
            // client-go's (and fabric8's) rules: the renew deadline fits a jittered retry, the lease outlasts it.
            if (leaseDuration.compareTo(renewDeadline) <= 0) {
                throw new IllegalArgumentException("the lease duration (" + leaseDuration.toMillis()
                        + " ms) must be longer than the renew deadline (" + renewDeadline.toMillis() + " ms)");
            }
            if (renewDeadline.toMillis() <= 1.2 * retryPeriod.toMillis()) {
                throw new IllegalArgumentException("the renew deadline (" + renewDeadline.toMillis()
                        + " ms) must be longer than 1.2 x the retry period (" + retryPeriod.toMillis() + " ms)");
            }
        }
    }

    static EmbeddedControlPlane start(RevisionedStore store, Options options) {
        EmbeddedControlPlane plane = new EmbeddedControlPlane();
        try {
            plane.startCompactor(store);
            String identity = options.identity() != null ? options.identity() : identity();
            if (options.controllers()) {
                ControllerManager.Options cm = ControllerManager.Options.defaults(identity)
                        .withClusterCidr(options.clusterCidr(), NODE_CIDR_PREFIX);
                if (options.election() != null) {
                    cm = cm.withLease(options.election().leaseDuration(), options.election().renewDeadline(),
                            options.election().retryPeriod());
                }
                KubernetesClient client = new KubernetesClientBuilder().withConfig(UserAgents.of(
                        clientConfig(options.controllerManagerKubeconfig()), UserAgents.CONTROLLER_MANAGER)).build();
                plane.running.add(client);
                ControllerManager controllers = new ControllerManager(client, cm, Clock.systemUTC());
                controllers.start();
                plane.running.add(controllers);
                log.info("controller manager {} started in-process", identity);
            }
            if (options.scheduler()) {
                KubernetesClient schedulerClient = new KubernetesClientBuilder().withConfig(UserAgents.of(
                        clientConfig(options.schedulerKubeconfig()), UserAgents.SCHEDULER)).build();
                plane.running.add(schedulerClient);
                KajiScheduler.Options so = KajiScheduler.Options.defaults(identity);
                if (options.election() != null) {
                    so = so.withLease(options.election().leaseDuration(), options.election().renewDeadline(),
                            options.election().retryPeriod());
                }
                KajiScheduler scheduler = new KajiScheduler(schedulerClient, so, Clock.systemUTC());
                scheduler.start();
                plane.running.add(scheduler);
                log.info("scheduler {} started in-process", identity);
            }
            return plane;
        } catch (RuntimeException e) {
            plane.close();
            throw e;
        }
    }

    private void startCompactor(RevisionedStore store) {
        Compactor compactor = Compactor.withDefaults(store);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("kaji-store-compactor").daemon(true).factory());
        timer.scheduleWithFixedDelay(() -> {
            try {
                compactor.tick();
            } catch (RuntimeException e) {
                log.warn("store compaction failed: {}", e.toString());
            }
        }, 30, 30, TimeUnit.SECONDS);
        running.add(timer::shutdownNow);
    }

    static KubernetesClient client(Path kubeconfig) {
        return new KubernetesClientBuilder().withConfig(clientConfig(kubeconfig)).build();
    }

    static Config clientConfig(Path kubeconfig) {
        try {
            return Config.fromKubeconfig(Files.readString(kubeconfig));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the kubeconfig " + kubeconfig, e);
        }
    }

    static String identity() {
        try {
            return InetAddress.getLocalHost().getHostName() + "_" + UUID.randomUUID().toString().substring(0, 8);
        } catch (IOException e) {
            return "kaji_" + UUID.randomUUID().toString().substring(0, 8);
        }
    }

    @Override
    public void close() {
        for (int i = running.size() - 1; i >= 0; i--) {
            try {
                running.get(i).close();
            } catch (Exception e) {
                log.debug("stopping {}", running.get(i), e);
            }
        }
        running.clear();
    }
}
