package io.kaji.cli;

import io.kaji.bench.scheduler.SchedulerBenchmark;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaji bench scheduler}: Kubernetes' scheduler_perf workloads end to end through the API. */
@Command(name = "scheduler",
        mixinStandardHelpOptions = true,
        description = {
                "Schedule pods onto simulated nodes through a real in-process API server (SQLite) and print",
                "pods bound per second and creation-to-binding latency. Workloads after Kubernetes' scheduler_perf:",
                "basic (requests only), pod-anti-affinity (no two pods on a node), topology-spread (zones, maxSkew 5)."})
final class SchedulerBenchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--nodes", defaultValue = "5000", description = "Simulated nodes (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(names = "--pods", defaultValue = "50000", description = "Pods to schedule (default: ${DEFAULT-VALUE}).")
    int pods;

    @Option(names = "--creators", defaultValue = "32", description = "Concurrent pod creators (default: ${DEFAULT-VALUE}).")
    int creators;

    @Option(names = "--bind-threads", defaultValue = "64",
            description = "The scheduler's concurrent bindings (default: ${DEFAULT-VALUE}).")
    int bindThreads;

    @Option(names = "--workload", defaultValue = "basic",
            description = "basic, pod-anti-affinity or topology-spread (default: ${DEFAULT-VALUE}).")
    String workload;

    @Option(names = "--parallelism", paramLabel = "N",
            description = "Threads that filter and score the nodes of a cycle (default: one per core from 4 cores, "
                    + "else 1).")
    Integer parallelism;

    @Option(names = "--precreate",
            description = "Create every pod before the scheduler starts, so the figure is the scheduler's own rate "
                    + "(scheduling cycles and binding writes) rather than bounded by pod creation on the same machine.")
    boolean precreate;

    @Option(names = "--warmup", defaultValue = "2000", description = "Pods of the same workload scheduled in another "
            + "namespace and deleted before the measured part, in rounds until the JIT compilers are mostly done, as "
            + "scheduler_perf schedules initPods first (default: ${DEFAULT-VALUE}; 0: no warm-up).")
    int warmup;

    @Option(names = "--warmup-max-seconds", defaultValue = "180", description = "Longest warm-up while the JIT compilers "
            + "still work more than 5 %% of a round's time (default: ${DEFAULT-VALUE}; 0: one round).")
    int warmupMaxSeconds;

    @Option(names = "--timeout", defaultValue = "600", description = "Give up after this many seconds (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        SchedulerBenchmark.Workload w;
        try {
            w = SchedulerBenchmark.Workload.valueOf(workload.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--workload " + workload
                    + " is not one of basic, pod-anti-affinity, topology-spread");
        }
        if (w == SchedulerBenchmark.Workload.POD_ANTI_AFFINITY && pods > nodes) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--workload pod-anti-affinity puts at most "
                    + "one pod on a node: use --pods <= --nodes (" + nodes + ")");
        }
        out.printf("scheduler benchmark (%s): %d nodes, %d pods (100m cpu, 500Mi each), %d creators, cores=%d%n",
                workload, nodes, pods, creators, Runtime.getRuntime().availableProcessors());
        out.flush();
        SchedulerBenchmark.Result r = SchedulerBenchmark.run(new SchedulerBenchmark.Options(nodes, pods, creators,
                "100m", "500Mi", Duration.ofSeconds(timeoutSeconds), bindThreads, w, precreate,
                parallelism != null ? parallelism : io.kaji.scheduler.KajiScheduler.Options.defaultParallelism(),
                warmup, warmupMaxSeconds), out);
        if (precreate) {
            out.printf("bound %d/%d pre-created pods in %.2f s: %.0f pods/s%n", r.bound(), r.pods(), r.seconds(),
                    r.podsPerSecond());
            out.printf("scheduler start -> binding: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", r.p50Ms(), r.p99Ms(),
                    r.maxMs());
        } else {
            out.printf("bound %d/%d pods in %.2f s: %.0f pods/s (pods created at %.0f/s)%n", r.bound(), r.pods(),
                    r.seconds(), r.podsPerSecond(), r.createPerSecond());
            out.printf("creation -> binding: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n", r.p50Ms(), r.p99Ms(), r.maxMs());
        }
        double total = r.cpuSeconds().getOrDefault("total", 0.0);
        StringBuilder cpu = new StringBuilder();
        r.cpuSeconds().forEach((role, seconds) -> {
            if (!role.equals("total")) {
                cpu.append(String.format("%n  %-34s %7.1f s  %5.1f%%  %7.0f us/pod", role, seconds,
                        total > 0 ? 100 * seconds / total : 0, r.bound() > 0 ? seconds * 1e6 / r.bound() : 0));
            }
        });
        out.printf("CPU of this JVM from the scheduler's start: %.1f s over %.1f s on %d cores (%.0f us per pod bound)%s%n",
                total, r.seconds(), Runtime.getRuntime().availableProcessors(),
                r.bound() > 0 ? total * 1e6 / r.bound() : 0, cpu);
        out.printf("%s, over the same span%n", r.gc().describe());
        out.printf("heap in use at the end: %d MB of %d MB (-Xmx)%n", r.heapUsedMb(), r.heapMaxMb());
        out.printf("Scheduled events: %d of %d dropped by the scheduler's event recorder (queue of 1,000 full; "
                + "best effort, as client-go's broadcaster), the others written through the API%n", r.eventsDropped(),
                r.bound());
        out.flush();
        return r.bound() == r.pods() ? 0 : 1;
    }
}
