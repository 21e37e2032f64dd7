package io.kaji.apiserver.admission.podsecurity;

import io.kaji.apiserver.admission.AdmissionAttributes;
import io.kaji.apiserver.admission.AdmissionAttributes.Operation;
import io.kaji.apiserver.admission.ClusterObjects;
import io.kaji.apiserver.admission.ValidatingPlugin;
import io.kaji.apiserver.admission.Verdict;
import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.registry.ContainerLists;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The PodSecurity admission plugin: checks pods against the Pod Security Standards level their namespace's
 * {@code pod-security.kubernetes.io/*} labels (or the server's defaults) select, as Kubernetes' built-in plugin does:
 * <ul>
 *   <li>pods: {@code enforce} denies with {@code pods "x" is forbidden: violates PodSecurity "baseline:latest": ...};
 *       {@code warn} answers {@code Warning} headers; {@code audit} adds the
 *       {@code pod-security.kubernetes.io/audit-violations} audit annotation;</li>
 *   <li>workloads (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, ReplicationController,
 *       PodTemplate): warn and audit only, on their pod template;</li>
 *   <li>namespaces: bad labels are Invalid; tightening {@code enforce} warns about existing pods that would
 *       violate it.</li>
 * </ul>
 * Exempt namespaces, users and runtime classes are not checked. Thread-safe.
 */
public final class PodSecurity implements ValidatingPlugin {

    public static final String NAME = "PodSecurity";
    static final String ENFORCED_POLICY = NamespacePolicy.LABEL_PREFIX + "enforce-policy";
    static final String AUDIT_VIOLATIONS = NamespacePolicy.LABEL_PREFIX + "audit-violations";
    static final String EXEMPT = NamespacePolicy.LABEL_PREFIX + "exempt";
    /** As Kubernetes: at most this many existing pods are checked when a namespace's enforce level changes. */
    static final int MAX_PODS_TO_CHECK = 3000;
    private static final Set<String> IGNORED_POD_SUBRESOURCES = Set.of("exec", "attach", "binding", "eviction", "log",
            "portforward", "proxy", "status");
    /** group/resource of the workloads whose pod template is checked (warn and audit only). */
    private static final Set<String> WORKLOADS = Set.of("/replicationcontrollers", "/podtemplates",
            "apps/replicasets", "apps/deployments", "apps/statefulsets", "apps/daemonsets", "batch/jobs",
            "batch/cronjobs");

    /**
     * What the plugin does where namespaces say nothing.
     *
     * @param defaults             the policy of a namespace without Pod Security labels
     * @param exemptNamespaces     namespaces never checked (Kaji: kube-system)
     * @param exemptUsers          user names never checked
     * @param exemptRuntimeClasses runtime class names whose pods are never checked
     */
    public record Options(NamespacePolicy defaults, Set<String> exemptNamespaces, Set<String> exemptUsers,
            Set<String> exemptRuntimeClasses) {

        public Options {
            Objects.requireNonNull(defaults, "defaults");
            exemptNamespaces = Set.copyOf(exemptNamespaces);
            exemptUsers = Set.copyOf(exemptUsers);
            exemptRuntimeClasses = Set.copyOf(exemptRuntimeClasses);
        }

        /** Kaji's defaults: {@code enforce=baseline,warn=restricted}, kube-system exempt. */
        public static Options kaji() {
            return new Options(NamespacePolicy.parseDefaults(DEFAULT_POLICY), Set.of("kube-system"), Set.of(),
                    Set.of());
        }

        public Options withDefaults(NamespacePolicy policy) {
            return new Options(policy, exemptNamespaces, exemptUsers, exemptRuntimeClasses);
        }
    }

    /** The default of {@code kaji server --pod-security-default}. */
    public static final String DEFAULT_POLICY = "enforce=baseline,warn=restricted";

    private final Options options;
    private final ClusterObjects objects;
    private final Evaluator evaluator = new Evaluator();

    public PodSecurity(Options options, ClusterObjects objects) {
        this.options = options;
        this.objects = objects;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Verdict validate(AdmissionAttributes a) {
        if (a.operation() == Operation.DELETE) {
            return Verdict.allowed();
        }
        if (a.isMain("", "namespaces")) {
            return validateNamespace(a);
        }
        if (a.is("", "pods")) {
            return a.subresource() != null && IGNORED_POD_SUBRESOURCES.contains(a.subresource()) ? Verdict.allowed()
                    : validatePod(a);
        }
        if (a.subresource() == null && WORKLOADS.contains(a.group() + "/" + a.resource())) {
            return validateWorkload(a);
        }
        return Verdict.allowed();
    }

    private Verdict validatePod(AdmissionAttributes a) {
        if (a.namespace() != null && options.exemptNamespaces().contains(a.namespace())) {
            return exempt("namespace");
        }
        if (options.exemptUsers().contains(a.user().name())) {
            return exempt("user");
        }
        NamespacePolicy.Parsed policy = policyOf(a.namespace());
        if (policy.errors().isEmpty() && policy.policy().fullyPrivileged()) {
            return Verdict.allowed();
        }
        if (a.operation() == Operation.UPDATE && !significantUpdate(a.object(), a.oldObject())) {
            return Verdict.allowed();
        }
        return evaluate(a, policy, new PodView(a.object().path("metadata"), a.object().path("spec")), true);
    }

    private Verdict validateWorkload(AdmissionAttributes a) {
        if (a.namespace() != null && options.exemptNamespaces().contains(a.namespace())) {
            return exempt("namespace");
        }
        if (options.exemptUsers().contains(a.user().name())) {
            return exempt("user");
        }
        NamespacePolicy.Parsed policy = policyOf(a.namespace());
        NamespacePolicy p = policy.policy();
        if (policy.errors().isEmpty() && p.audit().level() == Level.PRIVILEGED && p.warn().level() == Level.PRIVILEGED) {
            return Verdict.allowed();
        }
        JsonNode template = templateOf(a.object(), a.resource());
        if (!template.isObject()) {
            return Verdict.allowed();
        }
        return evaluate(a, policy, new PodView(template.path("metadata"), template.path("spec")), false);
    }

    private static JsonNode templateOf(ObjectNode obj, String resource) {
        return switch (resource) {
            case "podtemplates" -> obj.path("template");
            case "cronjobs" -> obj.path("spec").path("jobTemplate").path("spec").path("template");
            default -> obj.path("spec").path("template");
        };
    }

    private Verdict evaluate(AdmissionAttributes a, NamespacePolicy.Parsed parsed, PodView pod, boolean enforce) {
        String runtimeClass = pod.spec().path("runtimeClassName").asString("");
        if (!runtimeClass.isEmpty() && options.exemptRuntimeClasses().contains(runtimeClass)) {
            return exempt("runtimeClass");
        }
        NamespacePolicy policy = parsed.policy();
        Map<String, String> annotations = new LinkedHashMap<>();
        if (!parsed.errors().isEmpty()) {
            List<String> texts = new ArrayList<>();
            parsed.errors().forEach(c -> texts.add(c.describe()));
            annotations.put(NamespacePolicy.LABEL_PREFIX + "error", "Failed to parse policy: "
                    + String.join(", ", texts));
        }
        Map<LevelVersion, Evaluator.Violations> cache = new HashMap<>();
        // Each check runs once, however many of the three levels need it.
        Map<Check.Versioned, Optional<CheckResult>> checked = new IdentityHashMap<>();
        ApiException denial = null;
        if (enforce) {
            annotations.put(ENFORCED_POLICY, policy.enforce().toString());
            Evaluator.Violations v = cache.computeIfAbsent(policy.enforce(),
                    lv -> evaluator.evaluate(lv, pod, checked));
            if (!v.allowed()) {
                denial = ApiException.forbidden(a.resource(), a.group(), a.name(),
                        "violates PodSecurity \"" + policy.enforce() + "\": " + v.details());
            }
        }
        Evaluator.Violations audit = cache.computeIfAbsent(policy.audit(), lv -> evaluator.evaluate(lv, pod, checked));
        if (!audit.allowed()) {
            annotations.put(AUDIT_VIOLATIONS, "would violate PodSecurity \"" + policy.audit() + "\": "
                    + audit.details());
        }
        List<String> warnings = new ArrayList<>();
        if (denial == null) {
            Evaluator.Violations warn = cache.computeIfAbsent(policy.warn(),
                    lv -> evaluator.evaluate(lv, pod, checked));
            if (!warn.allowed()) {
                warnings.add("would violate PodSecurity \"" + policy.warn() + "\": " + warn.details());
            }
        }
        Verdict verdict = denial == null ? Verdict.allowed() : Verdict.denied(denial);
        return verdict.withWarnings(warnings).withAnnotations(annotations);
    }

    private Verdict validateNamespace(AdmissionAttributes a) {
        Map<String, String> labels = labels(a.object());
        NamespacePolicy.Parsed next = NamespacePolicy.fromLabels(labels, options.defaults());
        boolean exempt = options.exemptNamespaces().contains(a.name());
        if (a.operation() == Operation.CREATE) {
            if (!next.errors().isEmpty()) {
                return Verdict.denied(ApiException.invalid(a.kind(), a.group(), a.name(), next.errors()));
            }
            return exempt ? exemptNamespaceWarning(a.name(), labels) : Verdict.allowed();
        }
        NamespacePolicy.Parsed previous = NamespacePolicy.fromLabels(labels(a.oldObject()), options.defaults());
        if (!next.errors().isEmpty() && (previous.errors().isEmpty() || !previous.errors().equals(next.errors()))) {
            return Verdict.denied(ApiException.invalid(a.kind(), a.group(), a.name(), next.errors()));
        }
        LevelVersion newEnforce = next.policy().enforce();
        LevelVersion oldEnforce = previous.policy().enforce();
        if (newEnforce.equals(oldEnforce) || newEnforce.level() == Level.PRIVILEGED
                || (newEnforce.version().equals(oldEnforce.version())
                        && newEnforce.level().compareTo(oldEnforce.level()) < 1)) {
            return Verdict.allowed();
        }
        if (exempt) {
            return exemptNamespaceWarning(a.name(), labels);
        }
        return Verdict.allowed().withWarnings(checkExistingPods(a.name(), newEnforce));
    }

    /** Warnings for existing pods that the new enforce level would reject, grouped by reasons as Kubernetes does. */
    List<String> checkExistingPods(String namespace, LevelVersion enforce) {
        List<ObjectNode> pods = prioritize(objects.list("", "pods", namespace));
        int total = pods.size();
        if (pods.size() > MAX_PODS_TO_CHECK) {
            pods = pods.subList(0, MAX_PODS_TO_CHECK);
        }
        Map<String, String[]> byReason = new LinkedHashMap<>();
        for (ObjectNode pod : pods) {
            Evaluator.Violations v = evaluator.evaluate(enforce, new PodView(pod.path("metadata"), pod.path("spec")));
            if (v.allowed()) {
                continue;
            }
            String podName = pod.path("metadata").path("name").asString("");
            String[] seen = byReason.get(v.reasons());
            if (seen == null) {
                byReason.put(v.reasons(), new String[] {podName, "1"});
            } else {
                if (podName.compareTo(seen[0]) < 0) {
                    seen[0] = podName;
                }
                seen[1] = Integer.toString(Integer.parseInt(seen[1]) + 1);
            }
        }
        List<String> warnings = new ArrayList<>();
        if (pods.size() < total) {
            warnings.add("new PodSecurity enforce level only checked against the first " + pods.size() + " of "
                    + total + " existing pods");
        }
        if (!byReason.isEmpty()) {
            warnings.add("existing pods in namespace \"" + namespace + "\" violate the new PodSecurity enforce level \""
                    + enforce + "\"");
        }
        List<String> podWarnings = new ArrayList<>();
        byReason.forEach((reasons, seen) -> {
            int count = Integer.parseInt(seen[1]);
            String who = count == 1 ? seen[0] : count == 2 ? seen[0] + " (and 1 other pod)"
                    : seen[0] + " (and " + (count - 1) + " other pods)";
            podWarnings.add(who + ": " + reasons);
        });
        podWarnings.sort(Comparator.naturalOrder());
        warnings.addAll(podWarnings);
        return warnings;
    }

    /** One pod per controller first (replicas usually share a template), then the rest; exempt runtime classes out. */
    private List<ObjectNode> prioritize(List<ObjectNode> pods) {
        List<ObjectNode> first = new ArrayList<>();
        List<ObjectNode> rest = new ArrayList<>();
        Set<String> controllers = new HashSet<>();
        for (ObjectNode pod : pods) {
            String rc = pod.path("spec").path("runtimeClassName").asString("");
            if (!rc.isEmpty() && options.exemptRuntimeClasses().contains(rc)) {
                continue;
            }
            String controller = null;
            for (JsonNode ref : pod.path("metadata").path("ownerReferences")) {
                if (ref.path("controller").asBoolean(false)) {
                    controller = ref.path("uid").asString("");
                }
            }
            if (controller == null || controllers.add(controller)) {
                first.add(pod);
            } else {
                rest.add(pod);
            }
        }
        first.addAll(rest);
        return first;
    }

    private static Verdict exemptNamespaceWarning(String namespace, Map<String, String> labels) {
        List<String> parts = new ArrayList<>();
        for (String mode : List.of("enforce", "audit", "warn")) {
            String level = labels.get(NamespacePolicy.LABEL_PREFIX + mode);
            if (level != null && Level.parse(level) != Level.PRIVILEGED) {
                parts.add(mode + "=" + level);
            }
        }
        if (parts.isEmpty()) {
            return Verdict.allowed();
        }
        return Verdict.allowed().withWarnings(List.of("namespace \"" + namespace + "\" is exempt from Pod Security, "
                + "and the policy (" + String.join(", ", parts) + ") will be ignored"));
    }

    private static Verdict exempt(String why) {
        return Verdict.allowed().withAnnotations(Map.of(EXEMPT, why));
    }

    private NamespacePolicy.Parsed policyOf(String namespace) {
        Map<String, String> labels = objects.get("", "namespaces", null, namespace).map(PodSecurity::labels)
                .orElse(Map.of());
        return NamespacePolicy.fromLabels(labels, options.defaults());
    }

    static Map<String, String> labels(JsonNode obj) {
        Map<String, String> out = new TreeMap<>();
        if (obj != null) {
            obj.path("metadata").path("labels").properties().forEach(e -> out.put(e.getKey(), e.getValue().asString("")));
        }
        return out;
    }

    /** As Kubernetes: only a change of containers or their images can change a pod's compliance. */
    static boolean significantUpdate(ObjectNode pod, ObjectNode old) {
        for (String field : ContainerLists.REGULAR_AND_INIT) {
            JsonNode now = pod.path("spec").path(field);
            JsonNode before = old.path("spec").path(field);
            if (now.size() != before.size()) {
                return true;
            }
            for (int i = 0; i < now.size(); i++) {
                if (!now.get(i).path("image").equals(before.get(i).path("image"))) {
                    return true;
                }
            }
        }
        Map<String, JsonNode> oldEphemeral = new HashMap<>();
        for (JsonNode c : old.path("spec").path("ephemeralContainers")) {
            oldEphemeral.put(c.path("name").asString(""), c);
        }
        for (JsonNode c : pod.path("spec").path("ephemeralContainers")) {
            JsonNode before = oldEphemeral.get(c.path("name").asString(""));
            if (before == null || !before.path("image").equals(c.path("image"))) {
                return true;
            }
        }
        return false;
    }
}
