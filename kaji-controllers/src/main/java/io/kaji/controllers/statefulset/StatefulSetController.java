package io.kaji.controllers.statefulset;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatus;
import io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.kaji.controllers.deployment.TemplateHash;
import io.kaji.controllers.runtime.Controller;
import io.kaji.controllers.runtime.EventRecorder;
import io.kaji.controllers.runtime.Handlers;
import io.kaji.controllers.runtime.Keys;
import io.kaji.controllers.runtime.Pods;
import io.kaji.controllers.runtime.Reconciler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Runs StatefulSets: pods with stable names {@code <set>-0 … <set>-(n-1)}, hostnames and subdomains, a
 * PersistentVolumeClaim per volumeClaimTemplate and ordinal ({@code <template>-<set>-<ordinal>}, kept when pods
 * come and go), OrderedReady management (create in order, each after the previous is Running and Ready; delete
 * from the highest ordinal down, one at a time) or Parallel, and RollingUpdate from the highest ordinal down to
 * {@code partition}, one pod at a time, waiting for each replacement to be Ready.
 */
public final class StatefulSetController implements Reconciler {

    public static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
    public static final String POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";
    public static final String REVISION_LABEL = "controller-revision-hash";

    private final KubernetesClient client;
    private final SharedIndexInformer<StatefulSet> sets;
    private final SharedIndexInformer<Pod> pods;
    private final EventRecorder events;
    private final Controller controller;

    public StatefulSetController(KubernetesClient client, SharedIndexInformer<StatefulSet> sets, SharedIndexInformer<Pod> pods,
                                 EventRecorder events, int workers) {
        this.client = client;
        this.sets = sets;
        this.pods = pods;
        this.events = events;
        this.controller = new Controller("statefulset", this, workers);
        sets.addEventHandler(Handlers.onAnyChange(s -> controller.enqueue(Keys.of(s))));
        pods.addEventHandler(Handlers.onAnyChange(p -> Pods.controllerOf(p).filter(r -> "StatefulSet".equals(r.getKind()))
                .ifPresent(r -> controller.enqueue(Keys.of(p.getMetadata().getNamespace(), r.getName())))));
    }

    public Controller controller() {
        return controller;
    }

