package io.kaji.scheduler.framework;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What a pod asks of a node, computed with Kubernetes' rules ({@code resourcehelper.PodRequests}). */
public final class PodResources {

    /** The CPU a container without a CPU request is counted with when scoring (Kubernetes: 100m). */
    public static final long DEFAULT_MILLI_CPU = 100;
    /** The memory a container without a memory request is counted with when scoring (Kubernetes: 200Mi). */
    public static final long DEFAULT_MEMORY = 200L * 1024 * 1024;

    private PodResources() {
    }

    /**
     * The pod's effective requests: the larger of (regular containers plus restartable init containers, the
     * "sidecars") and the peak of any one init container started after the sidecars before it, plus the pod
     * overhead. The pod count is 1.
     */
    public static Resources requests(Pod pod) {
        return compute(pod, false);
    }

    /**
     * Like {@link #requests}, but a container that requests no CPU or no memory counts as 100m / 200Mi: scoring
     * uses this so that many request-less pods do not all land on one node.
     */
    public static Resources nonZeroRequests(Pod pod) {
        return compute(pod, true);
    }

    private static Resources compute(Pod pod, boolean nonZero) {
        PodSpec spec = pod.getSpec();
        if (spec == null) {
            return Resources.ZERO.withPods(1);
        }
        Resources containers = Resources.ZERO;
        for (Container c : list(spec.getContainers())) {
            containers = containers.plus(of(c, nonZero));
        }
        Resources sidecars = Resources.ZERO;
        Resources initPeak = Resources.ZERO;
        for (Container c : list(spec.getInitContainers())) {
            Resources r = of(c, nonZero);
            if ("Always".equals(c.getRestartPolicy())) {
                sidecars = sidecars.plus(r);
                initPeak = initPeak.max(sidecars);
            } else {
                initPeak = initPeak.max(sidecars.plus(r));
            }
        }
        Resources total = containers.plus(sidecars).max(initPeak);
        if (spec.getOverhead() != null) {
            total = total.plus(Resources.of(spec.getOverhead()));
        }
        return total.withPods(1);
    }

    private static Resources of(Container c, boolean nonZero) {
        Map<String, Quantity> requests = c.getResources() == null ? null : c.getResources().getRequests();
        Resources r = Resources.of(requests);
        if (nonZero) {
            boolean hasCpu = requests != null && requests.containsKey(Resources.CPU);
            boolean hasMemory = requests != null && requests.containsKey(Resources.MEMORY);
            r = new Resources(hasCpu ? r.milliCpu() : DEFAULT_MILLI_CPU, hasMemory ? r.memory() : DEFAULT_MEMORY,
                    r.ephemeralStorage(), r.pods(), r.scalars());
        }
        return r;
    }

    /** The host ports the pod's containers (init containers included) ask for. */
    public static List<HostPort> hostPorts(Pod pod) {
        List<HostPort> ports = new ArrayList<>();
        if (pod.getSpec() == null) {
            return ports;
        }
        List<Container> all = new ArrayList<>(list(pod.getSpec().getInitContainers()));
        all.addAll(list(pod.getSpec().getContainers()));
        for (Container c : all) {
            for (ContainerPort p : list(c.getPorts())) {
                if (p.getHostPort() != null && p.getHostPort() > 0) {
                    ports.add(new HostPort(p.getHostIP(), p.getProtocol(), p.getHostPort()));
                }
            }
        }
        return ports;
    }

    private static <T> List<T> list(List<T> l) {
        return l == null ? List.of() : l;
    }
}
