package io.kaji.support.assess;

import static io.kaji.support.assess.Severity.HIGH;
import static io.kaji.support.assess.Severity.LOW;
import static io.kaji.support.assess.Severity.MEDIUM;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** CIS 5.1: RBAC and service accounts, decided from roles, bindings, service accounts and pod specs. */
final class RbacChecks {

    static final String SECTION = "5.1 RBAC and Service Accounts";

    private RbacChecks() {
    }

    static List<Check> all() {
        List<Check> out = new ArrayList<>();
        out.add(Check.builder("5.1.1", "Ensure that the cluster-admin role is only used where required")
                .section(SECTION).severity(HIGH).needs(ResourceKind.RBAC)
                .remediation("Bind a role with only the permissions the subject needs, then delete the binding to "
                        + "cluster-admin (kubectl delete clusterrolebinding NAME).")
                .evaluate(RbacChecks::clusterAdmin));
        out.add(permission("5.1.2", "Minimize access to secrets", HIGH, "", "secrets",
                "Remove get, list and watch on secrets from roles bound to users and workloads that do not need "
                        + "them; grant access to named secrets (resourceNames) where possible.",
                "get", "list", "watch"));
        out.add(Check.builder("5.1.3", "Minimize wildcard use in Roles and ClusterRoles")
                .section(SECTION).severity(MEDIUM).needs(ResourceKind.ROLES, ResourceKind.CLUSTER_ROLES)
                .remediation("Replace \"*\" in verbs, resources and apiGroups with the specific verbs, resources and "
                        + "groups the role needs.")
                .evaluate(RbacChecks::wildcards));
        out.add(permission("5.1.4", "Minimize access to create pods", MEDIUM, "", "pods",
                "Remove create on pods from roles bound to subjects that do not schedule pods themselves; creating "
                        + "a pod can mount any secret and service account of its namespace.",
                "create"));
        out.add(Check.builder("5.1.5", "Ensure that default service accounts are not actively used")
                .section(SECTION).severity(MEDIUM)
                .needs(EnumSet.of(ResourceKind.SERVICE_ACCOUNTS, ResourceKind.ROLES, ResourceKind.ROLE_BINDINGS,
                        ResourceKind.CLUSTER_ROLES, ResourceKind.CLUSTER_ROLE_BINDINGS))
                .remediation("Set automountServiceAccountToken: false on each namespace's default service account, "
                        + "create a dedicated service account for workloads that call the API, and bind roles to "
                        + "that account instead of default.")
                .evaluate(RbacChecks::defaultServiceAccounts));
        out.add(Check.builder("5.1.6", "Ensure that Service Account Tokens are only mounted where necessary")
                .section(SECTION).severity(LOW)
                .needs(EnumSet.copyOf(ResourceKind.WORKLOADS)).needs(ResourceKind.SERVICE_ACCOUNTS)
                .remediation("Set automountServiceAccountToken: false in the pod spec (or on its service account) of "
                        + "workloads that do not call the Kubernetes API.")
                .evaluate(RbacChecks::tokenMounts));
        out.add(Check.builder("5.1.7", "Avoid use of system:masters group")
                .section(SECTION).severity(HIGH)
                .needs(ResourceKind.CLUSTER_ROLE_BINDINGS, ResourceKind.ROLE_BINDINGS)
                .remediation("Remove system:masters from bindings and do not issue client certificates with "
                        + "O=system:masters; its members bypass authorization and cannot be revoked by RBAC.")
                .evaluate(RbacChecks::systemMasters));
        out.add(Check.builder("5.1.8",
                        "Limit use of the Bind, Impersonate and Escalate permissions in the Kubernetes cluster")
                .section(SECTION).severity(HIGH).needs(ResourceKind.RBAC)
                .remediation("Remove bind and escalate on roles/clusterroles and impersonate on users, groups and "
                        + "service accounts from every role not used by a cluster administrator.")
                .evaluate(RbacChecks::bindEscalateImpersonate));
        out.add(permission("5.1.9", "Minimize access to create persistent volumes", MEDIUM, "",
                "persistentvolumes",
                "Remove create on persistentvolumes; a user who creates a hostPath persistent volume reaches the "
                        + "node's file system. Let storage classes provision volumes instead.",
                "create"));
        out.add(permission("5.1.10", "Minimize access to the proxy sub-resource of nodes", HIGH, "", "nodes/proxy",
                "Remove access to nodes/proxy; it reaches the node agent's API directly, bypassing admission and "
                        + "audit of the API server.",
                "get", "create", "update", "patch", "delete"));
        out.add(permission("5.1.11",
                "Minimize access to the approval sub-resource of certificatesigningrequests objects", HIGH,
                "certificates.k8s.io", "certificatesigningrequests/approval",
                "Remove update/patch on certificatesigningrequests/approval; an approver can issue itself a client "
                        + "certificate for any identity.",
                "update", "patch"));
        out.add(Check.builder("5.1.12", "Minimize access to webhook configuration objects")
                .section(SECTION).severity(HIGH).needs(ResourceKind.RBAC)
                .remediation("Remove create, update, patch and delete on validating/mutating webhook configurations "
                        + "from roles not used by cluster administrators; a webhook sees and can change every "
                        + "object it matches.")
                .evaluate(RbacChecks::webhookConfigurations));
        out.add(permission("5.1.13", "Minimize access to the service account token creation", HIGH, "",
                "serviceaccounts/token",
                "Remove create on serviceaccounts/token; it mints tokens for any service account of the "
                        + "namespace (or cluster) it applies to.",
                "create"));
        return out;
    }

