package io.kaji.support.assess;

import static io.kaji.support.assess.Severity.CRITICAL;
import static io.kaji.support.assess.Severity.HIGH;
import static io.kaji.support.assess.Severity.LOW;
import static io.kaji.support.assess.Severity.MEDIUM;

import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.WindowsSecurityContextOptions;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.RuleWithOperations;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * CIS 5.2: the pod-level controls, judged on every workload's pod spec (see {@link Workloads}), and whether a
 * policy control mechanism admits pods at all.
 */
final class PodSecurityChecks {

    static final String SECTION = "5.2 Pod Security Standards";
    static final String ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";

    /** Namespaces Kubernetes creates for itself; they need privileged pods or hold none. */
    static final Set<String> SYSTEM_NAMESPACES = Set.of("kube-system", "kube-public", "kube-node-lease");

    private PodSecurityChecks() {
    }

    static List<Check> all() {
        Set<ResourceKind> workloads = ResourceKind.WORKLOADS;
        List<Check> out = new ArrayList<>();
        out.add(Check.builder("5.2.1", "Ensure that the cluster has at least one active policy control mechanism in place")
                .section(SECTION).severity(MEDIUM).needs(ResourceKind.NAMESPACES, ResourceKind.VALIDATING_WEBHOOKS)
                .remediation("Label each namespace with pod-security.kubernetes.io/enforce=baseline (or restricted) "
                        + "so Pod Security admission rejects non-compliant pods, or run a policy engine webhook.")
                .evaluate(PodSecurityChecks::policyControl));
        out.add(containerCheck("5.2.2", "Minimize the admission of privileged containers", CRITICAL,
                "Remove securityContext.privileged: true; grant only the specific capabilities the container needs.",
                (w, c) -> SecurityFields.isTrue(c.sc().getPrivileged())
                        ? PerObject.container(Status.FAIL, w, c, "runs privileged (all capabilities, all devices)",
                        c.path() + ".securityContext.privileged=true") : null));
        out.add(podCheck("5.2.3", "Minimize the admission of containers wishing to share the host process ID namespace",
                HIGH, "Remove hostPID: true from the pod spec.", "hostPID",
                w -> SecurityFields.isTrue(w.spec().getHostPID())));
        out.add(podCheck("5.2.4", "Minimize the admission of containers wishing to share the host IPC namespace",
                HIGH, "Remove hostIPC: true from the pod spec.", "hostIPC",
                w -> SecurityFields.isTrue(w.spec().getHostIPC())));
        out.add(podCheck("5.2.5", "Minimize the admission of containers wishing to share the host network namespace",
                HIGH, "Remove hostNetwork: true from the pod spec; expose the workload through a Service.",
                "hostNetwork", w -> SecurityFields.isTrue(w.spec().getHostNetwork())));
        out.add(containerCheck("5.2.6", "Minimize the admission of containers with allowPrivilegeEscalation", MEDIUM,
                "Set securityContext.allowPrivilegeEscalation: false on every container.",
                PodSecurityChecks::privilegeEscalation));
        out.add(containerCheck("5.2.7", "Minimize the admission of root containers", MEDIUM,
                "Set securityContext.runAsNonRoot: true and a non-zero runAsUser, and build images that run as a "
                        + "non-root user.",
                PodSecurityChecks::root));
        out.add(containerCheck("5.2.8", "Minimize the admission of containers with the NET_RAW capability", LOW,
                "Drop NET_RAW (or ALL) in securityContext.capabilities.drop; NET_RAW allows crafting packets, e.g. "
                        + "spoofing on the pod network.",
                PodSecurityChecks::netRaw));
        out.add(containerCheck("5.2.9", "Minimize the admission of containers with capabilities assigned", MEDIUM,
                "Set securityContext.capabilities.drop: [ALL] and add back only what the container needs "
                        + "(NET_BIND_SERVICE at most).",
                PodSecurityChecks::capabilities));
        out.add(Check.builder("5.2.10", "Minimize the admission of Windows HostProcess containers")
                .section(SECTION).severity(HIGH).needs(workloads)
                .remediation("Remove windowsOptions.hostProcess: true; HostProcess containers have the node's "
                        + "full access.")
                .evaluate(PodSecurityChecks::hostProcess));
        out.add(Check.builder("5.2.11", "Minimize the admission of HostPath volumes")
                .section(SECTION).severity(HIGH).needs(workloads)
                .remediation("Replace hostPath volumes with persistent volume claims, configMaps, secrets or "
                        + "emptyDir.")
                .evaluate(ctx -> PerObject.workloads(ctx, w -> {
                    List<Finding> out2 = new ArrayList<>();
                    for (Volume v : Workload.nonNull(w.spec().getVolumes())) {
                        if (v.getHostPath() != null) {
                            out2.add(Finding.fail(w.ref(), "volume " + v.getName(), "mounts the node's "
                                            + v.getHostPath().getPath() + " (hostPath volume " + v.getName() + ")",
                                    w.specPath() + ".volumes[" + v.getName() + "].hostPath.path="
                                            + v.getHostPath().getPath()));
                        }
                    }
                    return out2;
                })));
        out.add(containerCheck("5.2.12", "Minimize the admission of containers which use HostPorts", MEDIUM,
                "Remove hostPort from container ports; expose the workload through a Service (NodePort or "
                        + "LoadBalancer) instead.",
                (w, c) -> {
                    for (ContainerPort p : c.ports()) {
                        if (p.getHostPort() != null && p.getHostPort() != 0) {
                            return PerObject.container(Status.FAIL, w, c, "binds host port " + p.getHostPort(),
                                    c.path() + ".ports[" + p.getContainerPort() + "].hostPort=" + p.getHostPort());
                        }
                    }
                    return null;
                }));
        return out;
    }

