package io.kaji.support.assess;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * The resource types the assessment lists, each once per run, and how to list it with a fabric8 client
 * (all namespaces).
 */
public enum ResourceKind {
    NAMESPACES("namespaces", c -> c.namespaces().list().getItems()),
    NODES("nodes", c -> c.nodes().list().getItems()),
    PODS("pods", c -> c.pods().inAnyNamespace().list().getItems()),
    DEPLOYMENTS("deployments.apps", c -> c.apps().deployments().inAnyNamespace().list().getItems()),
    STATEFULSETS("statefulsets.apps", c -> c.apps().statefulSets().inAnyNamespace().list().getItems()),
    DAEMONSETS("daemonsets.apps", c -> c.apps().daemonSets().inAnyNamespace().list().getItems()),
    REPLICASETS("replicasets.apps", c -> c.apps().replicaSets().inAnyNamespace().list().getItems()),
    JOBS("jobs.batch", c -> c.batch().v1().jobs().inAnyNamespace().list().getItems()),
    CRONJOBS("cronjobs.batch", c -> c.batch().v1().cronjobs().inAnyNamespace().list().getItems()),
    SERVICES("services", c -> c.services().inAnyNamespace().list().getItems()),
    SERVICE_ACCOUNTS("serviceaccounts", c -> c.serviceAccounts().inAnyNamespace().list().getItems()),
    NETWORK_POLICIES("networkpolicies.networking.k8s.io",
            c -> c.network().v1().networkPolicies().inAnyNamespace().list().getItems()),
    POD_DISRUPTION_BUDGETS("poddisruptionbudgets.policy",
            c -> c.policy().v1().podDisruptionBudget().inAnyNamespace().list().getItems()),
    ROLES("roles.rbac.authorization.k8s.io", c -> c.rbac().roles().inAnyNamespace().list().getItems()),
    ROLE_BINDINGS("rolebindings.rbac.authorization.k8s.io",
            c -> c.rbac().roleBindings().inAnyNamespace().list().getItems()),
    CLUSTER_ROLES("clusterroles.rbac.authorization.k8s.io", c -> c.rbac().clusterRoles().list().getItems()),
    CLUSTER_ROLE_BINDINGS("clusterrolebindings.rbac.authorization.k8s.io",
            c -> c.rbac().clusterRoleBindings().list().getItems()),
    VALIDATING_WEBHOOKS("validatingwebhookconfigurations.admissionregistration.k8s.io",
            c -> c.admissionRegistration().v1().validatingWebhookConfigurations().list().getItems()),
    MUTATING_WEBHOOKS("mutatingwebhookconfigurations.admissionregistration.k8s.io",
            c -> c.admissionRegistration().v1().mutatingWebhookConfigurations().list().getItems());

    /** The kinds whose pod templates are workloads (see {@link Workloads}). */
    public static final Set<ResourceKind> WORKLOADS = Set.copyOf(EnumSet.of(PODS, DEPLOYMENTS, STATEFULSETS,
            DAEMONSETS, REPLICASETS, JOBS, CRONJOBS));

    /** The RBAC kinds. */
    public static final Set<ResourceKind> RBAC = Set.copyOf(EnumSet.of(ROLES, ROLE_BINDINGS, CLUSTER_ROLES,
            CLUSTER_ROLE_BINDINGS));

    private final String resource;
    private final Function<KubernetesClient, List<? extends HasMetadata>> list;

    ResourceKind(String resource, Function<KubernetesClient, List<? extends HasMetadata>> list) {
        this.resource = resource;
        this.list = list;
    }

    /** The resource as kubectl names it ({@code deployments.apps}), for messages. */
    public String resource() {
        return resource;
    }

    /** Lists every object of this kind with {@code client}; throws the client's exception on failure. */
    public List<? extends HasMetadata> list(KubernetesClient client) {
        return list.apply(client);
    }
}
