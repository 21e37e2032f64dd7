package io.kaji.apiserver.auth.rbac;

import io.kaji.apiserver.serialization.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The default ClusterRoles and ClusterRoleBindings every cluster starts with: Kubernetes' bootstrap policy
 * (cluster-admin, the aggregated admin/edit/view roles and their {@code system:aggregate-to-*} parts, discovery,
 * basic-user, public-info-viewer, monitoring, node, node-proxier, kube-scheduler, kube-controller-manager,
 * node-bootstrapper, kube-dns, auth-delegator, service-account-issuer-discovery), plus Kaji's own: the group
 * {@code kaji:cluster-admins} (the admin kubeconfig's) bound to cluster-admin, what Kaji's controllers, scheduler
 * and node agents' network services actually do ({@code kaji:controller-manager}, {@code kaji:scheduler},
 * {@code kaji:node-services}); the rest of what nodes may do is the Node authorizer's. Every object carries the label
 * {@code kubernetes.io/bootstrapping=rbac-defaults} and the annotation
 * {@code rbac.authorization.kubernetes.io/autoupdate=true}.
 */
public final class BootstrapPolicy {

    public static final String AGGREGATE_TO_ADMIN = "rbac.authorization.k8s.io/aggregate-to-admin";
    public static final String AGGREGATE_TO_EDIT = "rbac.authorization.k8s.io/aggregate-to-edit";
    public static final String AGGREGATE_TO_VIEW = "rbac.authorization.k8s.io/aggregate-to-view";
    /** The group of the admin kubeconfig's user, bound to cluster-admin. */
    public static final String CLUSTER_ADMINS_GROUP = "kaji:cluster-admins";

    private static final List<String> READ = List.of("get", "list", "watch");
    private static final List<String> WRITE = List.of("create", "delete", "deletecollection", "patch", "update");
    private static final List<String> READ_WRITE = List.of("get", "list", "watch", "create", "update", "patch",
            "delete", "deletecollection");
    private static final List<String> EVENT_VERBS = List.of("create", "update", "patch");

    private BootstrapPolicy() {
    }

    private static PolicyRule r(List<String> verbs, String group, String... resources) {
        return PolicyRule.resources(verbs, List.of(group), List.of(resources));
    }

    private static PolicyRule r(String verb, String group, String... resources) {
        return r(List.of(verb), group, resources);
    }

    private static PolicyRule urls(String verb, String... urls) {
        return PolicyRule.urls(List.of(verb), List.of(urls));
    }

    /** A role: name, labels, rules, and the label keys it aggregates (empty when none). */
    public record Role(String name, Map<String, String> labels, List<PolicyRule> rules, List<String> aggregates) {
    }

    /** A cluster role binding; subjects as "User:name", "Group:name" or "ServiceAccount:ns:name". */
    public record Binding(String name, String role, List<String> subjects) {
    }

