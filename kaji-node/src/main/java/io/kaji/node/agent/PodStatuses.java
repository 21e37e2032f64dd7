package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.kaji.node.runtime.ContainerStatus;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Computes a pod's Kubernetes status from what the pod sync saw: phase, conditions (PodScheduled,
 * PodReadyToStartContainers, Initialized, ContainersReady, Ready; transition times kept while a condition's
 * status does not change), container statuses (state, lastState, restartCount, ready, image, imageID,
 * containerID), podIP(s), hostIP, startTime and qosClass. Pure: the same input gives an equal status, so the
 * worker writes only changes.
 */
public final class PodStatuses {

    private PodStatuses() {
    }

    public static PodStatus build(Pod pod, boolean sandboxReady, String ip, String hostIp, List<ContainerView> views,
                                  Clock clock) {
        PodStatus old = pod.getStatus() == null ? new PodStatus() : pod.getStatus();
        String now = time(clock.instant());
        String policy = Objects.requireNonNullElse(pod.getSpec().getRestartPolicy(), "Always");

        List<io.fabric8.kubernetes.api.model.ContainerStatus> init = new ArrayList<>();
        List<io.fabric8.kubernetes.api.model.ContainerStatus> app = new ArrayList<>();
        boolean initDone = true;
        boolean initFailed = false;
        List<io.fabric8.kubernetes.api.model.ContainerStatus> sidecars = new ArrayList<>();
        // The kubelet's waiting reason for a container not created yet: PodInitializing in a pod with init containers.
        String notCreated = PodSpecs.nullSafe(pod.getSpec().getInitContainers()).isEmpty() ? "ContainerCreating"
                : "PodInitializing";
        for (ContainerView v : views) {
            var s = containerStatus(v, notCreated);
            if (v.init()) {
                init.add(s);
                if (PodSpecs.isSidecar(v.spec())) {
                    sidecars.add(s);
                    initDone &= Boolean.TRUE.equals(s.getStarted());
                    continue;
                }
                boolean ok = v.latest() != null && v.latest().state() == io.kaji.node.runtime.ContainerState.EXITED
                        && v.latest().exitCode() == 0;
                initDone &= ok;
                if (!ok && v.latest() != null && v.latest().state() == io.kaji.node.runtime.ContainerState.EXITED
                        && "Never".equals(policy)) {
                    initFailed = true;
                }
            } else {
                app.add(s);
            }
        }
        // A pod whose regular containers have been created is initialized, even while a sidecar restarts.
        initDone |= views.stream().anyMatch(v -> !v.init() && v.latest() != null);
        String phase = phase(views, policy, initDone, initFailed);
        // Sidecars count for readiness, before the regular containers (the kubelet's order).
        List<String> unready = java.util.stream.Stream.concat(sidecars.stream(), app.stream())
                .filter(s -> !Boolean.TRUE.equals(s.getReady()))
                .map(io.fabric8.kubernetes.api.model.ContainerStatus::getName).toList();
        boolean completed = "Succeeded".equals(phase) || "Failed".equals(phase);

        List<PodCondition> conditions = new ArrayList<>();
        conditions.add(condition(old, "PodReadyToStartContainers", sandboxReady, null, null, now));
        conditions.add(condition(old, "Initialized", initDone, initDone ? null : "ContainersNotInitialized",
                initDone ? null : "containers with incomplete status: " + incomplete(views), now));
        String notReadyReason = completed ? "PodCompleted" : "ContainersNotReady";
        String notReadyMessage = completed ? null : "containers with unready status: [" + String.join(" ", unready) + "]";
        boolean ready = unready.isEmpty() && initDone && !completed;
        conditions.add(condition(old, "ContainersReady", ready, ready ? null : notReadyReason,
                ready ? null : notReadyMessage, now));
        // Ready also waits for the pod's readiness gates: conditions other controllers write (the kubelet's
        // GeneratePodReadyCondition, with its messages).
        String gates = ready ? unreadyGates(pod, old) : null;
        if (gates != null) {
            conditions.add(condition(old, "Ready", false, "ReadinessGatesNotReady", gates, now));
        } else {
            conditions.add(condition(old, "Ready", ready, ready ? null : notReadyReason,
                    ready ? null : notReadyMessage, now));
        }
        conditions.add(condition(old, "PodScheduled", true, null, null, now));
        // Conditions the agent does not own (readiness gates, DisruptionTarget) stay as others wrote them.
        conditions.addAll(foreignConditions(old));

        PodStatusBuilder b = new PodStatusBuilder().withPhase(phase).withConditions(conditions)
                .withHostIP(hostIp).withHostIPs(new io.fabric8.kubernetes.api.model.HostIP(hostIp))
                .withStartTime(old.getStartTime() != null ? old.getStartTime() : now)
                .withQosClass(PodSpecs.qosClass(pod)).withContainerStatuses(app);
        if (!init.isEmpty()) {
            b.withInitContainerStatuses(init);
        }
        String podIp = ip == null || ip.isEmpty() ? old.getPodIP() : ip;
        if (podIp != null && !podIp.isEmpty()) {
            b.withPodIP(podIp).withPodIPs(new PodIP(podIp));
        }
        return b.build();
    }

