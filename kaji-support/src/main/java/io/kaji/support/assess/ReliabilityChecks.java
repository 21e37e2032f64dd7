package io.kaji.support.assess;

import static io.kaji.support.assess.Severity.HIGH;
import static io.kaji.support.assess.Severity.LOW;
import static io.kaji.support.assess.Severity.MEDIUM;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reliability practices that assessment customers ask about beside security: resources, probes, replicas,
 * disruption budgets, image tags, Services that select nothing, replicas on one node, deprecated APIs.
 */
final class ReliabilityChecks {

    static final String SECTION = "REL Reliability";
    static final String LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Kinds whose pods are expected to run continuously (and so need probes). */
    private static final Set<String> LONG_RUNNING = Set.of("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
            "Pod");
    private static final Set<String> REPLICATED = Set.of("Deployment", "StatefulSet", "ReplicaSet");

    private ReliabilityChecks() {
    }

    static List<Check> all() {
        List<Check> out = new ArrayList<>();
        out.add(Check.builder("rel-resources", "Containers declare CPU and memory requests and a memory limit")
                .section(SECTION).severity(MEDIUM).needs(ResourceKind.WORKLOADS)
                .remediation("Set resources.requests.cpu and .memory (what the scheduler reserves) and "
                        + "resources.limits.memory (what the kernel enforces) on every container.")
                .evaluate(ctx -> PerObject.containers(ctx, ReliabilityChecks::resources)));
        out.add(Check.builder("rel-probes", "Long-running containers have readiness and liveness probes")
                .section(SECTION).severity(LOW).needs(ResourceKind.WORKLOADS)
                .remediation("Add a readinessProbe (traffic only to ready pods) and a livenessProbe (restart a hung "
                        + "container) to each serving container.")
                .evaluate(ctx -> PerObject.containers(ctx, ReliabilityChecks::probes)));
        out.add(Check.builder("rel-single-replica", "Deployments and StatefulSets run more than one replica")
                .section(SECTION).severity(MEDIUM).needs(ResourceKind.WORKLOADS)
                .remediation("Run at least 2 replicas so a node failure or a rollout does not take the service down.")
                .evaluate(ctx -> PerObject.workloads(ctx, w -> REPLICATED.contains(w.ref().kind())
                        && w.replicas() != null && w.replicas() == 1
                        ? List.of(Finding.fail(w.ref(), null, "runs a single replica", "spec.replicas=1"))
                        : List.of())));
        out.add(Check.builder("rel-pdb", "Replicated workloads have a PodDisruptionBudget")
                .section(SECTION).severity(MEDIUM).needs(EnumSet.copyOf(ResourceKind.WORKLOADS))
                .needs(ResourceKind.POD_DISRUPTION_BUDGETS)
                .remediation("Add a PodDisruptionBudget (e.g. maxUnavailable: 1) selecting the workload's pods, so "
                        + "node drains keep enough replicas running.")
                .evaluate(ReliabilityChecks::disruptionBudgets));
        out.add(Check.builder("rel-image-tag", "Images are pinned to a tag other than latest, or a digest")
                .section(SECTION).severity(MEDIUM).needs(ResourceKind.WORKLOADS)
                .remediation("Reference images by an immutable version tag or by digest (image@sha256:...), not by "
                        + ":latest or no tag.")
                .evaluate(ctx -> PerObject.containers(ctx, ReliabilityChecks::imageTag)));
        out.add(Check.builder("rel-service-endpoints", "Services select at least one pod")
                .section(SECTION).severity(LOW).needs(ResourceKind.SERVICES, ResourceKind.PODS)
                .remediation("Fix the Service's selector to match the pods' labels, or delete the unused Service.")
                .evaluate(ReliabilityChecks::servicesWithoutPods));
        out.add(Check.builder("rel-spread", "Replicas are spread over more than one node")
                .section(SECTION).severity(MEDIUM).needs(EnumSet.copyOf(ResourceKind.WORKLOADS))
                .needs(ResourceKind.NODES)
                .remediation("Add topologySpreadConstraints (topologyKey kubernetes.io/hostname) or pod "
                        + "anti-affinity so one node failure cannot take all replicas.")
                .evaluate(ReliabilityChecks::spread));
        out.add(Check.builder("rel-deprecated-api", "No deprecated or removed API versions are in use")
                .section(SECTION).severity(HIGH)
                .remediation("Re-apply the manifests with the replacement apiVersion (kubectl convert helps) before "
                        + "upgrading to the release that removes the old one.")
                .evaluate(ReliabilityChecks::deprecatedApis));
        return out;
    }

