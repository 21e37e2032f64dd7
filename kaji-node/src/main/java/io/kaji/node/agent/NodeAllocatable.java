package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.Quantity;
import io.kaji.node.eviction.Signal;
import io.kaji.node.eviction.Threshold;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the node offers pods, as the kubelet computes it: {@code allocatable = capacity - kube-reserved -
 * system-reserved - hard eviction threshold}, per resource. The reservations are the kubelet's
 * {@code --kube-reserved} and {@code --system-reserved} (for the agent and containerd, and for the rest of the
 * machine); the hard thresholds of {@code memory.available} and {@code nodefs.available} are held back too, so that
 * the scheduler does not fill the node up to the point where the agent starts evicting. A resource never goes
 * below zero. CPU is kept in millicores, memory and ephemeral storage in bytes; {@code pid} may be reserved (the
 * kubelet accepts it) but is not a node resource here.
 *
 * @param systemReserved {@code --system-reserved}, by resource name (cpu in millicores, the others in bytes or a count)
 * @param kubeReserved   {@code --kube-reserved}, the same way
 * @param hard           the hard eviction thresholds in force (none: nothing held back for eviction)
 */
public record NodeAllocatable(Map<String, Long> systemReserved, Map<String, Long> kubeReserved, List<Threshold> hard) {

    /** The resources a reservation may name, as the kubelet's flags accept them. */
    public static final Set<String> RESOURCES = Set.of("cpu", "memory", "ephemeral-storage", "pid");

    /** Nothing reserved, nothing held back: allocatable equals capacity. */
    public static final NodeAllocatable NONE = new NodeAllocatable(Map.of(), Map.of(), List.of());

    public NodeAllocatable {
        systemReserved = Map.copyOf(systemReserved);
        kubeReserved = Map.copyOf(kubeReserved);
        hard = List.copyOf(hard);
    }

    /**
     * Parses a reservation as the kubelet spells it: {@code cpu=200m,memory=512Mi,ephemeral-storage=1Gi,pid=1000};
     * null or blank reserves nothing. Throws {@link IllegalArgumentException} naming {@code flag} and the bad part.
     */
    public static Map<String, Long> parseReserved(String flag, String value) {
        Map<String, Long> out = new LinkedHashMap<>();
        if (value == null || value.isBlank()) {
            return out;
        }
        for (String part : value.split(",")) {
            String item = part.strip();
            int eq = item.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(flag + ": expected RESOURCE=QUANTITY, e.g. cpu=200m,memory=512Mi, "
                        + "got \"" + item + "\"");
            }
            String name = item.substring(0, eq).strip();
            if (!RESOURCES.contains(name)) {
                throw new IllegalArgumentException(flag + ": unknown resource \"" + name + "\"; use cpu, memory, "
                        + "ephemeral-storage or pid");
            }
            if (out.containsKey(name)) {
                throw new IllegalArgumentException(flag + ": " + name + " is given twice");
            }
            String quantity = item.substring(eq + 1).strip();
            BigDecimal amount;
            try {
                amount = Quantity.parse(quantity).getNumericalAmount();
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(flag + ": " + name + "=" + quantity + " is not a quantity "
                        + "(e.g. 200m, 1, 512Mi, 1Gi)");
            }
            if (amount.signum() < 0) {
                throw new IllegalArgumentException(flag + ": " + name + " must not be negative, got " + quantity);
            }
            BigDecimal units = name.equals("cpu") ? amount.movePointRight(3) : amount;
            out.put(name, units.setScale(0, java.math.RoundingMode.CEILING).longValueExact());
        }
        return out;
    }

    /**
     * The allocatable resources for this capacity: cpu in millicores, memory and ephemeral storage in bytes
     * ({@code ephemeralBytes} below zero when unknown: then it is left out), and the pod count as it is.
     */
    public Map<String, Quantity> allocatable(long cpuMillis, long memoryBytes, long ephemeralBytes, int pods) {
        Map<String, Quantity> out = new LinkedHashMap<>();
        out.put("cpu", cpu(Math.max(0, cpuMillis - reserved("cpu"))));
        out.put("memory", bytes(Math.max(0, memoryBytes - reserved("memory") - held(Signal.MEMORY_AVAILABLE,
                memoryBytes))));
        if (ephemeralBytes >= 0) {
            out.put("ephemeral-storage", bytes(Math.max(0, ephemeralBytes - reserved("ephemeral-storage")
                    - held(Signal.NODEFS_AVAILABLE, ephemeralBytes))));
        }
        out.put("pods", new Quantity(Integer.toString(pods)));
        return out;
    }

    /** What both reservations together keep of {@code resource} (0 if neither names it). */
    public long reserved(String resource) {
        return systemReserved.getOrDefault(resource, 0L) + kubeReserved.getOrDefault(resource, 0L);
    }

    /** What the hard threshold of {@code signal} holds back of {@code capacity}; 0 without one. */
    private long held(Signal signal, long capacity) {
        return hard.stream().filter(t -> t.isHard() && t.signal() == signal).mapToLong(t -> t.quantity(capacity))
                .max().orElse(0);
    }

    /** Millicores as the kubelet reports them: whole cores as "2", the rest as "1900m". */
    static Quantity cpu(long millis) {
        return millis % 1000 == 0 ? new Quantity(Long.toString(millis / 1000)) : new Quantity(millis + "m");
    }

    /** Bytes as the kubelet reports memory: in Ki when whole kibibytes (but none as "0"), else plain bytes. */
    static Quantity bytes(long bytes) {
        return bytes != 0 && bytes % 1024 == 0 ? new Quantity(bytes / 1024 + "Ki") : new Quantity(Long.toString(bytes));
    }
}
