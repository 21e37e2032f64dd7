package io.kaji.node.runtime;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the agent asks of one container attempt. Build with {@link #builder(String, String)}.
 *
 * @param name       the container's name in the pod
 * @param attempt    0 for the first run, +1 for each restart; it selects the log file (see {@link PodLogs})
 * @param image      the image reference; it must be present (see {@link ContainerRuntime#pullImage})
 * @param command    overrides the image's ENTRYPOINT if not empty
 * @param args       overrides the image's CMD if not empty
 * @param workingDir the working directory, or "" for the image's
 * @param env        environment variables, in order
 * @param mounts     bind mounts
 * @param resources  cgroup limits
 * @param labels     extra labels (Kaji's own are added)
 * @param annotations annotations
 * @param stdin      keep stdin open
 * @param stdinOnce  close the container's stdin when the first attached client closes it (its output stays
 *                   attached until it exits); without it an attach that closes stdin detaches, as containerd does it
 * @param tty        allocate a terminal
 * @param security   user, groups, capabilities, seccomp and the like
 * @param pidTarget  the id of a container of the pod whose PID namespace this one joins (an ephemeral container's
 *                   {@code targetContainerName}), or ""
 */
public record ContainerSpec(String name, int attempt, String image, List<String> command, List<String> args,
                            String workingDir, Map<String, String> env, List<Mount> mounts, Resources resources,
                            Map<String, String> labels, Map<String, String> annotations, boolean stdin,
                            boolean stdinOnce, boolean tty, ContainerSecurity security, String pidTarget) {

    public ContainerSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(image, "image");
        command = List.copyOf(command);
        args = List.copyOf(args);
        workingDir = workingDir == null ? "" : workingDir;
        env = Collections.unmodifiableMap(new LinkedHashMap<>(env));
        mounts = List.copyOf(mounts);
        resources = resources == null ? Resources.NONE : resources;
        labels = Map.copyOf(labels);
        annotations = Map.copyOf(annotations);
        security = security == null ? ContainerSecurity.DEFAULT : security;
        pidTarget = pidTarget == null ? "" : pidTarget;
    }

    /** This spec in the PID namespace of container {@code containerId}. */
    public ContainerSpec withPidTarget(String containerId) {
        return new ContainerSpec(name, attempt, image, command, args, workingDir, env, mounts, resources, labels,
                annotations, stdin, stdinOnce, tty, security, containerId);
    }

    /** This spec with {@code resources.oomScoreAdj} replaced. */
    public ContainerSpec withOomScoreAdj(long adj) {
        Resources r = new Resources(resources.cpuShares(), resources.cpuQuotaMicros(), resources.cpuPeriodMicros(),
                resources.memoryLimitBytes(), adj);
        return new ContainerSpec(name, attempt, image, command, args, workingDir, env, mounts, r, labels, annotations,
                stdin, stdinOnce, tty, security, pidTarget);
    }

    /**
     * A bind mount from the host, with its mount propagation (a volumeMount's {@code mountPropagation}).
     */
    public record Mount(String hostPath, String containerPath, boolean readOnly, Propagation propagation) {

        /** A private bind mount (propagation {@code None}). */
        public Mount(String hostPath, String containerPath, boolean readOnly) {
            this(hostPath, containerPath, readOnly, Propagation.PRIVATE);
        }

        public Mount {
            propagation = propagation == null ? Propagation.PRIVATE : propagation;
        }
    }

    /**
     * Whether mounts made later under a bind mount's source reach the container ({@code HOST_TO_CONTAINER},
     * Kubernetes' {@code HostToContainer}) and, for privileged containers, the other way too ({@code BIDIRECTIONAL}).
     */
    public enum Propagation { PRIVATE, HOST_TO_CONTAINER, BIDIRECTIONAL }

    /**
     * Linux cgroup settings (0 means unset).
     *
     * @param cpuShares   relative CPU weight (Kubernetes: requests.cpu in millicores * 1024 / 1000, at least 2)
     * @param cpuQuotaMicros CFS quota per period (limits.cpu)
     * @param cpuPeriodMicros CFS period, 100000 by default
     * @param memoryLimitBytes limits.memory
     * @param oomScoreAdj the OOM score by QoS class
     */
    public record Resources(long cpuShares, long cpuQuotaMicros, long cpuPeriodMicros, long memoryLimitBytes,
                            long oomScoreAdj) {
        public static final Resources NONE = new Resources(0, 0, 0, 0, 0);

        public static Resources memoryLimit(long bytes) {
            return new Resources(0, 0, 0, bytes, 0);
        }
    }

    public static Builder builder(String name, String image) {
        return new Builder(name, image);
    }

    /** A mutable builder; not thread-safe. */
    public static final class Builder {
        private final String name;
        private final String image;
        private int attempt;
        private List<String> command = List.of();
        private List<String> args = List.of();
        private String workingDir = "";
        private Map<String, String> env = Map.of();
        private List<Mount> mounts = List.of();
        private Resources resources = Resources.NONE;
        private Map<String, String> labels = Map.of();
        private Map<String, String> annotations = Map.of();
        private boolean stdin;
        private boolean stdinOnce;
        private boolean tty;
        private ContainerSecurity security = ContainerSecurity.DEFAULT;

        private Builder(String name, String image) {
            this.name = name;
            this.image = image;
        }

        public Builder attempt(int v) { attempt = v; return this; }
        public Builder command(String... v) { command = List.of(v); return this; }
        public Builder command(List<String> v) { command = v; return this; }
        public Builder args(List<String> v) { args = v; return this; }
        public Builder workingDir(String v) { workingDir = v; return this; }
        public Builder env(Map<String, String> v) { env = v; return this; }
        public Builder mounts(List<Mount> v) { mounts = v; return this; }
        public Builder resources(Resources v) { resources = v; return this; }
        public Builder labels(Map<String, String> v) { labels = v; return this; }
        public Builder annotations(Map<String, String> v) { annotations = v; return this; }
        public Builder stdin(boolean v) { stdin = v; return this; }
        public Builder stdinOnce(boolean v) { stdinOnce = v; return this; }
        public Builder tty(boolean v) { tty = v; return this; }
        public Builder security(ContainerSecurity v) { security = v; return this; }

        public ContainerSpec build() {
            return new ContainerSpec(name, attempt, image, command, args, workingDir, env, mounts, resources, labels,
                    annotations, stdin, stdinOnce, tty, security, "");
        }
    }
}
