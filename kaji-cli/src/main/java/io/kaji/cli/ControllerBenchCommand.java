package io.kaji.cli;

import io.kaji.bench.controllers.DeploymentScaleBenchmark;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaji bench controllers}: a Deployment scaled from 0 to N through the API and the controllers. */
@Command(name = "controllers",
        mixinStandardHelpOptions = true,
        description = {
                "Scale a Deployment from 0 to N replicas through a real in-process API server (SQLite) and",
                "Kaji's controller manager; print the time until all pod objects exist and pods created per second.",
                "Pods stay unscheduled (no scheduler): this measures the controllers and the API.",
                "Meanwhile simulated nodes renew their Leases like real agents and the node lifecycle controller",
                "watches them; the run reports every node that left Ready under the load (there should be none)."})
final class ControllerBenchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--replicas", defaultValue = "10000", description = "Replicas to scale to (default: ${DEFAULT-VALUE}).")
    int replicas;

    @Option(names = "--nodes", defaultValue = "100",
            description = "Simulated nodes renewing Leases during the run (default: ${DEFAULT-VALUE}; 0: none).")
    int nodes;

    @Option(names = "--lease-renewal", defaultValue = "2s", converter = DurationConverter.class,
            description = "How often each simulated node renews its Lease (default: ${DEFAULT-VALUE}, the agent's default).")
    Duration leaseRenewal;

    @Option(names = "--settle", defaultValue = "15s", converter = DurationConverter.class,
            description = "Keep watching the nodes this long after the last pod appeared (default: ${DEFAULT-VALUE}: "
                    + "longer than the 10 s grace period, so a late flap is seen).")
    Duration settle;

    @Option(names = "--max-requests-inflight", defaultValue = "64", paramLabel = "N",
            description = "The API server's flow-control seats, as `kaji server --max-requests-inflight` "
                    + "(default: ${DEFAULT-VALUE}; 0: no flow control, to compare).")
    int maxRequestsInflight;

    @Option(names = "--timeout", defaultValue = "600", description = "Give up after this many seconds (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("controllers benchmark: Deployment 0 -> %,d replicas, cores=%d%n", replicas,
                Runtime.getRuntime().availableProcessors());
        out.flush();
        DeploymentScaleBenchmark.Result r = DeploymentScaleBenchmark.run(new DeploymentScaleBenchmark.Options(
                replicas, nodes, leaseRenewal, Duration.ofSeconds(timeoutSeconds), settle, maxRequestsInflight), out);
        out.printf("%,d of %,d pods created in %.1f s: %.0f pods/s (first pod after %.0f ms)%n", r.created(),
                r.replicas(), r.seconds(), r.podsPerSecond(), r.firstPodMs());
        if (r.nodes() > 0) {
            out.printf("node flaps: %d (%d nodes renewing every %d ms, grace period 10 s, watched until %d s after "
                    + "the last pod)%n", r.flaps().size(), r.nodes(), leaseRenewal.toMillis(), settle.toSeconds());
            r.flaps().stream().limit(20).forEach(f -> out.printf("  %s: %s%n", f.node(), f.what()));
            var l = r.leases();
            out.printf("lease renewals: %,d, call latency p50 %.0f ms, p99 %.0f ms, max %.0f ms; longest time a node "
                    + "went without a renewal: %,d ms%n", l.renewals(), l.p50Ms(), l.p99Ms(), l.maxMs(), l.maxGapMs());
        }
        out.flush();
        return r.created() >= r.replicas() && r.flaps().isEmpty() ? 0 : 1;
    }
}
