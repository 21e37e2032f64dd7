package io.kaji.support.assess;

import static io.kaji.support.assess.Severity.LOW;
import static io.kaji.support.assess.Severity.MEDIUM;

import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;

/** CIS 5.3 to 5.6: network policies, secrets, extensible admission and general policies. */
final class GeneralPolicyChecks {

    static final String NETWORK = "5.3 Network Policies and CNI";
    static final String SECRETS = "5.4 Secrets Management";
    static final String ADMISSION = "5.5 Extensible Admission Control";
    static final String GENERAL = "5.6 General Policies";

    private GeneralPolicyChecks() {
    }

    static List<Check> all() {
        List<Check> out = new ArrayList<>();
        out.add(Check.builder("5.3.1", "Ensure that the CNI in use supports NetworkPolicies")
                .section(NETWORK).severity(MEDIUM)
                .remediation("Use a network plugin that enforces NetworkPolicy; without one, policies are "
                        + "accepted by the API and silently ignored.")
                .evaluate(ctx -> List.of(ctx.kajiCluster()
                        ? Finding.pass(ObjectRef.CLUSTER, "Kaji enforces NetworkPolicy on every node (kaji-netpol, "
                        + "iptables)", "server version " + ctx.serverVersion())
                        : Finding.manual(ObjectRef.CLUSTER, "Does the cluster's network plugin enforce NetworkPolicy "
                        + "(ingress and egress)? Check the CNI's documentation; a deny-all policy in a test "
                        + "namespace must block traffic."))));
        out.add(Check.builder("5.3.2", "Ensure that all Namespaces have NetworkPolicies defined")
                .section(NETWORK).severity(MEDIUM)
                .needs(ResourceKind.NAMESPACES, ResourceKind.NETWORK_POLICIES, ResourceKind.PODS)
                .remediation("Add a default-deny NetworkPolicy to each namespace, then policies that allow the "
                        + "traffic the workloads need.")
                .evaluate(GeneralPolicyChecks::networkPolicies));
        out.add(Check.builder("5.4.1", "Prefer using Secrets as files over Secrets as environment variables")
                .section(SECRETS).severity(MEDIUM).needs(ResourceKind.WORKLOADS)
                .remediation("Mount the secret as a volume and read it from the file; environment variables leak "
                        + "into logs, crash dumps and child processes.")
                .evaluate(ctx -> PerObject.containers(ctx, GeneralPolicyChecks::secretEnv)));
        out.add(Check.builder("5.4.2", "Consider external secret storage").section(SECRETS).severity(LOW).manual()
                .remediation("Keep secrets in an external secret manager (Vault, a cloud KMS/secret store) and sync "
                        + "or inject them, with auditing and rotation there.")
                .evaluate(ctx -> List.of(Finding.manual(ObjectRef.CLUSTER, "Are secrets held in an external "
                        + "secret store with rotation and audit (e.g. Vault, a cloud secret manager via the Secrets "
                        + "Store CSI driver or External Secrets), rather than only as Kubernetes Secrets?"))));
        out.add(Check.builder("5.5.1", "Configure Image Provenance using ImagePolicyWebhook admission controller")
                .section(ADMISSION).severity(LOW).manual()
                .remediation("Enforce image provenance at admission: an ImagePolicyWebhook, or a validating "
                        + "webhook that verifies signatures (Sigstore policy-controller, Kyverno verifyImages).")
                .evaluate(ctx -> List.of(Finding.manual(ObjectRef.CLUSTER, (ctx.kajiCluster()
                        ? "Kaji has no ImagePolicyWebhook admission plugin. " : "")
                        + "Is image provenance enforced at admission (only signed images from trusted registries)? "
                        + "Check for an ImagePolicyWebhook configuration or a signature-verifying validating "
                        + "webhook."))));
        out.add(Check.builder("5.6.1", "Create administrative boundaries between resources using namespaces")
                .section(GENERAL).severity(LOW).manual()
                .remediation("Put each team or application in its own namespace, with its own RBAC, quotas and "
                        + "network policies.")
                // A question needs no list: when namespaces cannot be listed the count is left out, not the question.
                .evaluate(ctx -> List.of(Finding.manual(ObjectRef.CLUSTER, "Do namespaces separate teams and "
                        + "applications, each with its own RBAC bindings, resource quotas and network policies?"
                        + (ctx.cluster().failure(ResourceKind.NAMESPACES).isPresent() ? ""
                        : " (The cluster has " + ctx.cluster().namespaces().size() + " namespaces.)")))));
        out.add(Check.builder("5.6.2", "Ensure that the seccomp profile is set to docker/default in your Pod definitions")
                .section(GENERAL).severity(MEDIUM).needs(ResourceKind.WORKLOADS)
                .remediation("Set securityContext.seccompProfile.type: RuntimeDefault in the pod spec.")
                .evaluate(ctx -> PerObject.containers(ctx, GeneralPolicyChecks::seccomp)));
        out.add(Check.builder("5.6.3", "Apply SecurityContext to your Pods and Containers")
                .section(GENERAL).severity(LOW).needs(ResourceKind.WORKLOADS)
                .remediation("Give every pod and container a securityContext: runAsNonRoot, "
                        + "allowPrivilegeEscalation: false, capabilities.drop: [ALL], seccompProfile RuntimeDefault.")
                .evaluate(ctx -> PerObject.containers(ctx, (w, c) ->
                        w.spec().getSecurityContext() == null && c.securityContext() == null
                                ? PerObject.container(Status.FAIL, w, c, "has no security context, neither on "
                                + "the pod nor on the container", c.path() + ".securityContext=<unset>") : null)));
        out.add(Check.builder("5.6.4", "The default namespace should not be used")
                .section(GENERAL).severity(LOW)
                .needs(EnumSet.copyOf(ResourceKind.WORKLOADS)).needs(ResourceKind.SERVICES)
                .remediation("Move the workload to a namespace of its own; keep default empty (except the "
                        + "kubernetes Service).")
                .evaluate(GeneralPolicyChecks::defaultNamespace));
        return out;
    }

