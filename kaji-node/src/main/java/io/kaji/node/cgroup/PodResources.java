package io.kaji.node.cgroup;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * A pod's QoS class and the limits of its pod-level cgroup, computed as the kubelet's ResourceConfigForPod does:
 * CPU shares from the sum of CPU requests (at least 2), a CFS quota from the sum of CPU limits only when every
 * container has one, a memory limit from the sum of memory limits only when every container has one. Init
 * containers count with the largest of them when that is more than the sum of the others (they run alone).
 *
 * @param qos           Guaranteed, Burstable or BestEffort
 * @param cpuShares     cgroup v1 cpu.shares (2 for BestEffort pods)
 * @param cpuQuotaMicros CFS quota per {@link #CPU_PERIOD_MICROS}, or -1 for none
 * @param memoryLimit   bytes, or -1 for none
 */
public record PodResources(String qos, long cpuShares, long cpuQuotaMicros, long memoryLimit) {

    public static final long CPU_PERIOD_MICROS = 100_000;
    static final long MIN_SHARES = 2;
    static final long MAX_SHARES = 262_144;
    static final long MIN_QUOTA_MICROS = 1_000;

    /** The pod's class and limits. */
    public static PodResources of(Pod pod) {
        List<Container> containers = nullSafe(pod.getSpec().getContainers());
        List<Container> init = nullSafe(pod.getSpec().getInitContainers());
        long cpuRequest = effective(containers, init, "cpu", false);
        long cpuLimit = allHave(containers, init, "cpu") ? effective(containers, init, "cpu", true) : -1;
        long memLimit = allHave(containers, init, "memory") ? effective(containers, init, "memory", true) : -1;
        String qos = qos(containers, init);
        long shares = "BestEffort".equals(qos) ? MIN_SHARES : shares(cpuRequest);
        long quota = cpuLimit < 0 ? -1 : Math.max(MIN_QUOTA_MICROS, cpuLimit * CPU_PERIOD_MICROS / 1000);
        return new PodResources(qos, shares, quota, memLimit);
    }

    /** The OOM score adjustment of Guaranteed (and node-critical) pods' containers. */
    public static final int GUARANTEED_OOM_SCORE_ADJ = -997;
    /** The OOM score adjustment of BestEffort pods' containers: killed first. */
    public static final int BEST_EFFORT_OOM_SCORE_ADJ = 1000;

    /**
     * The kubelet's oom_score_adj for container {@code c} of {@code pod} (pkg/kubelet/qos): -997 for Guaranteed and
     * node-critical pods, 1000 for BestEffort, and for Burstable 1000 − 1000 × memory request / node memory, kept
     * within [3, 999] so that a Burstable container is always killed after BestEffort and before Guaranteed ones.
     */
    public static int oomScoreAdj(Pod pod, Container c, long memoryCapacity) {
        if ("system-node-critical".equals(pod.getSpec().getPriorityClassName())) {
            return GUARANTEED_OOM_SCORE_ADJ;
        }
        String qos = of(pod).qos();
        if (qos.equals("Guaranteed")) {
            return GUARANTEED_OOM_SCORE_ADJ;
        }
        if (qos.equals("BestEffort") || memoryCapacity <= 0) {
            return BEST_EFFORT_OOM_SCORE_ADJ;
        }
        long request = amount(c, "memory", false);
        long adj = 1000 - (1000 * request) / memoryCapacity;
        if (adj < 1000 + GUARANTEED_OOM_SCORE_ADJ) {
            return 1000 + GUARANTEED_OOM_SCORE_ADJ;
        }
        return adj >= BEST_EFFORT_OOM_SCORE_ADJ ? BEST_EFFORT_OOM_SCORE_ADJ - 1 : (int) adj;
    }

    /** The pod's effective CPU request in millicores. */
    static long milliCpuRequest(Pod pod) {
        return effective(nullSafe(pod.getSpec().getContainers()), nullSafe(pod.getSpec().getInitContainers()), "cpu",
                false);
    }

    /** The kubelet's MilliCPUToShares: millicores × 1024 / 1000, within [2, 262144]. */
    static long shares(long milliCpu) {
        if (milliCpu == 0) {
            return MIN_SHARES;
        }
        return Math.min(MAX_SHARES, Math.max(MIN_SHARES, milliCpu * 1024 / 1000));
    }

    /** cgroup v2 cpu.weight for v1 shares (the mapping runc and the kubelet use). */
    public static long weight(long shares) {
        return 1 + ((shares - 2) * 9999) / 262142;
    }

    /** Guaranteed if every container sets CPU and memory limits equal to its requests; BestEffort if none sets any. */
    static String qos(List<Container> containers, List<Container> init) {
        boolean any = false;
        boolean guaranteed = true;
        for (Container c : concat(containers, init)) {
            Map<String, Quantity> req = c.getResources() == null || c.getResources().getRequests() == null
                    ? Map.of() : c.getResources().getRequests();
            Map<String, Quantity> lim = c.getResources() == null || c.getResources().getLimits() == null
                    ? Map.of() : c.getResources().getLimits();
            any |= req.containsKey("cpu") || req.containsKey("memory") || lim.containsKey("cpu")
                    || lim.containsKey("memory");
            for (String r : List.of("cpu", "memory")) {
                Quantity l = lim.get(r);
                Quantity q = req.getOrDefault(r, l);
                if (l == null || Quantity.getAmountInBytes(l).compareTo(Quantity.getAmountInBytes(q)) != 0) {
                    guaranteed = false;
                }
            }
        }
        return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }

    /** The effective request or limit (millicores for cpu, bytes for memory). */
    private static long effective(List<Container> containers, List<Container> init, String resource,
                                  boolean limits) {
        return effective(containers, init, c -> amount(c, resource, limits));
    }

    /**
     * Kubernetes' effective pod amount of a resource: the containers and the sidecars (init containers with
     * restartPolicy Always, which run beside everything started after them) summed, or, if more, a plain init
     * container (run alone) with the sidecars started before it. {@code amount} is one container's.
     */
    public static long effective(List<Container> containers, List<Container> init,
                                 java.util.function.ToLongFunction<Container> amount) {
        long sum = 0;
        for (Container c : containers) {
            sum += amount.applyAsLong(c);
        }
        long sidecars = 0;
        long initPeak = 0;
        for (Container c : init) {
            long a = amount.applyAsLong(c);
            if ("Always".equals(c.getRestartPolicy())) {
                sidecars += a;
                initPeak = Math.max(initPeak, sidecars);
            } else {
                initPeak = Math.max(initPeak, sidecars + a);
            }
        }
        return Math.max(sum + sidecars, initPeak);
    }

    private static boolean allHave(List<Container> containers, List<Container> init, String resource) {
        return concat(containers, init).stream().allMatch(c -> c.getResources() != null
                && c.getResources().getLimits() != null && c.getResources().getLimits().containsKey(resource));
    }

    /** A limit, or a request (falling back to the limit, as API defaulting does). */
    private static long amount(Container c, String resource, boolean limits) {
        if (c.getResources() == null) {
            return 0;
        }
        Map<String, Quantity> lim = c.getResources().getLimits();
        Map<String, Quantity> req = c.getResources().getRequests();
        Quantity q = limits ? get(lim, resource) : get(req, resource) != null ? get(req, resource) : get(lim, resource);
        if (q == null) {
            return 0;
        }
        BigDecimal v = Quantity.getAmountInBytes(q);
        return "cpu".equals(resource) ? v.multiply(BigDecimal.valueOf(1000)).longValue() : v.longValue();
    }

    private static Quantity get(Map<String, Quantity> m, String k) {
        return m == null ? null : m.get(k);
    }

    private static List<Container> concat(List<Container> a, List<Container> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }

    private static <T> List<T> nullSafe(List<T> l) {
        return l == null ? List.of() : l;
    }
}
