package io.kaji.node.volume;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The downward API's {@code resourceFieldRef}, for environment variables and downwardAPI volume files, computed as
 * the kubelet computes it: a container's {@code limits.cpu}, {@code limits.memory},
 * {@code limits.ephemeral-storage}, {@code requests.*} of those or {@code hugepages-<size>}, divided by
 * {@code divisor} (default 1) and rounded up — CPU in millicores, so 250m with divisor 1 is {@code 1} and with
 * divisor 1m is {@code 250}. A limit the container does not set is the node's allocatable, as the kubelet
 * defaults it for the downward API. Stateless.
 */
public final class ResourceFieldRefs {

    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);

    private ResourceFieldRefs() {
    }

    /**
     * The value of {@code resource} of container {@code containerName} in {@code pod}.
     *
     * @param allocatable the node's allocatable, for limits the container does not set (empty: such a limit is 0)
     * @throws IllegalArgumentException with the kubelet's wording when the container or the resource is unknown
     */
    public static String value(Pod pod, String containerName, String resource, Quantity divisor,
                               Map<String, Quantity> allocatable) {
        Container c = Stream.concat(list(pod.getSpec().getInitContainers()).stream(),
                        list(pod.getSpec().getContainers()).stream())
                .filter(x -> x.getName().equals(containerName)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("container " + containerName + " not found"));
        int dot = resource == null ? -1 : resource.indexOf('.');
        String kind = dot < 0 ? "" : resource.substring(0, dot);
        String name = dot < 0 ? "" : resource.substring(dot + 1);
        boolean known = name.equals("cpu") || name.equals("memory") || name.equals("ephemeral-storage")
                || name.startsWith("hugepages-");
        if (!(kind.equals("limits") || kind.equals("requests")) || !known) {
            throw new IllegalArgumentException("unsupported container resource : " + resource);
        }
        Map<String, Quantity> set = c.getResources() == null ? null : kind.equals("limits")
                ? c.getResources().getLimits() : c.getResources().getRequests();
        Quantity q = set == null ? null : set.get(name);
        if (q == null && kind.equals("limits") && !name.startsWith("hugepages-")) {
            q = allocatable.get(name);
        }
        BigDecimal amount = q == null ? BigDecimal.ZERO : Quantity.getAmountInBytes(q);
        BigDecimal by = divisor == null || divisor.getAmount() == null || divisor.getAmount().isEmpty()
                ? BigDecimal.ONE : Quantity.getAmountInBytes(divisor);
        if (name.equals("cpu")) {
            // Go: ceil(MilliValue / divisor.MilliValue), each MilliValue itself rounded up
            BigDecimal milli = amount.multiply(THOUSAND).setScale(0, RoundingMode.CEILING);
            BigDecimal div = by.multiply(THOUSAND).setScale(0, RoundingMode.CEILING);
            return ceilDivide(milli, div, resource);
        }
        return ceilDivide(amount.setScale(0, RoundingMode.CEILING), by.setScale(0, RoundingMode.CEILING), resource);
    }

    private static String ceilDivide(BigDecimal value, BigDecimal divisor, String resource) {
        if (divisor.signum() <= 0) {
            throw new IllegalArgumentException("divisor of " + resource + " must be positive");
        }
        return value.divide(divisor, 0, RoundingMode.CEILING).toPlainString();
    }

    private static <T> List<T> list(List<T> l) {
        return l == null ? List.of() : l;
    }
}
