package io.kaji.support.diagnose;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs analyzers over a snapshot. An analyzer that throws does not end the run: its failure is reported as a
 * result of its own, as are analyzers that could not run because a resource they need could not be listed.
 */
public final class Diagnoser {

    /** The resources each analyzer needs; when one is unavailable the analyzer is reported as not run. */
    private static final Map<String, List<String>> NEEDS = Map.of(
            PodAnalyzer.NAME, List.of("pods"),
            ServiceAnalyzer.NAME, List.of("services", "pods"),
            WorkloadAnalyzer.NAME, List.of("deployments", "replicasets", "statefulsets", "daemonsets"),
            JobAnalyzer.NAME, List.of("jobs", "cronjobs"),
            IngressAnalyzer.NAME, List.of("ingresses", "services"),
            StorageAnalyzer.NAME, List.of("persistentvolumeclaims"),
            NodeAnalyzer.NAME, List.of("nodes"),
            WebhookAnalyzer.NAME, List.of("validatingwebhookconfigurations", "mutatingwebhookconfigurations"),
            EventAnalyzer.NAME, List.of("events"));

    /** What one run found. */
    public record Result(List<Diagnosis> diagnoses, Map<String, String> notRun) {
    }

    private final List<Analyzer> analyzers;

    public Diagnoser(List<Analyzer> analyzers) {
        this.analyzers = List.copyOf(analyzers);
    }

    /** Kaji's analyzers, plus {@code extra} (e.g. a {@link CertificateAnalyzer}). */
    public static List<Analyzer> defaults(Analyzer... extra) {
        List<Analyzer> all = new ArrayList<>(List.of(new PodAnalyzer(), new WorkloadAnalyzer(), new JobAnalyzer(),
                new ServiceAnalyzer(), new IngressAnalyzer(), new StorageAnalyzer(), new NodeAnalyzer(),
                new WebhookAnalyzer(), new EventAnalyzer()));
        all.addAll(List.of(extra));
        return all;
    }

    /** The names {@code --analyzer} accepts. */
    public static Set<String> names() {
        return Set.of(PodAnalyzer.NAME, WorkloadAnalyzer.NAME, JobAnalyzer.NAME, ServiceAnalyzer.NAME,
                IngressAnalyzer.NAME, StorageAnalyzer.NAME, NodeAnalyzer.NAME, WebhookAnalyzer.NAME,
                EventAnalyzer.NAME, CertificateAnalyzer.NAME);
    }

    /** Runs every analyzer; diagnoses sorted worst first, then by object. */
    public Result run(ClusterSnapshot cluster, DiagnoseContext context) {
        List<Diagnosis> found = new ArrayList<>();
        Map<String, String> notRun = new LinkedHashMap<>();
        for (Analyzer a : analyzers) {
            List<String> missing = NEEDS.getOrDefault(a.name(), List.of()).stream()
                    .filter(r -> cluster.unavailable().containsKey(r))
                    .filter(r -> !cluster.unavailable().get(r).equals("not served by this API server")
                            || !List.of("validatingwebhookconfigurations", "mutatingwebhookconfigurations",
                                    "ingresses", "cronjobs").contains(r))
                    .toList();
            if (!missing.isEmpty()) {
                notRun.put(a.name(), "cannot list " + String.join(", ", missing.stream()
                        .map(r -> r + " (" + cluster.unavailable().get(r) + ")").toList()));
                continue;
            }
            try {
                found.addAll(a.analyze(cluster, context));
            } catch (RuntimeException e) {
                notRun.put(a.name(), "failed: " + e);
            }
        }
        found.sort(Comparator.comparing(Diagnosis::severity).reversed()
                .thenComparing(d -> d.namespace() == null ? "" : d.namespace())
                .thenComparing(Diagnosis::kind).thenComparing(Diagnosis::name));
        return new Result(List.copyOf(found), notRun);
    }
}
