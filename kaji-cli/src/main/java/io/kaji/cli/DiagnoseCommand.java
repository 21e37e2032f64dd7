package io.kaji.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kaji.support.certs.CertificateEntry;
import io.kaji.support.certs.ExpiryReport;
import io.kaji.support.certs.Thresholds;
import io.kaji.support.diagnose.Analyzer;
import io.kaji.support.diagnose.CertificateAnalyzer;
import io.kaji.support.diagnose.ClusterLogReader;
import io.kaji.support.diagnose.ClusterSnapshot;
import io.kaji.support.diagnose.DiagnoseContext;
import io.kaji.support.diagnose.Diagnoser;
import io.kaji.support.diagnose.DiagnosisReport;
import io.kaji.support.diagnose.LogReader;
import io.kaji.support.diagnose.Severity;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kaji diagnose}: why is it broken? Rules over the cluster's state, events and logs; works offline. */
@Command(name = "diagnose",
        mixinStandardHelpOptions = true,
        description = {
                "Find what is broken in a cluster and say why, with the evidence and a fix.",
                "Works on Kaji and on any Kubernetes cluster, offline: the explanations come from rules, the",
                "cluster's state and events, and the last log lines of crashed containers (no AI service).",
                "",
                "Analyzers: Pod (CrashLoopBackOff, OOMKilled, image pulls, missing ConfigMaps/Secrets,",
                "unschedulable, failing probes, stuck pods), Workload (Deployments, ReplicaSets, StatefulSets,",
                "DaemonSets), Job, Service (no pods, selector typos, no ready endpoints), Ingress,",
                "PersistentVolumeClaim, Node, Webhook, PodDisruptionBudget, Event (recent warnings grouped),",
                "Certificate.",
                "",
                "Exit code: 0 nothing at or above --fail-on, 1 problems found, 2 bad usage or no cluster.",
                "",
                "Examples:",
                "  kaji diagnose                    all namespaces",
                "  kaji diagnose -n shop -o json",
                "  kaji diagnose --analyzer Pod --analyzer Service --no-logs"})
public final class DiagnoseCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Output formats. */
    enum Format { text, json }

    @Option(names = "--kubeconfig", paramLabel = "FILE",
            description = "The cluster (default: $KUBECONFIG, the Kaji data dir's kubeconfig, ~/.kube/config).")
    Path kubeconfig;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "A Kaji data dir: its kubeconfig, and its PKI for the certificate analyzer.")
    Path dataDir;

    @Option(names = {"-n", "--namespace"}, paramLabel = "NS",
            description = "Only this namespace (default: all namespaces; nodes and webhooks are always checked).")
    String namespace;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
            description = "text (default) or json.")
    Format format;

    @Option(names = "--analyzer", paramLabel = "NAME",
            description = "Run only these analyzers (repeatable): ${COMPLETION-CANDIDATES}.",
            completionCandidates = AnalyzerNames.class)
    List<String> only = new ArrayList<>();

    @Option(names = "--no-logs", description = "Do not read container logs (faster; less evidence for crashes).")
    boolean noLogs;

    @Option(names = "--fail-on", paramLabel = "SEVERITY", defaultValue = "error",
            description = "Exit 1 when a problem at or above this severity is found: info, warning or error "
                    + "(default: ${DEFAULT-VALUE}).")
    String failOn;

    /** The analyzer names, for --help. */
    static final class AnalyzerNames extends TreeSet<String> {
        AnalyzerNames() {
            super(Diagnoser.names());
        }
    }

    @Override
    public Integer call() {
        Severity threshold;
        try {
            threshold = Severity.valueOf(failOn.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--fail-on must be info, warning or error, not '" + failOn + "'");
        }
        Set<String> known = Diagnoser.names();
        for (String a : only) {
            if (!known.contains(a)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "unknown analyzer '" + a
                        + "'; known: " + String.join(", ", new TreeSet<>(known)));
            }
        }
        Path config;
        try {
            config = Kubeconfigs.locate(kubeconfig, dataDir);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (config == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "no cluster to diagnose: give --kubeconfig "
                    + "FILE or --data-dir DIR (or start one with sudo ./kaji up)");
        }
        Instant now = Instant.now();
        Diagnoser.Result result;
        try (KubernetesClient client = Kubeconfigs.client(config)) {
            ClusterSnapshot snapshot;
            try {
                snapshot = ClusterSnapshot.fetch(client, namespace);
            } catch (KubernetesClientException e) {
                spec.commandLine().getErr().println("kaji diagnose: cannot reach the API server at "
                        + client.getMasterUrl() + ": " + rootCause(e) + " (check --kubeconfig, or is it running?)");
                return 2;
            }
            List<Analyzer> analyzers = Diagnoser.defaults(new CertificateAnalyzer(certificates(client, now)));
            if (!only.isEmpty()) {
                analyzers = analyzers.stream().filter(a -> only.contains(a.name())).toList();
            }
            LogReader logs = noLogs ? LogReader.NONE : new ClusterLogReader(client);
            result = new Diagnoser(analyzers).run(snapshot, new DiagnoseContext(now, logs));
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(format == Format.json ? DiagnosisReport.json(result) : DiagnosisReport.text(result));
        out.flush();
        boolean failing = result.diagnoses().stream().anyMatch(d -> d.severity().compareTo(threshold) >= 0);
        return failing ? 1 : 0;
    }

    /** The certificates the Certificate analyzer judges: the cluster's, and the data dir's PKI when given. */
    private List<CertificateEntry> certificates(KubernetesClient client, Instant now) {
        if (!only.isEmpty() && !only.contains("Certificate")) {
            return List.of();
        }
        Path pki = dataDir != null ? dataDir : DataDir.isRoot() && Files.isDirectory(DataDir.ROOT_DEFAULT.resolve("pki"))
                ? DataDir.ROOT_DEFAULT : null;
        // A data dir that cannot be read leaves the cluster's certificates to judge.
        return ExpiryReport.scan(client, pki, now, Thresholds.DEFAULT).entries();
    }

    private static String rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
