package io.kaji.scheduler.framework;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.HashMap;
import java.util.Map;

/**
 * An amount of node resources: CPU in millicores, memory and ephemeral storage in bytes, a pod count, and
 * extended (scalar) resources such as {@code nvidia.com/gpu} or {@code hugepages-2Mi} by name. Immutable.
 */
public record Resources(long milliCpu, long memory, long ephemeralStorage, long pods, Map<String, Long> scalars) {

    public static final String CPU = "cpu";
    public static final String MEMORY = "memory";
    public static final String EPHEMERAL_STORAGE = "ephemeral-storage";
    public static final String PODS = "pods";

    public static final Resources ZERO = new Resources(0, 0, 0, 0, Map.of());

    public Resources {
        scalars = Map.copyOf(scalars);
    }

    /** Parses a Kubernetes resource list ({@code requests}, {@code allocatable}); null is zero. */
    public static Resources of(Map<String, Quantity> list) {
        if (list == null || list.isEmpty()) {
            return ZERO;
        }
        long cpu = 0;
        long memory = 0;
        long storage = 0;
        long pods = 0;
        Map<String, Long> scalars = new HashMap<>();
        for (Map.Entry<String, Quantity> e : list.entrySet()) {
            switch (e.getKey()) {
                case CPU -> cpu = milli(e.getValue());
                case MEMORY -> memory = whole(e.getValue());
                case EPHEMERAL_STORAGE -> storage = whole(e.getValue());
                case PODS -> pods = whole(e.getValue());
                default -> {
                    if (isScalar(e.getKey())) {
                        scalars.put(e.getKey(), whole(e.getValue()));
                    }
                }
            }
        }
        return new Resources(cpu, memory, storage, pods, scalars);
    }

    /**
     * Extended resources (a domain-qualified name outside {@code kubernetes.io/}), hugepages and attachable
     * volumes are counted as scalars, as Kubernetes' {@code IsScalarResourceName} does.
     */
    public static boolean isScalar(String name) {
        return name.startsWith("hugepages-") || name.startsWith("attachable-volumes-")
                || (name.contains("/") && !name.startsWith("kubernetes.io/") && !name.startsWith("requests."));
    }

    private static long milli(Quantity q) {
        return q.getNumericalAmount().multiply(BigDecimal.valueOf(1000)).setScale(0, RoundingMode.CEILING).longValueExact();
    }

    private static long whole(Quantity q) {
        return q.getNumericalAmount().setScale(0, RoundingMode.CEILING).longValueExact();
    }

    public long scalar(String name) {
        return scalars.getOrDefault(name, 0L);
    }

    public Resources plus(Resources o) {
        return combine(o, 1);
    }

    public Resources minus(Resources o) {
        return combine(o, -1);
    }

    private Resources combine(Resources o, int sign) {
        Map<String, Long> s = scalars;
        if (!o.scalars.isEmpty()) {
            s = new HashMap<>(scalars);
            for (Map.Entry<String, Long> e : o.scalars.entrySet()) {
                s.merge(e.getKey(), sign * e.getValue(), Long::sum);
            }
        }
        return new Resources(milliCpu + sign * o.milliCpu, memory + sign * o.memory,
                ephemeralStorage + sign * o.ephemeralStorage, pods + sign * o.pods, s);
    }

    /** The larger of each amount. */
    public Resources max(Resources o) {
        Map<String, Long> s = new HashMap<>(scalars);
        o.scalars.forEach((k, v) -> s.merge(k, v, Math::max));
        return new Resources(Math.max(milliCpu, o.milliCpu), Math.max(memory, o.memory),
                Math.max(ephemeralStorage, o.ephemeralStorage), Math.max(pods, o.pods), s);
    }

    public Resources withPods(long count) {
        return new Resources(milliCpu, memory, ephemeralStorage, count, scalars);
    }

    /** {@link #standardIndex} of cpu, memory, ephemeral-storage and pods. */
    public static final int CPU_INDEX = 0;
    public static final int MEMORY_INDEX = 1;
    public static final int EPHEMERAL_STORAGE_INDEX = 2;
    public static final int PODS_INDEX = 3;

    /** The index of one of the four resources every node has, for {@link NodeInfo}'s primitive reads; else -1. */
    public static int standardIndex(String name) {
        return switch (name) {
            case CPU -> CPU_INDEX;
            case MEMORY -> MEMORY_INDEX;
            case EPHEMERAL_STORAGE -> EPHEMERAL_STORAGE_INDEX;
            case PODS -> PODS_INDEX;
            default -> -1;
        };
    }

    /** The amount of the resource at {@code index} ({@link #standardIndex}). */
    public long standard(int index) {
        return switch (index) {
            case CPU_INDEX -> milliCpu;
            case MEMORY_INDEX -> memory;
            case EPHEMERAL_STORAGE_INDEX -> ephemeralStorage;
            case PODS_INDEX -> pods;
            default -> throw new IllegalArgumentException("not a standard resource index: " + index);
        };
    }

    /** The amount of {@code name} (cpu in millicores). */
    public long get(String name) {
        int i = standardIndex(name);
        return i >= 0 ? standard(i) : scalar(name);
    }
}
