package io.kaji.controllers.runtime;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;

/** Facts about pods that several controllers need, with Kubernetes' definitions. */
public final class Pods {

    private Pods() {
    }

    /** Not finished and not being deleted: counts toward a controller's replicas. */
    public static boolean isActive(Pod p) {
        String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
        return !"Succeeded".equals(phase) && !"Failed".equals(phase) && p.getMetadata().getDeletionTimestamp() == null;
    }

    /** The pod's Ready condition is True. */
    public static boolean isReady(Pod p) {
        return readyCondition(p).map(c -> "True".equals(c.getStatus())).orElse(false);
    }

    /** Ready for at least {@code minReadySeconds} at {@code now}. */
    public static boolean isAvailable(Pod p, int minReadySeconds, Instant now) {
        if (!isReady(p)) {
            return false;
        }
        if (minReadySeconds <= 0) {
            return true;
        }
        Instant since = readySince(p);
        return since != null && !since.plus(Duration.ofSeconds(minReadySeconds)).isAfter(now);
    }

    static Optional<PodCondition> readyCondition(Pod p) {
        if (p.getStatus() == null || p.getStatus().getConditions() == null) {
            return Optional.empty();
        }
        return p.getStatus().getConditions().stream().filter(c -> "Ready".equals(c.getType())).findFirst();
    }

    /** When the Ready condition last became true, or null. */
    public static Instant readySince(Pod p) {
        return readyCondition(p)
                .filter(c -> "True".equals(c.getStatus()) && c.getLastTransitionTime() != null)
                .map(c -> Instant.parse(c.getLastTransitionTime()))
                .orElse(null);
    }

    /** The owner reference with {@code controller: true}, if any. */
    public static Optional<OwnerReference> controllerOf(io.fabric8.kubernetes.api.model.HasMetadata o) {
        if (o.getMetadata().getOwnerReferences() == null) {
            return Optional.empty();
        }
        return o.getMetadata().getOwnerReferences().stream()
                .filter(r -> Boolean.TRUE.equals(r.getController()))
                .findFirst();
    }

    static int restarts(Pod p) {
        if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null) {
            return 0;
        }
        return p.getStatus().getContainerStatuses().stream().mapToInt(ContainerStatus::getRestartCount).max().orElse(0);
    }

    private static int phaseRank(Pod p) {
        String phase = p.getStatus() == null ? null : p.getStatus().getPhase();
        if ("Pending".equals(phase) || phase == null) {
            return 0;
        }
        return "Running".equals(phase) ? 2 : 1; // Unknown between
    }

    private static Instant created(Pod p) {
        String ts = p.getMetadata().getCreationTimestamp();
        return ts == null ? Instant.EPOCH : Instant.parse(ts);
    }

    /**
     * The order in which to delete pods when scaling down, most expendable first, as Kubernetes ranks them:
     * unscheduled before scheduled, Pending before Unknown before Running, not ready before ready, ready for a
     * shorter time first, more restarts first, newer before older.
     */
    public static final Comparator<Pod> DELETION_ORDER = Comparator
            .comparing((Pod p) -> p.getSpec() != null && p.getSpec().getNodeName() != null
                    && !p.getSpec().getNodeName().isEmpty())
            .thenComparingInt(Pods::phaseRank)
            .thenComparing(Pods::isReady)
            .thenComparing((Pod p) -> {
                Instant since = readySince(p);
                return since == null ? Instant.MAX : since;
            }, Comparator.reverseOrder())
            .thenComparing(Pods::restarts, Comparator.reverseOrder())
            .thenComparing(Pods::created, Comparator.reverseOrder());
}