    private static Check containerCheck(String id, String title, Severity severity, String remediation,
                                        java.util.function.BiFunction<Workload, ContainerView, Finding> decide) {
        return Check.builder(id, title).section(SECTION).severity(severity).needs(ResourceKind.WORKLOADS)
                .remediation(remediation).evaluate(ctx -> PerObject.containers(ctx, decide));
    }

    private static Check podCheck(String id, String title, Severity severity, String remediation, String field,
                                  java.util.function.Predicate<Workload> violates) {
        return Check.builder(id, title).section(SECTION).severity(severity).needs(ResourceKind.WORKLOADS)
                .remediation(remediation)
                .evaluate(ctx -> PerObject.workloads(ctx, w -> violates.test(w)
                        ? List.of(Finding.fail(w.ref(), null, "sets " + field + ": true",
                        w.specPath() + "." + field + "=true"))
                        : List.of()));
    }

    private static List<Finding> policyControl(AssessmentContext ctx) {
        List<String> engines = new ArrayList<>();
        for (ValidatingWebhookConfiguration c : ctx.cluster().validatingWebhooks()) {
            for (ValidatingWebhook h : Workload.nonNull(c.getWebhooks())) {
                for (RuleWithOperations r : Workload.nonNull(h.getRules())) {
                    List<String> res = Workload.nonNull(r.getResources());
                    if (res.contains("pods") || res.contains("*")) {
                        engines.add(c.getMetadata().getName());
                    }
                }
            }
        }
        List<Finding> out = new ArrayList<>();
        String kajiDefault = kajiDefaultEnforce(ctx);
        for (Namespace ns : ctx.cluster().namespaces()) {
            String name = ns.getMetadata().getName();
            if (SYSTEM_NAMESPACES.contains(name)) {
                continue;
            }
            Map<String, String> labels = ns.getMetadata().getLabels() == null ? Map.of() : ns.getMetadata().getLabels();
            String level = labels.get(ENFORCE_LABEL);
            ObjectRef ref = new ObjectRef("Namespace", null, name);
            String evidence = "metadata.labels[" + ENFORCE_LABEL + "]=" + (level == null ? "<unset>" : level);
            if (level != null && !level.equals("privileged")) {
                continue;
            }
            if (level == null && kajiDefault != null) {
                if (kajiDefault.equals("?")) {
                    out.add(Finding.manual(ref, "Does the PodSecurityConfiguration in the kaji server's "
                            + "--admission-control-config-file enforce baseline or restricted by default?"));
                    continue;
                }
                if (!kajiDefault.startsWith("privileged")) {
                    out.add(Finding.pass(ref, "Kaji's Pod Security admission enforces " + kajiDefault
                            + " on namespaces without labels", evidence + "; kaji server --pod-security-default "
                            + "enforce=" + kajiDefault));
                    continue;
                }
            }
            if (!engines.isEmpty()) {
                out.add(Finding.pass(ref, "no Pod Security level enforced, but admission webhooks validate pods: "
                        + String.join(", ", engines.stream().distinct().toList()), evidence));
            } else {
                out.add(Finding.fail(ref, null, level == null
                        ? "no policy admits pods here: no Pod Security level is enforced and no webhook validates pods"
                        : "Pod Security level privileged is enforced, which admits any pod", evidence));
            }
        }
        return out;
    }