    private static Finding resources(Workload w, ContainerView c) {
        if (c.ephemeral()) {
            return null;
        }
        ResourceRequirements r = c.resources() != null ? c.resources() : new ResourceRequirements();
        Map<String, Quantity> requests = r.getRequests() == null ? Map.of() : r.getRequests();
        Map<String, Quantity> limits = r.getLimits() == null ? Map.of() : r.getLimits();
        List<String> missing = new ArrayList<>();
        // A limit without a request defaults the request to the limit (as the API server does).
        if (!requests.containsKey("cpu") && !limits.containsKey("cpu")) {
            missing.add("requests.cpu");
        }
        if (!requests.containsKey("memory") && !limits.containsKey("memory")) {
            missing.add("requests.memory");
        }
        if (!limits.containsKey("memory")) {
            missing.add("limits.memory");
        }
        return missing.isEmpty() ? null : PerObject.container(Status.FAIL, w, c, "declares no "
                + String.join(", ", missing), c.path() + ".resources=" + (c.resources() == null ? "<unset>"
                : "requests " + requests.keySet() + ", limits " + limits.keySet()));
    }

    private static Finding probes(Workload w, ContainerView c) {
        if (c.init() || c.ephemeral() || !LONG_RUNNING.contains(w.ref().kind())) {
            return null;
        }
        String restart = w.spec().getRestartPolicy();
        if (w.ref().kind().equals("Pod") && restart != null && !restart.equals("Always")) {
            return null;
        }
        if (c.readinessProbe() == null) {
            return PerObject.container(Status.FAIL, w, c, "has no readiness probe: it gets traffic before it is "
                    + "ready", c.path() + ".readinessProbe=<unset>");
        }
        if (c.livenessProbe() == null) {
            return PerObject.container(Status.WARN, w, c, "has no liveness probe: a hung process is never "
                    + "restarted", c.path() + ".livenessProbe=<unset>");
        }
        return null;
    }

    private static List<Finding> disruptionBudgets(AssessmentContext ctx) {
        List<PodDisruptionBudget> pdbs = ctx.cluster().podDisruptionBudgets();
        return PerObject.workloads(ctx, w -> {
            if (!REPLICATED.contains(w.ref().kind()) || w.replicas() == null || w.replicas() < 2) {
                return List.of();
            }
            boolean covered = pdbs.stream().anyMatch(p -> w.namespace().equals(p.getMetadata().getNamespace())
                    && p.getSpec() != null && Selectors.matches(p.getSpec().getSelector(), w.podLabels()));
            return covered ? List.of() : List.of(Finding.fail(w.ref(), null, "runs " + w.replicas()
                            + " replicas and no PodDisruptionBudget selects its pods",
                    "poddisruptionbudgets selecting " + w.podLabels() + ": 0"));
        });
    }

    private static Finding imageTag(Workload w, ContainerView c) {
        String image = c.image() == null ? "" : c.image();
        if (image.contains("@")) {
            return null;
        }
        int slash = image.lastIndexOf('/');
        int colon = image.lastIndexOf(':');
        String tag = colon > slash ? image.substring(colon + 1) : null;
        if (tag == null) {
            return PerObject.container(Status.FAIL, w, c, "uses an untagged image (implicitly :latest)",
                    c.path() + ".image=" + image);
        }
        if (tag.equals("latest")) {
            return PerObject.container(Status.FAIL, w, c, "uses the :latest tag", c.path() + ".image=" + image);
        }
        return null;
    }

    private static List<Finding> servicesWithoutPods(AssessmentContext ctx) {
        List<Finding> out = new ArrayList<>();
        List<Pod> pods = ctx.cluster().pods();
        for (Service s : ctx.cluster().services()) {
            if (s.getSpec() == null || "ExternalName".equals(s.getSpec().getType())
                    || s.getSpec().getSelector() == null || s.getSpec().getSelector().isEmpty()) {
                continue;
            }
            boolean any = pods.stream().anyMatch(p -> s.getMetadata().getNamespace()
                    .equals(p.getMetadata().getNamespace())
                    && Selectors.matches(s.getSpec().getSelector(), p.getMetadata().getLabels()));
            if (!any) {
                out.add(Finding.fail(ObjectRef.of(s), null, "selects no pod: requests to it fail",
                        "spec.selector=" + s.getSpec().getSelector()));
            }
        }
        return out;
    }