    private static List<Finding> networkPolicies(AssessmentContext ctx) {
        Set<String> covered = new HashSet<>();
        for (NetworkPolicy p : ctx.cluster().networkPolicies()) {
            covered.add(p.getMetadata().getNamespace());
        }
        Set<String> withPods = new HashSet<>();
        for (Pod p : ctx.cluster().pods()) {
            withPods.add(p.getMetadata().getNamespace());
        }
        List<Finding> out = new ArrayList<>();
        for (Namespace ns : ctx.cluster().namespaces()) {
            String name = ns.getMetadata().getName();
            if (covered.contains(name)) {
                continue;
            }
            ObjectRef ref = new ObjectRef("Namespace", null, name);
            String evidence = "networkpolicies in namespace " + name + ": 0";
            out.add(withPods.contains(name)
                    ? Finding.fail(ref, null, "has running pods and no NetworkPolicy: all traffic is allowed",
                    evidence)
                    : Finding.warn(ref, null, "has no NetworkPolicy (no pods run here yet)", evidence));
        }
        return out;
    }

    private static Finding secretEnv(Workload w, ContainerView c) {
        List<String> refs = new ArrayList<>();
        for (EnvVar e : c.env()) {
            if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
                refs.add(c.path() + ".env[" + e.getName() + "].valueFrom.secretKeyRef.name="
                        + e.getValueFrom().getSecretKeyRef().getName());
            }
        }
        for (EnvFromSource e : c.envFrom()) {
            if (e.getSecretRef() != null) {
                refs.add(c.path() + ".envFrom[].secretRef.name=" + e.getSecretRef().getName());
            }
        }
        return refs.isEmpty() ? null : PerObject.container(Status.FAIL, w, c,
                "reads a secret through environment variables", String.join("; ", refs));
    }

    private static Finding seccomp(Workload w, ContainerView c) {
        String type = SecurityFields.seccompType(w, c);
        String legacy = w.podAnnotations().get("seccomp.security.alpha.kubernetes.io/pod");
        if (type == null && legacy != null && !legacy.equals("unconfined")) {
            return null;
        }
        if ("Unconfined".equals(type)) {
            return PerObject.container(Status.FAIL, w, c, "runs without seccomp filtering",
                    SecurityFields.seccompPath(w, c) + "=Unconfined");
        }
        if (type == null) {
            return PerObject.container(Status.WARN, w, c, "sets no seccomp profile: it runs unconfined unless the "
                    + "node defaults to RuntimeDefault", w.specPath() + ".securityContext.seccompProfile=<unset>");
        }
        return null;
    }

    private static List<Finding> defaultNamespace(AssessmentContext ctx) {
        List<Finding> out = new ArrayList<>(PerObject.workloads(ctx, w -> "default".equals(w.namespace())
                ? List.of(Finding.fail(w.ref(), null, "runs in the default namespace",
                "metadata.namespace=default")) : List.of()));
        TreeMap<String, Service> services = new TreeMap<>();
        for (Service s : ctx.cluster().services()) {
            if ("default".equals(s.getMetadata().getNamespace()) && !"kubernetes".equals(s.getMetadata().getName())) {
                services.put(s.getMetadata().getName(), s);
            }
        }
        for (Service s : services.values()) {
            out.add(Finding.fail(ObjectRef.of(s), null, "is defined in the default namespace",
                    "metadata.namespace=default"));
        }
        return out;
    }
}
