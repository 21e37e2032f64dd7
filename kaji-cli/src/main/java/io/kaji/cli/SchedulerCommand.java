package io.kaji.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.controllers.runtime.ComponentSerialization;
import io.kaji.scheduler.KajiScheduler;
import io.kaji.scheduler.config.SchedulerConfiguration;
import io.kaji.scheduler.framework.ProfileConfig;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaji scheduler}: Kaji's scheduler as its own process, against any Kubernetes API server. */
@Command(name = "scheduler",
        mixinStandardHelpOptions = true,
        description = {
                "Run Kaji's scheduler against a Kubernetes API server.",
                "It binds every pending pod whose spec.schedulerName is one of its profiles' (by default",
                "default-scheduler) to the best node. Several may run at once: one leads",
                "(Lease kube-system/kaji-scheduler), the others take over when it stops."})
public final class SchedulerCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--kubeconfig", required = true, paramLabel = "FILE",
            description = "The kubeconfig to reach the API server with (e.g. <data-dir>/kubeconfig).")
    Path kubeconfig;

    @Option(names = "--config", paramLabel = "FILE",
            description = "A KubeSchedulerConfiguration (YAML): profiles, plugins enabled/disabled and weights, "
                    + "plugin args, percentageOfNodesToScore. Default: Kubernetes' default profile.")
    Path config;

    @Option(names = "--id", paramLabel = "NAME",
            description = "This instance's identity in the leader election (default: hostname_random).")
    String id;

    @Option(names = "--lease-duration", defaultValue = "15s", paramLabel = "DURATION",
            description = "How long a leader's lease lasts without renewal (default: ${DEFAULT-VALUE}).")
    String leaseDuration;

    @Option(names = "--bind-threads", defaultValue = "64",
            description = "Concurrent binding and status writes (default: ${DEFAULT-VALUE}).")
    int bindThreads;

    @Override
    public Integer call() throws Exception {
        if (!Files.isReadable(kubeconfig)) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--kubeconfig: cannot read " + kubeconfig + " (start 'kaji server' first; it writes <data-dir>/kubeconfig)");
        }
        List<ProfileConfig> profiles = loadProfiles();
        Duration lease = parseDuration(leaseDuration);
        String identity = id != null ? id
                : InetAddress.getLocalHost().getHostName() + "_" + UUID.randomUUID().toString().substring(0, 8);
        Config clientConfig = Config.fromKubeconfig(Files.readString(kubeconfig));
        try (KubernetesClient client = new KubernetesClientBuilder()
                .withKubernetesSerialization(new ComponentSerialization())
                .withConfig(UserAgents.of(clientConfig, UserAgents.SCHEDULER)).build()) {
            KajiScheduler.Options defaults = KajiScheduler.Options.defaults(identity);
            KajiScheduler.Options options = new KajiScheduler.Options(identity, defaults.leaseNamespace(),
                    defaults.leaseName(), lease, lease.multipliedBy(2).dividedBy(3), defaults.retryPeriod(),
                    bindThreads, defaults.assumedTtl(), profiles);
            KajiScheduler scheduler = new KajiScheduler(client, options, Clock.systemUTC());
            CountDownLatch stop = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                scheduler.close();
                stop.countDown();
            }));
            spec.commandLine().getErr().printf("scheduler %s: profiles %s; campaigning for the lease at %s%n", identity,
                    profiles.stream().map(ProfileConfig::schedulerName).toList(), client.getMasterUrl());
            scheduler.start();
            stop.await();
        }
        return 0;
    }

    private List<ProfileConfig> loadProfiles() throws java.io.IOException {
        if (config == null) {
            return KajiScheduler.Options.defaults("x").profiles();
        }
        if (!Files.isReadable(config)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--config: cannot read " + config);
        }
        try {
            return SchedulerConfiguration.parse(Files.readString(config));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--config " + config + ": " + e.getMessage());
        }
    }

    private Duration parseDuration(String text) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--lease-duration: " + e.getMessage());
        }
    }
}