    @Override
    public Result reconcile(String key) {
        StatefulSet set = sets.getStore().getByKey(key);
        if (set == null || set.getMetadata().getDeletionTimestamp() != null) {
            return Result.done();
        }
        String name = set.getMetadata().getName();
        int replicas = Optional.ofNullable(set.getSpec().getReplicas()).orElse(1);
        boolean parallel = "Parallel".equals(set.getSpec().getPodManagementPolicy());
        String revision = name + "-" + TemplateHash.of(set.getSpec().getTemplate(), null);

        // Pods by ordinal; pods that are not ours or not of the form <name>-<n> are left alone.
        TreeMap<Integer, Pod> byOrdinal = new TreeMap<>();
        for (Pod p : pods.getIndexer().byIndex(Cache.NAMESPACE_INDEX, set.getMetadata().getNamespace())) {
            if (!Pods.controllerOf(p).map(r -> set.getMetadata().getUid().equals(r.getUid())).orElse(false)) {
                continue;
            }
            Integer ordinal = ordinal(name, p.getMetadata().getName());
            if (ordinal != null) {
                byOrdinal.put(ordinal, p);
            }
        }
        boolean acted = false;
        // Failed pods are replaced (deleted, then recreated under the same name).
        for (Pod p : byOrdinal.values()) {
            if ("Failed".equals(phase(p)) && p.getMetadata().getDeletionTimestamp() == null) {
                deletePod(set, p);
                acted = true;
            }
        }
        // Scale up: create missing ordinals below replicas.
        for (int i = 0; i < replicas && !acted; i++) {
            Pod p = byOrdinal.get(i);
            if (p == null) {
                ensureClaims(set, i);
                Pod created = client.pods().inNamespace(set.getMetadata().getNamespace()).resource(podFor(set, i, revision)).create();
                events.normal(set, "SuccessfulCreate", "create Pod " + created.getMetadata().getName() + " in StatefulSet "
                        + name + " successful");
                byOrdinal.put(i, created);
                if (!parallel) {
                    acted = true;
                }
            } else if (!parallel && !(isRunningAndReady(p))) {
                acted = true; // OrderedReady: wait for this ordinal before the next one
            }
        }
        // Scale down: highest ordinal first; one at a time unless Parallel, and only when the rest are healthy.
        if (!acted) {
            for (Integer i : byOrdinal.descendingKeySet()) {
                if (i < replicas) {
                    break;
                }
                Pod p = byOrdinal.get(i);
                if (p.getMetadata().getDeletionTimestamp() != null) {
                    if (!parallel) {
                        acted = true;
                        break;
                    }
                    continue;
                }
                deletePod(set, p);
                if (!parallel) {
                    acted = true;
                    break;
                }
            }
        }
        // Rolling update: from the highest ordinal down to the partition, one pod at a time.
        boolean rolling = set.getSpec().getUpdateStrategy() == null || !"OnDelete".equals(set.getSpec().getUpdateStrategy().getType());
        int partition = set.getSpec().getUpdateStrategy() == null || set.getSpec().getUpdateStrategy().getRollingUpdate() == null
                ? 0 : Optional.ofNullable(set.getSpec().getUpdateStrategy().getRollingUpdate().getPartition()).orElse(0);
        if (!acted && rolling) {
            boolean allHealthy = byOrdinal.headMap(replicas).values().stream().allMatch(StatefulSetController::isRunningAndReady)
                    && byOrdinal.headMap(replicas).size() == replicas;
            if (allHealthy) {
                for (int i = replicas - 1; i >= partition; i--) {
                    Pod p = byOrdinal.get(i);
                    if (p != null && !revision.equals(labels(p).get(REVISION_LABEL))) {
                        deletePod(set, p); // recreated with the new template on the next pass
                        break;
                    }
                }
            }
        }
        writeStatus(set, byOrdinal, replicas, revision);
        return Result.done();
    }

