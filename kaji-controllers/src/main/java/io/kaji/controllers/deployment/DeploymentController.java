package io.kaji.controllers.deployment;

import static io.kaji.controllers.deployment.RolloutMath.actual;
import static io.kaji.controllers.deployment.RolloutMath.available;
import static io.kaji.controllers.deployment.RolloutMath.ready;
import static io.kaji.controllers.deployment.RolloutMath.replicas;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.kaji.controllers.runtime.Controller;
import io.kaji.controllers.runtime.EventRecorder;
import io.kaji.controllers.runtime.Handlers;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Rolls Deployments out through ReplicaSets, as Kubernetes' deployment controller does: one ReplicaSet per
 * pod template (named {@code <deployment>-<pod-template-hash>}), rolling updates bounded by maxSurge and
 * maxUnavailable, Recreate, proportional scaling during a rollout, pause/resume, revision annotations (so
 * {@code kubectl rollout history/undo} work), revisionHistoryLimit, and the Progressing/Available conditions
 * with Kubernetes' reasons (so {@code kubectl rollout status} behaves the same).
 */
public final class DeploymentController implements Reconciler {

    public static final String REVISION = "deployment.kubernetes.io/revision";
    public static final String REVISION_HISTORY = "deployment.kubernetes.io/revision-history";
    public static final String DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas";
    public static final String MAX_REPLICAS = "deployment.kubernetes.io/max-replicas";
    private static final Set<String> NOT_COPIED_TO_RS = Set.of(
            "kubectl.kubernetes.io/last-applied-configuration", REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS,
            "deprecated.deployment.rollback.to");

    private final KubernetesClient client;
    private final SharedIndexInformer<Deployment> deployments;
    private final SharedIndexInformer<ReplicaSet> replicaSets;
    private final SharedIndexInformer<Pod> pods;
    private final EventRecorder events;
    private final Clock clock;
    private final Controller controller;

    public DeploymentController(KubernetesClient client, SharedIndexInformer<Deployment> deployments,
                                SharedIndexInformer<ReplicaSet> replicaSets, SharedIndexInformer<Pod> pods,
                                EventRecorder events, Clock clock, int workers) {
        this.client = client;
        this.deployments = deployments;
        this.replicaSets = replicaSets;
        this.pods = pods;
        this.events = events;
        this.clock = clock;
        this.controller = new Controller("deployment", this, workers);
        deployments.addEventHandler(Handlers.onAnyChange(d -> controller.enqueue(Keys.of(d))));
        replicaSets.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ReplicaSet rs) {
                enqueueFor(rs);
            }

            @Override
            public void onUpdate(ReplicaSet old, ReplicaSet rs) {
                enqueueFor(old); // an RS that changed owner or labels concerns both deployments
                enqueueFor(rs);
            }

