package io.kaji.cli;

import io.fabric8.kubernetes.api.model.Quantity;
import io.kaji.node.agent.NodeAllocatable;
import io.kaji.node.agent.SysctlAllowlist;
import io.kaji.node.containergc.ContainerGcPolicy;
import io.kaji.node.eviction.EvictionConfig;
import io.kaji.node.imagegc.ImageGcPolicy;
import io.kaji.node.logs.LogRotationPolicy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The node agent's reservation, eviction, garbage-collection and log rotation options, spelled as the kubelet's
 * flags, declared once and mixed into {@code kaji agent} and {@code kaji server} (its in-process agent) with
 * {@code @Mixin}. Like every option they can come from the config file ({@code eviction-hard: ...}). The parse
 * methods turn a bad value into a usage error of the command they are mixed into, naming the flag.
 */
final class NodeResourceOptions {

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec mixee;

    @Option(names = "--allowed-unsafe-sysctls", paramLabel = "SYSCTLS",
            description = "Sysctls pods may set beyond Kubernetes' safe ones, comma-separated names or prefixes "
                    + "ending in *, e.g. net.core.somaxconn,kernel.msg* (only sysctls the kernel isolates per pod: "
                    + "kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*, net.*). A pod asking for any other is "
                    + "rejected with reason SysctlForbidden (default: the safe ones only).")
    String allowedUnsafeSysctls;

    @Option(names = "--system-reserved", paramLabel = "RESOURCES",
            description = "Resources kept for the operating system and its daemons, as the kubelet spells them, e.g. "
                    + "cpu=200m,memory=512Mi,ephemeral-storage=1Gi: the node's allocatable is its capacity less "
                    + "these, --kube-reserved and the hard eviction thresholds of memory and nodefs (default: none).")
    String systemReserved;

    @Option(names = "--kube-reserved", paramLabel = "RESOURCES",
            description = "Resources kept for the agent and containerd, the same way (default: none).")
    String kubeReserved;

    @Option(names = "--eviction-hard", paramLabel = "THRESHOLDS",
            description = "Hard eviction thresholds as the kubelet spells them, e.g. memory.available<100Mi,"
                    + "nodefs.available<10%%; replaces the defaults (memory.available<100Mi,nodefs.available<10%%,"
                    + "nodefs.inodesFree<5%%,imagefs.available<15%%); none turns hard eviction off.")
    String evictionHard;

    @Option(names = "--eviction-soft", paramLabel = "THRESHOLDS",
            description = "Soft eviction thresholds (same syntax), each with --eviction-soft-grace-period.")
    String evictionSoft;

    @Option(names = "--eviction-soft-grace-period", paramLabel = "PERIODS",
            description = "How long each soft threshold must hold before pods are evicted, e.g. memory.available=1m30s.")
    String evictionSoftGrace;

    @Option(names = "--eviction-minimum-reclaim", paramLabel = "AMOUNTS",
            description = "How much more than each threshold must be free before a met threshold counts as resolved, "
                    + "e.g. memory.available=0Mi,nodefs.available=500Mi,imagefs.available=5%% (default: none).")
    String evictionMinimumReclaim;

    @Option(names = "--eviction-pressure-transition-period", defaultValue = "5m", paramLabel = "DURATION",
            description = "How long a pressure condition stays True after its threshold was last met "
                    + "(default: ${DEFAULT-VALUE}).")
    String evictionTransition;

    @Option(names = "--eviction-max-pod-grace-period", defaultValue = "0", paramLabel = "SECONDS",
            description = "The longest grace period (s) of a pod evicted by a soft threshold; 0: the pod's own "
                    + "(default: ${DEFAULT-VALUE}).")
    long evictionMaxPodGrace;

    @Option(names = "--eviction-monitoring-interval", defaultValue = "10s", paramLabel = "DURATION",
            description = "How often eviction signals are sampled and at most one pod is evicted "
                    + "(default: ${DEFAULT-VALUE}).")
    String evictionInterval;

    @Option(names = "--image-gc-high-threshold", defaultValue = "85", paramLabel = "PERCENT",
            description = "Remove unused images when the image file system is this full (0-100; 100 turns image "
                    + "garbage collection by usage off; default: ${DEFAULT-VALUE}).")
    int imageGcHigh;

    @Option(names = "--image-gc-low-threshold", defaultValue = "80", paramLabel = "PERCENT",
            description = "Remove images until the image file system is below this (default: ${DEFAULT-VALUE}).")
    int imageGcLow;

    @Option(names = "--image-minimum-gc-age", defaultValue = "2m", paramLabel = "DURATION",
            description = "Never remove an unused image younger than this (default: ${DEFAULT-VALUE}).")
    String imageMinimumGcAge;

