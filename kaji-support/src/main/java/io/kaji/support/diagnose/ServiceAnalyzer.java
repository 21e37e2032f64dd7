package io.kaji.support.diagnose;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Services that cannot deliver traffic: a selector that matches no pod (with the near-miss labels that point at a
 * typo), pods that match but none is ready, and named target ports that the selected pods do not declare.
 */
public final class ServiceAnalyzer implements Analyzer {

    static final String NAME = "Service";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Diagnosis> analyze(ClusterSnapshot cluster, DiagnoseContext context) {
        List<Diagnosis> out = new ArrayList<>();
        for (Service svc : cluster.services()) {
            Map<String, String> selector = svc.getSpec().getSelector();
            if (selector == null || selector.isEmpty() || "ExternalName".equals(svc.getSpec().getType())) {
                continue; // endpoints managed by hand or by another controller
            }
            String ns = svc.getMetadata().getNamespace();
            String name = svc.getMetadata().getName();
            List<Pod> inNamespace = cluster.pods().stream().filter(p -> ns.equals(p.getMetadata().getNamespace()))
                    .filter(p -> p.getMetadata().getDeletionTimestamp() == null).toList();
            List<Pod> selected = inNamespace.stream().filter(p -> matches(selector, p.getMetadata().getLabels()))
                    .toList();
            if (selected.isEmpty()) {
                List<String> evidence = new ArrayList<>();
                evidence.add("spec.selector=" + selector + " matches none of the " + inNamespace.size()
                        + " pods in namespace " + ns);
                String hint = nearMiss(selector, inNamespace, evidence);
                out.add(new Diagnosis(NAME, Severity.ERROR, "Service", ns, name,
                        "selects no pods: it has no endpoints and connections to it fail",
                        hint != null ? "the selector does not match the pods' labels: " + hint
                                : "no pod carries the labels " + selector,
                        evidence, hint != null ? "correct spec.selector (or the pods' labels) so that they match"
                                : "create the workload it fronts, or correct spec.selector"));
                continue;
            }
            long readyEndpoints = readyEndpoints(cluster, ns, name);
            boolean anyReadyPod = selected.stream().anyMatch(ServiceAnalyzer::podReady);
            if (cluster.has("endpointslices") ? readyEndpoints == 0 : !anyReadyPod) {
                List<String> evidence = new ArrayList<>();
                evidence.add(selected.size() + " pods match spec.selector=" + selector + ", none is ready");
                selected.stream().limit(5).forEach(p -> evidence.add("pod " + p.getMetadata().getName() + ": phase "
                        + p.getStatus().getPhase() + ", ready=" + podReady(p)));
                out.add(new Diagnosis(NAME, Severity.ERROR, "Service", ns, name,
                        "has no ready endpoints: connections to it fail",
                        "the pods it selects are not ready (see their diagnoses)", evidence,
                        "fix the selected pods; kubectl get endpointslices -l kubernetes.io/service-name=" + name
                                + " -n " + ns + " shows their state"));
            }
            for (ServicePort port : svc.getSpec().getPorts() == null ? List.<ServicePort>of()
                    : svc.getSpec().getPorts()) {
                if (port.getTargetPort() == null || port.getTargetPort().getStrVal() == null) {
                    continue;
                }
                String named = port.getTargetPort().getStrVal();
                boolean declared = selected.stream().anyMatch(p -> declaresPort(p, named));
                if (!declared) {
                    out.add(new Diagnosis(NAME, Severity.ERROR, "Service", ns, name,
                            "port " + (port.getName() == null ? port.getPort() : port.getName())
                                    + " targets the named port '" + named + "' that no selected pod declares",
                            "the endpoints have no port for it", List.of("spec.ports[].targetPort=" + named,
                                    "container ports of the selected pods: " + portNames(selected)),
                            "use the container port's name or number as targetPort"));
                }
            }
        }
        return out;
    }

    static boolean matches(Map<String, String> selector, Map<String, String> labels) {
        return labels != null && labels.entrySet().containsAll(selector.entrySet());
    }

    static boolean podReady(Pod p) {
        return p.getStatus() != null && p.getStatus().getConditions() != null && p.getStatus().getConditions()
                .stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
    }

    private static long readyEndpoints(ClusterSnapshot cluster, String ns, String service) {
        long n = 0;
        for (EndpointSlice s : cluster.endpointSlices()) {
            Map<String, String> labels = s.getMetadata().getLabels();
            if (!ns.equals(s.getMetadata().getNamespace()) || labels == null
                    || !service.equals(labels.get("kubernetes.io/service-name")) || s.getEndpoints() == null) {
                continue;
            }
            for (Endpoint e : s.getEndpoints()) {
                if (e.getConditions() == null || !Boolean.FALSE.equals(e.getConditions().getReady())) {
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * Labels of pods that differ from the selector in one entry: same key with a similar value, or a similar key
     * with the same value. Returns a sentence naming the closest miss, or null.
     */
    private static String nearMiss(Map<String, String> selector, List<Pod> pods, List<String> evidence) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Pod p : pods) {
            Map<String, String> labels = p.getMetadata().getLabels();
            if (labels == null) {
                continue;
            }
            for (Map.Entry<String, String> want : selector.entrySet()) {
                for (Map.Entry<String, String> have : labels.entrySet()) {
                    int d;
                    if (have.getKey().equals(want.getKey()) && !have.getValue().equals(want.getValue())) {
                        d = distance(have.getValue(), want.getValue());
                    } else if (!have.getKey().equals(want.getKey()) && have.getValue().equals(want.getValue())) {
                        d = distance(have.getKey(), want.getKey());
                    } else {
                        continue;
                    }
                    int limit = Math.max(2, Math.max(want.getKey().length(), want.getValue().length()) / 3);
                    if (d <= limit && d < bestDistance) {
                        bestDistance = d;
                        best = "the selector has " + want.getKey() + "=" + want.getValue() + " but pod "
                                + p.getMetadata().getName() + " has " + have.getKey() + "=" + have.getValue();
                    }
                }
            }
        }
        if (best != null) {
            evidence.add(best);
        }
        return best;
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static boolean declaresPort(Pod p, String name) {
        for (Container c : p.getSpec().getContainers()) {
            for (ContainerPort port : c.getPorts() == null ? List.<ContainerPort>of() : c.getPorts()) {
                if (name.equals(port.getName())) {
                    return true;
                }
            }
        }
        return false;
    }

    private static List<String> portNames(List<Pod> pods) {
        return pods.stream().flatMap(p -> p.getSpec().getContainers().stream())
                .flatMap(c -> c.getPorts() == null ? java.util.stream.Stream.empty() : c.getPorts().stream())
                .map(port -> (port.getName() == null ? "" : port.getName() + "=") + port.getContainerPort())
                .distinct().toList();
    }
}