            @Override
            public void onDelete(ReplicaSet rs, boolean unknownFinalState) {
                enqueueFor(rs);
            }
        });
        // A Recreate rollout waits for the old pods to be gone.
        pods.addEventHandler(Handlers.onDelete(pod -> Pods.controllerOf(pod).filter(r -> "ReplicaSet".equals(r.getKind()))
                .map(r -> replicaSets.getStore().getByKey(Keys.of(pod.getMetadata().getNamespace(), r.getName())))
                .ifPresent(this::enqueueFor)));
    }

    public Controller controller() {
        return controller;
    }

    private void enqueueFor(ReplicaSet rs) {
        Optional<OwnerReference> ref = Pods.controllerOf(rs);
        if (ref.isPresent()) {
            if ("Deployment".equals(ref.get().getKind())) {
                controller.enqueue(Keys.of(rs.getMetadata().getNamespace(), ref.get().getName()));
            }
            return;
        }
        for (Deployment d : deployments.getIndexer().byIndex(Cache.NAMESPACE_INDEX, rs.getMetadata().getNamespace())) {
            if (!Selectors.isEmpty(d.getSpec().getSelector())
                    && Selectors.matches(d.getSpec().getSelector(), rs.getMetadata().getLabels())) {
                controller.enqueue(Keys.of(d));
            }
        }
    }

    @Override
    public Result reconcile(String key) {
        Deployment d = deployments.getStore().getByKey(key);
        if (d == null) {
            return Result.done();
        }
        if (Selectors.isEmpty(d.getSpec().getSelector())) {
            events.warning(d, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
            return Result.done();
        }
        List<ReplicaSet> owned = claimReplicaSets(d);
        if (d.getMetadata().getDeletionTimestamp() != null) {
            return syncStatus(d, owned, null);
        }
        if (Boolean.TRUE.equals(d.getSpec().getPaused()) || isScalingEvent(d, owned)) {
            return sync(d, owned);
        }
        return RolloutMath.isRollingUpdate(d) ? rolloutRolling(d, owned) : rolloutRecreate(d, owned);
    }

    // ---- ReplicaSet ownership -------------------------------------------------------------------------------

    private List<ReplicaSet> claimReplicaSets(Deployment d) {
        List<ReplicaSet> owned = new ArrayList<>();
        boolean mayAdopt = d.getMetadata().getDeletionTimestamp() == null;
        for (ReplicaSet rs : replicaSets.getIndexer().byIndex(Cache.NAMESPACE_INDEX, d.getMetadata().getNamespace())) {
            boolean selected = Selectors.matches(d.getSpec().getSelector(), rs.getMetadata().getLabels());
            Optional<OwnerReference> ref = Pods.controllerOf(rs);
            if (ref.isPresent()) {
                if (!ref.get().getUid().equals(d.getMetadata().getUid())) {
                    continue;
                }
                if (selected) {
                    owned.add(rs);
                } else if (mayAdopt) {
                    setOwners(rs, rs.getMetadata().getOwnerReferences().stream()
                            .filter(r -> !d.getMetadata().getUid().equals(r.getUid())).toList());
                }
            } else if (selected && mayAdopt && rs.getMetadata().getDeletionTimestamp() == null) {
                List<OwnerReference> refs = new ArrayList<>(Optional.ofNullable(rs.getMetadata().getOwnerReferences()).orElse(List.of()));
                refs.add(controllerRef(d));
                owned.add(setOwners(rs, refs));
            }
        }
        return owned;
    }

    private ReplicaSet setOwners(ReplicaSet rs, List<OwnerReference> refs) {
        ReplicaSet updated = new ReplicaSetBuilder(rs).editMetadata().withOwnerReferences(refs).endMetadata().build();
        return client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).resource(updated).update();
    }

    static OwnerReference controllerRef(Deployment d) {
        return new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("Deployment")
                .withName(d.getMetadata().getName()).withUid(d.getMetadata().getUid())
                .withController(true).withBlockOwnerDeletion(true).build();
    }

    // ---- Finding the new ReplicaSet and revisions --------------------------------------------------------------

    static long revision(ReplicaSet rs) {
        String r = rs.getMetadata().getAnnotations() == null ? null : rs.getMetadata().getAnnotations().get(REVISION);
        try {
            return r == null ? 0 : Long.parseLong(r);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** The ReplicaSet running the Deployment's current template, if it exists. */
    private ReplicaSet findNew(Deployment d, List<ReplicaSet> owned) {
        String hash = TemplateHash.of(d.getSpec().getTemplate(), collisionCount(d));
        String canonical = TemplateHash.canonical(d.getSpec().getTemplate());
        ReplicaSet byCanonical = null;
        for (ReplicaSet rs : owned.stream().sorted(Comparator.comparing(r -> r.getMetadata().getCreationTimestamp())).toList()) {
            Map<String, String> labels = Optional.ofNullable(rs.getMetadata().getLabels()).orElse(Map.of());
            if (hash.equals(labels.get(TemplateHash.LABEL))) {
                return rs;
            }
            if (byCanonical == null && canonical.equals(TemplateHash.canonical(rs.getSpec().getTemplate()))) {
                byCanonical = rs;
            }
        }
        return byCanonical;
    }

    private static Integer collisionCount(Deployment d) {
        return d.getStatus() == null ? null : d.getStatus().getCollisionCount();
    }

    /**
     * The new ReplicaSet (created when {@code create} and missing), with revision annotations brought up to
     * date on it and on the Deployment. Returns null only when it is missing and {@code create} is false.
     */
    private ReplicaSet newReplicaSet(Deployment d, List<ReplicaSet> owned, List<ReplicaSet> old, boolean create) {
        ReplicaSet existing = findNew(d, owned);
        long maxOld = old.stream().mapToLong(DeploymentController::revision).max().orElse(0);
        long newRevision = maxOld + 1;
        if (existing != null) {
            Map<String, String> wanted = rsAnnotations(d, existing, newRevision, existing.getMetadata().getAnnotations());
            if (!wanted.equals(existing.getMetadata().getAnnotations())) {
                existing = client.apps().replicaSets().inNamespace(d.getMetadata().getNamespace()).resource(
                        new ReplicaSetBuilder(existing).editMetadata().withAnnotations(wanted).endMetadata().build()).update();
            }
            setDeploymentRevision(d, revision(existing));
            return existing;
        }
        if (!create) {
            return null;
        }
        String hash = TemplateHash.of(d.getSpec().getTemplate(), collisionCount(d));
        PodTemplateSpec template = new PodTemplateSpecBuilder(d.getSpec().getTemplate())
                .editOrNewMetadata().addToLabels(TemplateHash.LABEL, hash).endMetadata().build();
        LabelSelector selector = new LabelSelectorBuilder(d.getSpec().getSelector())
                .addToMatchLabels(TemplateHash.LABEL, hash).build();
        List<ReplicaSet> all = new ArrayList<>(old);
        int initialReplicas = RolloutMath.newReplicaSetReplicas(d, all, null);
        Map<String, String> labels = new LinkedHashMap<>(Optional.ofNullable(d.getSpec().getTemplate().getMetadata().getLabels()).orElse(Map.of()));
        labels.put(TemplateHash.LABEL, hash);
        ReplicaSet rs = new ReplicaSetBuilder()
                .withNewMetadata()
                .withName(d.getMetadata().getName() + "-" + hash)
                .withNamespace(d.getMetadata().getNamespace())
                .withLabels(labels)
                .withAnnotations(rsAnnotations(d, null, newRevision, null))
                .withOwnerReferences(controllerRef(d))
                .endMetadata()
                .withNewSpec()
                .withReplicas(initialReplicas)
                .withMinReadySeconds(d.getSpec().getMinReadySeconds())
                .withSelector(selector)
                .withTemplate(template)
                .endSpec()
                .build();
        try {
            ReplicaSet created = client.apps().replicaSets().inNamespace(d.getMetadata().getNamespace()).resource(rs).create();
            events.normal(d, "ScalingReplicaSet", "Scaled up replica set " + created.getMetadata().getName()
                    + " to " + initialReplicas);
            setDeploymentRevision(d, newRevision);
            return created;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                // Same name, another template: a hash collision. Count it and retry with a new hash.
                int count = Optional.ofNullable(collisionCount(d)).orElse(0) + 1;
                DeploymentStatus status = new DeploymentStatusBuilder(d.getStatus() == null ? new DeploymentStatus() : d.getStatus())
                        .withCollisionCount(count).build();
                client.apps().deployments().inNamespace(d.getMetadata().getNamespace())
                        .resource(new DeploymentBuilder(d).withStatus(status).build()).updateStatus();
                throw new IllegalStateException("replica set name " + rs.getMetadata().getName()
                        + " is taken by another template; collision count is now " + count);
            }
            throw e;
        }
    }

    private Map<String, String> rsAnnotations(Deployment d, ReplicaSet existing, long newRevision, Map<String, String> current) {
        Map<String, String> a = new LinkedHashMap<>(current == null ? Map.of() : current);
        if (d.getMetadata().getAnnotations() != null) {
            d.getMetadata().getAnnotations().forEach((k, v) -> {
                if (!NOT_COPIED_TO_RS.contains(k)) {
                    a.put(k, v);
                }
            });
        }
        long oldRevision = existing == null ? 0 : revision(existing);
        if (oldRevision < newRevision) {
            if (oldRevision > 0) {
                String history = a.get(REVISION_HISTORY);
                a.put(REVISION_HISTORY, history == null || history.isEmpty() ? Long.toString(oldRevision)
                        : history + "," + oldRevision);
            }
            a.put(REVISION, Long.toString(newRevision));
        }
        a.put(DESIRED_REPLICAS, Integer.toString(replicas(d)));
        a.put(MAX_REPLICAS, Integer.toString(replicas(d) + RolloutMath.maxSurge(d)));
        return a;
    }

    private void setDeploymentRevision(Deployment d, long revision) {
        String current = d.getMetadata().getAnnotations() == null ? null : d.getMetadata().getAnnotations().get(REVISION);
        if (Long.toString(revision).equals(current)) {
            return;
        }
        Deployment fresh = client.apps().deployments().inNamespace(d.getMetadata().getNamespace())
                .withName(d.getMetadata().getName()).get();
        if (fresh == null) {
            return;
        }
        Map<String, String> annotations = new LinkedHashMap<>(Optional.ofNullable(fresh.getMetadata().getAnnotations()).orElse(Map.of()));
        annotations.put(REVISION, Long.toString(revision));
        client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(
                new DeploymentBuilder(fresh).editMetadata().withAnnotations(annotations).endMetadata().build()).update();
        d.getMetadata().setAnnotations(annotations);
    }

    // ---- Scaling ---------------------------------------------------------------------------------------------

    /** Sets a ReplicaSet's replicas (and the desired/max annotations); true if anything changed. */
    private boolean scale(Deployment d, ReplicaSet rs, int to) {
        Map<String, String> annotations = new LinkedHashMap<>(Optional.ofNullable(rs.getMetadata().getAnnotations()).orElse(Map.of()));
        String desired = Integer.toString(replicas(d));
        String max = Integer.toString(replicas(d) + RolloutMath.maxSurge(d));
        boolean annotationsChanged = !desired.equals(annotations.get(DESIRED_REPLICAS)) || !max.equals(annotations.get(MAX_REPLICAS));
        int from = replicas(rs);
        if (from == to && !annotationsChanged) {
            return false;
        }
        annotations.put(DESIRED_REPLICAS, desired);
        annotations.put(MAX_REPLICAS, max);
        ReplicaSet updated = new ReplicaSetBuilder(rs).editMetadata().withAnnotations(annotations).endMetadata()
                .editSpec().withReplicas(to).endSpec().build();
        client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).resource(updated).update();
        if (from != to) {
            events.normal(d, "ScalingReplicaSet", (to > from ? "Scaled up" : "Scaled down") + " replica set "
                    + rs.getMetadata().getName() + " from " + from + " to " + to);
            rs.getSpec().setReplicas(to);
        }
        return from != to;
    }

    /** A scaling event: the desired replicas differ from what some active ReplicaSet was last sized for. */
    private boolean isScalingEvent(Deployment d, List<ReplicaSet> owned) {
        for (ReplicaSet rs : owned) {
            if (replicas(rs) == 0) {
                continue;
            }
            String desired = rs.getMetadata().getAnnotations() == null ? null : rs.getMetadata().getAnnotations().get(DESIRED_REPLICAS);
            if (desired != null && !desired.equals(Integer.toString(replicas(d)))) {
                return true;
            }
        }
        return false;
    }

    /** Scaling only (paused, or the replicas changed mid-rollout): proportional, without starting a rollout. */
    private Result sync(Deployment d, List<ReplicaSet> owned) {
        ReplicaSet newRs = findNew(d, owned);
        List<ReplicaSet> old = others(owned, newRs);
        List<ReplicaSet> active = owned.stream().filter(rs -> replicas(rs) > 0).toList();
        if (active.size() <= 1) {
            ReplicaSet target = active.isEmpty() ? (newRs != null ? newRs : newest(owned)) : active.get(0);
            if (target != null) {
                scale(d, target, replicas(d));
            }
        } else if (newRs != null && replicas(newRs) == replicas(d) && available(newRs) == replicas(d)) {
            for (ReplicaSet rs : old) {
                scale(d, rs, 0);
            }
        } else {
            scaleProportionally(d, active);
        }
        if (!Boolean.TRUE.equals(d.getSpec().getPaused())) {
            cleanup(d, old);
        }
        return syncStatus(d, owned, newRs);
    }

    private void scaleProportionally(Deployment d, List<ReplicaSet> active) {
        int allowed = replicas(d) + RolloutMath.maxSurge(d);
        int current = RolloutMath.sumReplicas(active);
        int toAdd = allowed - current;
        if (toAdd == 0 || current == 0) {
            return;
        }
        List<ReplicaSet> bySize = active.stream()
                .sorted(Comparator.comparingInt((ReplicaSet rs) -> replicas(rs)).reversed()).toList();
        Map<ReplicaSet, Integer> target = new HashMap<>();
        int added = 0;
        for (ReplicaSet rs : bySize) {
            int share = (int) Math.round((double) replicas(rs) * toAdd / current);
            if (toAdd > 0) {
                share = Math.min(share, toAdd - added);
            } else {
                share = Math.max(share, toAdd - added);
            }
            target.put(rs, replicas(rs) + share);
            added += share;
        }
        ReplicaSet largest = bySize.get(0);
        target.put(largest, Math.max(0, target.get(largest) + (toAdd - added)));
        for (ReplicaSet rs : bySize) {
            scale(d, rs, Math.max(0, target.get(rs)));
        }
    }

    // ---- Rollouts --------------------------------------------------------------------------------------------

    private Result rolloutRolling(Deployment d, List<ReplicaSet> owned) {
        List<ReplicaSet> old = others(owned, findNew(d, owned));
        ReplicaSet newRs = newReplicaSet(d, owned, old, true);
        old = others(owned, newRs);
        List<ReplicaSet> all = new ArrayList<>(old);
        all.add(newRs);

        // Scale the new ReplicaSet up as far as maxSurge allows.
        if (replicas(newRs) != replicas(d)) {
            int to = replicas(newRs) > replicas(d) ? replicas(d) : RolloutMath.newReplicaSetReplicas(d, all, newRs);
            if (scale(d, newRs, to)) {
                return syncStatus(d, all, newRs);
            }
        }
        // Scale old ReplicaSets down as far as maxUnavailable allows.
        if (RolloutMath.sumReplicas(old) > 0) {
            int maxScaledDown = RolloutMath.maxScaledDown(d, all, newRs);
            if (maxScaledDown > 0) {
                int cleaned = cleanupUnhealthy(d, old, maxScaledDown);
                int scaledDown = scaleDownOld(d, all, old);
                if (cleaned + scaledDown > 0) {
                    return syncStatus(d, all, newRs);
                }
            }
        }
        if (isComplete(d, newRs, all)) {
            cleanup(d, old);
        }
        return syncStatus(d, all, newRs);
    }

    /** First remove old replicas that are not available anyway: they cost no availability. */
    private int cleanupUnhealthy(Deployment d, List<ReplicaSet> old, int maxCleanup) {
        int total = 0;
        for (ReplicaSet rs : byCreation(old)) {
            if (total >= maxCleanup) {
                break;
            }
            int unhealthy = replicas(rs) - available(rs);
            if (replicas(rs) == 0 || unhealthy <= 0) {
                continue;
            }
            int down = Math.min(maxCleanup - total, unhealthy);
            scale(d, rs, replicas(rs) - down);
            total += down;
        }
        return total;
    }

    /** Then remove available old replicas while more than replicas - maxUnavailable pods stay available. */
    private int scaleDownOld(Deployment d, List<ReplicaSet> all, List<ReplicaSet> old) {
        int minAvailable = replicas(d) - RolloutMath.maxUnavailable(d);
        int availableNow = RolloutMath.sumAvailable(all);
        if (availableNow <= minAvailable) {
            return 0;
        }
        int budget = availableNow - minAvailable;
        int total = 0;
        for (ReplicaSet rs : byCreation(old)) {
            if (total >= budget) {
                break;
            }
            if (replicas(rs) == 0) {
                continue;
            }
            int down = Math.min(replicas(rs), budget - total);
            scale(d, rs, replicas(rs) - down);
            total += down;
        }
        return total;
    }

    private Result rolloutRecreate(Deployment d, List<ReplicaSet> owned) {
        ReplicaSet newRs = findNew(d, owned);
        List<ReplicaSet> old = others(owned, newRs);
        boolean scaledDown = false;
        for (ReplicaSet rs : old) {
            scaledDown |= scale(d, rs, 0);
        }
        if (scaledDown) {
            return syncStatus(d, owned, newRs);
        }
        // Recreate means no old pod runs beside a new one: wait until every old pod is gone.
        for (ReplicaSet rs : old) {
            if (actual(rs) > 0 || hasPods(rs)) {
                return syncStatus(d, owned, newRs);
            }
        }
        if (newRs == null) {
            newRs = newReplicaSet(d, owned, old, true);
        }
        scale(d, newRs, replicas(d));
        List<ReplicaSet> all = new ArrayList<>(old);
        all.add(newRs);
        if (isComplete(d, newRs, all)) {
            cleanup(d, old);
        }
        return syncStatus(d, all, newRs);
    }

    private boolean hasPods(ReplicaSet rs) {
        for (Pod p : pods.getIndexer().byIndex(Cache.NAMESPACE_INDEX, rs.getMetadata().getNamespace())) {
            if (Pods.controllerOf(p).map(r -> rs.getMetadata().getUid().equals(r.getUid())).orElse(false)) {
                return true;
            }
        }
        return false;
    }

    /** Deletes old, scaled-down ReplicaSets beyond revisionHistoryLimit (default 10), oldest revision first. */
    private void cleanup(Deployment d, List<ReplicaSet> old) {
        int limit = Optional.ofNullable(d.getSpec().getRevisionHistoryLimit()).orElse(10);
        List<ReplicaSet> candidates = old.stream()
                .filter(rs -> replicas(rs) == 0 && actual(rs) == 0 && rs.getMetadata().getDeletionTimestamp() == null)
                .sorted(Comparator.comparingLong(DeploymentController::revision))
                .toList();
        for (int i = 0; i < candidates.size() - limit; i++) {
            ReplicaSet rs = candidates.get(i);
            client.apps().replicaSets().inNamespace(rs.getMetadata().getNamespace()).withName(rs.getMetadata().getName()).delete();
        }
    }

    // ---- Status ----------------------------------------------------------------------------------------------

    private boolean isComplete(Deployment d, ReplicaSet newRs, List<ReplicaSet> all) {
        int want = replicas(d);
        return newRs != null && actual(newRs) == want && available(newRs) == want && replicas(newRs) == want
                && all.stream().filter(rs -> rs != newRs).mapToInt(RolloutMath::actual).sum() == 0;
    }

    private Result syncStatus(Deployment d, List<ReplicaSet> all, ReplicaSet newRs) {
        Instant now = clock.instant();
        String ts = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(ChronoUnit.SECONDS));
        int want = replicas(d);
        int availableReplicas = all.stream().mapToInt(RolloutMath::available).sum();
        int total = all.stream().mapToInt(RolloutMath::actual).sum();
        int updated = newRs == null ? 0 : actual(newRs);
        DeploymentStatus previous = d.getStatus() == null ? new DeploymentStatus() : d.getStatus();
        Map<String, DeploymentCondition> conditions = new LinkedHashMap<>();
        if (previous.getConditions() != null) {
            previous.getConditions().forEach(c -> conditions.put(c.getType(), c));
        }
        boolean minAvailable = availableReplicas >= want - RolloutMath.maxUnavailable(d);
        put(conditions, "Available", minAvailable ? "True" : "False",
                minAvailable ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                minAvailable ? "Deployment has minimum availability." : "Deployment does not have minimum availability.", ts);

        Duration requeue = null;
        String rsName = newRs == null ? "" : newRs.getMetadata().getName();
        DeploymentCondition progressing = conditions.get("Progressing");
        if (Boolean.TRUE.equals(d.getSpec().getPaused())) {
            if (progressing == null || !"DeploymentPaused".equals(progressing.getReason())) {
                put(conditions, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", ts);
            }
        } else if (progressing != null && "DeploymentPaused".equals(progressing.getReason())) {
            put(conditions, "Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed", ts);
        } else if (newRs != null) {
            boolean complete = total == want && updated == want && availableReplicas == want && isComplete(d, newRs, all);
            int readyReplicas = all.stream().mapToInt(RolloutMath::ready).sum();
            int oldReplicasBefore = intOr(previous.getReplicas()) - intOr(previous.getUpdatedReplicas());
            // Kubernetes' DeploymentProgressing: any of these moving forward counts as progress.
            boolean moved = progressing == null
                    || updated > intOr(previous.getUpdatedReplicas())
                    || total - updated < oldReplicasBefore
                    || readyReplicas > intOr(previous.getReadyReplicas())
                    || availableReplicas > intOr(previous.getAvailableReplicas());
            Integer deadline = d.getSpec().getProgressDeadlineSeconds() == null ? 600 : d.getSpec().getProgressDeadlineSeconds();
            if (complete) {
                put(conditions, "Progressing", "True", "NewReplicaSetAvailable",
                        "ReplicaSet \"" + rsName + "\" has successfully progressed.", ts);
            } else if (moved || !rsName.equals(lastRs(progressing))) {
                String reason = progressing == null || !rsName.equals(lastRs(progressing)) ? "NewReplicaSetCreated" : "ReplicaSetUpdated";
                String message = reason.equals("NewReplicaSetCreated") ? "Created new replica set \"" + rsName + "\""
                        : "ReplicaSet \"" + rsName + "\" is progressing.";
                put(conditions, "Progressing", "True", reason, message, ts);
                requeue = Duration.ofSeconds(deadline);
            } else if (!"ProgressDeadlineExceeded".equals(progressing.getReason())) {
                Instant last = Instant.parse(Optional.ofNullable(progressing.getLastUpdateTime()).orElse(ts));
                Instant expires = last.plusSeconds(deadline);
                if (!now.isBefore(expires)) {
                    put(conditions, "Progressing", "False", "ProgressDeadlineExceeded",
                            "ReplicaSet \"" + rsName + "\" has timed out progressing.", ts);
                } else {
                    requeue = Duration.between(now, expires).plusSeconds(1);
                }
            }
        }
        DeploymentStatus status = new DeploymentStatusBuilder()
                .withObservedGeneration(d.getMetadata().getGeneration())
                .withReplicas(total)
                .withUpdatedReplicas(updated)
                .withReadyReplicas(all.stream().mapToInt(RolloutMath::ready).sum())
                .withAvailableReplicas(availableReplicas)
                .withUnavailableReplicas(Math.max(0, want - availableReplicas))
                .withCollisionCount(previous.getCollisionCount())
                .withConditions(new ArrayList<>(conditions.values()))
                .build();
        if (!status.equals(previous)) {
            Deployment fresh = new DeploymentBuilder(d).withStatus(status).build();
            client.apps().deployments().inNamespace(d.getMetadata().getNamespace()).resource(fresh).updateStatus();
        }
        return requeue == null ? Result.done() : Result.requeueAfter(requeue);
    }

    /** The ReplicaSet a Progressing condition's message names. */
    private static String lastRs(DeploymentCondition c) {
        String m = Optional.ofNullable(c.getMessage()).orElse("");
        int a = m.indexOf('"');
        int b = a < 0 ? -1 : m.indexOf('"', a + 1);
        return a < 0 || b < 0 ? "" : m.substring(a + 1, b);
    }

    private static int intOr(Integer i) {
        return i == null ? 0 : i;
    }

    /** Sets a condition; lastTransitionTime moves only when the status changes, lastUpdateTime on any change. */
    private static void put(Map<String, DeploymentCondition> conditions, String type, String status, String reason,
                            String message, String ts) {
        DeploymentCondition old = conditions.get(type);
        if (old != null && status.equals(old.getStatus()) && reason.equals(old.getReason()) && message.equals(old.getMessage())) {
            return;
        }
        String transition = old != null && status.equals(old.getStatus()) ? old.getLastTransitionTime() : ts;
        conditions.put(type, new DeploymentConditionBuilder().withType(type).withStatus(status).withReason(reason)
                .withMessage(message).withLastUpdateTime(ts).withLastTransitionTime(transition).build());
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private static List<ReplicaSet> others(List<ReplicaSet> owned, ReplicaSet newRs) {
        if (newRs == null) {
            return new ArrayList<>(owned);
        }
        return owned.stream().filter(rs -> !Objects.equals(rs.getMetadata().getUid(), newRs.getMetadata().getUid()))
                .collect(java.util.stream.Collectors.toCollection(ArrayList::new));
    }

    private static List<ReplicaSet> byCreation(List<ReplicaSet> sets) {
        return sets.stream().sorted(Comparator.comparing((ReplicaSet rs) -> rs.getMetadata().getCreationTimestamp())
                .thenComparing(rs -> rs.getMetadata().getName())).toList();
    }

    private static ReplicaSet newest(List<ReplicaSet> sets) {
        return sets.stream().max(Comparator.comparing((ReplicaSet rs) -> rs.getMetadata().getCreationTimestamp())).orElse(null);
    }
}
