package io.kaji.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.bench.simulator.NodeSimulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaji simulate nodes}: simulated nodes for scale tests and capacity planning. */
@Command(name = "simulate",
        mixinStandardHelpOptions = true,
        description = "Simulate parts of a cluster against a Kubernetes API server.",
        subcommands = {SimulateCommand.Nodes.class})
public final class SimulateCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "nodes",
            mixinStandardHelpOptions = true,
            description = {
                    "Register N simulated nodes (like kwok) that renew their Leases in kube-node-lease and",
                    "turn pods bound to them Running without containers; runs until interrupted."})
    static final class Nodes implements Callable<Integer> {

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Option(names = "--kubeconfig", required = true, paramLabel = "FILE", description = "The API server's kubeconfig.")
        Path kubeconfig;

        @Option(names = "--count", required = true, description = "How many nodes.")
        int count;

        @Option(names = "--name-prefix", defaultValue = "sim-", description = "Node name prefix (default: ${DEFAULT-VALUE}).")
        String prefix;

        @Option(names = "--cpu", defaultValue = "32", description = "CPU per node (default: ${DEFAULT-VALUE}).")
        String cpu;

        @Option(names = "--memory", defaultValue = "256Gi", description = "Memory per node (default: ${DEFAULT-VALUE}).")
        String memory;

        @Option(names = "--pods", defaultValue = "110", description = "Pods per node (default: ${DEFAULT-VALUE}).")
        int pods;

        @Option(names = "--zones", defaultValue = "3", description = "Zones the nodes are spread over (default: ${DEFAULT-VALUE}).")
        int zones;

        @Option(names = "--lease-renewal", defaultValue = "10s", paramLabel = "DURATION",
                description = "Lease renewal interval, or 0 for none (default: ${DEFAULT-VALUE}).")
        String leaseRenewal;

        @Override
        public Integer call() throws Exception {
            if (!Files.isReadable(kubeconfig)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--kubeconfig: cannot read " + kubeconfig);
            }
            Duration renewal;
            try {
                Duration d = Durations.parse(leaseRenewal);
                renewal = d.isZero() ? null : d;
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--lease-renewal: " + e.getMessage());
            }
            Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
                NodeSimulator.Options options = new NodeSimulator.Options(prefix, count, cpu, memory, pods, zones,
                        renewal, true, 16);
                NodeSimulator simulator = new NodeSimulator(client, options, Clock.systemUTC());
                CountDownLatch stop = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    simulator.close();
                    stop.countDown();
                }));
                simulator.start();
                spec.commandLine().getErr().printf("%d simulated node(s) %s0..%s%d registered; lease renewal %s; "
                                + "pods bound to them are reported Running. Ctrl-C stops.%n", count, prefix, prefix,
                        count - 1, renewal == null ? "off" : leaseRenewal);
                stop.await();
            }
            return 0;
        }
    }
}
