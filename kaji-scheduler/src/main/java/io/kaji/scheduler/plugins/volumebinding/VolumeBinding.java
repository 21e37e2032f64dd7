package io.kaji.scheduler.plugins.volumebinding;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.kaji.controllers.runtime.NodeSelectors;
import io.kaji.scheduler.framework.ClusterEvent;
import io.kaji.scheduler.framework.CycleState;
import io.kaji.scheduler.framework.EnqueueExtensions;
import io.kaji.scheduler.framework.FilterPlugin;
import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.PreFilterPlugin;
import io.kaji.scheduler.framework.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The basics of Kubernetes' VolumeBinding for pods with PersistentVolumeClaims (named, or generic ephemeral volumes
 * whose claim is {@code <pod>-<volume>}). PreFilter: every claim must exist and not be terminating, and be bound —
 * Kaji has no StorageClasses, so every claim binds immediately and an unbound one waits for a volume ({@code pod
 * has unbound immediate PersistentVolumeClaims}); all unresolvable by preemption. Filter: the bound volumes'
 * {@code nodeAffinity} must match the node ({@code node(s) had volume node affinity conflict}). Pods without claims
 * skip the plugin. Topology-aware provisioning (WaitForFirstConsumer) and binding are not done here.
 */
public final class VolumeBinding implements PreFilterPlugin, FilterPlugin, EnqueueExtensions {

    public static final String NAME = "VolumeBinding";
    public static final String UNBOUND = "pod has unbound immediate PersistentVolumeClaims";
    public static final String NODE_CONFLICT = "node(s) had volume node affinity conflict";
    public static final String VOLUME_MISSING = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";
    private static final CycleState.Key<List<PersistentVolume>> VOLUMES = new CycleState.Key<>(NAME);

    private final VolumeObjects objects;

    public VolumeBinding(VolumeObjects objects) {
        this.objects = objects;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Status preFilter(CycleState state, Pod pod) {
        List<Volume> volumes = pod.getSpec().getVolumes();
        if (volumes == null || volumes.isEmpty()) {
            return Status.skip();
        }
        String ns = pod.getMetadata().getNamespace();
        List<PersistentVolume> bound = new ArrayList<>();
        boolean anyClaim = false;
        boolean missingVolume = false;
        for (Volume v : volumes) {
            String claimName;
            boolean ephemeral = false;
            if (v.getPersistentVolumeClaim() != null) {
                claimName = v.getPersistentVolumeClaim().getClaimName();
            } else if (v.getEphemeral() != null) {
                claimName = pod.getMetadata().getName() + "-" + v.getName();
                ephemeral = true;
            } else {
                continue;
            }
            anyClaim = true;
            PersistentVolumeClaim claim = objects.claim(ns, claimName);
            if (claim == null) {
                return Status.unresolvable(ephemeral
                        ? "waiting for ephemeral volume controller to create the persistentvolumeclaim \"" + claimName + "\""
                        : "persistentvolumeclaim \"" + claimName + "\" not found");
            }
            if (claim.getMetadata().getDeletionTimestamp() != null) {
                return Status.unresolvable("persistentvolumeclaim \"" + claimName + "\" is being deleted");
            }
            String volumeName = claim.getSpec() == null ? null : claim.getSpec().getVolumeName();
            if (volumeName == null || volumeName.isEmpty()) {
                return Status.unresolvable(UNBOUND);
            }
            PersistentVolume pv = objects.volume(volumeName);
            if (pv == null) {
                missingVolume = true;
            } else {
                bound.add(pv);
            }
        }
        if (!anyClaim) {
            return Status.skip();
        }
        if (missingVolume) {
            return Status.unresolvable(VOLUME_MISSING);
        }
        state.write(VOLUMES, List.copyOf(bound));
        return Status.success();
    }

    @Override
    public Status filter(CycleState state, Pod pod, NodeInfo node) {
        List<PersistentVolume> volumes = state.read(VOLUMES);
        if (volumes == null || node.node() == null) {
            return Status.success();
        }
        for (PersistentVolume pv : volumes) {
            var affinity = pv.getSpec() == null ? null : pv.getSpec().getNodeAffinity();
            if (affinity != null && affinity.getRequired() != null
                    && !NodeSelectors.matches(affinity.getRequired(), node.node())) {
                return Status.unresolvable(NODE_CONFLICT);
            }
        }
        return Status.success();
    }

    @Override
    public Set<ClusterEvent> events() {
        return Set.of(ClusterEvent.PVC_ADDED_OR_CHANGED, ClusterEvent.PV_ADDED_OR_CHANGED, ClusterEvent.NODE_ADDED,
                ClusterEvent.NODE_LABELS_CHANGED);
    }
}