    static String phase(List<ContainerView> views, String policy, boolean initDone, boolean initFailed) {
        if (initFailed) {
            return "Failed";
        }
        if (!initDone) {
            return "Pending";
        }
        List<ContainerView> app = views.stream().filter(v -> !v.init()).toList();
        boolean allCreated = app.stream().allMatch(v -> v.latest() != null);
        if (!allCreated) {
            return "Pending";
        }
        boolean allDone = app.stream().allMatch(v -> v.latest().state() == io.kaji.node.runtime.ContainerState.EXITED
                && !PodSyncer.restarts(policy, v.latest().exitCode()));
        if (allDone) {
            return app.stream().allMatch(v -> v.latest().exitCode() == 0) ? "Succeeded" : "Failed";
        }
        return "Running";
    }

    static io.fabric8.kubernetes.api.model.ContainerStatus containerStatus(ContainerView v) {
        return containerStatus(v, "ContainerCreating");
    }

    /** {@code notCreated}: the waiting reason of a container the runtime has no instance of yet. */
    static io.fabric8.kubernetes.api.model.ContainerStatus containerStatus(ContainerView v, String notCreated) {
        ContainerStatus latest = v.latest();
        var b = new ContainerStatusBuilder().withName(v.spec().getName()).withImage(v.spec().getImage())
                .withImageID("").withRestartCount(latest == null ? 0 : latest.attempt());
        boolean running = latest != null && latest.state() == io.kaji.node.runtime.ContainerState.RUNNING
                && v.waiting() == null;
        // Probes decide started (startup probe) and ready (readiness probe) of a running container.
        boolean started = running && (v.health() == null || v.health().started());
        boolean ready = running && (!v.init() || PodSpecs.isSidecar(v.spec()))
                && (v.health() == null || v.health().ready());
        b.withReady(ready).withStarted(started);
        if (latest != null) {
            b.withContainerID("containerd://" + latest.id());
            if (latest.imageRef() != null && !latest.imageRef().isEmpty()) {
                b.withImageID(latest.imageRef());
            }
        }
        ContainerStatus last = v.previous();
        if (v.waiting() != null) {
            b.withState(new ContainerStateBuilder().withNewWaiting().withReason(v.waiting().reason())
                    .withMessage(v.waiting().message()).endWaiting().build());
            if (latest != null && latest.state() == io.kaji.node.runtime.ContainerState.EXITED) {
                last = latest;
            }
        } else if (latest == null) {
            b.withState(new ContainerStateBuilder().withNewWaiting().withReason(notCreated).endWaiting().build());
        } else if (latest.state() == io.kaji.node.runtime.ContainerState.CREATED
                || latest.state() == io.kaji.node.runtime.ContainerState.UNKNOWN) {
            b.withState(new ContainerStateBuilder().withNewWaiting().withReason("ContainerCreating").endWaiting()
                    .build());
        } else if (running) {
            b.withState(new ContainerStateBuilder().withNewRunning().withStartedAt(time(latest.startedAt()))
                    .endRunning().build());
        } else {
            b.withState(terminated(latest));
        }
        b.withLastState(last == null || last.state() != io.kaji.node.runtime.ContainerState.EXITED
                ? new ContainerState() : terminated(last));
        return b.build();
    }