    @Option(names = "--maximum-dead-containers-per-container", defaultValue = "1", paramLabel = "N",
            description = "Dead instances kept per container of a pod; the previous one is what 'kubectl logs "
                    + "--previous' reads; -1: no limit (default: ${DEFAULT-VALUE}).")
    int maxDeadPerContainer;

    @Option(names = "--maximum-dead-containers", defaultValue = "-1", paramLabel = "N",
            description = "Dead containers kept on the node, oldest removed first, each container of a live pod "
                    + "keeping its last one; -1: no limit (default: ${DEFAULT-VALUE}).")
    int maxDeadContainers;

    @Option(names = "--minimum-container-ttl-duration", defaultValue = "0", paramLabel = "DURATION",
            description = "Never remove a dead container created less than this long ago (default: ${DEFAULT-VALUE}).")
    String minContainerTtl;

    @Option(names = "--container-log-max-size", defaultValue = "10Mi", paramLabel = "QUANTITY",
            description = "Rotate a running container's log once it is this large, e.g. 10Mi or 500Ki "
                    + "(default: ${DEFAULT-VALUE}).")
    String containerLogMaxSize;

    @Option(names = "--container-log-max-files", defaultValue = "5", paramLabel = "N",
            description = "Log files kept per container: the current one and N-1 rotated ones, all but the newest "
                    + "gzipped; at least 2 (default: ${DEFAULT-VALUE}).")
    int containerLogMaxFiles;

    @Option(names = "--container-log-monitor-interval", defaultValue = "10s", paramLabel = "DURATION",
            description = "How often container logs are checked for rotation; at least 3s (default: "
                    + "${DEFAULT-VALUE}).")
    String containerLogMonitorInterval;

    /** {@code --system-reserved}; a bad value is a usage error naming the flag. */
    Map<String, Long> systemReserved() {
        return reserved("--system-reserved", systemReserved);
    }

    /** {@code --kube-reserved}; a bad value is a usage error naming the flag. */
    Map<String, Long> kubeReserved() {
        return reserved("--kube-reserved", kubeReserved);
    }

    private Map<String, Long> reserved(String flag, String value) {
        try {
            return NodeAllocatable.parseReserved(flag, value);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    /** The image GC settings; a bad value is a usage error naming the flag. */
    ImageGcPolicy imageGcPolicy() {
        Duration minAge = duration("--image-minimum-gc-age", imageMinimumGcAge);
        try {
            return ImageGcPolicy.defaults().with(imageGcHigh, imageGcLow, minAge);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    /** The eviction settings; a bad value is a usage error naming the flag. */
    EvictionConfig evictionConfig() {
        if (evictionMaxPodGrace < 0) {
            throw usage("--eviction-max-pod-grace-period must not be negative");
        }
        Duration transition = duration("--eviction-pressure-transition-period", evictionTransition);
        Duration interval = duration("--eviction-monitoring-interval", evictionInterval);
        try {
            return EvictionConfig.parse(evictionHard, evictionSoft, evictionSoftGrace, evictionMinimumReclaim,
                    transition, interval, Duration.ofSeconds(evictionMaxPodGrace));
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    /** The dead-container GC settings; a bad value is a usage error naming the flag. */
    ContainerGcPolicy containerGcPolicy() {
        Duration minAge = duration("--minimum-container-ttl-duration", minContainerTtl);
        return ContainerGcPolicy.defaults().with(minAge, maxDeadPerContainer, maxDeadContainers);
    }

    /** The container log rotation settings; a bad value is a usage error naming the flag. */
    LogRotationPolicy logRotationPolicy() {
        long bytes;
        try {
            bytes = Quantity.getAmountInBytes(Quantity.parse(containerLogMaxSize)).longValueExact();
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw usage("--container-log-max-size: \"" + containerLogMaxSize + "\" is not a size such as 10Mi, "
                    + "500Ki or 1048576");
        }
        Duration period = duration("--container-log-monitor-interval", containerLogMonitorInterval);
        try {
            return new LogRotationPolicy(bytes, containerLogMaxFiles, period);
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    /** The sysctls pods may set on the node; a pattern that is not a namespaced sysctl is a usage error. */
    SysctlAllowlist sysctlAllowlist() {
        try {
            return SysctlAllowlist.allowing(allowedUnsafeSysctls == null ? List.of()
                    : List.of(allowedUnsafeSysctls.split(",")));
        } catch (IllegalArgumentException e) {
            throw usage("--allowed-unsafe-sysctls: " + e.getMessage());
        }
    }

    /** Parses every setting once, so that a bad value fails before anything starts. */
    void check() {
        sysctlAllowlist();
        logRotationPolicy();
        systemReserved();
        kubeReserved();
        evictionConfig();
        imageGcPolicy();
        containerGcPolicy();
    }

    private Duration duration(String flag, String value) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw usage(flag + ": " + e.getMessage());
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(mixee.commandLine(), message);
    }
}
