package io.kaji.support.assess;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The cluster as the assessment sees it: one list per {@link ResourceKind}, fetched once, plus the lists that
 * could not be fetched and why. A kind the API server does not serve (404) is an empty list, noted in
 * {@link #notServed()}. Immutable.
 */
public final class ClusterSnapshot {

    private final Map<ResourceKind, List<HasMetadata>> items;
    private final Map<ResourceKind, String> failures;
    private final Set<ResourceKind> notServed;
    /** Computed at the first call of {@link #workloads()}; the snapshot never changes, so neither do they. */
    private volatile List<Workload> workloads;

    private ClusterSnapshot(Map<ResourceKind, List<HasMetadata>> items, Map<ResourceKind, String> failures,
                            Set<ResourceKind> notServed) {
        this.items = items;
        this.failures = failures;
        this.notServed = notServed;
    }

    /** Lists every kind once with {@code lister}; a failed list is recorded, never thrown. */
    public static ClusterSnapshot fetch(ResourceLister lister) {
        Map<ResourceKind, List<HasMetadata>> items = new EnumMap<>(ResourceKind.class);
        Map<ResourceKind, String> failures = new EnumMap<>(ResourceKind.class);
        Set<ResourceKind> notServed = EnumSet.noneOf(ResourceKind.class);
        for (ResourceKind kind : ResourceKind.values()) {
            try {
                List<? extends HasMetadata> listed = lister.list(kind);
                items.put(kind, List.copyOf(listed == null ? List.of() : listed));
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) {
                    notServed.add(kind);
                    items.put(kind, List.of());
                } else {
                    failures.put(kind, describe(kind, e));
                    items.put(kind, List.of());
                }
            } catch (RuntimeException e) {
                failures.put(kind, "list " + kind.resource() + ": " + e);
                items.put(kind, List.of());
            }
        }
        return new ClusterSnapshot(items, failures, notServed);
    }

    /** A snapshot of exactly {@code objects} (sorted into kinds by model class), with nothing failed. */
    public static ClusterSnapshot of(Collection<? extends HasMetadata> objects) {
        return of(objects, Map.of());
    }

    /** A snapshot of {@code objects} where the kinds in {@code failures} could not be listed. */
    public static ClusterSnapshot of(Collection<? extends HasMetadata> objects, Map<ResourceKind, String> failures) {
        Map<ResourceKind, List<HasMetadata>> items = new EnumMap<>(ResourceKind.class);
        for (ResourceKind kind : ResourceKind.values()) {
            items.put(kind, new ArrayList<>());
        }
        for (HasMetadata o : objects) {
            items.get(kindOf(o)).add(o);
        }
        items.replaceAll((k, v) -> List.copyOf(v));
        Map<ResourceKind, String> f = new EnumMap<>(ResourceKind.class);
        f.putAll(failures);
        return new ClusterSnapshot(items, f, EnumSet.noneOf(ResourceKind.class));
    }

    private static String describe(ResourceKind kind, KubernetesClientException e) {
        String detail = e.getStatus() != null && e.getStatus().getMessage() != null
                ? e.getStatus().getMessage() : rootMessage(e);
        String what = switch (e.getCode()) {
            case 401 -> "unauthorized (401)";
            case 403 -> "forbidden (403)";
            case 0 -> "request failed";
            default -> "HTTP " + e.getCode();
        };
        return "list " + kind.resource() + ": " + what + ": " + detail;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }

    static ResourceKind kindOf(HasMetadata o) {
        return switch (o) {
            case Namespace n -> ResourceKind.NAMESPACES;
            case Node n -> ResourceKind.NODES;
            case Pod p -> ResourceKind.PODS;
            case Deployment d -> ResourceKind.DEPLOYMENTS;
            case StatefulSet s -> ResourceKind.STATEFULSETS;
            case DaemonSet d -> ResourceKind.DAEMONSETS;
            case ReplicaSet r -> ResourceKind.REPLICASETS;
            case Job j -> ResourceKind.JOBS;
            case CronJob c -> ResourceKind.CRONJOBS;
            case Service s -> ResourceKind.SERVICES;
            case ServiceAccount s -> ResourceKind.SERVICE_ACCOUNTS;
            case NetworkPolicy n -> ResourceKind.NETWORK_POLICIES;
            case PodDisruptionBudget p -> ResourceKind.POD_DISRUPTION_BUDGETS;
            case Role r -> ResourceKind.ROLES;
            case RoleBinding r -> ResourceKind.ROLE_BINDINGS;
            case ClusterRole r -> ResourceKind.CLUSTER_ROLES;
            case ClusterRoleBinding r -> ResourceKind.CLUSTER_ROLE_BINDINGS;
            case ValidatingWebhookConfiguration v -> ResourceKind.VALIDATING_WEBHOOKS;
            case MutatingWebhookConfiguration m -> ResourceKind.MUTATING_WEBHOOKS;
            default -> throw new IllegalArgumentException("not a kind the assessment lists: " + o.getKind());
        };
    }

    /** The objects of {@code kind} (empty when the list failed: check {@link #failure} first). */
    public <T extends HasMetadata> List<T> list(ResourceKind kind, Class<T> type) {
        List<T> out = new ArrayList<>();
        for (HasMetadata o : items.get(kind)) {
            if (type.isInstance(o)) {
                out.add(type.cast(o));
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** The workloads of this snapshot (see {@link Workloads}), computed once. */
    public List<Workload> workloads() {
        List<Workload> w = workloads;
        if (w == null) {
            w = List.copyOf(Workloads.of(this));
            workloads = w;
        }
        return w;
    }

    /** Every object in the snapshot. */
    public List<HasMetadata> all() {
        List<HasMetadata> out = new ArrayList<>();
        items.values().forEach(out::addAll);
        return out;
    }

    /** Why {@code kind} could not be listed, if it could not. */
    public Optional<String> failure(ResourceKind kind) {
        return Optional.ofNullable(failures.get(kind));
    }

    /** Every failed list and its reason. */
    public Map<ResourceKind, String> failures() {
        return Collections.unmodifiableMap(failures);
    }

    /** The kinds the API server answered 404 for (treated as having no objects). */
    public Set<ResourceKind> notServed() {
        return Collections.unmodifiableSet(notServed);
    }

    public List<Namespace> namespaces() {
        return list(ResourceKind.NAMESPACES, Namespace.class);
    }

    public List<Node> nodes() {
        return list(ResourceKind.NODES, Node.class);
    }

    public List<Pod> pods() {
        return list(ResourceKind.PODS, Pod.class);
    }

    public List<Service> services() {
        return list(ResourceKind.SERVICES, Service.class);
    }

    public List<ServiceAccount> serviceAccounts() {
        return list(ResourceKind.SERVICE_ACCOUNTS, ServiceAccount.class);
    }

    public List<NetworkPolicy> networkPolicies() {
        return list(ResourceKind.NETWORK_POLICIES, NetworkPolicy.class);
    }

    public List<PodDisruptionBudget> podDisruptionBudgets() {
        return list(ResourceKind.POD_DISRUPTION_BUDGETS, PodDisruptionBudget.class);
    }

    public List<Role> roles() {
        return list(ResourceKind.ROLES, Role.class);
    }

    public List<RoleBinding> roleBindings() {
        return list(ResourceKind.ROLE_BINDINGS, RoleBinding.class);
    }

    public List<ClusterRole> clusterRoles() {
        return list(ResourceKind.CLUSTER_ROLES, ClusterRole.class);
    }

    public List<ClusterRoleBinding> clusterRoleBindings() {
        return list(ResourceKind.CLUSTER_ROLE_BINDINGS, ClusterRoleBinding.class);
    }

    public List<ValidatingWebhookConfiguration> validatingWebhooks() {
        return list(ResourceKind.VALIDATING_WEBHOOKS, ValidatingWebhookConfiguration.class);
    }

    public List<MutatingWebhookConfiguration> mutatingWebhooks() {
        return list(ResourceKind.MUTATING_WEBHOOKS, MutatingWebhookConfiguration.class);
    }
}
