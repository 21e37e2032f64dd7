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
                "Pods stay unscheduled (no scheduler, no nodes): this measures the controllers and the API."})
final class ControllerBenchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--replicas", defaultValue = "10000", description = "Replicas to scale to (default: ${DEFAULT-VALUE}).")
    int replicas;

    @Option(names = "--timeout", defaultValue = "600", description = "Give up after this many seconds (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        out.printf("controllers benchmark: Deployment 0 -> %,d replicas, cores=%d%n", replicas,
                Runtime.getRuntime().availableProcessors());
        out.flush();
        DeploymentScaleBenchmark.Result r = DeploymentScaleBenchmark.run(replicas, Duration.ofSeconds(timeoutSeconds), out);
        out.printf("%,d of %,d pods created in %.1f s: %.0f pods/s (first pod after %.0f ms)%n", r.created(),
                r.replicas(), r.seconds(), r.podsPerSecond(), r.firstPodMs());
        out.flush();
        return r.created() >= r.replicas() ? 0 : 1;
    }
}
