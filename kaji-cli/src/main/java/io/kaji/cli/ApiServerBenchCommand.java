package io.kaji.cli;

import io.kaji.bench.apiserver.ApiServerBenchmark;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaji bench apiserver}: creates, LIST, watch fan-out and heap of a real in-process API server. */
@Command(name = "apiserver",
        mixinStandardHelpOptions = true,
        description = {
                "Measure the API server over HTTPS with the SQLite store in a temporary data dir, as the admin",
                "(client certificate): concurrent pod creates, a LIST from the watch cache, watch delivery lag,",
                "and the heap with many pods and nodes stored. A count of 0 skips that part. The load generator",
                "(Netty, keep-alive HTTP/1.1) runs in the same JVM; its CPU time is reported apart."})
final class ApiServerBenchCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--clients", defaultValue = "100", description = "Concurrent creating clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--pods", defaultValue = "30000", description = "Pods to create, measured (default: ${DEFAULT-VALUE}; 0 skips).")
    int pods;

    @Option(names = "--warmup", defaultValue = "5000", description = "Pods created before, not measured (default: ${DEFAULT-VALUE}); "
            + "then more in rounds until the JIT compilers are mostly done (see --warmup-max-seconds); all deleted after.")
    int warmup;

    @Option(names = "--warmup-max-seconds", defaultValue = "180", description = "Longest warm-up while the JIT compilers "
            + "still work more than 5 %% of a round's time (default: ${DEFAULT-VALUE}; 0: only the --warmup pods).")
    int warmupMaxSeconds;

    @Option(names = "--list-pods", defaultValue = "10000", description = "Pods in the listed namespace (default: ${DEFAULT-VALUE}; 0 skips).")
    int listPods;

    @Option(names = "--list-repeats", defaultValue = "20", description = "Timed LIST requests (default: ${DEFAULT-VALUE}).")
    int listRepeats;

    @Option(names = "--watchers", defaultValue = "1000", description = "Concurrent watchers (default: ${DEFAULT-VALUE}; 0 skips).")
    int watchers;

    @Option(names = "--watch-rate", defaultValue = "1000", description = "Pod creates per second while watched (default: ${DEFAULT-VALUE}).")
    int watchRate;

    @Option(names = "--watch-seconds", defaultValue = "10", description = "How long the watched writes go on (default: ${DEFAULT-VALUE}).")
    int watchSeconds;

    @Option(names = "--heap-pods", defaultValue = "0", description = "Pods stored for the heap figure (issue 3: 150000; default: ${DEFAULT-VALUE} skips).")
    int heapPods;

    @Option(names = "--heap-nodes", defaultValue = "0", description = "Nodes stored for the heap figure (issue 3: 5000).")
    int heapNodes;

    @Option(names = "--client-threads", defaultValue = "1", description = "Load generator event loop threads (default: ${DEFAULT-VALUE}).")
    int clientThreads;

    @Option(names = "--create-rate", defaultValue = "0", description = "After the closed-loop creates, as many again "
            + "sent at this rate per second over the same connections, timed from each create's due time: the latency "
            + "at a given load rather than at saturation (default: ${DEFAULT-VALUE} skips; issue 3's figure: 3000).")
    int createRate;

    @Override
    public Integer call() throws Exception {
        var settings = new ApiServerBenchmark.Settings(clients, pods, warmup, warmupMaxSeconds, listPods, listRepeats, watchers,
                watchRate, watchSeconds, heapPods, heapNodes, clientThreads, createRate);
        return new ApiServerBenchmark(settings, spec.commandLine().getOut()).run() ? 0 : 1;
    }
}