    static ContainerState terminated(ContainerStatus s) {
        String reason = s.reason() == null || s.reason().isEmpty() ? (s.exitCode() == 0 ? "Completed" : "Error")
                : s.reason();
        return new ContainerStateBuilder().withNewTerminated().withExitCode(s.exitCode()).withReason(reason)
                .withMessage(s.message() == null || s.message().isEmpty() ? null : s.message())
                .withStartedAt(time(s.startedAt())).withFinishedAt(time(s.finishedAt()))
                .withContainerID("containerd://" + s.id()).endTerminated().build();
    }

    private static String incomplete(List<ContainerView> views) {
        return "[" + String.join(" ", views.stream().filter(ContainerView::init)
                .filter(v -> PodSpecs.isSidecar(v.spec()) ? !Boolean.TRUE.equals(containerStatus(v).getStarted())
                        : v.latest() == null || v.latest().exitCode() != 0
                        || v.latest().state() != io.kaji.node.runtime.ContainerState.EXITED)
                .map(v -> v.spec().getName()).toList()) + "]";
    }

    /** The condition types the agent writes; every other condition in a pod's status belongs to someone else. */
    static final java.util.Set<String> OWN_CONDITIONS = java.util.Set.of("PodReadyToStartContainers", "Initialized",
            "ContainersReady", "Ready", "PodScheduled");

    /** The conditions of {@code status} the agent does not write, in their order. */
    static List<PodCondition> foreignConditions(PodStatus status) {
        if (status == null || status.getConditions() == null) {
            return List.of();
        }
        return status.getConditions().stream().filter(c -> c.getType() != null && !OWN_CONDITIONS.contains(c.getType()))
                .toList();
    }

    /**
     * {@code status} with the foreign conditions of {@code latest} in place of its own foreign ones: for a status
     * write retried against a newer copy of the pod, so that a condition another controller added meanwhile stays.
     */
    static PodStatus withForeignConditionsOf(PodStatus status, PodStatus latest) {
        List<PodCondition> merged = new ArrayList<>();
        if (status.getConditions() != null) {
            status.getConditions().stream().filter(c -> OWN_CONDITIONS.contains(c.getType())).forEach(merged::add);
        }
        merged.addAll(foreignConditions(latest));
        return new PodStatusBuilder(status).withConditions(merged).build();
    }

    /** Why the pod's readiness gates hold Ready back, as the kubelet words it; null when they all pass. */
    static String unreadyGates(Pod pod, PodStatus status) {
        if (pod.getSpec().getReadinessGates() == null || pod.getSpec().getReadinessGates().isEmpty()) {
            return null;
        }
        List<String> messages = new ArrayList<>();
        for (var gate : pod.getSpec().getReadinessGates()) {
            String type = gate.getConditionType();
            PodCondition c = status.getConditions() == null ? null : status.getConditions().stream()
                    .filter(x -> type != null && type.equals(x.getType())).findFirst().orElse(null);
            if (c == null) {
                messages.add("corresponding condition of pod readiness gate \"" + type + "\" does not exist.");
            } else if (!"True".equals(c.getStatus())) {
                messages.add("the status of pod readiness gate \"" + type + "\" is not \"True\", but " + c.getStatus());
            }
        }
        return messages.isEmpty() ? null : String.join(", ", messages);
    }

    private static PodCondition condition(PodStatus old, String type, boolean status, String reason, String message,
                                          String now) {
        String s = status ? "True" : "False";
        String transition = now;
        if (old.getConditions() != null) {
            for (PodCondition c : old.getConditions()) {
                if (type.equals(c.getType()) && s.equals(c.getStatus()) && c.getLastTransitionTime() != null) {
                    transition = c.getLastTransitionTime();
                }
            }
        }
        return new PodConditionBuilder().withType(type).withStatus(s).withReason(reason).withMessage(message)
                .withLastTransitionTime(transition).build();
    }

    static String time(Instant i) {
        return i == null ? null : i.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