    /** A check that fails every binding granting one of {@code verbs} on {@code resource} to a non-system subject. */
    private static Check permission(String id, String title, Severity severity, String group, String resource,
                                    String remediation, String... verbs) {
        return Check.builder(id, title).section(SECTION).severity(severity).needs(ResourceKind.RBAC)
                .remediation(remediation)
                .evaluate(ctx -> grantsOf(ctx, group, resource, verbs));
    }

    private static List<Finding> grantsOf(AssessmentContext ctx, String group, String resource, String... verbs) {
        List<Finding> out = new ArrayList<>();
        for (Rbac.Grant g : Rbac.grants(ctx.cluster())) {
            Optional<PolicyRule> rule = Rbac.allowing(g.rules(), group, resource, verbs);
            rule.ifPresent(r -> out.add(Finding.fail(g.ref(), Rbac.describe(r),
                    g.role() + " grants " + allowedVerbs(r, verbs) + " on " + resource + " to " + g.subjectList(),
                    "roleRef=" + g.role() + " rule: " + Rbac.describe(r))));
        }
        return out;
    }

    private static String allowedVerbs(PolicyRule r, String... verbs) {
        List<String> allowed = new ArrayList<>();
        for (String v : verbs) {
            if (r.getVerbs() != null && (r.getVerbs().contains("*") || r.getVerbs().contains(v))) {
                allowed.add(v);
            }
        }
        return String.join(",", allowed);
    }

    private static List<Finding> clusterAdmin(AssessmentContext ctx) {
        List<Finding> out = new ArrayList<>();
        for (Rbac.Grant g : Rbac.grants(ctx.cluster())) {
            if (g.role().equals("ClusterRole/cluster-admin")) {
                out.add(Finding.fail(g.ref(), null, "binds cluster-admin to " + g.subjectList(),
                        "roleRef=ClusterRole/cluster-admin subjects=[" + g.subjectList() + "]"));
            }
        }
        return out;
    }

    private static List<Finding> wildcards(AssessmentContext ctx) {
        List<Finding> out = new ArrayList<>();
        List<HasMetadata> roles = new ArrayList<>(ctx.cluster().roles());
        roles.addAll(ctx.cluster().clusterRoles());
        for (HasMetadata role : roles) {
            if (Rbac.platformRole(role)) {
                continue;
            }
            List<PolicyRule> rules = role instanceof io.fabric8.kubernetes.api.model.rbac.Role r ? r.getRules()
                    : ((io.fabric8.kubernetes.api.model.rbac.ClusterRole) role).getRules();
            for (PolicyRule rule : rules == null ? List.<PolicyRule>of() : rules) {
                List<String> where = new ArrayList<>();
                if (contains(rule.getVerbs())) {
                    where.add("verbs");
                }
                if (contains(rule.getResources())) {
                    where.add("resources");
                }
                if (contains(rule.getApiGroups())) {
                    where.add("apiGroups");
                }
                if (!where.isEmpty()) {
                    out.add(Finding.fail(ObjectRef.of(role), Rbac.describe(rule),
                            "rule uses \"*\" in " + String.join(", ", where), "rules[]: " + Rbac.describe(rule)));
                }
            }
        }
        return out;
    }

    private static boolean contains(List<String> values) {
        return values != null && values.contains("*");
    }

    private static List<Finding> defaultServiceAccounts(AssessmentContext ctx) {
        List<Finding> out = new ArrayList<>();
        for (ServiceAccount sa : ctx.cluster().serviceAccounts()) {
            if ("default".equals(sa.getMetadata().getName())
                    && !Boolean.FALSE.equals(sa.getAutomountServiceAccountToken())) {
                out.add(Finding.fail(ObjectRef.of(sa), null,
                        "the default service account mounts its token into every pod that does not opt out",
                        "automountServiceAccountToken=" + unset(sa.getAutomountServiceAccountToken())));
            }
        }
        for (Rbac.Grant g : Rbac.grants(ctx.cluster())) {
            for (Subject s : g.subjects()) {
                if ("ServiceAccount".equals(s.getKind()) && "default".equals(s.getName())) {
                    out.add(Finding.fail(g.ref(), null, "grants " + g.role() + " to the default service account "
                            + s.getNamespace() + "/default, which every pod of the namespace runs as by default",
                            "subjects[]=ServiceAccount " + s.getNamespace() + "/default roleRef=" + g.role()));
                }
            }
        }
        return out;
    }

