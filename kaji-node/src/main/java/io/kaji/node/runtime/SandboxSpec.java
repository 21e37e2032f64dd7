package io.kaji.node.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the agent asks of a pod sandbox. Build with {@link #builder(PodRef)}.
 *
 * @param pod           the pod
 * @param attempt       0 for the first sandbox of the pod, +1 each time it is re-created
 * @param hostname      the pod's hostname; ignored (left empty, as the CRI requires) with {@code hostNetwork}
 * @param hostNetwork   share the node's network namespace (no CNI)
 * @param hostPid       share the node's PID namespace
 * @param hostIpc       share the node's IPC namespace
 * @param sharePid      one PID namespace for all the pod's containers ({@code shareProcessNamespace})
 * @param logDirectory  the pod's log directory (see {@link PodLogs})
 * @param ports         hostPort mappings for the portmap plugin
 * @param dns           resolver configuration, or null for the runtime's default
 * @param labels        extra labels (Kaji's own are added)
 * @param annotations   annotations
 * @param sysctls       namespaced sysctls
 * @param cgroupParent  the pod's cgroup parent, or "" for the runtime's default
 * @param security      the pod's user, groups, seccomp profile, and whether a container is privileged
 */
public record SandboxSpec(PodRef pod, int attempt, String hostname, boolean hostNetwork, boolean hostPid,
                          boolean hostIpc, boolean sharePid, Path logDirectory, List<PortMapping> ports, DnsConfig dns,
                          Map<String, String> labels, Map<String, String> annotations, Map<String, String> sysctls,
                          String cgroupParent, SandboxSecurity security) {

    public SandboxSpec {
        Objects.requireNonNull(pod, "pod");
        Objects.requireNonNull(logDirectory, "logDirectory");
        hostname = hostname == null ? "" : hostname;
        ports = List.copyOf(ports);
        labels = Map.copyOf(labels);
        annotations = Map.copyOf(annotations);
        sysctls = Map.copyOf(sysctls);
        cgroupParent = cgroupParent == null ? "" : cgroupParent;
        security = security == null ? SandboxSecurity.DEFAULT : security;
    }

    /**
     * A pod hostname as the kubelet makes it from {@code spec.hostname} or the pod's name: at most 63 characters (a
     * DNS label), without a trailing '-' or '.' left by the cut.
     */
    public static String podHostname(String name) {
        if (name.length() <= 63) {
            return name;
        }
        String cut = name.substring(0, 63);
        int end = cut.length();
        while (end > 0 && (cut.charAt(end - 1) == '-' || cut.charAt(end - 1) == '.')) {
            end--;
        }
        return cut.substring(0, end);
    }

    /** This spec with the pod's cgroup parent (its pod-level cgroup). */
    public SandboxSpec withCgroupParent(String parent) {
        return new SandboxSpec(pod, attempt, hostname, hostNetwork, hostPid, hostIpc, sharePid, logDirectory, ports,
                dns, labels, annotations, sysctls, parent, security);
    }

    /** A hostPort mapping. */
    public record PortMapping(String protocol, int containerPort, int hostPort, String hostIp) {
    }

    /** The pod's resolver configuration. */
    public record DnsConfig(List<String> servers, List<String> searches, List<String> options) {
        public DnsConfig {
            servers = List.copyOf(servers);
            searches = List.copyOf(searches);
            options = List.copyOf(options);
        }
    }

    public static Builder builder(PodRef pod) {
        return new Builder(pod);
    }

    /** A mutable builder; not thread-safe. */
    public static final class Builder {
        private final PodRef pod;
        private int attempt;
        private String hostname;
        private boolean hostNetwork;
        private boolean hostPid;
        private boolean hostIpc;
        private boolean sharePid;
        private Path logDirectory;
        private List<PortMapping> ports = List.of();
        private DnsConfig dns;
        private Map<String, String> labels = Map.of();
        private Map<String, String> annotations = Map.of();
        private Map<String, String> sysctls = Map.of();
        private String cgroupParent = "";
        private SandboxSecurity security = SandboxSecurity.DEFAULT;

        private Builder(PodRef pod) {
            this.pod = pod;
            this.hostname = pod.name();
        }

        public Builder attempt(int v) { attempt = v; return this; }
        public Builder hostname(String v) { hostname = v; return this; }
        public Builder hostNetwork(boolean v) { hostNetwork = v; return this; }
        public Builder hostPid(boolean v) { hostPid = v; return this; }
        public Builder hostIpc(boolean v) { hostIpc = v; return this; }
        public Builder sharePid(boolean v) { sharePid = v; return this; }
        public Builder logDirectory(Path v) { logDirectory = v; return this; }
        public Builder ports(List<PortMapping> v) { ports = v; return this; }
        public Builder dns(DnsConfig v) { dns = v; return this; }
        public Builder labels(Map<String, String> v) { labels = v; return this; }
        public Builder annotations(Map<String, String> v) { annotations = v; return this; }
        public Builder sysctls(Map<String, String> v) { sysctls = v; return this; }
        public Builder cgroupParent(String v) { cgroupParent = v; return this; }
        public Builder security(SandboxSecurity v) { security = v; return this; }

        public SandboxSpec build() {
            return new SandboxSpec(pod, attempt, hostname, hostNetwork, hostPid, hostIpc, sharePid, logDirectory, ports,
                    dns, labels, annotations, sysctls, cgroupParent, security);
        }
    }
}
