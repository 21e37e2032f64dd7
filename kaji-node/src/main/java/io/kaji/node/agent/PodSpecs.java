package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodDNSConfig;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.kaji.node.runtime.ContainerSecurity;
import io.kaji.node.runtime.ContainerSpec;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.PodRef;
import io.kaji.node.runtime.SandboxSpec;
import java.math.BigDecimal;
import java.nio.file.Path;
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

    /** The sandbox for {@code pod} when the cluster's DNS is unknown: pods resolve with the host's resolvers. */
    public static SandboxSpec sandbox(Pod pod, int attempt, PodLogs logs) {
        return sandbox(pod, attempt, logs, ClusterNetwork.UNKNOWN);
    }

    /** The sandbox for {@code pod} on a node without a seccomp profile directory. */
    public static SandboxSpec sandbox(Pod pod, int attempt, PodLogs logs, ClusterNetwork network) {
        return sandbox(pod, attempt, logs, network, null);
    }

    /**
     * The sandbox for {@code pod}: hostname, resolver (dnsPolicy), hostPort mappings, host namespaces, security
     * ({@link SecurityContexts#sandbox}; Localhost seccomp profiles below {@code seccompRoot}).
     */
    public static SandboxSpec sandbox(Pod pod, int attempt, PodLogs logs, ClusterNetwork network, Path seccompRoot) {
        PodRef ref = ref(pod);
        var spec = pod.getSpec();
        String hostname = SandboxSpec.podHostname(spec.getHostname() != null && !spec.getHostname().isEmpty()
                ? spec.getHostname() : ref.name());
        if (Boolean.TRUE.equals(spec.getSetHostnameAsFQDN()) && spec.getSubdomain() != null
                && !spec.getSubdomain().isEmpty()) {
            // The kubelet's setHostnameAsFQDN: the kernel hostname is the pod's FQDN under its subdomain.
            hostname = hostname + "." + spec.getSubdomain() + "." + ref.namespace() + ".svc." + network.clusterDomain();
        }
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
                .sharePid(Boolean.TRUE.equals(spec.getShareProcessNamespace()))
                .logDirectory(logs.podDirectory(ref)).ports(ports).dns(dns(pod, network)).sysctls(sysctls(pod))
                .security(SecurityContexts.sandbox(pod, seccompRoot)).build();
    }

    /**
     * spec.securityContext.sysctls for the sandbox, names in the dotted form the runtime wants: a name written with
     * slashes ({@code net/ipv4/ip_local_port_range}) has its slashes and dots swapped, as the kubelet does, so that
     * {@code net/ipv4/conf/eth0.100/rp_filter} becomes {@code net.ipv4.conf.eth0/100.rp_filter}.
     */
    static Map<String, String> sysctls(Pod pod) {
        PodSecurityContext sc = pod.getSpec().getSecurityContext();
        if (sc == null || sc.getSysctls() == null) {
            return Map.of();
        }
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (Sysctl s : sc.getSysctls()) {
            if (s.getName() != null && !s.getName().isEmpty()) {
                out.put(dotted(s.getName()), s.getValue() == null ? "" : s.getValue());
            }
        }
        return out;
    }

    static String dotted(String name) {
        int slash = name.indexOf('/');
        int dot = name.indexOf('.');
        if (slash < 0 || (dot >= 0 && dot < slash)) {
            return name;
        }
        StringBuilder b = new StringBuilder(name.length());
        for (char c : name.toCharArray()) {
            b.append(c == '/' ? '.' : c == '.' ? '/' : c);
        }
        return b.toString();
    }

    /**
     * The pod's resolv.conf, as the kubelet writes it for each dnsPolicy: ClusterFirst (the default) points at
     * the cluster DNS with the search path {@code <ns>.svc.<domain> svc.<domain> <domain>} and {@code ndots:5}
     * (hostNetwork pods fall back to Default unless ClusterFirstWithHostNet); Default is the host's resolvers (null:
     * the runtime copies the host's resolv.conf); None is spec.dnsConfig alone. spec.dnsConfig is merged in for
     * the other policies: its nameservers and searches appended, its options overriding by name.
     */
    static SandboxSpec.DnsConfig dns(Pod pod, ClusterNetwork network) {
        var spec = pod.getSpec();
        String policy = spec.getDnsPolicy() == null ? "ClusterFirst" : spec.getDnsPolicy();
        boolean hostNetwork = Boolean.TRUE.equals(spec.getHostNetwork());
        if (policy.equals("ClusterFirst") && hostNetwork) {
            policy = "Default";
        }
        if (policy.equals("ClusterFirstWithHostNet")) {
            policy = "ClusterFirst";
        }
        if (policy.equals("ClusterFirst") && network.clusterDns() == null) {
            policy = "Default";
        }
        PodDNSConfig extra = spec.getDnsConfig();
        List<String> servers = new ArrayList<>();
        List<String> searches = new ArrayList<>();
        Map<String, String> options = new java.util.LinkedHashMap<>();
        switch (policy) {
            case "None" -> { }
            case "ClusterFirst" -> {
                String ns = pod.getMetadata().getNamespace() == null ? "default" : pod.getMetadata().getNamespace();
                String domain = network.clusterDomain();
                servers.add(network.clusterDns());
                searches.addAll(List.of(ns + ".svc." + domain, "svc." + domain, domain));
                options.put("ndots", "5");
            }
            default -> {
                if (extra == null) {
                    return null;
                }
                // Default with dnsConfig: the host's resolv.conf plus the extras.
                HostResolvConf host = HostResolvConf.read();
                servers.addAll(host.nameservers());
                searches.addAll(host.searches());
                host.options().forEach(o -> putOption(options, o));
            }
        }
        if (extra != null) {
            nullSafe(extra.getNameservers()).forEach(n -> {
                if (!servers.contains(n)) {
                    servers.add(n);
                }
            });
            nullSafe(extra.getSearches()).forEach(s -> {
                if (!searches.contains(s)) {
                    searches.add(s);
                }
            });
            for (var o : nullSafe(extra.getOptions())) {
                options.put(o.getName(), o.getValue());
            }
        }
        List<String> opts = options.entrySet().stream()
                .map(e -> e.getValue() == null ? e.getKey() : e.getKey() + ":" + e.getValue()).toList();
        // glibc reads at most 3 nameservers and 6 search domains (32 since 2.26, but keep the classic limits).
        return new SandboxSpec.DnsConfig(servers.stream().limit(3).toList(), searches.stream().limit(6).toList(),
                opts);
    }

    private static void putOption(Map<String, String> options, String option) {
        int colon = option.indexOf(':');
        if (colon < 0) {
            options.put(option, null);
        } else {
            options.put(option.substring(0, colon), option.substring(colon + 1));
        }
    }

    /** One attempt of {@code c}, with its resolved environment. */
    public static ContainerSpec container(Container c, int attempt, Map<String, String> env) {
        return container(c, attempt, env, List.of());
    }

    /** One attempt of {@code c}, with its resolved environment and its volumes' bind mounts. */
    public static ContainerSpec container(Container c, int attempt, Map<String, String> env,
                                          List<ContainerSpec.Mount> mounts) {
        return container(c, attempt, env, mounts, ContainerSecurity.DEFAULT);
    }

    /** As above, with the container's {@link SecurityContexts#container security settings}. */
    public static ContainerSpec container(Container c, int attempt, Map<String, String> env,
                                          List<ContainerSpec.Mount> mounts, ContainerSecurity security) {
        return ContainerSpec.builder(c.getName(), c.getImage()).attempt(attempt).mounts(mounts).security(security)
                .command(nullSafe(c.getCommand())).args(nullSafe(c.getArgs())).workingDir(c.getWorkingDir())
                .env(env).resources(resources(c.getResources())).stdin(Boolean.TRUE.equals(c.getStdin()))
                .stdinOnce(Boolean.TRUE.equals(c.getStdinOnce()))
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
    /** A sidecar: an init container with {@code restartPolicy: Always}, which runs beside the pod's containers. */
    static boolean isSidecar(Container c) {
        return "Always".equals(c.getRestartPolicy());
    }

    /**
     * The pod's ephemeral containers ({@code kubectl debug}) as containers: the same fields; they have no ports,
     * probes, hooks or resources (the API refuses them).
     */
    static List<Container> ephemeralContainers(Pod pod) {
        return nullSafe(pod.getSpec().getEphemeralContainers()).stream().map(e -> new io.fabric8.kubernetes.api
                .model.ContainerBuilder().withName(e.getName()).withImage(e.getImage())
                .withImagePullPolicy(e.getImagePullPolicy()).withCommand(e.getCommand()).withArgs(e.getArgs())
                .withWorkingDir(e.getWorkingDir()).withEnv(e.getEnv()).withEnvFrom(e.getEnvFrom())
                .withVolumeMounts(e.getVolumeMounts()).withSecurityContext(e.getSecurityContext())
                .withStdin(e.getStdin()).withStdinOnce(e.getStdinOnce()).withTty(e.getTty())
                .withTerminationMessagePath(e.getTerminationMessagePath())
                .withTerminationMessagePolicy(e.getTerminationMessagePolicy()).build()).toList();
    }

    /**
     * How an event names container {@code name} of the pod ({@code involvedObject.fieldPath}), as the kubelet's
     * reference: {@code spec.containers{app}}, {@code spec.initContainers{setup}} or
     * {@code spec.ephemeralContainers{debugger}}.
     */
    static String fieldPath(Pod pod, String name) {
        if (nullSafe(pod.getSpec().getInitContainers()).stream().anyMatch(c -> name.equals(c.getName()))) {
            return "spec.initContainers{" + name + "}";
        }
        if (nullSafe(pod.getSpec().getEphemeralContainers()).stream().anyMatch(c -> name.equals(c.getName()))) {
            return "spec.ephemeralContainers{" + name + "}";
        }
        return "spec.containers{" + name + "}";
    }

    /** The container whose processes ephemeral container {@code name} sees, or null. */
    static String ephemeralTarget(Pod pod, String name) {
        return nullSafe(pod.getSpec().getEphemeralContainers()).stream().filter(e -> name.equals(e.getName()))
                .map(io.fabric8.kubernetes.api.model.EphemeralContainer::getTargetContainerName)
                .filter(t -> t != null && !t.isEmpty()).findFirst().orElse(null);
    }

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