    /** The default cluster roles. */
    public static List<Role> clusterRoles() {
        List<Role> roles = new ArrayList<>();
        roles.add(role("cluster-admin", List.of(r("*", "*", "*"), PolicyRule.urls(List.of("*"), List.of("*")))));
        roles.add(role("system:discovery", List.of(urls("get", "/api", "/api/*", "/apis", "/apis/*", "/healthz",
                "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"))));
        roles.add(role("system:monitoring", List.of(urls("get", "/healthz", "/healthz/*", "/livez", "/livez/*",
                "/metrics", "/metrics/slis", "/readyz", "/readyz/*"))));
        roles.add(role("system:basic-user", List.of(
                r("create", "authorization.k8s.io", "selfsubjectaccessreviews", "selfsubjectrulesreviews"),
                r("create", "authentication.k8s.io", "selfsubjectreviews"))));
        roles.add(role("system:public-info-viewer", List.of(urls("get", "/healthz", "/livez", "/readyz", "/version",
                "/version/"))));
        roles.add(new Role("admin", Map.of(), List.of(), List.of(AGGREGATE_TO_ADMIN)));
        roles.add(new Role("edit", Map.of(AGGREGATE_TO_ADMIN, "true"), List.of(), List.of(AGGREGATE_TO_EDIT)));
        roles.add(new Role("view", Map.of(AGGREGATE_TO_EDIT, "true"), List.of(), List.of(AGGREGATE_TO_VIEW)));
        roles.add(new Role("system:aggregate-to-admin", Map.of(AGGREGATE_TO_ADMIN, "true"), List.of(
                r("create", "authorization.k8s.io", "localsubjectaccessreviews"),
                r(READ_WRITE, "rbac.authorization.k8s.io", "rolebindings", "roles")), List.of()));
        roles.add(new Role("system:aggregate-to-edit", Map.of(AGGREGATE_TO_EDIT, "true"), aggregateToEdit(),
                List.of()));
        roles.add(new Role("system:aggregate-to-view", Map.of(AGGREGATE_TO_VIEW, "true"), aggregateToView(),
                List.of()));
        roles.add(role("system:node", node()));
        roles.add(role("system:node-proxier", List.of(
                r(List.of("list", "watch"), "", "services", "endpoints"),
                r(READ, "", "nodes"),
                r(EVENT_VERBS, "", "events"), r(EVENT_VERBS, "events.k8s.io", "events"),
                r(List.of("list", "watch"), "discovery.k8s.io", "endpointslices"))));
        roles.add(role("system:kube-scheduler", kubeScheduler()));
        roles.add(role("system:kube-controller-manager", kubeControllerManager()));
        roles.add(role("system:node-bootstrapper", List.of(
                r(List.of("create", "get", "list", "watch"), "certificates.k8s.io", "certificatesigningrequests"))));
        roles.add(role("system:certificates.k8s.io:certificatesigningrequests:nodeclient", List.of(
                r("create", "certificates.k8s.io", "certificatesigningrequests/nodeclient"))));
        roles.add(role("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", List.of(
                r("create", "certificates.k8s.io", "certificatesigningrequests/selfnodeclient"))));
        roles.add(role("system:kube-dns", List.of(r(List.of("list", "watch"), "", "endpoints", "services"))));
        roles.add(role("system:auth-delegator", List.of(r("create", "authentication.k8s.io", "tokenreviews"),
                r("create", "authorization.k8s.io", "subjectaccessreviews"))));
        roles.add(role("system:service-account-issuer-discovery", List.of(urls("get",
                "/.well-known/openid-configuration", "/.well-known/openid-configuration/", "/openid/v1/jwks",
                "/openid/v1/jwks/"))));
        roles.add(role("kaji:controller-manager", kajiControllerManager()));
        roles.add(role("kaji:scheduler", kajiScheduler()));
        roles.add(role("kaji:node-services", List.of(
                r(READ, "", "services", "endpoints", "namespaces", "nodes"),
                r(List.of("list", "watch"), "", "pods"),
                r("get", "", "configmaps").withNames(List.of("kaji-cluster")),
                r(READ, "discovery.k8s.io", "endpointslices"),
                r(READ, "networking.k8s.io", "networkpolicies"))));
        return roles;
    }

