package io.kaji.support.diagnose;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSlice;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.IngressClass;
import io.fabric8.kubernetes.api.model.storage.StorageClass;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The objects a diagnosis looks at, listed once at the start of a run (one list per resource), so that analyzers
 * see one consistent picture and the API server is asked a fixed number of times. A resource that could not be
 * listed is recorded in {@link #unavailable()} with the reason (forbidden, not served, unreachable): analyzers
 * that need it are reported as not run instead of finding nothing.
 *
 * <p>Secrets are listed for their names only (to tell a missing reference from a present one); their data is never
 * read by an analyzer or printed.
 */
public record ClusterSnapshot(List<Pod> pods, List<Deployment> deployments, List<ReplicaSet> replicaSets,
        List<StatefulSet> statefulSets, List<DaemonSet> daemonSets, List<Job> jobs, List<CronJob> cronJobs,
        List<Service> services, List<EndpointSlice> endpointSlices, List<Ingress> ingresses,
        List<IngressClass> ingressClasses, List<PersistentVolumeClaim> claims, List<StorageClass> storageClasses,
        List<Node> nodes, List<Event> events, List<ConfigMap> configMaps, List<Secret> secrets,
        List<ValidatingWebhookConfiguration> validatingWebhooks, List<MutatingWebhookConfiguration> mutatingWebhooks,
        Map<String, String> unavailable) {

    /**
     * Lists everything in {@code namespace} (all namespaces when null) plus the cluster-scoped objects. Never
     * throws for one resource; throws {@link KubernetesClientException} only when the API server cannot be reached
     * at all (the first list fails with no HTTP status).
     */
    public static ClusterSnapshot fetch(KubernetesClient c, String namespace) {
        Map<String, String> unavailable = new LinkedHashMap<>();
        boolean all = namespace == null;
        List<Node> nodes = list("nodes", unavailable, () -> c.nodes().list().getItems(), true);
        return new ClusterSnapshot(
                list("pods", unavailable, () -> all ? c.pods().inAnyNamespace().list().getItems()
                        : c.pods().inNamespace(namespace).list().getItems(), false),
                list("deployments", unavailable, () -> all ? c.apps().deployments().inAnyNamespace().list().getItems()
                        : c.apps().deployments().inNamespace(namespace).list().getItems(), false),
                list("replicasets", unavailable, () -> all ? c.apps().replicaSets().inAnyNamespace().list().getItems()
                        : c.apps().replicaSets().inNamespace(namespace).list().getItems(), false),
                list("statefulsets", unavailable, () -> all
                        ? c.apps().statefulSets().inAnyNamespace().list().getItems()
                        : c.apps().statefulSets().inNamespace(namespace).list().getItems(), false),
                list("daemonsets", unavailable, () -> all ? c.apps().daemonSets().inAnyNamespace().list().getItems()
                        : c.apps().daemonSets().inNamespace(namespace).list().getItems(), false),
                list("jobs", unavailable, () -> all ? c.batch().v1().jobs().inAnyNamespace().list().getItems()
                        : c.batch().v1().jobs().inNamespace(namespace).list().getItems(), false),
                list("cronjobs", unavailable, () -> all ? c.batch().v1().cronjobs().inAnyNamespace().list().getItems()
                        : c.batch().v1().cronjobs().inNamespace(namespace).list().getItems(), false),
                list("services", unavailable, () -> all ? c.services().inAnyNamespace().list().getItems()
                        : c.services().inNamespace(namespace).list().getItems(), false),
                list("endpointslices", unavailable, () -> all
                        ? c.discovery().v1().endpointSlices().inAnyNamespace().list().getItems()
                        : c.discovery().v1().endpointSlices().inNamespace(namespace).list().getItems(), false),
                list("ingresses", unavailable, () -> all
                        ? c.network().v1().ingresses().inAnyNamespace().list().getItems()
                        : c.network().v1().ingresses().inNamespace(namespace).list().getItems(), false),
                list("ingressclasses", unavailable, () -> c.network().v1().ingressClasses().list().getItems(), false),
                list("persistentvolumeclaims", unavailable, () -> all
                        ? c.persistentVolumeClaims().inAnyNamespace().list().getItems()
                        : c.persistentVolumeClaims().inNamespace(namespace).list().getItems(), false),
                list("storageclasses", unavailable, () -> c.storage().v1().storageClasses().list().getItems(), false),
                nodes,
                list("events", unavailable, () -> all ? c.v1().events().inAnyNamespace().list().getItems()
                        : c.v1().events().inNamespace(namespace).list().getItems(), false),
                list("configmaps", unavailable, () -> all ? c.configMaps().inAnyNamespace().list().getItems()
                        : c.configMaps().inNamespace(namespace).list().getItems(), false),
                list("secrets", unavailable, () -> withoutData(all ? c.secrets().inAnyNamespace().list().getItems()
                        : c.secrets().inNamespace(namespace).list().getItems()), false),
                list("validatingwebhookconfigurations", unavailable, () -> c.admissionRegistration().v1()
                        .validatingWebhookConfigurations().list().getItems(), false),
                list("mutatingwebhookconfigurations", unavailable, () -> c.admissionRegistration().v1()
                        .mutatingWebhookConfigurations().list().getItems(), false),
                unavailable);
    }

    private static <T> List<T> list(String resource, Map<String, String> unavailable, Supplier<List<T>> lister,
            boolean first) {
        try {
            return new ArrayList<>(lister.get());
        } catch (KubernetesClientException e) {
            if (first && e.getCode() <= 0) {
                throw e; // the API server cannot be reached: nothing else will work either
            }
            unavailable.put(resource, switch (e.getCode()) {
                case 401 -> "unauthorized";
                case 403 -> "forbidden";
                case 404 -> "not served by this API server";
                default -> e.getCode() > 0 ? "HTTP " + e.getCode() : "unreachable: " + e.getMessage();
            });
            return List.of();
        }
    }

    private static List<Secret> withoutData(List<Secret> secrets) {
        for (Secret s : secrets) {
            s.setData(null);
            s.setStringData(null);
        }
        return secrets;
    }

    public ClusterSnapshot {
        unavailable = Map.copyOf(unavailable);
    }

    /** Whether every one of {@code resources} was listed. */
    public boolean has(String... resources) {
        for (String r : resources) {
            if (unavailable.containsKey(r)) {
                return false;
            }
        }
        return true;
    }

    public Optional<Node> node(String name) {
        return nodes.stream().filter(n -> n.getMetadata().getName().equals(name)).findFirst();
    }

    public boolean hasConfigMap(String namespace, String name) {
        return configMaps.stream().anyMatch(c -> namespace.equals(c.getMetadata().getNamespace())
                && name.equals(c.getMetadata().getName()));
    }

    public boolean hasSecret(String namespace, String name) {
        return secrets.stream().anyMatch(s -> namespace.equals(s.getMetadata().getNamespace())
                && name.equals(s.getMetadata().getName()));
    }

    public boolean hasService(String namespace, String name) {
        return services.stream().anyMatch(s -> namespace.equals(s.getMetadata().getNamespace())
                && name.equals(s.getMetadata().getName()));
    }

    /** The events about one object, newest last. */
    public List<Event> eventsFor(String kind, String namespace, String name) {
        return events.stream()
                .filter(e -> e.getInvolvedObject() != null && kind.equals(e.getInvolvedObject().getKind())
                        && name.equals(e.getInvolvedObject().getName())
                        && (namespace == null || namespace.equals(e.getInvolvedObject().getNamespace())))
                .sorted(java.util.Comparator.comparing(ClusterSnapshot::eventTime))
                .toList();
    }

    /** An event's latest time as an ISO string ("" when it has none), for ordering. */
    static String eventTime(Event e) {
        if (e.getLastTimestamp() != null) {
            return e.getLastTimestamp();
        }
        if (e.getEventTime() != null && e.getEventTime().getTime() != null) {
            return e.getEventTime().getTime();
        }
        return e.getFirstTimestamp() == null ? "" : e.getFirstTimestamp();
    }
}
