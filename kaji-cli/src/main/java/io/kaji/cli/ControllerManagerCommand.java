package io.kaji.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.controllers.ControllerManager;
import io.kaji.controllers.runtime.ComponentSerialization;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaji controller-manager}: Kaji's controllers as their own process, against any Kubernetes API server. */
@Command(name = "controller-manager",
        mixinStandardHelpOptions = true,
        description = {
                "Run Kaji's controllers against a Kubernetes API server.",
                "ReplicaSet, Deployment, garbage collector, node lifecycle and IPAM, EndpointSlice, DaemonSet,",
                "StatefulSet, Job, CronJob, ServiceAccount, Namespace, ResourceQuota.",
                "Several may run at once: one leads (Lease kube-system/kaji-controller-manager), the others wait",
                "and take over within the lease duration when it stops. 'kaji server' runs one in-process already."})
public final class ControllerManagerCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--kubeconfig", required = true, paramLabel = "FILE",
            description = "The kubeconfig to reach the API server with (e.g. <data-dir>/kubeconfig).")
    Path kubeconfig;

    @Option(names = "--id", paramLabel = "NAME",
            description = "This instance's identity in the leader election (default: hostname_random).")
    String id;

    @Option(names = "--lease-duration", defaultValue = "15s", paramLabel = "DURATION",
            description = "How long a leader's lease lasts without renewal (default: ${DEFAULT-VALUE}).")
    String leaseDuration;

    @Option(names = "--cluster-cidr", defaultValue = "10.42.0.0/16", paramLabel = "CIDR",
            description = "The pod network; each node gets a /24 of it as its podCIDR (default: ${DEFAULT-VALUE}).")
    String clusterCidr;

    @Option(names = "--resource-quota-sync-period", defaultValue = "5m", paramLabel = "DURATION",
            description = "How often every ResourceQuota's usage is recalculated even when no change was seen "
                    + "(default: ${DEFAULT-VALUE}).")
    String quotaSyncPeriod;

    @Option(names = "--workers", defaultValue = "5", description = "Workers per controller (default: ${DEFAULT-VALUE}).")
    int workers;

    @Override
    public Integer call() throws Exception {
        if (!Files.isReadable(kubeconfig)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--kubeconfig: cannot read " + kubeconfig + " (start 'kaji server' first; it writes <data-dir>/kubeconfig)");
        }
        Duration lease = parseDuration("--lease-duration", leaseDuration);
        Duration quotaSync = parseDuration("--resource-quota-sync-period", quotaSyncPeriod);
        String identity = id != null ? id : InetAddress.getLocalHost().getHostName() + "_" + UUID.randomUUID().toString().substring(0, 8);
        Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
        try (KubernetesClient client = new KubernetesClientBuilder()
                .withKubernetesSerialization(new ComponentSerialization())
                .withConfig(UserAgents.of(config, UserAgents.CONTROLLER_MANAGER)).build()) {
            ControllerManager.Options defaults = ControllerManager.Options.defaults(identity);
            ControllerManager.Options options = defaults
                    .withLease(lease, lease.multipliedBy(2).dividedBy(3), defaults.retryPeriod())
                    .withClusterCidr(clusterCidr, defaults.nodeCidrPrefix())
                    .withQuotaResync(quotaSync);
            ControllerManager manager = new ControllerManager(client, options, Clock.systemUTC());
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                manager.close();
                stop.countDown();
            }));
            spec.commandLine().getErr().printf("controller manager %s: campaigning for the lease at %s%n", identity,
                    client.getMasterUrl());
            manager.start();
            stop.await();
        }
        return 0;
    }

    private Duration parseDuration(String option, String text) {
        try {
            Duration d = Durations.parse(text);
            if (d.isZero()) {
                throw new IllegalArgumentException("\"" + text + "\" must be longer than 0");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + ": " + e.getMessage());
        }
    }
}