    /**
     * The Pod Security level a Kaji server enforces on namespaces without labels (its --pod-security-default, by
     * default baseline), "?" when an admission configuration file decides it, or null when this is not a Kaji
     * server assessed on its node (or PodSecurity admission is disabled there).
     */
    static String kajiDefaultEnforce(AssessmentContext ctx) {
        if (ctx.host() == null || !ctx.host().present() || !ctx.kajiCluster()) {
            return null;
        }
        String disabled = ctx.host().flag("disable-admission-plugins").orElse("");
        if (List.of(disabled.split(",")).contains("PodSecurity")) {
            return null;
        }
        String modes = ctx.host().flag("pod-security-default").orElse(null);
        if (modes == null) {
            return ctx.host().flag("admission-control-config-file").isPresent() ? "?" : "baseline";
        }
        for (String mode : modes.split(",")) {
            String m = mode.trim();
            if (m.startsWith("enforce=")) {
                return m.substring("enforce=".length());
            }
        }
        return "privileged"; // modes left out are privileged
    }

    private static Finding privilegeEscalation(Workload w, ContainerView c) {
        Boolean allow = c.sc().getAllowPrivilegeEscalation();
        String evidence = c.path() + ".securityContext.allowPrivilegeEscalation=" + RbacChecks.unset(allow);
        if (Boolean.TRUE.equals(allow) || SecurityFields.isTrue(c.sc().getPrivileged())) {
            return PerObject.container(Status.FAIL, w, c, "allows privilege escalation (setuid binaries, "
                    + "no_new_privs off)", SecurityFields.isTrue(c.sc().getPrivileged()) && allow == null
                    ? c.path() + ".securityContext.privileged=true" : evidence);
        }
        if (allow == null) {
            return PerObject.container(Status.WARN, w, c, "does not set allowPrivilegeEscalation: false (the "
                    + "default allows it)", evidence);
        }
        return null;
    }

    private static Finding root(Workload w, ContainerView c) {
        Boolean nonRoot = SecurityFields.runAsNonRoot(w, c);
        Long user = SecurityFields.runAsUser(w, c);
        if (user != null && user == 0) {
            return PerObject.container(Status.FAIL, w, c, "runs as root (uid 0)",
                    (c.sc().getRunAsUser() != null ? c.path() : w.specPath()) + ".securityContext.runAsUser=0");
        }
        if (user == null && !Boolean.TRUE.equals(nonRoot)) {
            return PerObject.container(Status.WARN, w, c, "may run as root: neither runAsNonRoot: true nor a "
                    + "non-zero runAsUser is set, so the image decides", c.path()
                    + ".securityContext.runAsNonRoot=" + RbacChecks.unset(nonRoot) + ", runAsUser=<unset>");
        }
        return null;
    }

    private static Finding netRaw(Workload w, ContainerView c) {
        List<String> added = SecurityFields.added(c);
        List<String> dropped = SecurityFields.dropped(c);
        if (added.contains("NET_RAW") || added.contains("ALL")) {
            return PerObject.container(Status.FAIL, w, c, "adds the NET_RAW capability",
                    c.path() + ".securityContext.capabilities.add=" + added);
        }
        if (!dropped.contains("NET_RAW") && !dropped.contains("ALL")
                && !SecurityFields.isTrue(c.sc().getPrivileged())) {
            return PerObject.container(Status.WARN, w, c, "keeps NET_RAW from the runtime's default set",
                    c.path() + ".securityContext.capabilities.drop=" + dropped);
        }
        return null;
    }

    private static Finding capabilities(Workload w, ContainerView c) {
        List<String> added = SecurityFields.added(c);
        if (!added.isEmpty()) {
            return PerObject.container(Status.FAIL, w, c, "adds capabilities " + String.join(", ", added),
                    c.path() + ".securityContext.capabilities.add=" + added);
        }
        if (!SecurityFields.dropped(c).contains("ALL")) {
            return PerObject.container(Status.WARN, w, c, "does not drop ALL capabilities; it keeps the "
                    + "runtime's default set", c.path() + ".securityContext.capabilities.drop="
                    + SecurityFields.dropped(c));
        }
        return null;
    }

    private static List<Finding> hostProcess(AssessmentContext ctx) {
        return PerObject.workloads(ctx, w -> {
            List<Finding> out = new ArrayList<>();
            WindowsSecurityContextOptions pod = SecurityFields.pod(w).getWindowsOptions();
            if (pod != null && SecurityFields.isTrue(pod.getHostProcess())) {
                out.add(Finding.fail(w.ref(), null, "runs as a Windows HostProcess pod",
                        w.specPath() + ".securityContext.windowsOptions.hostProcess=true"));
            }
            for (ContainerView c : w.containers()) {
                WindowsSecurityContextOptions o = c.sc().getWindowsOptions();
                if (o != null && SecurityFields.isTrue(o.getHostProcess())) {
                    out.add(PerObject.container(Status.FAIL, w, c, "runs as a Windows HostProcess container",
                            c.path() + ".securityContext.windowsOptions.hostProcess=true"));
                }
            }
            return out;
        });
    }
}
