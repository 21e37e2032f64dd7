package io.kaji.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.apiserver.pki.ClusterPki;
import io.kaji.controllers.ControllerManager;
import io.kaji.controllers.nodelifecycle.NodeLifecycleController;
import io.kaji.controllers.runtime.ComponentSerialization;
import io.kaji.scheduler.KajiScheduler;
import io.kaji.store.Compactor;
import io.kaji.store.RevisionedStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

    private final Options options;
    /** The leader-election identity, kept across restarts so that the leader takes its Leases back at once. */
    private final String identity;
    /** The compactor and the renewal timer. */
    private final List<AutoCloseable> running = new ArrayList<>();
    /** The controller manager, the scheduler and their clients (restarted on new certificates). */
    private final List<AutoCloseable> components = new ArrayList<>();
    /** Each component kubeconfig and the serial of the client certificate its component runs with. */
    private final Map<Path, String> inUse = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Settings taken from {@code kaji server}'s flags.
     *
     * @param controllerManagerKubeconfig the controller manager's kubeconfig (user system:kube-controller-manager)
     * @param schedulerKubeconfig         the scheduler's kubeconfig (user system:kube-scheduler)
     * @param identity the leader-election identity of this server's controller manager and scheduler (the Lease
     *                 holder), naming the server so that operators and tests can tell which one leads
     * @param election the lease duration, renew deadline and retry period of both elections; null for the
     *                 components' defaults (15 s, 10 s, 2 s)
     * @param nodeMonitorGracePeriod how long a node's Lease may go unrenewed before the node lifecycle controller
     *                 marks it NotReady (kube-controller-manager's --node-monitor-grace-period); null for Kaji's
     *                 default (10 s: five of the agents' 2-s renewals)
     */
    record Options(Path controllerManagerKubeconfig, Path schedulerKubeconfig, String clusterCidr, boolean controllers, boolean scheduler, String identity,
                   ElectionTimes election, Duration nodeMonitorGracePeriod) {
        Options(Path controllerManagerKubeconfig, Path schedulerKubeconfig, String clusterCidr, boolean controllers,
                boolean scheduler, String identity, ElectionTimes election) {
            this(controllerManagerKubeconfig, schedulerKubeconfig, clusterCidr, controllers, scheduler, identity,
                    election, null);
        }
    }

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
        return start(store, options, null);
    }

    /**
     * Starts the compactor, controller manager and scheduler; with {@code pki}, also renews the two components'
     * kubeconfigs once two thirds of their certificates' lifetime has passed (checked hourly) and restarts the
     * components on the new certificates — also when {@code kaji certs renew} replaced them.
     */
    static EmbeddedControlPlane start(RevisionedStore store, Options options, ClusterPki pki) {
        EmbeddedControlPlane plane = new EmbeddedControlPlane(options);
        try {
            plane.startCompactor(store);
            plane.startComponents();
            if (pki != null) {
                ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
                        Thread.ofPlatform().name("kaji-component-certificates").daemon(true).factory());
                timer.scheduleWithFixedDelay(() -> plane.renewCertificates(pki, Instant.now()), 1, 60, TimeUnit.MINUTES);
                plane.running.add(timer::shutdownNow);
            }
            return plane;
        } catch (RuntimeException e) {
            plane.close();
            throw e;
        }
    }

    private EmbeddedControlPlane(Options options) {
        this.options = options;
        this.identity = options.identity() != null ? options.identity() : identity();
    }

    private synchronized void startComponents() {
        if (options.controllers()) {
            ControllerManager.Options cm = controllerManagerOptions(options, identity);
            KubernetesClient client = new KubernetesClientBuilder()
                    .withKubernetesSerialization(new ComponentSerialization()).withConfig(UserAgents.of(
                    clientConfig(options.controllerManagerKubeconfig()), UserAgents.CONTROLLER_MANAGER)).build();
            components.add(client);
            ControllerManager controllers = new ControllerManager(client, cm, Clock.systemUTC());
            controllers.start();
            components.add(controllers);
            inUse.put(options.controllerManagerKubeconfig(), serial(options.controllerManagerKubeconfig()));
            log.info("controller manager {} started in-process", identity);
        }
        if (options.scheduler()) {
            KubernetesClient schedulerClient = new KubernetesClientBuilder()
                    .withKubernetesSerialization(new ComponentSerialization()).withConfig(UserAgents.of(
                    clientConfig(options.schedulerKubeconfig()), UserAgents.SCHEDULER)).build();
            components.add(schedulerClient);
            KajiScheduler.Options so = KajiScheduler.Options.defaults(identity);
            if (options.election() != null) {
                so = so.withLease(options.election().leaseDuration(), options.election().renewDeadline(),
                        options.election().retryPeriod());
            }
            KajiScheduler scheduler = new KajiScheduler(schedulerClient, so, Clock.systemUTC());
            scheduler.start();
            components.add(scheduler);
            inUse.put(options.schedulerKubeconfig(), serial(options.schedulerKubeconfig()));
            log.info("scheduler {} started in-process", identity);
        }
    }

    /** The in-process controller manager's settings from {@code kaji server}'s flags. */
    static ControllerManager.Options controllerManagerOptions(Options options, String identity) {
        ControllerManager.Options cm = ControllerManager.Options.defaults(identity)
                .withClusterCidr(options.clusterCidr(), NODE_CIDR_PREFIX);
        if (options.election() != null) {
            cm = cm.withLease(options.election().leaseDuration(), options.election().renewDeadline(),
                    options.election().retryPeriod());
        }
        if (options.nodeMonitorGracePeriod() != null) {
            NodeLifecycleController.Options lifecycle = NodeLifecycleController.Options.defaults();
            cm = cm.withNodeLifecycle(new NodeLifecycleController.Options(options.nodeMonitorGracePeriod(),
                    lifecycle.monitorPeriod(), lifecycle.unhealthyThreshold()));
        }
        return cm;
    }

    /**
     * Renews the components' kubeconfigs past two thirds of their certificates' lifetime; when the certificate
     * in a kubeconfig is not the one the running component started with (renewed here or by
     * {@code kaji certs renew}), restarts the components on it. They keep their leader-election identity, so a
     * leader takes its Lease back at once. Never throws.
     */
    synchronized boolean renewCertificates(ClusterPki pki, Instant now) {
        try {
            boolean changed = false;
            for (Map.Entry<Path, String> e : Map.copyOf(inUse).entrySet()) {
                Path file = e.getKey();
                X509Certificate cert = KubeconfigRenewal.clientCertificate(file);
                if (KubeconfigRenewal.due(cert, now)) {
                    cert = KubeconfigRenewal.renew(file, pki);
                    log.info("{}: client certificate past two thirds of its lifetime: renewed until {}", file,
                            cert.getNotAfter().toInstant());
                }
                changed |= !cert.getSerialNumber().toString(16).equals(e.getValue());
            }
            if (changed) {
                log.info("component certificates changed: restarting the in-process controller manager and scheduler");
                closeAll(components);
                startComponents();
            }
            return changed;
        } catch (IOException | RuntimeException e) {
            log.warn("renewing the in-process components' certificates failed (retried in an hour): {}", e.toString());
            return false;
        }
    }

    private static String serial(Path kubeconfig) {
        try {
            return KubeconfigRenewal.clientCertificate(kubeconfig).getSerialNumber().toString(16);
        } catch (IOException | RuntimeException e) {
            return "";
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
    public synchronized void close() {
        closeAll(running);
        closeAll(components);
    }

    private static void closeAll(List<AutoCloseable> list) {
        for (int i = list.size() - 1; i >= 0; i--) {
            try {
                list.get(i).close();
            } catch (Exception e) {
                log.debug("stopping {}", list.get(i), e);
            }
        }
        list.clear();
    }
}
