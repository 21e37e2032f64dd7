package io.kaji.controllers.replicaset;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetCondition;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatus;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.kaji.controllers.runtime.Controller;
import io.kaji.controllers.runtime.EventRecorder;
import io.kaji.controllers.runtime.Expectations;
import io.kaji.controllers.runtime.Keys;
import io.kaji.controllers.runtime.Pods;
import io.kaji.controllers.runtime.Reconciler;
import io.kaji.controllers.runtime.Selectors;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code spec.replicas} pods running for every ReplicaSet: adopts matching orphans, releases pods that no
 * longer match, creates the missing pods (in slow-start batches) and deletes the surplus (most expendable
 * first), then writes the observed status. Follows Kubernetes' replica_set.go in behaviour.
 */
public final class ReplicaSetController implements Reconciler {

    private static final Logger log = LoggerFactory.getLogger(ReplicaSetController.class);

    /** Kubernetes' burstReplicas: at most this many creations or deletions per sync. */
    static final int BURST_REPLICAS = 500;

    private final KubernetesClient client;
    private final SharedIndexInformer<ReplicaSet> replicaSets;
    private final SharedIndexInformer<Pod> pods;
    private final Expectations expectations;
    private final EventRecorder events;
    private final Clock clock;
    private final Controller controller;

    public ReplicaSetController(KubernetesClient client, SharedIndexInformer<ReplicaSet> replicaSets,
                                SharedIndexInformer<Pod> pods, EventRecorder events, Clock clock, int workers) {
        this.client = client;
        this.replicaSets = replicaSets;
        this.pods = pods;
        this.events = events;
        this.clock = clock;
        this.expectations = new Expectations(clock);
        this.controller = new Controller("replicaset", this, workers);
        replicaSets.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ReplicaSet rs) {
                controller.enqueue(Keys.of(rs));
            }

            @Override
            public void onUpdate(ReplicaSet old, ReplicaSet rs) {
                controller.enqueue(Keys.of(rs));
            }

