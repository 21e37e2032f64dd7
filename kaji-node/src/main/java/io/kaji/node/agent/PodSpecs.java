package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodDNSConfig;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.kaji.node.runtime.ContainerSpec;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.PodRef;
import io.kaji.node.runtime.SandboxSpec;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/** Translates a Kubernetes Pod into the runtime's {@link SandboxSpec} and {@link ContainerSpec}s. Stateless. */
public final class PodSpecs {

    private PodSpecs() {
    }

    public static PodRef ref(Pod pod) {
        return new PodRef(pod.getMetadata().getNamespace(), pod.getMetadata().getName(), pod.getMetadata().getUid());
    }

    /** The sandbox for {@code pod}: hostname, DNS config from spec.dnsConfig, hostPort mappings, host namespaces. */
    public static SandboxSpec sandbox(Pod pod, int attempt, PodLogs logs) {
        PodRef ref = ref(pod);
        var spec = pod.getSpec();
        String hostname = spec.getHostname() != null && !spec.getHostname().isEmpty() ? spec.getHostname()
                : ref.name();
        List<SandboxSpec.PortMapping> ports = new ArrayList<>();
        for (Container c : containers(pod)) {
            for (ContainerPort p : nullSafe(c.getPorts())) {
                if (p.getHostPort() != null && p.getHostPort() > 0) {
                    ports.add(new SandboxSpec.PortMapping(p.getProtocol() == null ? "TCP" : p.getProtocol(),
                            p.getContainerPort(), p.getHostPort(), p.getHostIP() == null ? "" : p.getHostIP()));
                }
            }
        }
        return SandboxSpec.builder(ref).attempt(attempt).hostname(hostname)
                .hostNetwork(Boolean.TRUE.equals(spec.getHostNetwork()))
                .hostPid(Boolean.TRUE.equals(spec.getHostPID())).hostIpc(Boolean.TRUE.equals(spec.getHostIPC()))
                .logDirectory(logs.podDirectory(ref)).ports(ports).dns(dns(pod)).build();
    }

    /** The resolver configuration: spec.dnsConfig when given, else null (the runtime uses the host's). */
    static SandboxSpec.DnsConfig dns(Pod pod) {
        PodDNSConfig c = pod.getSpec().getDnsConfig();
        if (c == null) {
            return null;
        }
        List<String> options = nullSafe(c.getOptions()).stream()
                .map(o -> o.getValue() == null ? o.getName() : o.getName() + ":" + o.getValue()).toList();
        return new SandboxSpec.DnsConfig(nullSafe(c.getNameservers()), nullSafe(c.getSearches()), options);
    }

    /** One attempt of {@code c}, with its resolved environment. */
    public static ContainerSpec container(Container c, int attempt, Map<String, String> env) {
        return ContainerSpec.builder(c.getName(), c.getImage()).attempt(attempt)
                .command(nullSafe(c.getCommand())).args(nullSafe(c.getArgs())).workingDir(c.getWorkingDir())
                .env(env).resources(resources(c.getResources())).stdin(Boolean.TRUE.equals(c.getStdin()))
                .tty(Boolean.TRUE.equals(c.getTty())).build();
    }

    static ContainerSpec.Resources resources(ResourceRequirements r) {
        if (r == null) {
            return ContainerSpec.Resources.NONE;
        }
        long cpuReqMilli = milli(get(r.getRequests(), "cpu"));
        long cpuLimMilli = milli(get(r.getLimits(), "cpu"));
        long memLimit = bytes(get(r.getLimits(), "memory"));
        long shares = cpuReqMilli > 0 ? Math.max(2, cpuReqMilli * 1024 / 1000) : 2;
        long quota = cpuLimMilli > 0 ? Math.max(1000, cpuLimMilli * 100) : 0;
        return new ContainerSpec.Resources(shares, quota, quota > 0 ? 100_000 : 0, memLimit, 0);
    }

    /** Kubernetes' QoS class: Guaranteed, Burstable or BestEffort. */
    public static String qosClass(Pod pod) {
        boolean any = false;
        boolean guaranteed = true;
        for (Container c : containers(pod)) {
            ResourceRequirements r = c.getResources();
            Map<String, Quantity> req = r == null || r.getRequests() == null ? Map.of() : r.getRequests();
            Map<String, Quantity> lim = r == null || r.getLimits() == null ? Map.of() : r.getLimits();
            any |= !req.isEmpty() || !lim.isEmpty();
            for (String res : List.of("cpu", "memory")) {
                Quantity l = lim.get(res);
                Quantity q = req.getOrDefault(res, l);
                if (l == null || q == null || Quantity.getAmountInBytes(l).compareTo(Quantity.getAmountInBytes(q)) != 0) {
                    guaranteed = false;
                }
            }
        }
        return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
    }

    /** Init containers then containers. */
    static List<Container> containers(Pod pod) {
        return Stream.concat(nullSafe(pod.getSpec().getInitContainers()).stream(),
                nullSafe(pod.getSpec().getContainers()).stream()).toList();
    }

    private static Quantity get(Map<String, Quantity> m, String k) {
        return m == null ? null : m.get(k);
    }

    private static long milli(Quantity q) {
        return q == null ? 0 : Quantity.getAmountInBytes(q).multiply(BigDecimal.valueOf(1000)).longValue();
    }

    private static long bytes(Quantity q) {
        return q == null ? 0 : Quantity.getAmountInBytes(q).longValue();
    }

    static <T> List<T> nullSafe(List<T> l) {
        return l == null ? List.of() : l.stream().filter(Objects::nonNull).toList();
    }

    /** Environment variables of {@code c} that are plain values (used by tests and the resolver). */
    static List<EnvVar> env(Container c) {
        return nullSafe(c.getEnv());
    }
}