    private static List<Finding> tokenMounts(AssessmentContext ctx) {
        Map<String, Boolean> saAutomount = new HashMap<>();
        for (ServiceAccount sa : ctx.cluster().serviceAccounts()) {
            saAutomount.put(sa.getMetadata().getNamespace() + "/" + sa.getMetadata().getName(),
                    sa.getAutomountServiceAccountToken());
        }
        return PerObject.workloads(ctx, w -> {
            String sa = w.spec().getServiceAccountName() == null || w.spec().getServiceAccountName().isEmpty()
                    ? "default" : w.spec().getServiceAccountName();
            Boolean pod = w.spec().getAutomountServiceAccountToken();
            Boolean account = saAutomount.get(w.namespace() + "/" + sa);
            boolean mounted = pod != null ? pod : account == null || account;
            if (!mounted) {
                return List.of();
            }
            String evidence = w.specPath() + ".automountServiceAccountToken=" + unset(pod)
                    + ", ServiceAccount " + sa + " automountServiceAccountToken=" + unset(account);
            if (sa.equals("default")) {
                return List.of(Finding.fail(w.ref(), null,
                        "mounts a token of the default service account, which no workload should need", evidence));
            }
            return List.of(Finding.warn(w.ref(), null, "mounts a token of service account " + sa
                    + "; make sure the workload calls the API", evidence));
        });
    }

    private static List<Finding> systemMasters(AssessmentContext ctx) {
        List<Finding> out = new ArrayList<>();
        List<HasMetadata> bindings = new ArrayList<>(ctx.cluster().clusterRoleBindings());
        bindings.addAll(ctx.cluster().roleBindings());
        for (HasMetadata b : bindings) {
            if (Rbac.bootstrap(b)) {
                continue;
            }
            List<Subject> subjects = b instanceof ClusterRoleBinding crb ? crb.getSubjects()
                    : ((RoleBinding) b).getSubjects();
            for (Subject s : subjects == null ? List.<Subject>of() : subjects) {
                if ("Group".equals(s.getKind()) && "system:masters".equals(s.getName())) {
                    out.add(Finding.fail(ObjectRef.of(b), null, "binds the group system:masters",
                            "subjects[]=Group system:masters"));
                }
            }
        }
        return out;
    }

    private static List<Finding> bindEscalateImpersonate(AssessmentContext ctx) {
        List<Finding> out = new ArrayList<>();
        String rbac = "rbac.authorization.k8s.io";
        for (Rbac.Grant g : Rbac.grants(ctx.cluster())) {
            for (String[] target : new String[][] {{rbac, "roles", "bind"}, {rbac, "clusterroles", "bind"},
                    {rbac, "roles", "escalate"}, {rbac, "clusterroles", "escalate"}, {"", "users", "impersonate"},
                    {"", "groups", "impersonate"}, {"", "serviceaccounts", "impersonate"}}) {
                Optional<PolicyRule> rule = Rbac.allowing(g.rules(), target[0], target[1], target[2]);
                if (rule.isPresent()) {
                    out.add(Finding.fail(g.ref(), Rbac.describe(rule.get()), g.role() + " grants " + target[2]
                                    + " on " + target[1] + " to " + g.subjectList(),
                            "roleRef=" + g.role() + " rule: " + Rbac.describe(rule.get())));
                    break;
                }
            }
        }
        return out;
    }

    private static List<Finding> webhookConfigurations(AssessmentContext ctx) {
        List<Finding> out = new ArrayList<>();
        String group = "admissionregistration.k8s.io";
        for (Rbac.Grant g : Rbac.grants(ctx.cluster())) {
            for (String resource : List.of("validatingwebhookconfigurations", "mutatingwebhookconfigurations")) {
                Optional<PolicyRule> rule = Rbac.allowing(g.rules(), group, resource,
                        "create", "update", "patch", "delete");
                if (rule.isPresent()) {
                    out.add(Finding.fail(g.ref(), Rbac.describe(rule.get()), g.role() + " grants "
                                    + allowedVerbs(rule.get(), "create", "update", "patch", "delete") + " on "
                                    + resource + " to " + g.subjectList(),
                            "roleRef=" + g.role() + " rule: " + Rbac.describe(rule.get())));
                    break;
                }
            }
        }
        return out;
    }

    static String unset(Object value) {
        return value == null ? "<unset>" : value.toString();
    }
}
