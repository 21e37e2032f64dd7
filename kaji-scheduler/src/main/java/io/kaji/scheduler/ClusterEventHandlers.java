package io.kaji.scheduler;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.kaji.scheduler.cache.SchedulerCache;
import io.kaji.scheduler.framework.ClusterEvent;
import io.kaji.scheduler.queue.SchedulingQueue;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Turns informer notifications into cache updates, queue additions and {@link ClusterEvent}s, as
 * kube-scheduler's event handlers do: bound pods go to the cache, pending pods this scheduler is responsible
 * for go to the queue, and node and bound-pod changes wake the unschedulable pods that could now fit.
 * Terminated pods (Succeeded/Failed) hold no resources and are treated as deleted.
 */
final class ClusterEventHandlers {

    private final SchedulerCache cache;
    private final SchedulingQueue queue;
    private final Predicate<Pod> responsible;

    ClusterEventHandlers(SchedulerCache cache, SchedulingQueue queue, Predicate<Pod> responsible) {
        this.cache = cache;
        this.queue = queue;
        this.responsible = responsible;
    }

    /** A handler that only wakes pods waiting for {@code event} when an object is added or changed (claims, volumes). */
    <T> ResourceEventHandler<T> wakeOn(ClusterEvent event) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                queue.onClusterEvent(event);
            }

            @Override
            public void onUpdate(T old, T obj) {
                queue.onClusterEvent(event);
            }

            @Override
            public void onDelete(T obj, boolean unknownFinalState) {
            }
        };
    }

    ResourceEventHandler<Node> nodes() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node node) {
                cache.addNode(node);
                queue.onClusterEvent(ClusterEvent.NODE_ADDED);
            }

            @Override
            public void onUpdate(Node old, Node node) {
                cache.updateNode(node);
                if (!Objects.equals(allocatable(old), allocatable(node))) {
                    queue.onClusterEvent(ClusterEvent.NODE_ALLOCATABLE_CHANGED);
                }
                if (!Objects.equals(old.getMetadata().getLabels(), node.getMetadata().getLabels())) {
                    queue.onClusterEvent(ClusterEvent.NODE_LABELS_CHANGED);
                }
                if (!Objects.equals(spec(old, true), spec(node, true))) {
                    queue.onClusterEvent(ClusterEvent.NODE_TAINTS_CHANGED);
                }
                if (!Objects.equals(spec(old, false), spec(node, false))) {
                    queue.onClusterEvent(ClusterEvent.NODE_UNSCHEDULABLE_CHANGED);
                }
            }

            @Override
            public void onDelete(Node node, boolean unknownFinalState) {
                cache.removeNode(node);
            }
        };
    }

    private static Object allocatable(Node n) {
        return n.getStatus() == null ? null : n.getStatus().getAllocatable();
    }

    private static Object spec(Node n, boolean taints) {
        if (n.getSpec() == null) {
            return null;
        }
        return taints ? n.getSpec().getTaints() : n.getSpec().getUnschedulable();
    }

    ResourceEventHandler<Pod> pods() {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                if (isTerminal(pod)) {
                    return;
                }
                if (isAssigned(pod)) {
                    cache.addPod(pod);
                    queue.onClusterEvent(ClusterEvent.ASSIGNED_POD_ADDED);
                } else if (responsible.test(pod)) {
                    queue.add(pod);
                }
            }

            @Override
            public void onUpdate(Pod old, Pod pod) {
                if (isAssigned(pod)) {
                    if (!isAssigned(old)) {
                        queue.delete(pod);
                    }
                    if (isTerminal(pod)) {
                        cache.removePod(pod);
                        queue.onClusterEvent(ClusterEvent.ASSIGNED_POD_DELETED);
                    } else {
                        cache.updatePod(pod);
                        if (!isAssigned(old)) {
                            queue.onClusterEvent(ClusterEvent.ASSIGNED_POD_ADDED);
                        } else if (!Objects.equals(old.getMetadata().getLabels(), pod.getMetadata().getLabels())
                                || !Objects.equals(old.getSpec(), pod.getSpec())) {
                            // Status-only updates (the kubelet's) cannot make room or change affinity.
                            queue.onClusterEvent(ClusterEvent.ASSIGNED_POD_CHANGED);
                        }
                    }
                } else if (isTerminal(pod)) {
                    queue.delete(pod);
                } else if (responsible.test(pod)) {
                    queue.update(pod);
                }
            }

            @Override
            public void onDelete(Pod pod, boolean unknownFinalState) {
                if (isAssigned(pod)) {
                    cache.removePod(pod);
                    queue.onClusterEvent(ClusterEvent.ASSIGNED_POD_DELETED);
                } else {
                    queue.delete(pod);
                }
            }
        };
    }

    static boolean isAssigned(Pod pod) {
        return pod.getSpec() != null && pod.getSpec().getNodeName() != null && !pod.getSpec().getNodeName().isEmpty();
    }

    static boolean isTerminal(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }
}