    /** The default cluster role bindings. */
    public static List<Binding> clusterRoleBindings() {
        return List.of(
                new Binding("cluster-admin", "cluster-admin", List.of("Group:system:masters")),
                new Binding("system:monitoring", "system:monitoring", List.of("Group:system:monitoring")),
                new Binding("system:discovery", "system:discovery", List.of("Group:system:authenticated")),
                new Binding("system:basic-user", "system:basic-user", List.of("Group:system:authenticated")),
                new Binding("system:public-info-viewer", "system:public-info-viewer",
                        List.of("Group:system:authenticated", "Group:system:unauthenticated")),
                new Binding("system:node-proxier", "system:node-proxier", List.of("User:system:kube-proxy")),
                new Binding("system:kube-controller-manager", "system:kube-controller-manager",
                        List.of("User:system:kube-controller-manager")),
                new Binding("system:kube-scheduler", "system:kube-scheduler", List.of("User:system:kube-scheduler")),
                new Binding("system:kube-dns", "system:kube-dns", List.of("ServiceAccount:kube-system:kube-dns")),
                new Binding("system:service-account-issuer-discovery", "system:service-account-issuer-discovery",
                        List.of("Group:system:serviceaccounts")),
                new Binding("system:node-bootstrapper", "system:node-bootstrapper",
                        List.of("Group:system:bootstrappers")),
                new Binding("kaji:node-autoapprove-bootstrap",
                        "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
                        List.of("Group:system:bootstrappers")),
                new Binding("kaji:node-autoapprove-certificate-rotation",
                        "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
                        List.of("Group:system:nodes")),
                new Binding("kaji:cluster-admins", "cluster-admin", List.of("Group:" + CLUSTER_ADMINS_GROUP)),
                new Binding("kaji:controller-manager", "kaji:controller-manager",
                        List.of("User:system:kube-controller-manager")),
                new Binding("kaji:scheduler", "kaji:scheduler", List.of("User:system:kube-scheduler")),
                new Binding("kaji:node-services", "kaji:node-services", List.of("Group:system:nodes")));
    }

    private static Role role(String name, List<PolicyRule> rules) {
        return new Role(name, Map.of(), rules, List.of());
    }

    private static List<PolicyRule> aggregateToView() {
        return List.of(
                r(READ, "", "pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
                        "services", "services/status", "endpoints", "persistentvolumeclaims",
                        "persistentvolumeclaims/status", "configmaps"),
                r(READ, "", "limitranges", "resourcequotas", "bindings", "events", "pods/status",
                        "resourcequotas/status", "namespaces/status", "replicationcontrollers/status", "pods/log"),
                r(READ, "", "namespaces"),
                r(READ, "discovery.k8s.io", "endpointslices"),
                r(READ, "apps", "controllerrevisions", "statefulsets", "statefulsets/scale", "statefulsets/status",
                        "daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status",
                        "replicasets", "replicasets/scale", "replicasets/status"),
                r(READ, "autoscaling", "horizontalpodautoscalers", "horizontalpodautoscalers/status"),
                r(READ, "batch", "jobs", "cronjobs", "cronjobs/status", "jobs/status"),
                r(READ, "policy", "poddisruptionbudgets", "poddisruptionbudgets/status"),
                r(READ, "networking.k8s.io", "networkpolicies", "ingresses", "ingresses/status"));
    }

    private static List<PolicyRule> aggregateToEdit() {
        return List.of(
                r("impersonate", "", "serviceaccounts"),
                r(WRITE, "", "pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"),
                r("create", "", "pods/eviction"),
                r(WRITE, "", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services",
                        "services/proxy", "persistentvolumeclaims", "configmaps", "secrets"),
                r("create", "", "serviceaccounts/token"),
                r(WRITE, "apps", "statefulsets", "statefulsets/scale", "daemonsets", "deployments",
                        "deployments/scale", "deployments/rollback", "replicasets", "replicasets/scale"),
                r(WRITE, "autoscaling", "horizontalpodautoscalers"),
                r(WRITE, "batch", "jobs", "cronjobs"),
                r(WRITE, "policy", "poddisruptionbudgets"),
                r(WRITE, "networking.k8s.io", "networkpolicies", "ingresses"),
                r(READ, "", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets",
                        "services/proxy"));
    }

