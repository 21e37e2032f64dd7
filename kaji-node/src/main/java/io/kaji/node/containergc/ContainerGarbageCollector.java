package io.kaji.node.containergc;

import io.fabric8.kubernetes.api.model.Pod;
import io.kaji.node.runtime.ContainerInfo;
import io.kaji.node.runtime.ContainerRuntime;
import io.kaji.node.runtime.ContainerState;
import io.kaji.node.runtime.KajiLabels;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.PodRef;
import io.kaji.node.runtime.SandboxInfo;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dead-container garbage collection, as the kubelet's container GC does it. Every period (the kubelet: a minute)
 * one collection ({@link #garbageCollect()}):
 * <ol>
 *   <li>removes dead containers by the {@link ContainerGcPolicy} ({@link GarbageSelection#containers}): all of
 *       pods that are gone or evicted, the ones beyond {@code maxPerPodContainer} per container of a pod, and the
 *       oldest beyond the node's {@code maxContainers}; each removed container's log file (and its rotated ones) goes with it;</li>
 *   <li>removes sandboxes that are not ready and hold no container, keeping the newest of a pod that still
 *       exists;</li>
 *   <li>removes the log directories of pods that are gone.</li>
 * </ol>
 * The eviction manager's disk reclaim calls {@link #deleteAllUnusedContainers()}, which also clears pods that have
 * terminated (phase Succeeded or Failed) but are not deleted, as the kubelet's {@code DeleteAllUnusedContainers}.
 *
 * <p>The pod workers remove what they ran when a pod is deleted or a container restarts; this collection is the
 * safety net for what they leave (an agent that crashed mid-way, the previous instances of init containers,
 * finished pods). It never removes a running container or a ready sandbox, and only touches objects with Kaji's
 * labels. Start it only once the pod informer has synced: before that every pod would look gone. Public methods
 * block on the runtime and are synchronized (one collection at a time); a removal that fails is logged and
 * retried at the next collection.
 */
public final class ContainerGarbageCollector implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ContainerGarbageCollector.class);
    /** How long a container in unknown state gets to stop before it is removed (the kubelet kills it first). */
    static final Duration UNKNOWN_STOP_GRACE = Duration.ofSeconds(2);

    /**
     * What one collection did.
     *
     * @param containers     ids of the containers removed
     * @param sandboxes      ids of the sandboxes removed
     * @param logDirectories the pod log directories removed
     * @param logBytes       the bytes of the log files deleted with containers and directories
     * @param errors         removals that failed (retried at the next collection)
     */
    public record Result(List<String> containers, List<String> sandboxes, List<String> logDirectories,
                         long logBytes, List<String> errors) {
    }

    private final String nodeName;
    private final ContainerRuntime runtime;
    private final ContainerGcPolicy policy;
    private final Supplier<? extends Collection<Pod>> pods;
    private final PodLogs podLogs;
    private final Clock clock;
    private final ScheduledExecutorService timer;

    /**
     * @param pods    the pods bound to this node, from the synced informer: a uid not among them counts as gone
     * @param podLogs where the pods' logs live (their directories are removed with the pods)
     */
    public ContainerGarbageCollector(String nodeName, ContainerRuntime runtime, ContainerGcPolicy policy,
                                     Supplier<? extends Collection<Pod>> pods, PodLogs podLogs, Clock clock) {
        this.nodeName = nodeName;
        this.runtime = runtime;
        this.policy = policy;
        this.pods = pods;
        this.podLogs = podLogs;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("kaji-container-gc-" + nodeName).daemon(true).factory());
    }

    /** Collects every period, the first time one period from now; returns at once. */
    public void start() {
        long ms = policy.period().toMillis();
        timer.scheduleWithFixedDelay(() -> {
            try {
                garbageCollect();
            } catch (RuntimeException e) {
                log.warn("node {}: container garbage collection failed: {}", nodeName, e.getMessage());
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
        log.info("node {}: container garbage collection started (minimum age {}, {} dead per container, {} dead "
                + "on the node, every {})", nodeName, policy.minAge(), policy.maxPerPodContainer(),
                policy.maxContainers() < 0 ? "any number" : policy.maxContainers(), policy.period());
    }

    /**
     * One periodic collection.
     *
     * @throws RuntimeException when the runtime cannot list its containers or sandboxes (nothing was removed)
     */
    public synchronized Result garbageCollect() {
        return collect(false);
    }

    /**
     * Removes every dead container the policy allows, also all of pods that terminated but are not deleted (their
     * sandboxes are stopped first): the node-level reclaim the eviction manager runs for disk pressure before it
     * removes images and evicts pods.
     */
    public synchronized Result deleteAllUnusedContainers() {
        return collect(true);
    }

    private Result collect(boolean allUnused) {
        List<String> errors = new ArrayList<>();
        List<ContainerInfo> containers = runtime.listContainers(KajiLabels.managed());
        List<SandboxInfo> sandboxes = runtime.listSandboxes(KajiLabels.managed());
        // The pods are read after the runtime: a worker creates objects only for pods already in the cache, so every
        // object listed belongs to a pod this snapshot has, unless it was deleted since. The other way round, a pod
        // bound between the two reads would look gone and lose the container it is starting.
        Function<String, PodState> stateOf = podStates();
        Set<String> uids = new HashSet<>();
        containers.forEach(c -> addPod(uids, GarbageSelection.podOf(c.labels())));
        sandboxes.forEach(s -> addPod(uids, s.pod()));
        Set<String> clear = GarbageSelection.podsToClear(containers, uids, stateOf, allUnused);
        if (allUnused) {
            stopTerminatedSandboxes(sandboxes, clear, stateOf, errors);
        }

        List<ContainerInfo> chosen = GarbageSelection.containers(policy, containers, clear, clock.instant());
        List<String> removedContainers = new ArrayList<>();
        long logBytes = 0;
        Set<String> removedIds = new HashSet<>();
        for (ContainerInfo c : chosen) {
            if (remove(c, errors)) {
                removedContainers.add(c.id());
                removedIds.add(c.id());
            }
        }
        logBytes += deleteLogs(containers, chosen, removedIds);

        // As the kubelet, sandboxes are chosen from a fresh listing: what the removals left.
        List<ContainerInfo> left = removedIds.isEmpty() ? containers : runtime.listContainers(KajiLabels.managed());
        List<SandboxInfo> sandboxesNow = allUnused && !clear.isEmpty()
                ? runtime.listSandboxes(KajiLabels.managed()) : sandboxes;
        List<String> removedSandboxes = new ArrayList<>();
        for (SandboxInfo s : GarbageSelection.sandboxes(sandboxesNow, left, clear)) {
            try {
                runtime.stopSandbox(s.id());
                runtime.removeSandbox(s.id());
                removedSandboxes.add(s.id());
            } catch (RuntimeException e) {
                errors.add("sandbox " + abbrev(s.id()) + " of pod " + s.pod() + ": " + e.getMessage());
            }
        }

        List<String> removedDirs = new ArrayList<>();
        logBytes += removeLogDirectories(left, removedDirs, errors);

        Result result = new Result(List.copyOf(removedContainers), List.copyOf(removedSandboxes),
                List.copyOf(removedDirs), logBytes, List.copyOf(errors));
        if (!removedContainers.isEmpty() || !removedSandboxes.isEmpty() || !removedDirs.isEmpty()) {
            log.info("node {}: container garbage collection{} removed {} container(s), {} sandbox(es), {} pod log "
                    + "director(ies) ({} log bytes)", nodeName, allUnused ? " (all unused)" : "",
                    removedContainers.size(), removedSandboxes.size(), removedDirs.size(), logBytes);
        }
        if (!errors.isEmpty()) {
            log.warn("node {}: container garbage collection: {} removal(s) failed (retried next time): {}", nodeName,
                    errors.size(), errors);
        }
        return result;
    }

    /** The state of every pod bound to the node now; a uid the cache does not have is {@link PodState#REMOVED}. */
    private Function<String, PodState> podStates() {
        Map<String, PodState> states = new HashMap<>();
        for (Pod p : pods.get()) {
            states.put(p.getMetadata().getUid(), PodState.of(p));
        }
        return uid -> states.getOrDefault(uid, PodState.REMOVED);
    }

    private static void addPod(Set<String> uids, PodRef pod) {
        if (pod != null) {
            uids.add(pod.uid());
        }
    }

    /**
     * Stops the ready sandboxes of terminated pods being cleared, as the kubelet has them stopped when a pod
     * terminates: a ready sandbox would make Kaji's pod worker run the removed containers again.
     */
    private void stopTerminatedSandboxes(List<SandboxInfo> sandboxes, Set<String> clear,
                                         Function<String, PodState> stateOf, List<String> errors) {
        for (SandboxInfo s : sandboxes) {
            if (s.ready() && s.pod() != null && clear.contains(s.pod().uid())
                    && stateOf.apply(s.pod().uid()) == PodState.TERMINATED) {
                try {
                    runtime.stopSandbox(s.id());
                    log.info("node {}: stopped sandbox {} of terminated pod {} to remove its containers", nodeName,
                            abbrev(s.id()), s.pod());
                } catch (RuntimeException e) {
                    errors.add("stop sandbox " + abbrev(s.id()) + " of pod " + s.pod() + ": " + e.getMessage());
                }
            }
        }
    }

    private boolean remove(ContainerInfo c, List<String> errors) {
        PodRef pod = GarbageSelection.podOf(c.labels());
        try {
            if (c.state() == ContainerState.UNKNOWN) {
                // It might still run: the kubelet kills such a container before removing it.
                runtime.stopContainer(c.id(), UNKNOWN_STOP_GRACE);
            }
            runtime.removeContainer(c.id());
            log.debug("node {}: removed dead container {} ({} attempt {} of pod {})", nodeName, abbrev(c.id()),
                    c.name(), c.attempt(), pod);
            return true;
        } catch (RuntimeException e) {
            errors.add("container " + abbrev(c.id()) + " (" + c.name() + " of pod " + pod + "): " + e.getMessage());
            return false;
        }
    }

    /**
     * Deletes the log files of the removed containers, as the kubelet's removeContainer does, unless a container
     * still there writes the same file (a safety net: a new sandbox's containers go on from the attempts in the log
     * directory, so names are not reused).
     */
    private long deleteLogs(List<ContainerInfo> all, List<ContainerInfo> chosen, Set<String> removedIds) {
        Set<String> inUse = new HashSet<>();
        for (ContainerInfo c : all) {
            if (!removedIds.contains(c.id())) {
                inUse.add(logKey(c));
            }
        }
        long bytes = 0;
        for (ContainerInfo c : chosen) {
            PodRef pod = GarbageSelection.podOf(c.labels());
            if (pod == null || !removedIds.contains(c.id()) || inUse.contains(logKey(c))) {
                continue;
            }
            try {
                bytes += podLogs.deleteAttempt(pod, c.name(), c.attempt());
            } catch (IOException e) {
                log.warn("node {}: cannot delete log {} of removed container {}: {}", nodeName,
                        podLogs.file(pod, c.name(), c.attempt()), abbrev(c.id()), e.getMessage());
            }
        }
        return bytes;
    }

    private static String logKey(ContainerInfo c) {
        PodRef pod = GarbageSelection.podOf(c.labels());
        return (pod == null ? "" : pod.uid()) + "/" + c.name() + "/" + c.attempt();
    }

    /**
     * Removes the log directories ({@code <namespace>_<name>_<uid>}) of pods that are gone, as the kubelet's
     * evictPodLogsDirectories; not while a container of the pod still runs (its worker stops it first).
     */
    private long removeLogDirectories(List<ContainerInfo> left, List<String> removed, List<String> errors) {
        Path root = podLogs.root();
        if (!Files.isDirectory(root)) {
            return 0;
        }
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(root, Files::isDirectory)) {
            stream.forEach(dirs::add);
        } catch (IOException e) {
            errors.add("log directories under " + root + ": " + e.getMessage());
            return 0;
        }
        // Read after the directories, for the same reason as after the runtime: a new pod's directory is made by its
        // worker once the pod is in the cache.
        Function<String, PodState> stateOf = podStates();
        Set<String> running = new HashSet<>();
        for (ContainerInfo c : left) {
            PodRef pod = GarbageSelection.podOf(c.labels());
            if (pod != null && c.state() == ContainerState.RUNNING) {
                running.add(pod.uid());
            }
        }
        long bytes = 0;
        for (Path dir : dirs) {
            String name = dir.getFileName().toString();
            int cut = name.lastIndexOf('_');
            if (cut < 0 || name.indexOf('_') == cut) {
                continue; // not <namespace>_<name>_<uid>: not a pod's
            }
            String uid = name.substring(cut + 1);
            if (stateOf.apply(uid) != PodState.REMOVED || running.contains(uid)) {
                continue;
            }
            long size = sizeOf(dir);
            try {
                deleteTree(dir);
                removed.add(name);
                bytes += size;
            } catch (IOException e) {
                errors.add("log directory " + dir + ": " + e.getMessage());
            }
        }
        return bytes;
    }

    private static long sizeOf(Path dir) {
        try (var walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static String abbrev(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
