package io.kaji.cli;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kaji.support.logs.AnalysisReport;
import io.kaji.support.logs.LogAnalyzer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code kaji logs analyze}: the patterns of log files, or of a cluster's container logs, ranked. */
@Command(name = "analyze",
        mixinStandardHelpOptions = true,
        description = {
                "Mine the patterns of logs and rank them: count, level (error/warn detected), first and last seen,",
                "an example line, which files or pods produced them, and which are NEW or BURSTING in the last",
                "--window compared with the time before.",
                "",
                "Sources: FILE... (- for standard input), or with no FILE the containers of a cluster",
                "(-n/--namespace or -A, -l selector, --since; --previous adds crashed containers' logs).",
                "",
                "Examples:",
                "  kaji logs analyze /var/log/syslog app.log",
                "  kaji logs analyze -n shop -l app=web --since 1h",
                "  kubectl logs deploy/web | kaji logs analyze -",
                "  kaji logs analyze -A --since 30m --format html > patterns.html"})
public final class LogsAnalyzeCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Output formats. */
    enum Format { text, json, html }

    @Parameters(arity = "0..*", paramLabel = "FILE", description = "Log files (- for standard input).")
    List<String> files = new ArrayList<>();

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "Containers of this namespace (default: default).")
    String namespace;

    @Option(names = {"-A", "--all-namespaces"}, description = "Containers of every namespace.")
    boolean allNamespaces;

    @Option(names = {"-l", "--selector"}, paramLabel = "SELECTOR", description = "Only pods with these labels (k=v,...).")
    String selector;

    @Option(names = "--since", paramLabel = "DURATION", description = "Only lines newer than this (e.g. 30m, 2h).")
    String since;

    @Option(names = "--previous", description = "Also the logs of the previous container of restarted containers.")
    boolean previous;

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "The cluster (default: $KUBECONFIG, the Kaji data dir's kubeconfig, ~/.kube/config).")
    Path kubeconfig;

    @Option(names = "--window", paramLabel = "DURATION", defaultValue = "10m",
            description = "The recent window for NEW and BURST (default: ${DEFAULT-VALUE}).")
    String window;

    @Option(names = "--top", paramLabel = "N", defaultValue = "30",
            description = "Patterns shown in text output (default: ${DEFAULT-VALUE}; json/html have all).")
    int top;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "text", description = "text, json or html.")
    Format format;

    @Override
    public Integer call() throws IOException {
        Duration windowDuration = duration(window, "--window");
        LogAnalyzer analyzer = new LogAnalyzer();
        if (!files.isEmpty()) {
            for (String f : files) {
                try (BufferedReader r = LogsCommand.open(f)) {
                    String source = f.equals("-") ? "stdin" : f;
                    String line;
                    while ((line = r.readLine()) != null) {
                        analyzer.add(source, line);
                    }
                }
            }
        } else {
            fromCluster(analyzer);
        }
        LogAnalyzer.Result result = analyzer.result(windowDuration);
        PrintWriter out = spec.commandLine().getOut();
        out.print(switch (format) {
            case text -> AnalysisReport.text(result, top);
            case json -> AnalysisReport.json(result);
            case html -> AnalysisReport.html(result);
        });
        out.flush();
        return 0;
    }

    private void fromCluster(LogAnalyzer analyzer) {
        Path config;
        try {
            config = Kubeconfigs.locate(kubeconfig, null);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (config == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give log FILEs (or - for standard input), "
                    + "or a cluster with --kubeconfig");
        }
        Integer sinceSeconds = since == null ? null : (int) duration(since, "--since").toSeconds();
        try (KubernetesClient client = Kubeconfigs.client(config)) {
            List<Pod> pods;
            try {
                var op = allNamespaces ? client.pods().inAnyNamespace()
                        : client.pods().inNamespace(namespace == null ? "default" : namespace);
                pods = selector == null ? op.list().getItems() : op.withLabelSelector(selector).list().getItems();
            } catch (KubernetesClientException e) {
                throw new IllegalStateException("cannot list pods at " + client.getMasterUrl() + ": "
                        + (e.getCode() > 0 ? "HTTP " + e.getCode() + " " + e.getStatus().getMessage() : e.getMessage())
                        + " (check --kubeconfig)");
            }
            for (Pod pod : pods) {
                if (pod.getSpec().getNodeName() == null) {
                    continue; // never ran
                }
                List<Container> containers = new ArrayList<>(pod.getSpec().getContainers());
                if (pod.getSpec().getInitContainers() != null) {
                    containers.addAll(pod.getSpec().getInitContainers());
                }
                for (Container c : containers) {
                    String source = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName() + "/"
                            + c.getName();
                    read(client, pod, c.getName(), false, sinceSeconds, source, analyzer);
                    if (previous && restarted(pod, c.getName())) {
                        read(client, pod, c.getName(), true, sinceSeconds, source + " (previous)", analyzer);
                    }
                }
            }
        }
    }

    private void read(KubernetesClient client, Pod pod, String container, boolean prev, Integer sinceSeconds,
            String source, LogAnalyzer analyzer) {
        try {
            var c = client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                    .inContainer(container);
            var stamped = c.usingTimestamps();
            var logs = prev ? stamped.terminated() : stamped;
            String text = sinceSeconds == null ? logs.getLog() : logs.sinceSeconds(sinceSeconds).getLog();
            if (text != null) {
                text.lines().forEach(l -> analyzer.add(source, l));
            }
        } catch (KubernetesClientException e) {
            spec.commandLine().getErr().println("kaji logs analyze: skipped " + source + ": "
                    + (e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
                            : e.getMessage()));
        }
    }

    private static boolean restarted(Pod pod, String container) {
        List<ContainerStatus> all = new ArrayList<>();
        if (pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null) {
            all.addAll(pod.getStatus().getContainerStatuses());
        }
        return all.stream().anyMatch(s -> container.equals(s.getName()) && s.getRestartCount() != null
                && s.getRestartCount() > 0);
    }

    private Duration duration(String text, String option) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + ": " + e.getMessage());
        }
    }
}