    private static List<PolicyRule> node() {
        return List.of(
                r("create", "authentication.k8s.io", "tokenreviews"),
                r("create", "authorization.k8s.io", "subjectaccessreviews", "localsubjectaccessreviews"),
                r(READ, "", "services"),
                r(List.of("create", "get", "list", "watch"), "", "nodes"),
                r(List.of("update", "patch"), "", "nodes/status"),
                r(List.of("update", "patch"), "", "nodes"),
                r(EVENT_VERBS, "", "events"), r(EVENT_VERBS, "events.k8s.io", "events"),
                r(READ, "", "pods"),
                r(List.of("create", "delete"), "", "pods"),
                r(List.of("update", "patch"), "", "pods/status"),
                r("create", "", "pods/eviction"),
                r("get", "", "configmaps", "secrets"),
                r("get", "", "persistentvolumeclaims", "persistentvolumes"),
                r("get", "", "endpoints"),
                r(List.of("create", "get", "list", "watch"), "certificates.k8s.io", "certificatesigningrequests"),
                r(List.of("get", "create", "update", "patch", "delete"), "coordination.k8s.io", "leases"),
                r("create", "", "serviceaccounts/token"));
    }

    private static List<PolicyRule> kubeScheduler() {
        return List.of(
                r(EVENT_VERBS, "", "events"), r(EVENT_VERBS, "events.k8s.io", "events"),
                r("create", "coordination.k8s.io", "leases"),
                r(List.of("get", "update"), "coordination.k8s.io", "leases").withNames(List.of("kube-scheduler")),
                r(READ, "", "nodes"),
                r(List.of("get", "list", "watch", "delete"), "", "pods"),
                r("create", "", "bindings", "pods/binding"),
                r(List.of("patch", "update"), "", "pods/status"),
                r(READ, "", "replicationcontrollers", "services"),
                r(READ, "apps", "replicasets", "statefulsets"),
                r(READ, "policy", "poddisruptionbudgets"),
                r(READ, "", "persistentvolumeclaims", "persistentvolumes"),
                r("create", "authentication.k8s.io", "tokenreviews"),
                r("create", "authorization.k8s.io", "subjectaccessreviews"),
                r(READ, "storage.k8s.io", "csinodes"),
                r(READ, "", "namespaces"),
                r(READ, "storage.k8s.io", "csidrivers", "csistoragecapacities"));
    }

    private static List<PolicyRule> kubeControllerManager() {
        return List.of(
                r(EVENT_VERBS, "", "events"), r(EVENT_VERBS, "events.k8s.io", "events"),
                r("create", "coordination.k8s.io", "leases"),
                r(List.of("get", "update"), "coordination.k8s.io", "leases")
                        .withNames(List.of("kube-controller-manager")),
                r("create", "", "secrets", "serviceaccounts"),
                r("delete", "", "secrets"),
                r("get", "", "configmaps", "namespaces", "secrets", "serviceaccounts"),
                r("update", "", "secrets", "serviceaccounts"),
                r("create", "authentication.k8s.io", "tokenreviews"),
                r("create", "authorization.k8s.io", "subjectaccessreviews"),
                r(List.of("list", "watch"), "*", "*"),
                r("create", "", "serviceaccounts/token"));
    }

    /**
     * What Kaji's controller manager does under its one identity (Kubernetes splits this over per-controller
     * service accounts): the garbage collector reads, patches and deletes any kind, as Kubernetes'
     * generic-garbage-collector role allows, and the namespace controller empties namespaces with deletecollection
     * (Kubernetes' namespace-controller role); the workload, endpoint, node and service-account controllers
     * create what they own; every controller records events and writes status.
     */
    private static List<PolicyRule> kajiControllerManager() {
        return List.of(
                r(List.of("get", "list", "watch", "patch", "update", "delete", "deletecollection"), "*", "*"),
                r("create", "", "pods", "endpoints", "serviceaccounts", "configmaps", "secrets",
                        "persistentvolumeclaims", "events"),
                r(List.of("update", "patch"), "", "pods/status", "nodes/status", "namespaces/finalize",
                        "namespaces/status"),
                r("create", "", "pods/eviction", "serviceaccounts/token"),
                r("create", "apps", "replicasets", "controllerrevisions"),
                r(List.of("update", "patch"), "apps", "deployments/status", "replicasets/status",
                        "statefulsets/status", "daemonsets/status", "deployments/scale", "replicasets/scale",
                        "statefulsets/scale"),
                r("create", "batch", "jobs"),
                r(List.of("update", "patch"), "batch", "jobs/status", "cronjobs/status"),
                r("create", "discovery.k8s.io", "endpointslices"),
                r("create", "coordination.k8s.io", "leases"),
                r(EVENT_VERBS, "events.k8s.io", "events"));
    }