    private void ensureClaims(StatefulSet set, int ordinal) {
        for (PersistentVolumeClaim template : Optional.ofNullable(set.getSpec().getVolumeClaimTemplates()).orElse(List.of())) {
            String claimName = template.getMetadata().getName() + "-" + set.getMetadata().getName() + "-" + ordinal;
            if (client.persistentVolumeClaims().inNamespace(set.getMetadata().getNamespace()).withName(claimName).get() != null) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>(Optional.ofNullable(set.getSpec().getSelector().getMatchLabels()).orElse(Map.of()));
            PersistentVolumeClaim claim = new PersistentVolumeClaimBuilder()
                    .withNewMetadata().withName(claimName).withNamespace(set.getMetadata().getNamespace()).withLabels(labels)
                    .withAnnotations(template.getMetadata().getAnnotations()).endMetadata()
                    .withSpec(template.getSpec())
                    .build();
            try {
                client.persistentVolumeClaims().inNamespace(set.getMetadata().getNamespace()).resource(claim).create();
                events.normal(set, "SuccessfulCreate", "create Claim " + claimName + " Pod " + set.getMetadata().getName()
                        + "-" + ordinal + " in StatefulSet " + set.getMetadata().getName() + " success");
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
        }
    }

    static Pod podFor(StatefulSet set, int ordinal, String revision) {
        String podName = set.getMetadata().getName() + "-" + ordinal;
        var meta = set.getSpec().getTemplate().getMetadata();
        Map<String, String> labels = new LinkedHashMap<>(meta == null || meta.getLabels() == null ? Map.of() : meta.getLabels());
        labels.put(POD_NAME_LABEL, podName);
        labels.put(POD_INDEX_LABEL, Integer.toString(ordinal));
        labels.put(REVISION_LABEL, revision);
        PodSpec spec = new PodSpecBuilder(set.getSpec().getTemplate().getSpec())
                .withHostname(podName).withSubdomain(set.getSpec().getServiceName()).build();
        // Each claim template becomes a volume backed by this ordinal's claim.
        List<Volume> volumes = new ArrayList<>(Optional.ofNullable(spec.getVolumes()).orElse(List.of()));
        for (PersistentVolumeClaim template : Optional.ofNullable(set.getSpec().getVolumeClaimTemplates()).orElse(List.of())) {
            String volume = template.getMetadata().getName();
            volumes.removeIf(v -> volume.equals(v.getName()));
            volumes.add(new VolumeBuilder().withName(volume).withNewPersistentVolumeClaim()
                    .withClaimName(volume + "-" + set.getMetadata().getName() + "-" + ordinal).endPersistentVolumeClaim().build());
        }
        spec.setVolumes(volumes.isEmpty() ? null : volumes);
        return new PodBuilder()
                .withNewMetadata().withName(podName).withNamespace(set.getMetadata().getNamespace()).withLabels(labels)
                .withAnnotations(meta == null ? null : meta.getAnnotations())
                .withOwnerReferences(new OwnerReferenceBuilder().withApiVersion("apps/v1").withKind("StatefulSet")
                        .withName(set.getMetadata().getName()).withUid(set.getMetadata().getUid())
                        .withController(true).withBlockOwnerDeletion(true).build())
                .endMetadata()
                .withSpec(spec)
                .build();
    }

    private void deletePod(StatefulSet set, Pod p) {
        try {
            client.pods().inNamespace(p.getMetadata().getNamespace()).withName(p.getMetadata().getName()).delete();
            events.normal(set, "SuccessfulDelete", "delete Pod " + p.getMetadata().getName() + " in StatefulSet "
                    + set.getMetadata().getName() + " successful");
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
    }

    private void writeStatus(StatefulSet set, Map<Integer, Pod> byOrdinal, int replicas, String revision) {
        int current = 0;
        int ready = 0;
        int updated = 0;
        for (Pod p : byOrdinal.values()) {
            if (p.getMetadata().getDeletionTimestamp() != null) {
                continue;
            }
            current++;
            if (Pods.isReady(p)) {
                ready++;
            }
            if (revision.equals(labels(p).get(REVISION_LABEL))) {
                updated++;
            }
        }
        // The current revision stays the one before a rolling update until every pod has the new one; the current
        // replicas are the pods still at it (Kubernetes' computeReplicaStatus).
        String currentRevision = updated == current ? revision
                : Optional.ofNullable(set.getStatus()).map(StatefulSetStatus::getCurrentRevision).orElse(revision);
        int atCurrent = (int) byOrdinal.values().stream().filter(p -> p.getMetadata().getDeletionTimestamp() == null)
                .filter(p -> currentRevision.equals(labels(p).get(REVISION_LABEL))).count();
        StatefulSetStatus status = new StatefulSetStatusBuilder()
                .withObservedGeneration(set.getMetadata().getGeneration())
                .withReplicas(current)
                .withReadyReplicas(ready)
                .withAvailableReplicas(ready)
                .withCurrentReplicas(atCurrent)
                .withUpdatedReplicas(updated)
                .withCurrentRevision(currentRevision)
                .withUpdateRevision(revision)
                .withCollisionCount(set.getStatus() == null ? null : set.getStatus().getCollisionCount())
                .build();
        if (!status.equals(set.getStatus())) {
            client.apps().statefulSets().inNamespace(set.getMetadata().getNamespace())
                    .resource(new StatefulSetBuilder(set).withStatus(status).build()).updateStatus();
        }
    }

    static Integer ordinal(String setName, String podName) {
        if (!podName.startsWith(setName + "-")) {
            return null;
        }
        try {
            int n = Integer.parseInt(podName.substring(setName.length() + 1));
            return n >= 0 ? n : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static boolean isRunningAndReady(Pod p) {
        return "Running".equals(phase(p)) && Pods.isReady(p) && p.getMetadata().getDeletionTimestamp() == null;
    }

    private static String phase(Pod p) {
        return p.getStatus() == null ? null : p.getStatus().getPhase();
    }

    private static Map<String, String> labels(Pod p) {
        return Optional.ofNullable(p.getMetadata().getLabels()).orElse(Map.of());
    }
}
