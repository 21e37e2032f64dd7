package io.kaji.node.containergc;

import io.kaji.node.runtime.ContainerInfo;
import io.kaji.node.runtime.ContainerState;
import io.kaji.node.runtime.KajiLabels;
import io.kaji.node.runtime.PodRef;
import io.kaji.node.runtime.SandboxInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Chooses the dead containers and sandboxes to remove, as the kubelet's {@code containerGC} does
 * ({@code evictContainers}, {@code evictSandboxes}); pure, no runtime calls. Objects without Kaji's pod labels are
 * never chosen, nor is a running container or a ready sandbox.
 */
final class GarbageSelection {

    /** A container of one pod, as the kubelet's evictUnit (pod uid, container name). */
    record Unit(String podUid, String container) {
    }

    /**
     * Newest first: by creation time, then attempt. The kubelet orders by attempt, which Kubernetes carries over
     * from one sandbox to the next; Kaji counts attempts per sandbox, so only the creation time orders the
     * instances of a container across sandboxes.
     */
    static final Comparator<ContainerInfo> NEWEST_FIRST = Comparator.comparing(ContainerInfo::createdAt)
            .thenComparingInt(ContainerInfo::attempt).thenComparing(ContainerInfo::id).reversed();

    static final Comparator<SandboxInfo> NEWEST_SANDBOX_FIRST = Comparator.comparing(SandboxInfo::createdAt)
            .thenComparingInt(SandboxInfo::attempt).thenComparing(SandboxInfo::id).reversed();

    private GarbageSelection() {
    }

    /** The pod a container or sandbox belongs to, by Kaji's labels, or null if it is not Kaji's. */
    static PodRef podOf(Map<String, String> labels) {
        return labels == null ? null : KajiLabels.podOf(labels);
    }

    /**
     * The pods whose runtime objects all go because nothing in them runs again: {@link PodState#REMOVED}, and, when
     * {@code allUnused}, {@link PodState#TERMINATED} pods none of whose containers is running.
     */
    static Set<String> podsToClear(List<ContainerInfo> all, Set<String> podUids, Function<String, PodState> states,
                                   boolean allUnused) {
        Set<String> running = new HashSet<>();
        for (ContainerInfo c : all) {
            PodRef pod = podOf(c.labels());
            if (pod != null && c.state() == ContainerState.RUNNING) {
                running.add(pod.uid());
            }
        }
        Set<String> clear = new HashSet<>();
        for (String uid : podUids) {
            PodState state = states.apply(uid);
            if (state == PodState.REMOVED || (allUnused && state == PodState.TERMINATED && !running.contains(uid))) {
                clear.add(uid);
            }
        }
        return clear;
    }

