package io.kaji.node.eviction;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;

/**
 * The order in which pods are evicted for a starved resource, as the kubelet ranks them:
 * <ul>
 *   <li>memory: pods using more than their memory request first, then lower priority first, then the largest
 *       use above the request first. The QoS class is not looked at as such; it shows through the requests: a
 *       BestEffort pod (request 0) that uses anything goes before Burstable and Guaranteed pods within their
 *       requests;</li>
 *   <li>disk (nodefs/imagefs): the same with ephemeral-storage requests and the pods' disk use;</li>
 *   <li>PIDs: lower priority first.</li>
 * </ul>
 * A pod without figures counts as using nothing measured and sorts first where usage is compared (as the kubelet
 * does: it cannot be shown to be innocent). Critical pods ({@link #isCritical}) are ranked like any other; the
 * eviction manager skips them. Stateless.
 */
public final class EvictionRanking {

    /** spec.priority from which a pod is critical (the kubelet's SystemCriticalPriority, 2·10⁹). */
    public static final int SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;
    private static final Set<String> CRITICAL_CLASSES = Set.of("system-node-critical", "system-cluster-critical");

    private EvictionRanking() {
    }

    /** The pods in eviction order for {@code signal}; the input list is not changed. */
    public static List<Pod> rank(Signal signal, List<Pod> pods, Map<String, PodUsage> usage) {
        List<Pod> out = new ArrayList<>(pods);
        out.sort(comparator(signal, usage));
        return out;
    }

    static Comparator<Pod> comparator(Signal signal, Map<String, PodUsage> usage) {
        Comparator<Pod> byPriority = Comparator.comparingInt(EvictionRanking::priority);
        return switch (signal) {
            case MEMORY_AVAILABLE, ALLOCATABLE_MEMORY_AVAILABLE -> byUsage(usage, PodUsage::memory, "memory",
                    byPriority);
            case NODEFS_AVAILABLE, NODEFS_INODES_FREE, IMAGEFS_AVAILABLE, IMAGEFS_INODES_FREE ->
                    byUsage(usage, PodUsage::disk, "ephemeral-storage", byPriority);
            case PID_AVAILABLE -> byPriority;
        };
    }

    /** exceeds-request first, then priority, then usage above request (largest first). */
    private static Comparator<Pod> byUsage(Map<String, PodUsage> usage, ToLongFunction<PodUsage> measure,
                                           String resource, Comparator<Pod> byPriority) {
        Comparator<Pod> exceeds = (a, b) -> {
            PodUsage ua = usage.get(uid(a));
            PodUsage ub = usage.get(uid(b));
            if (ua == null || ub == null) {
                return Boolean.compare(ub == null, ua == null);
            }
            boolean ea = measure.applyAsLong(ua) > request(a, resource);
            boolean eb = measure.applyAsLong(ub) > request(b, resource);
            return Boolean.compare(eb, ea);
        };
        Comparator<Pod> aboveRequest = (a, b) -> {
            PodUsage ua = usage.get(uid(a));
            PodUsage ub = usage.get(uid(b));
            if (ua == null || ub == null) {
                return Boolean.compare(ub == null, ua == null);
            }
            long da = measure.applyAsLong(ua) - request(a, resource);
            long db = measure.applyAsLong(ub) - request(b, resource);
            return Long.compare(db, da);
        };
        return exceeds.thenComparing(byPriority).thenComparing(aboveRequest);
    }

    /**
     * The pod's effective request for {@code resource}: the sum over its containers and sidecars, or an init
     * container's request with the sidecars started before it if that is more (init containers run one at a time).
     */
    public static long request(Pod pod, String resource) {
        return io.kaji.node.cgroup.PodResources.effective(nullSafe(pod.getSpec().getContainers()),
                nullSafe(pod.getSpec().getInitContainers()), c -> request(c, resource));
    }

    /** One container's request for {@code resource} in bytes (0 if none; a limit alone counts as the request). */
    static long request(Container c, String resource) {
        if (c.getResources() == null) {
            return 0;
        }
        Quantity q = c.getResources().getRequests() == null ? null : c.getResources().getRequests().get(resource);
        if (q == null && c.getResources().getLimits() != null) {
            q = c.getResources().getLimits().get(resource);
        }
        return q == null ? 0 : Quantity.getAmountInBytes(q).longValue();
    }

    static int priority(Pod pod) {
        Integer p = pod.getSpec().getPriority();
        return p == null ? 0 : p;
    }

    /**
     * Whether the kubelet never evicts {@code pod} for node pressure: static and mirror pods, and pods of
     * system-critical priority (spec.priority at least {@value #SYSTEM_CRITICAL_PRIORITY}, or a
     * system-node-critical/system-cluster-critical priority class).
     */
    public static boolean isCritical(Pod pod) {
        Map<String, String> annotations = pod.getMetadata().getAnnotations();
        if (annotations != null && (annotations.containsKey("kubernetes.io/config.mirror")
                || annotations.containsKey("kubernetes.io/config.source")
                && !"api".equals(annotations.get("kubernetes.io/config.source")))) {
            return true;
        }
        return priority(pod) >= SYSTEM_CRITICAL_PRIORITY
                || pod.getSpec().getPriorityClassName() != null
                && CRITICAL_CLASSES.contains(pod.getSpec().getPriorityClassName());
    }

    private static String uid(Pod p) {
        return p.getMetadata().getUid();
    }

    private static <T> List<T> nullSafe(List<T> l) {
        return l == null ? List.of() : l;
    }
}
