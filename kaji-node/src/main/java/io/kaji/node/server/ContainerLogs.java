package io.kaji.node.server;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EphemeralContainer;
import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.PodRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the log file of a container attempt for {@code containerLogs} requests: the pod (by namespace and name,
 * from the agent's view of its pods) gives the uid and so the log directory ({@link PodLogs}); the container's
 * attempts are the {@code <attempt>.log} files in it, the newest being the current one and the one before it the
 * previous. Answers are values: a {@link Found} file or a {@link Refused} with the HTTP status and the kubelet's
 * message. Thread-safe if the lookups are.
 */
public final class ContainerLogs {

    /** The pods bound to this node, as the agent sees them. */
    @FunctionalInterface
    public interface Pods {
        /** The pod, or null if this node does not run it. */
        Pod find(String namespace, String name);
    }

    /** Whether a container attempt may still write to its log (it is created or running). */
    @FunctionalInterface
    public interface Liveness {
        boolean writing(PodRef pod, String container, int attempt);
    }

    /** The outcome of {@link #find}. */
    public sealed interface Result permits Found, Refused {}

    /** The attempt's log file. */
    public record Found(PodRef pod, String container, int attempt, Path file) implements Result {}

    /** No log to send: HTTP status and message. */
    public record Refused(int status, String message) implements Result {}

    private final PodLogs podLogs;
    private final Pods pods;
    private final Liveness liveness;

    public ContainerLogs(PodLogs podLogs, Pods pods, Liveness liveness) {
        this.podLogs = podLogs;
        this.pods = pods;
        this.liveness = liveness;
    }

    /** The current (or, with {@code previous}, the previous) attempt's log of a container. Blocking (lists files). */
    public Result find(String namespace, String podName, String container, boolean previous) {
        Pod pod = pods.find(namespace, podName);
        if (pod == null || pod.getMetadata() == null || pod.getMetadata().getUid() == null) {
            return new Refused(404, "pod \"" + podName + "\" in namespace \"" + namespace
                    + "\" is not running on this node");
        }
        if (!containerNames(pod).contains(container)) {
            return new Refused(404, "container \"" + container + "\" not found in pod \"" + podName
                    + "\" (its containers: " + containerNames(pod) + ")");
        }
        PodRef ref = new PodRef(namespace, podName, pod.getMetadata().getUid());
        List<Integer> attempts = podLogs.attempts(ref, container);
        if (previous) {
            if (attempts.size() < 2) {
                return new Refused(400, "previous terminated container \"" + container + "\" in pod \"" + podName
                        + "\" not found");
            }
            int a = attempts.get(attempts.size() - 2);
            return new Found(ref, container, a, podLogs.file(ref, container, a));
        }
        if (attempts.isEmpty()) {
            return new Refused(400, "container \"" + container + "\" in pod \"" + podName
                    + "\" is waiting to start: " + waitingReason(pod, container));
        }
        int a = attempts.get(attempts.size() - 1);
        return new Found(ref, container, a, podLogs.file(ref, container, a));
    }

    /**
     * True once {@code found}'s attempt writes no more: a newer attempt exists, the runtime reports it exited, or
     * its log directory is gone (pod removed). The log file alone can be missing for a moment while the attempt
     * writes on: between a rotation's rename and the runtime's reopen.
     */
    public boolean writerDone(Found found) {
        if (!Files.isDirectory(found.file().getParent())) {
            return true;
        }
        List<Integer> attempts = podLogs.attempts(found.pod(), found.container());
        if (!attempts.isEmpty() && attempts.get(attempts.size() - 1) > found.attempt()) {
            return true;
        }
        return !liveness.writing(found.pod(), found.container(), found.attempt());
    }

    private static List<String> containerNames(Pod pod) {
        List<String> names = new ArrayList<>();
        if (pod.getSpec() == null) {
            return names;
        }
        for (Container c : pod.getSpec().getInitContainers()) {
            names.add(c.getName());
        }
        for (Container c : pod.getSpec().getContainers()) {
            names.add(c.getName());
        }
        for (EphemeralContainer c : pod.getSpec().getEphemeralContainers()) {
            names.add(c.getName());
        }
        return names;
    }

    private static String waitingReason(Pod pod, String container) {
        if (pod.getStatus() != null) {
            List<ContainerStatus> all = new ArrayList<>(pod.getStatus().getContainerStatuses());
            all.addAll(pod.getStatus().getInitContainerStatuses());
            for (ContainerStatus s : all) {
                if (container.equals(s.getName()) && s.getState() != null && s.getState().getWaiting() != null
                        && s.getState().getWaiting().getReason() != null) {
                    return s.getState().getWaiting().getReason();
                }
            }
        }
        return "ContainerCreating";
    }
}
