package io.kaji.controllers.namespace;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Empties a Terminating namespace through the API, as Kubernetes' namespaced-resources deleter does: pods first (and
 * nothing else until they are gone, Kubernetes' ordered namespace deletion, so workloads stop before their
 * Secrets, ConfigMaps and policies vanish), then every other deletable resource, each by {@code deletecollection}
 * (or one DELETE per object where that verb is missing) with background propagation. Pods are deleted gracefully,
 * so node agents stop their containers. Objects held by finalizers are counted, not forced. Thread-safe.
 */
final class NamespaceContentDeleter {

    private static final Logger log = LoggerFactory.getLogger(NamespaceContentDeleter.class);
    /** Kubernetes' assumed time for content finalizers to finish, used when no grace period applies. */
    static final long FINALIZER_ESTIMATE_SECONDS = 15;

    private final KubernetesClient client;
    private final DeletableResources discovery;

    NamespaceContentDeleter(KubernetesClient client) {
        this.client = client;
        this.discovery = new DeletableResources(client);
    }

    /** One pass over {@code namespace}; never throws for a single resource's failure (it goes in the report). */
    DeletionReport deleteAll(String namespace) {
        DeletableResources.Found found = discovery.discover();
        Tally tally = new Tally();
        List<DeletableResources.Resource> rest = new ArrayList<>();
        DeletableResources.Resource pods = null;
        for (DeletableResources.Resource r : found.resources()) {
            if (r.group().isEmpty() && r.plural().equals("pods")) {
                pods = r;
            } else {
                rest.add(r);
            }
        }
        if (pods != null) {
            tally.add(pods, deleteResource(namespace, pods));
            if (tally.remaining.getOrDefault(pods.groupResource(), 0) > 0) {
                return tally.report(found);
            }
        }
        for (DeletableResources.Resource r : rest) {
            tally.add(r, deleteResource(namespace, r));
        }
        return tally.report(found);
    }

    /** What deleting one resource left behind. */
    record Outcome(long estimateSeconds, int remaining, Map<String, Integer> finalizers, String error) {
        static final Outcome GONE = new Outcome(0, 0, Map.of(), null);
    }

    private final class Tally {
        long estimate;
        final Map<String, Integer> remaining = new HashMap<>();
        final Map<String, Integer> finalizers = new HashMap<>();
        final List<String> errors = new ArrayList<>();

        void add(DeletableResources.Resource r, Outcome o) {
            estimate = Math.max(estimate, o.estimateSeconds());
            if (o.error() != null) {
                errors.add(o.error());
            }
            if (o.remaining() > 0) {
                remaining.put(r.groupResource(), o.remaining());
                o.finalizers().forEach((f, n) -> finalizers.merge(f, n, Integer::sum));
            }
        }

        DeletionReport report(DeletableResources.Found found) {
            return new DeletionReport(found.discoveryError(), found.groupVersionErrors(), errors, remaining,
                    finalizers, estimate);
        }
    }

    /** Kubernetes' per-resource step: estimate, delete, then list what is left and why. */
    Outcome deleteResource(String namespace, DeletableResources.Resource r) {
        try {
            long estimate = r.group().isEmpty() && r.plural().equals("pods") ? podGraceEstimate(namespace) : 0;
            if (!r.deleteCollection() || !deleteCollection(namespace, r)) {
                deleteEach(namespace, r);
            }
            if (!r.list()) {
                return new Outcome(estimate, 0, Map.of(), null);
            }
            List<GenericKubernetesResource> left = list(namespace, r);
            if (left.isEmpty()) {
                return Outcome.GONE;
            }
            Map<String, Integer> finalizers = new HashMap<>();
            for (GenericKubernetesResource o : left) {
                List<String> fs = o.getMetadata().getFinalizers();
                if (fs != null) {
                    fs.forEach(f -> finalizers.merge(f, 1, Integer::sum));
                }
            }
            if (estimate > 0) {
                return new Outcome(estimate, left.size(), finalizers, null);
            }
            if (!finalizers.isEmpty()) {
                return new Outcome(FINALIZER_ESTIMATE_SECONDS, left.size(), finalizers, null);
            }
            // Nothing explains why they are still here: they should have been deleted.
            return new Outcome(0, left.size(), Map.of(), "unexpected items still remain in namespace: " + namespace
                    + " for gvr: " + r);
        } catch (KubernetesClientException e) {
            log.debug("namespace {}: deleting {} failed", namespace, r, e);
            return new Outcome(0, 0, Map.of(), "failed to delete " + r.groupResource() + " in namespace " + namespace
                    + ": " + e.getMessage());
        }
    }

    /**
     * The longest grace period of the namespace's pods that have not finished: how long their deletion may take
     * (Kubernetes' estimate for pods).
     */
    private long podGraceEstimate(String namespace) {
        long estimate = 0;
        for (Pod pod : client.pods().inNamespace(namespace).list().getItems()) {
            String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
            if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
                continue;
            }
            Long grace = pod.getSpec() == null ? null : pod.getSpec().getTerminationGracePeriodSeconds();
            if (grace != null && grace > estimate) {
                estimate = grace;
            }
        }
        return estimate;
    }

    /** True when the server took the deletecollection; false when it does not support it here (405, 404). */
    private boolean deleteCollection(String namespace, DeletableResources.Resource r) {
        try {
            client.raw(r.collectionPath(namespace), "DELETE",
                    Map.of("kind", "DeleteOptions", "apiVersion", "v1", "propagationPolicy", "Background"));
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 405 || e.getCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    private void deleteEach(String namespace, DeletableResources.Resource r) {
        if (!r.list()) {
            return;
        }
        for (GenericKubernetesResource o : list(namespace, r)) {
            if (o.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            client.genericKubernetesResources(context(r)).inNamespace(namespace).withName(o.getMetadata().getName())
                    .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
        }
    }

    private List<GenericKubernetesResource> list(String namespace, DeletableResources.Resource r) {
        return client.genericKubernetesResources(context(r)).inNamespace(namespace).list().getItems();
    }

    private static ResourceDefinitionContext context(DeletableResources.Resource r) {
        return new ResourceDefinitionContext.Builder().withGroup(r.group()).withVersion(r.version())
                .withPlural(r.plural()).withKind(r.kind()).withNamespaced(true).build();
    }
}