            @Override
            public void onDelete(ReplicaSet rs, boolean unknownFinalState) {
                expectations.delete(Keys.of(rs));
                controller.enqueue(Keys.of(rs));
            }
        });
        pods.addEventHandler(new PodHandler());
    }

    public Controller controller() {
        return controller;
    }

    /** Routes pod changes to the ReplicaSets they concern, settling expectations on the way. */
    private final class PodHandler implements ResourceEventHandler<Pod> {
        @Override
        public void onAdd(Pod pod) {
            if (pod.getMetadata().getDeletionTimestamp() != null) {
                onDelete(pod, false);
                return;
            }
            Optional<ReplicaSet> owner = owner(pod);
            if (owner.isPresent()) {
                String key = Keys.of(owner.get());
                expectations.creationObserved(key);
                controller.enqueue(key);
            } else {
                matchingReplicaSets(pod).forEach(rs -> controller.enqueue(Keys.of(rs)));
            }
        }

        @Override
        public void onUpdate(Pod old, Pod pod) {
            if (Objects.equals(old.getMetadata().getResourceVersion(), pod.getMetadata().getResourceVersion())) {
                return; // a resync: nothing changed
            }
            Optional<ReplicaSet> oldOwner = owner(old);
            Optional<ReplicaSet> owner = owner(pod);
            if (pod.getMetadata().getDeletionTimestamp() != null && old.getMetadata().getDeletionTimestamp() == null) {
                owner.ifPresent(rs -> expectations.deletionObserved(Keys.of(rs), pod.getMetadata().getUid()));
            }
            oldOwner.filter(o -> owner.isEmpty() || !o.getMetadata().getUid().equals(owner.get().getMetadata().getUid()))
                    .ifPresent(rs -> controller.enqueue(Keys.of(rs)));
            if (owner.isPresent()) {
                controller.enqueue(Keys.of(owner.get()));
                int minReady = Optional.ofNullable(owner.get().getSpec().getMinReadySeconds()).orElse(0);
                if (minReady > 0 && !Pods.isReady(old) && Pods.isReady(pod)) {
                    // Available only after minReadySeconds: look again then.
                    controller.queue().addAfter(Keys.of(owner.get()), Duration.ofSeconds(minReady));
                }
            } else if (!Objects.equals(old.getMetadata().getLabels(), pod.getMetadata().getLabels())) {
                matchingReplicaSets(pod).forEach(rs -> controller.enqueue(Keys.of(rs)));
            }
        }

        @Override
        public void onDelete(Pod pod, boolean unknownFinalState) {
            owner(pod).ifPresent(rs -> {
                String key = Keys.of(rs);
                expectations.deletionObserved(key, pod.getMetadata().getUid());
                controller.enqueue(key);
            });
        }
    }

    /** The ReplicaSet that controls {@code pod}, if it exists in the cache with the referenced UID. */
    private Optional<ReplicaSet> owner(Pod pod) {
        return Pods.controllerOf(pod)
                .filter(ref -> "ReplicaSet".equals(ref.getKind()))
                .map(ref -> replicaSets.getStore().getByKey(Keys.of(pod.getMetadata().getNamespace(), ref.getName())))
                .filter(rs -> Pods.controllerOf(pod).map(OwnerReference::getUid).orElse("")
                        .equals(rs.getMetadata().getUid()));
    }

    private List<ReplicaSet> matchingReplicaSets(Pod pod) {
        List<ReplicaSet> out = new ArrayList<>();
        for (ReplicaSet rs : replicaSets.getIndexer().byIndex(Cache.NAMESPACE_INDEX, pod.getMetadata().getNamespace())) {
            if (!Selectors.isEmpty(rs.getSpec().getSelector())
                    && Selectors.matches(rs.getSpec().getSelector(), pod.getMetadata().getLabels())) {
                out.add(rs);
            }
        }
        return out;
    }

    @Override
    public Result reconcile(String key) {
        ReplicaSet rs = replicaSets.getStore().getByKey(key);
        if (rs == null) {
            expectations.delete(key);
            return Result.done();
        }
        LabelSelector selector = rs.getSpec().getSelector();
        if (Selectors.isEmpty(selector)) {
            events.warning(rs, "SelectingAll", "This replica set is selecting all pods. A non-empty selector is required.");
            return Result.done();
        }
        boolean needsSync = expectations.satisfied(key);
        List<Pod> claimed = claimPods(rs, selector);
        String manageError = null;
        if (needsSync && rs.getMetadata().getDeletionTimestamp() == null) {
            manageError = manageReplicas(key, rs, claimed);
        }
        Instant now = clock.instant();
        ReplicaSetStatus status = computeStatus(rs, claimed, manageError, now);
        if (!status.equals(rs.getStatus())) {
            ReplicaSet updated = new ReplicaSetBuilder(rs).withStatus(status).build();
            client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).resource(updated).updateStatus();
        }
        if (manageError != null) {
            throw new IllegalStateException(manageError);
        }
        int minReady = Optional.ofNullable(rs.getSpec().getMinReadySeconds()).orElse(0);
        if (minReady > 0 && !Objects.equals(status.getReadyReplicas(), status.getAvailableReplicas())) {
            return Result.requeueAfter(Duration.ofSeconds(minReady));
        }
        return Result.done();
    }

    /** The active pods this ReplicaSet owns after adopting matching orphans and releasing non-matching pods. */
    private List<Pod> claimPods(ReplicaSet rs, LabelSelector selector) {
        List<Pod> claimed = new ArrayList<>();
        boolean mayAdopt = rs.getMetadata().getDeletionTimestamp() == null;
        boolean freshChecked = false;
        for (Pod pod : pods.getIndexer().byIndex(Cache.NAMESPACE_INDEX, rs.getMetadata().getNamespace())) {
            if (!Pods.isActive(pod)) {
                continue;
            }
            boolean selected = Selectors.matches(selector, pod.getMetadata().getLabels());
            Optional<OwnerReference> ref = Pods.controllerOf(pod);
            if (ref.isPresent()) {
                if (!ref.get().getUid().equals(rs.getMetadata().getUid())) {
                    continue;
                }
                if (selected) {
                    claimed.add(pod);
                } else if (mayAdopt) {
                    release(rs, pod);
                }
                continue;
            }
            if (!selected || !mayAdopt) {
                continue;
            }
            if (!freshChecked) {
                // Adopt only if the ReplicaSet is still there and not being deleted (a live read, not the cache).
                ReplicaSet live = client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace())
                        .withName(rs.getMetadata().getName()).get();
                mayAdopt = live != null && live.getMetadata().getUid().equals(rs.getMetadata().getUid())
                        && live.getMetadata().getDeletionTimestamp() == null;
                freshChecked = true;
                if (!mayAdopt) {
                    continue;
                }
            }
            if (adopt(rs, pod)) {
                claimed.add(pod);
            }
        }
        return claimed;
    }

    static OwnerReference controllerRef(ReplicaSet rs) {
        return new OwnerReferenceBuilder()
                .withApiVersion("apps/v1").withKind("ReplicaSet")
                .withName(rs.getMetadata().getName()).withUid(rs.getMetadata().getUid())
                .withController(true).withBlockOwnerDeletion(true)
                .build();
    }

    private boolean adopt(ReplicaSet rs, Pod pod) {
        List<OwnerReference> refs = new ArrayList<>(Optional.ofNullable(pod.getMetadata().getOwnerReferences()).orElse(List.of()));
        refs.add(controllerRef(rs));
        return patchOwners(pod, refs, "adopt");
    }

    private void release(ReplicaSet rs, Pod pod) {
        List<OwnerReference> refs = new ArrayList<>(pod.getMetadata().getOwnerReferences());
        refs.removeIf(r -> rs.getMetadata().getUid().equals(r.getUid()));
        patchOwners(pod, refs, "release");
    }

    /** Sets the pod's owner references, guarded by its resourceVersion (a stale cache gives a 409, retried later). */
    private boolean patchOwners(Pod pod, List<OwnerReference> refs, String what) {
        Map<String, Object> patch = Map.of("metadata", Map.of(
                "ownerReferences", refs,
                "resourceVersion", pod.getMetadata().getResourceVersion()));
        try {
            client.pods().inNamespace(pod.getMetadata().getNamespace()).withName(pod.getMetadata().getName())
                    .patch(PatchContext.of(PatchType.JSON_MERGE), io.fabric8.kubernetes.client.utils.Serialization.asJson(patch));
            return true;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return false;
            }
            throw new IllegalStateException(what + " pod " + pod.getMetadata().getNamespace() + "/"
                    + pod.getMetadata().getName() + ": " + e.getMessage(), e);
        }
    }

    /** Creates or deletes pods toward spec.replicas; returns an error message, or null when all went well. */
    private String manageReplicas(String key, ReplicaSet rs, List<Pod> claimed) {
        int replicas = Optional.ofNullable(rs.getSpec().getReplicas()).orElse(1);
        int diff = claimed.size() - replicas;
        if (diff < 0) {
            int toCreate = Math.min(-diff, BURST_REPLICAS);
            expectations.expectCreations(key, toCreate);
            int created = 0;
            int attempted = 0;
            // Slow start: batches of 1, 2, 4, ... created concurrently, so that a failing template (quota,
            // admission) fails fast and cheaply, and a healthy one reaches full speed quickly.
            for (int batch = 1; attempted < toCreate; batch *= 2) {
                int size = Math.min(batch, toCreate - attempted);
                attempted += size;
                List<java.util.concurrent.Future<Pod>> inFlight = new ArrayList<>(size);
                try (var executor = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                    for (int i = 0; i < size; i++) {
                        inFlight.add(executor.submit(() ->
                                client.pods().inNamespace(rs.getMetadata().getNamespace()).resource(podFor(rs)).create()));
                    }
                }
                String failure = null;
                for (var f : inFlight) {
                    try {
                        Pod pod = f.get();
                        events.normal(rs, "SuccessfulCreate", "Created pod: " + pod.getMetadata().getName());
                        created++;
                    } catch (java.util.concurrent.ExecutionException | InterruptedException e) {
                        expectations.creationObserved(key); // this creation will never be observed
                        Throwable cause = e.getCause() == null ? e : e.getCause();
                        failure = "Error creating: " + cause.getMessage();
                    }
                }
                if (failure != null) {
                    // The rest of the slow start is skipped: those creations can never be observed either.
                    for (int skipped = attempted; skipped < toCreate; skipped++) {
                        expectations.creationObserved(key);
                    }
                    events.warning(rs, "FailedCreate", failure);
                    return failure;
                }
            }
            log.debug("replicaset {}: created {} pod(s)", key, created);
        } else if (diff > 0) {
            int toDelete = Math.min(diff, BURST_REPLICAS);
            List<Pod> victims = claimed.stream().sorted(Pods.DELETION_ORDER).limit(toDelete).toList();
            expectations.expectDeletions(key, victims.stream().map(p -> p.getMetadata().getUid()).toList());
            for (Pod p : victims) {
                try {
                    client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).delete();
                    events.normal(rs, "SuccessfulDelete", "Deleted pod: " + p.getMetadata().getName());
                } catch (KubernetesClientException e) {
                    expectations.deletionObserved(key, p.getMetadata().getUid());
                    if (e.getCode() != 404) {
                        String message = "Error deleting: " + e.getMessage();
                        events.warning(rs, "FailedDelete", message);
                        return message;
                    }
                }
            }
        }
        return null;
    }

    /** A new pod from the template, controlled by {@code rs}. */
    static Pod podFor(ReplicaSet rs) {
        var template = rs.getSpec().getTemplate();
        var meta = template.getMetadata();
        return new PodBuilder()
                .withNewMetadata()
                .withGenerateName(rs.getMetadata().getName() + "-")
                .withNamespace(rs.getMetadata().getNamespace())
                .withLabels(meta == null ? null : meta.getLabels())
                .withAnnotations(meta == null ? null : meta.getAnnotations())
                .withFinalizers(meta == null ? null : meta.getFinalizers())
                .withOwnerReferences(controllerRef(rs))
                .endMetadata()
                .withSpec(template.getSpec())
                .build();
    }

    private ReplicaSetStatus computeStatus(ReplicaSet rs, List<Pod> claimed, String manageError, Instant now) {
        int minReady = Optional.ofNullable(rs.getSpec().getMinReadySeconds()).orElse(0);
        Map<String, String> templateLabels = rs.getSpec().getTemplate().getMetadata() == null ? Map.of()
                : Optional.ofNullable(rs.getSpec().getTemplate().getMetadata().getLabels()).orElse(Map.of());
        int fullyLabeled = 0;
        int ready = 0;
        int available = 0;
        for (Pod p : claimed) {
            Map<String, String> labels = Optional.ofNullable(p.getMetadata().getLabels()).orElse(Map.of());
            if (labels.entrySet().containsAll(templateLabels.entrySet())) {
                fullyLabeled++;
            }
            if (Pods.isReady(p)) {
                ready++;
                if (Pods.isAvailable(p, minReady, now)) {
                    available++;
                }
            }
        }
        List<ReplicaSetCondition> conditions = new ArrayList<>();
        if (rs.getStatus() != null && rs.getStatus().getConditions() != null) {
            for (ReplicaSetCondition c : rs.getStatus().getConditions()) {
                if (!"ReplicaFailure".equals(c.getType())) {
                    conditions.add(c);
                }
            }
        }
        if (manageError != null) {
            ReplicaSetCondition previous = rs.getStatus() == null || rs.getStatus().getConditions() == null ? null
                    : rs.getStatus().getConditions().stream().filter(c -> "ReplicaFailure".equals(c.getType()))
                    .findFirst().orElse(null);
            String reason = manageError.startsWith("Error creating") ? "FailedCreate" : "FailedDelete";
            conditions.add(new ReplicaSetConditionBuilder()
                    .withType("ReplicaFailure").withStatus("True").withReason(reason).withMessage(manageError)
                    .withLastTransitionTime(previous != null ? previous.getLastTransitionTime()
                            : DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS)))
                    .build());
        }
        return new ReplicaSetStatusBuilder()
                .withReplicas(claimed.size())
                .withFullyLabeledReplicas(fullyLabeled)
                .withReadyReplicas(ready)
                .withAvailableReplicas(available)
                .withObservedGeneration(rs.getMetadata().getGeneration())
                .withConditions(conditions.isEmpty() ? null : conditions)
                .build();
    }
}