    private static List<Finding> spread(AssessmentContext ctx) {
        long schedulable = ctx.cluster().nodes().stream()
                .filter(n -> n.getSpec() == null || !Boolean.TRUE.equals(n.getSpec().getUnschedulable())).count();
        if (schedulable < 2) {
            return List.of(Finding.of(Status.SKIPPED, ObjectRef.CLUSTER, null, "fewer than 2 schedulable nodes: "
                    + "nothing to spread over", "schedulable nodes: " + schedulable));
        }
        List<Pod> pods = ctx.cluster().pods();
        return PerObject.workloads(ctx, w -> {
            if (!REPLICATED.contains(w.ref().kind()) || w.replicas() == null || w.replicas() < 2
                    || w.selector() == null) {
                return List.of();
            }
            Set<String> nodes = new TreeSet<>();
            int placed = 0;
            for (Pod p : pods) {
                if (w.namespace().equals(p.getMetadata().getNamespace()) && p.getSpec() != null
                        && p.getSpec().getNodeName() != null
                        && Selectors.matches(w.selector(), p.getMetadata().getLabels())) {
                    nodes.add(p.getSpec().getNodeName());
                    placed++;
                }
            }
            return placed >= 2 && nodes.size() == 1 ? List.of(Finding.fail(w.ref(), null, "all " + placed
                    + " scheduled replicas run on node " + nodes.iterator().next(), "pods' spec.nodeName=" + nodes))
                    : List.of();
        });
    }

    private static List<Finding> deprecatedApis(AssessmentContext ctx) {
        List<Finding> out = new ArrayList<>();
        for (HasMetadata o : ctx.cluster().all()) {
            try {
                Set<String> versions = new LinkedHashSet<>();
                String applied = o.getMetadata().getAnnotations() == null ? null
                        : o.getMetadata().getAnnotations().get(LAST_APPLIED);
                String kind = ObjectRef.of(o).kind();
                if (applied != null) {
                    JsonNode node = JSON.readTree(applied);
                    if (node.hasNonNull("apiVersion")) {
                        versions.add(node.get("apiVersion").asString() + " (metadata.annotations[" + LAST_APPLIED
                                + "].apiVersion)");
                    }
                }
                for (ManagedFieldsEntry m : Workload.nonNull(o.getMetadata().getManagedFields())) {
                    if (m.getApiVersion() != null) {
                        versions.add(m.getApiVersion() + " (metadata.managedFields[" + m.getManager()
                                + "].apiVersion)");
                    }
                }
                Set<String> seen = new java.util.HashSet<>();
                for (String v : versions) {
                    String apiVersion = v.substring(0, v.indexOf(' '));
                    if (!seen.add(apiVersion)) {
                        continue;
                    }
                    DeprecatedApis.find(apiVersion, kind).map(api -> deprecation(o, kind, api, v,
                            ctx.targetVersion())).ifPresent(out::add);
                }
            } catch (RuntimeException e) { // JacksonException included: a malformed annotation
                out.add(Finding.error(ObjectRef.of(o), "could not be evaluated: unreadable " + LAST_APPLIED
                        + ": " + e.getMessage()));
            }
        }
        return out;
    }

    private static Finding deprecation(HasMetadata o, String kind, DeprecatedApis.Api api, String evidence,
                                       KubeVersion target) {
        if (target.atLeast(api.removedIn())) {
            return Finding.fail(ObjectRef.of(o), null, kind + " was last written as " + api.apiVersion()
                    + ", removed in " + api.removedIn() + " (target " + target + "); use " + api.replacement(),
                    evidence);
        }
        if (target.atLeast(api.deprecatedIn())) {
            return Finding.warn(ObjectRef.of(o), null, kind + " was last written as " + api.apiVersion()
                    + ", deprecated since " + api.deprecatedIn() + " and removed in " + api.removedIn() + "; use "
                    + api.replacement(), evidence);
        }
        return null;
    }
}