    /**
     * The dead containers to remove, oldest first.
     *
     * <ol>
     *   <li>Only containers that are not running and were created at least {@code minAge} ago count.</li>
     *   <li>Every such container of a pod in {@code clear} goes.</li>
     *   <li>Every container of a pod keeps its newest instance and the {@code maxPerPodContainer} newest dead
     *       instances before it.</li>
     *   <li>Over {@code maxContainers} dead on the node, each container of a pod keeps an equal share (at least
     *       one), then the oldest go until the node is at the limit.</li>
     * </ol>
     * The newest instance of each container of a pod not in {@code clear} is never chosen (see
     * {@link PodState#ACTIVE}).
     */
    static List<ContainerInfo> containers(ContainerGcPolicy policy, List<ContainerInfo> all, Set<String> clear,
                                          Instant now) {
        Instant newestCollectable = now.minus(policy.minAge());
        Map<Unit, List<ContainerInfo>> units = new LinkedHashMap<>();
        Map<Unit, ContainerInfo> newest = new LinkedHashMap<>();
        for (ContainerInfo c : all) {
            PodRef pod = podOf(c.labels());
            if (pod == null) {
                continue;
            }
            Unit unit = new Unit(pod.uid(), c.name());
            newest.merge(unit, c, (a, b) -> NEWEST_FIRST.compare(a, b) <= 0 ? a : b);
            if (c.state() == ContainerState.RUNNING || c.createdAt().isAfter(newestCollectable)) {
                continue;
            }
            units.computeIfAbsent(unit, u -> new ArrayList<>()).add(c);
        }
        Set<String> kept = new HashSet<>();
        newest.forEach((unit, c) -> {
            if (!clear.contains(unit.podUid())) {
                kept.add(c.id());
            }
        });
        List<ContainerInfo> remove = new ArrayList<>();
        units.entrySet().removeIf(e -> {
            if (clear.contains(e.getKey().podUid())) {
                remove.addAll(e.getValue());
                return true;
            }
            return false;
        });
        // The newest instance is the container's current one in Kaji's pod status and logs, dead or not (a
        // crash-looping container's last run); the limits count the dead instances before it, so the one before is
        // still there for `kubectl logs --previous`. (The kubelet shows a crash-looping container as waiting, with
        // its last run as lastState: there the newest dead instance is the previous one.)
        units.values().forEach(list -> list.removeIf(c -> kept.contains(c.id())));
        units.values().removeIf(List::isEmpty);
        units.values().forEach(list -> list.sort(NEWEST_FIRST));
        if (policy.maxPerPodContainer() >= 0) {
            keepNewest(units, policy.maxPerPodContainer(), kept, remove);
        }
        int total = count(units);
        if (policy.maxContainers() >= 0 && total > policy.maxContainers()) {
            keepNewest(units, Math.max(1, policy.maxContainers() / units.size()), kept, remove);
            total = count(units);
            if (total > policy.maxContainers()) {
                List<ContainerInfo> flat = new ArrayList<>();
                units.values().forEach(flat::addAll);
                flat.sort(NEWEST_FIRST.reversed());
                int excess = total - policy.maxContainers();
                for (ContainerInfo c : flat) {
                    if (excess == 0) {
                        break;
                    }
                    if (!kept.contains(c.id())) {
                        remove.add(c);
                        excess--;
                    }
                }
            }
        }
        remove.sort(NEWEST_FIRST.reversed());
        return remove;
    }

    /** Leaves each unit its {@code keep} newest containers (plus a kept one), moving the rest to {@code remove}. */
    private static void keepNewest(Map<Unit, List<ContainerInfo>> units, int keep, Set<String> kept,
                                   List<ContainerInfo> remove) {
        for (List<ContainerInfo> list : units.values()) {
            List<ContainerInfo> stay = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                ContainerInfo c = list.get(i);
                if (i < keep || kept.contains(c.id())) {
                    stay.add(c);
                } else {
                    remove.add(c);
                }
            }
            list.clear();
            list.addAll(stay);
        }
    }

    private static int count(Map<Unit, List<ContainerInfo>> units) {
        return units.values().stream().mapToInt(List::size).sum();
    }

    /**
     * The sandboxes to remove, given the containers left after the containers' collection: those that are not
     * ready and hold no container, except the newest sandbox of a pod not in {@code clear} (its worker reads the
     * next sandbox attempt from it).
     */
    static List<SandboxInfo> sandboxes(List<SandboxInfo> all, List<ContainerInfo> containers, Set<String> clear) {
        Set<String> holding = new HashSet<>();
        for (ContainerInfo c : containers) {
            holding.add(c.sandboxId());
        }
        Map<String, List<SandboxInfo>> byPod = new LinkedHashMap<>();
        for (SandboxInfo s : all) {
            PodRef pod = s.pod() != null ? s.pod() : podOf(s.labels());
            if (pod != null) {
                byPod.computeIfAbsent(pod.uid(), u -> new ArrayList<>()).add(s);
            }
        }
        List<SandboxInfo> remove = new ArrayList<>();
        byPod.forEach((uid, list) -> {
            list.sort(NEWEST_SANDBOX_FIRST);
            int skip = clear.contains(uid) ? 0 : 1;
            for (SandboxInfo s : list.subList(Math.min(skip, list.size()), list.size())) {
                if (!s.ready() && !holding.contains(s.id())) {
                    remove.add(s);
                }
            }
        });
        return remove;
    }
}
