package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Sysctl;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which sysctls a pod may set on this node, as the kubelet's sysctl admission decides: the safe set (namespaced,
 * isolated from other pods and the node) and whatever {@code --allowed-unsafe-sysctls} adds (names, or prefixes
 * ending in {@code *}, each within one namespace the kernel isolates: IPC or network). A pod asking for anything
 * else is not started: it is rejected with reason {@value #REASON}, like a kubelet rejects it, whatever the API
 * server's Pod Security level allowed. A network sysctl is refused with {@code hostNetwork} and an IPC one with
 * {@code hostIPC}: the pod would change the node's own setting.
 */
public final class SysctlAllowlist {

    /** The pod status reason of a rejected pod (the kubelet's {@code SysctlForbidden}). */
    public static final String REASON = "SysctlForbidden";

    /** Kubernetes' safe sysctls (1.32): namespaced and unable to affect other pods. */
    public static final List<String> SAFE = List.of("kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
            "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start",
            "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
            "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes", "net.ipv4.tcp_rmem",
            "net.ipv4.tcp_wmem");

    private enum Namespace { IPC, NET }

    private final Map<String, Namespace> names = new LinkedHashMap<>();
    private final Map<String, Namespace> prefixes = new LinkedHashMap<>();

    private SysctlAllowlist(List<String> unsafe) {
        for (String s : SAFE) {
            names.put(s, namespaceOf(s));
        }
        List<String> unknown = new ArrayList<>();
        for (String raw : unsafe) {
            String pattern = PodSpecs.dotted(raw.strip());
            if (pattern.isEmpty()) {
                continue;
            }
            boolean prefix = pattern.endsWith("*");
            String stem = prefix ? pattern.substring(0, pattern.length() - 1) : pattern;
            Namespace ns = namespaceOf(stem);
            if (ns == null || stem.contains("*")) {
                unknown.add(raw.strip());
            } else if (prefix) {
                prefixes.put(stem, ns);
            } else {
                names.put(stem, ns);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("the sysctls " + unknown + " are not known to be namespaced: only"
                    + " kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.* and net.* can be allowed, as names or as"
                    + " prefixes ending in *");
        }
    }

    /** The safe sysctls only (the kubelet's default). */
    public static SysctlAllowlist safe() {
        return new SysctlAllowlist(List.of());
    }

    /**
     * The safe sysctls and {@code unsafe} ({@code --allowed-unsafe-sysctls}: names such as
     * {@code net.core.somaxconn}, or prefixes such as {@code kernel.msg*}; a slash separator is read as a dot).
     *
     * @throws IllegalArgumentException naming the patterns that are not namespaced sysctls
     */
    public static SysctlAllowlist allowing(List<String> unsafe) {
        return new SysctlAllowlist(unsafe);
    }

    /**
     * Why {@code pod} may not run here, as the kubelet words it ({@code forbidden sysctl: "x" not allowlisted});
     * empty when all its sysctls are allowed.
     */
    public Optional<String> rejection(Pod pod) {
        PodSecurityContext sc = pod.getSpec() == null ? null : pod.getSpec().getSecurityContext();
        if (sc == null || sc.getSysctls() == null) {
            return Optional.empty();
        }
        boolean hostNet = Boolean.TRUE.equals(pod.getSpec().getHostNetwork());
        boolean hostIpc = Boolean.TRUE.equals(pod.getSpec().getHostIPC());
        for (Sysctl s : sc.getSysctls()) {
            String problem = check(PodSpecs.dotted(s.getName() == null ? "" : s.getName()), hostNet, hostIpc);
            if (problem != null) {
                return Optional.of("forbidden sysctl: " + problem);
            }
        }
        return Optional.empty();
    }

    private String check(String name, boolean hostNet, boolean hostIpc) {
        Namespace ns = names.get(name);
        if (ns == null) {
            ns = prefixes.entrySet().stream().filter(e -> name.startsWith(e.getKey())).map(Map.Entry::getValue)
                    .findFirst().orElse(null);
        }
        if (ns == null) {
            return "\"" + name + "\" not allowlisted";
        }
        if (ns == Namespace.NET && hostNet) {
            return "\"" + name + "\" not allowed with host net enabled";
        }
        if (ns == Namespace.IPC && hostIpc) {
            return "\"" + name + "\" not allowed with host ipc enabled";
        }
        return null;
    }

    /** The kernel namespace that isolates {@code name} (or a prefix of names), or null if none does. */
    private static Namespace namespaceOf(String name) {
        if (name.startsWith("kernel.shm") || name.startsWith("kernel.msg") || name.startsWith("fs.mqueue.")
                || name.equals("kernel.sem")) {
            return Namespace.IPC;
        }
        if (name.startsWith("net.")) {
            return Namespace.NET;
        }
        return null;
    }

    @Override
    public String toString() {
        List<String> all = new ArrayList<>(names.keySet());
        prefixes.keySet().forEach(p -> all.add(p + "*"));
        return String.join(",", all);
    }
}