    /** What Kaji's scheduler does: its Lease, binding pods, status, preemption, and the informers it runs. */
    private static List<PolicyRule> kajiScheduler() {
        return List.of(
                r(List.of("get", "create", "update", "patch"), "coordination.k8s.io", "leases"),
                r(List.of("get", "list", "watch", "delete", "patch", "update"), "", "pods"),
                r("create", "", "pods/binding", "bindings", "pods/eviction"),
                r(List.of("patch", "update"), "", "pods/status"),
                r(READ, "", "nodes", "namespaces", "services", "replicationcontrollers", "persistentvolumeclaims",
                        "persistentvolumes"),
                r(READ, "apps", "replicasets", "statefulsets", "deployments", "daemonsets"),
                r(READ, "batch", "jobs"),
                r(READ, "policy", "poddisruptionbudgets"),
                r(EVENT_VERBS, "", "events"), r(EVENT_VERBS, "events.k8s.io", "events"));
    }

    /** The ClusterRole object for {@code role}. */
    public static ObjectNode toObject(Role role) {
        ObjectNode o = Json.object();
        o.put("kind", "ClusterRole");
        o.put("apiVersion", "rbac.authorization.k8s.io/v1");
        ObjectNode meta = metadata(o, role.name());
        role.labels().forEach((k, v) -> Json.objectAt(meta, "labels").put(k, v));
        ArrayNode rules = o.putArray("rules");
        role.rules().forEach(rule -> rules.add(rule.toJson()));
        if (!role.aggregates().isEmpty()) {
            ArrayNode selectors = o.putObject("aggregationRule").putArray("clusterRoleSelectors");
            role.aggregates().forEach(key -> selectors.addObject().putObject("matchLabels").put(key, "true"));
        }
        return o;
    }

    /** The ClusterRoleBinding object for {@code binding}. */
    public static ObjectNode toObject(Binding binding) {
        ObjectNode o = Json.object();
        o.put("kind", "ClusterRoleBinding");
        o.put("apiVersion", "rbac.authorization.k8s.io/v1");
        metadata(o, binding.name());
        ObjectNode ref = o.putObject("roleRef");
        ref.put("apiGroup", "rbac.authorization.k8s.io");
        ref.put("kind", "ClusterRole");
        ref.put("name", binding.role());
        ArrayNode subjects = o.putArray("subjects");
        for (String s : binding.subjects()) {
            String[] p = s.split(":", 2);
            ObjectNode subject = subjects.addObject();
            subject.put("kind", p[0]);
            if (p[0].equals("ServiceAccount")) {
                String[] nsName = p[1].split(":", 2);
                subject.put("name", nsName[1]);
                subject.put("namespace", nsName[0]);
            } else {
                subject.put("apiGroup", "rbac.authorization.k8s.io");
                subject.put("name", p[1]);
            }
        }
        return o;
    }

    private static ObjectNode metadata(ObjectNode o, String name) {
        ObjectNode meta = o.putObject("metadata");
        meta.put("name", name);
        meta.putObject("labels").put("kubernetes.io/bootstrapping", "rbac-defaults");
        meta.putObject("annotations").put("rbac.authorization.kubernetes.io/autoupdate", "true");
        return meta;
    }
}
