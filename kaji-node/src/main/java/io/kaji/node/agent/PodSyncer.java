package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kaji.controllers.runtime.EventRecorder;
import io.kaji.controllers.runtime.Keys;
import io.kaji.controllers.runtime.Reconciler;
import io.kaji.node.cgroup.PodCgroups;
import io.kaji.node.eviction.EvictedStatus;
import io.kaji.node.probe.ContainerFacts;
import io.kaji.node.probe.ContainerHealth;
import io.kaji.node.probe.HookRunner;
import io.kaji.node.probe.ProbeKind;
import io.kaji.node.probe.ProbeManager;
import io.kaji.node.probe.ProbeTarget;
import io.kaji.node.runtime.ContainerInfo;
import io.kaji.node.runtime.ContainerRuntime;
import io.kaji.node.runtime.ContainerSpec;
import io.kaji.node.runtime.ContainerState;
import io.kaji.node.runtime.ContainerStatus;
import io.kaji.node.runtime.KajiLabels;
import io.kaji.node.runtime.PodRef;
import io.kaji.node.runtime.RuntimeCallException;
import io.kaji.node.runtime.SandboxInfo;
import io.kaji.node.runtime.SandboxSpec;
import io.kaji.node.stats.KubeletLatencies;
import io.kaji.node.volume.PodVolumes;
import io.kaji.node.volume.VolumeError;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-pod worker: drives the container runtime toward one pod's spec and writes what it observed as the
 * pod's status. Level-triggered and idempotent: every pass re-reads the runtime (sandboxes and containers by
 * Kaji's labels), so an agent restart adopts running containers instead of restarting them.
 *
 * <p>One pass: remove sandboxes of other pods with the same name and stale sandboxes of this pod; run the sandbox
 * if none is ready; run init containers one at a time, then every container; restart exited ones per
 * restartPolicy with {@link CrashBackOff}; pull images per imagePullPolicy; write status. A pod with a
 * deletionTimestamp is stopped (SIGTERM, SIGKILL after its grace period), its sandboxes removed, and its deletion
 * confirmed with gracePeriodSeconds=0. A pod no longer in the cache has its sandboxes removed.
 */
public final class PodSyncer implements Reconciler {

    private static final Logger log = LoggerFactory.getLogger(PodSyncer.class);
    /**
     * How often a live pod is looked at again without any API event. Changes need no periodic pass: the node's
     * relist ({@link NodeAgent#RELIST}, 250 ms) enqueues a pod as soon as one of its containers or sandboxes changes
     * state, probe results enqueue it when they change, back-offs ask for their own time. This pass refreshes
     * configMap, secret and token volumes ({@link PodVolumes#REFRESH}) and catches anything nothing signalled, as
     * the kubelet's periodic sync (every minute) does. It was 1 s: with 100 pods that was 100 passes (~500 CRI
     * calls) a second, which took the pod workers from starting new pods (docs/benchmarks.md, pod start-up).
     */
    static final Duration RELIST = PodVolumes.REFRESH;

    private final KubernetesClient client;
    private final ContainerRuntime runtime;
    private final AgentConfig config;
    private final Function<String, Pod> cache;
    private final Supplier<String> hostIp;
    private final ClusterNetwork network;
    private volatile EnvResolver env;
    private final CrashBackOff crashBackOff;
    private final CrashBackOff pullBackOff;
    private final ProbeManager probes;
    /** Each pass's kind and duration, each pod's start: the kubelet's histograms ({@link #latencies}). */
    private volatile PodWorkerTimes times = new PodWorkerTimes(new KubeletLatencies());
    private final EventRecorder events;
    private final HookRunner hooks;
    private final PodVolumes volumes;
    /** The node's bound on pod-start runtime calls in flight. */
    private final StartGate starts;
    private final ImagePullSecrets pullSecrets;
    /** Containers ({@code uid/name}) whose image was reported present or pulled: "already present" once per container. */
    private final java.util.Set<String> pulledOnce = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** Waiting reasons from failed starts and pulls, by pod uid + "/" + container name. */
    private final Map<String, ContainerWaiting> failures = new ConcurrentHashMap<>();
    /** The last status written per pod uid: the API server may normalize what it stores, so compare with this. */
    private final Map<String, PodStatus> written = new ConcurrentHashMap<>();
    /**
     * Pods the eviction manager asked to kill, by uid: their final status and grace period, and whether it was
     * written. Kept until the pod is deleted, so that a pass on a stale cached copy (still Running) does not start
     * the evicted pod again.
     */
    private final Map<String, Eviction> evictions = new ConcurrentHashMap<>();
    /** Exited containers' messages (the runtime's and the termination message), by pod uid + "/" + container id. */
    private final Map<String, String> terminationMessages = new ConcurrentHashMap<>();
    /** Pod-level cgroups, or null to leave the sandboxes' cgroup parent to the runtime. */
    private volatile PodCgroups cgroups;
    /** Dead instances of a container kept when it restarts (the container GC's maxPerPodContainer); -1: all. */
    private volatile int deadPerContainer = 1;

    private record Eviction(String key, PodStatus status, Duration grace, boolean written) {
    }
    /** Runtime states this worker caused, for the relist to pass over (null: none recorded). */
    private volatile OwnChanges ownChanges;
    private volatile SysctlAllowlist sysctls = SysctlAllowlist.safe();
    /**
     * Why this host cannot enforce AppArmor, or empty if it can. The agent detects it once and sets it before the
     * workers start; until then profiles are refused rather than the host probed a second time.
     */
    private volatile java.util.Optional<String> appArmorHost =
            java.util.Optional.of("the node agent has not yet reported whether this host enforces AppArmor");
    /** Where Localhost seccomp profiles live (the kubelet's {@code <root-dir>/seccomp}); null: none may be used. */
    private volatile java.nio.file.Path seccompRoot;
    /** Pods admitted here (resources counted) that may not have started yet; also the admission lock. */
    private final Set<String> admitted = ConcurrentHashMap.newKeySet();
    private volatile Supplier<List<Pod>> nodePods = List::of;
    /** This node's Node object as last seen, or null: its labels and taints for admission. */
    private volatile Supplier<io.fabric8.kubernetes.api.model.Node> node = () -> null;
    private volatile Supplier<Map<String, io.fabric8.kubernetes.api.model.Quantity>> allocatable = Map::of;
    /** The current sandbox's IP per pod uid. */
    private final Map<String, SandboxIp> sandboxIps = new ConcurrentHashMap<>();
    /**
     * Pods (uid) whose terminal status this agent wrote and whose sandbox it stopped: a pass on a cached copy older
     * than that write (still Running) must not take the stopped sandbox for one to re-create.
     */
    private final java.util.Set<String> finished = ConcurrentHashMap.newKeySet();

    /**
     * @param cache  the pod for a key ({@code namespace/name}) from the informer, or null if it is gone
     * @param hostIp the node's InternalIP (status.hostIP)
     * @param network the cluster's DNS settings for the pods' resolv.conf
     * @param probes  the node's probe manager (its listener enqueues this worker's pods)
     * @param events  where the kubelet's container events go (Killing, ...); null for none
     */
    public PodSyncer(KubernetesClient client, ContainerRuntime runtime, AgentConfig config,
                     Function<String, Pod> cache, Supplier<String> hostIp, ClusterNetwork network,
                     ProbeManager probes, EventRecorder events) {
        this.network = network;
        this.probes = probes;
        this.events = events;
        this.hooks = new HookRunner(runtime);
        // Beside the pod log directory: <data-dir>/volumes/<pod uid>/...
        this.volumes = new PodVolumes(client, PodVolumes.rootBeside(config.podLogs().root()), config.clock());
        this.starts = new StartGate(StartGate.DEFAULT_PERMITS);
        this.pullSecrets = new ImagePullSecrets(client);
        this.client = client;
        this.runtime = runtime;
        this.config = config;
        this.cache = cache;
        this.hostIp = hostIp;
        this.env = new EnvResolver(client);
        this.crashBackOff = new CrashBackOff(config.initialBackOff(), config.maxBackOff(), config.backOffReset(),
                config.clock());
        this.pullBackOff = new CrashBackOff(config.initialBackOff(), config.maxBackOff(), config.backOffReset(),
                config.clock());
    }

    /**
     * Resolves the service environment variables from {@code lister} (once it has synced) instead of a GET and a
     * LIST per container start; null: from the API server. Call before the workers start.
     */
    public void serviceLister(ServiceLister lister) {
        this.env = new EnvResolver(client, lister).allocatable(allocatable);
    }

    /**
     * The node's allocatable (as its status reports it), for downward API resourceFieldRefs to limits a container
     * does not set, as the kubelet defaults them. Call before the workers start.
     */
    public void allocatable(Supplier<Map<String, io.fabric8.kubernetes.api.model.Quantity>> source) {
        this.allocatable = source;
        env.allocatable(source);
        volumes.allocatable(source);
    }

    /** The pods bound to this node (the informer's), for admission's resource count; call before the workers start. */
    public void nodePods(Supplier<List<Pod>> pods) {
        this.nodePods = pods;
    }

    /** Where admission reads this node's labels and taints ({@link NodePredicates}); call before the workers start. */
    public void node(Supplier<io.fabric8.kubernetes.api.model.Node> source) {
        this.node = source;
    }

    /** Which sysctls pods may set here (default: the safe ones); call before the workers start. */
    public void sysctls(SysctlAllowlist allowlist) {
        this.sysctls = allowlist;
    }

    /**
     * Why this host cannot enforce AppArmor, or empty if it can ({@link io.kaji.node.runtime.AppArmor#hostUnsupported};
     * detected at "/" by default); call before the workers start.
     */
    public void appArmorHost(java.util.Optional<String> unsupported) {
        this.appArmorHost = unsupported;
    }

    /** The directory of the node's Localhost seccomp profiles; call before the workers start. */
    public void seccompRoot(java.nio.file.Path dir) {
        this.seccompRoot = dir;
    }

    /** Records the runtime states the workers cause in {@code c} (see {@link OwnChanges}); call before they start. */
    void ownChanges(OwnChanges c) {
        this.ownChanges = c;
    }

    /** Puts each pod's sandbox into its pod-level cgroup (see {@link PodCgroups}); call before the workers start. */
    public void podCgroups(PodCgroups c) {
        this.cgroups = c;
    }

    /**
     * How many dead instances of a container its restart leaves (the container GC policy's
     * {@code maxPerPodContainer}; below 0: all, for the container garbage collector to limit). At least the one
     * before the restart stays, for {@code kubectl logs --previous}. Default 1.
     */
    public void deadInstancesPerContainer(int n) {
        this.deadPerContainer = n;
    }

    /**
     * The eviction manager's hook: the pod's next pass kills its containers within {@code grace}, removes its
     * sandbox and writes {@code finalStatus} (phase Failed, reason Evicted). The caller enqueues the pod.
     */
    public void evict(Pod pod, PodStatus finalStatus, Duration grace) {
        evictions.putIfAbsent(pod.getMetadata().getUid(), new Eviction(Keys.of(pod), finalStatus, grace, false));
    }

    /**
     * Finishes an eviction: for a pod being evicted, or one evicted before (phase Failed, reason Evicted, e.g.
     * before an agent restart), stops what is left and writes the final status once. Returns whether it did.
     */
    private boolean finishEviction(String key, Pod pod, PodRef ref) {
        Eviction e = evictions.get(ref.uid());
        boolean evictedBefore = pod.getStatus() != null && "Failed".equals(pod.getStatus().getPhase())
                && "Evicted".equals(pod.getStatus().getReason());
        if (e == null && !evictedBefore) {
            return false;
        }
        if (e != null && e.written()) {
            return true;
        }
        probes.removePod(key);
        removeSandboxes(KajiLabels.forPod(ref), e == null ? Duration.ZERO : e.grace(), null);
        forget(ref.uid());
        if (e != null) {
            writeStatus(pod, e.status());
            evictions.put(ref.uid(), new Eviction(e.key(), e.status(), e.grace(), true));
        }
        return true;
    }

    @Override
    public Result reconcile(String key) {
        long start = times.now();
        Pod pod = cache.apply(key);
        KubeletLatencies.PodWorkerOperation op = times.begin(key, pod);
        try {
            return reconcile(key, pod);
        } finally {
            times.end(op, start);
        }
    }

    /** Stops what the syncer keeps running beside the pod workers: the watches of the volumes' objects. */
    public void close() {
        volumes.close();
    }

    /** The kubelet's latency histograms this syncer's passes feed; call before the workers start. */
    public void latencies(KubeletLatencies latencies) {
        this.times = new PodWorkerTimes(latencies);
        volumes.timings(latencies::storageOperation);
    }

    /** The agent's watch delivered a pod for the first time: its start duration is counted from now. */
    public void seen(Pod pod) {
        times.seen(Keys.of(pod), pod);
    }

    private Result reconcile(String key, Pod pod) {
        if (pod == null) {
            probes.removePod(key);
            evictions.values().removeIf(e -> e.key().equals(key));
            int slash = key.indexOf('/');
            removeSandboxes(Map.of(KajiLabels.MANAGED, "true", KajiLabels.POD_NAMESPACE, key.substring(0, slash),
                    KajiLabels.POD_NAME, key.substring(slash + 1)), Duration.ofSeconds(2), null);
            return Result.done();
        }
        PodRef ref = PodSpecs.ref(pod);
        if (pod.getMetadata().getDeletionTimestamp() != null) {
            probes.removePod(key);
            evictions.remove(ref.uid());
            terminate(pod, ref);
            return Result.done();
        }
        Duration deadlineLeft = activeDeadlineLeft(pod);
        if (deadlineLeft != null && !deadlineLeft.isPositive() && !terminal(pod)
                && !evictions.containsKey(ref.uid())) {
            // The kubelet's active deadline handler: the pod fails, its containers are killed.
            log.info("pod {}: active longer than its activeDeadlineSeconds ({}); failing it", ref,
                    pod.getSpec().getActiveDeadlineSeconds());
            event(pod, true, EvictedStatus.DEADLINE_EXCEEDED, EvictedStatus.DEADLINE_MESSAGE);
            evict(pod, EvictedStatus.deadlineExceeded(pod, config.clock().instant()), Duration.ofSeconds(
                    Objects.requireNonNullElse(pod.getSpec().getTerminationGracePeriodSeconds(), 30L)));
        }
        if (finishEviction(key, pod, ref)) {
            return Result.done();
        }
        // One list for both: sandboxes of other pods with this name (an earlier pod's) go, this pod's are synced.
        Map<String, String> byName = Map.of(KajiLabels.MANAGED, "true", KajiLabels.POD_NAMESPACE, ref.namespace(),
                KajiLabels.POD_NAME, ref.name());
        List<SandboxInfo> named = runtime.listSandboxes(byName);
        List<SandboxInfo> others = named.stream().filter(s -> s.pod() == null || !ref.uid().equals(s.pod().uid()))
                .toList();
        if (!others.isEmpty()) {
            removeSandboxes(others, byName, Duration.ofSeconds(2), null);
        }
        List<SandboxInfo> own = named.stream().filter(s -> s.pod() != null && ref.uid().equals(s.pod().uid()))
                .toList();
        if (own.isEmpty() && rejected(pod, ref)) {
            return Result.done();
        }
        Pass pass = sync(key, pod, ref, own);
        if (pass == null) {
            probes.removePod(key);
            return Result.done();
        }
        PodStatus status = PodStatuses.build(pod, pass.sandboxReady(), pass.ip(), hostIp.get(), pass.views(),
                config.clock());
        if (!pass.ephemeral().isEmpty()) {
            status.setEphemeralContainerStatuses(pass.ephemeral().stream().map(PodStatuses::containerStatus)
                    .toList());
        }
        writeStatus(pod, status);
        if ("Running".equals(status.getPhase())) {
            times.running(key, pod);
        }
        boolean terminal = "Succeeded".equals(status.getPhase()) || "Failed".equals(status.getPhase());
        if (terminal) {
            probes.removePod(key);
            release(ref, pass.sandboxId());
            return Result.done();
        }
        Duration next = pass.requeue() == null || pass.requeue().compareTo(RELIST) > 0 ? RELIST : pass.requeue();
        Duration deadline = activeDeadlineLeft(pod);
        if (deadline == null && pod.getSpec().getActiveDeadlineSeconds() != null) {
            // The start time this pass wrote is not in the cached pod yet: look again in a second.
            deadline = Duration.ofSeconds(1);
        }
        if (deadline != null && deadline.compareTo(next) < 0) {
            next = deadline.isNegative() ? Duration.ZERO : deadline;
        }
        return Result.requeueAfter(next);
    }

    /**
     * How long until the pod has been active for its {@code activeDeadlineSeconds}, counted from its start time
     * (negative once past); null without a deadline or before the pod has started.
     */
    private Duration activeDeadlineLeft(Pod pod) {
        Long seconds = pod.getSpec().getActiveDeadlineSeconds();
        String start = pod.getStatus() == null ? null : pod.getStatus().getStartTime();
        if (seconds == null || start == null) {
            return null;
        }
        try {
            return Duration.between(config.clock().instant(), java.time.Instant.parse(start).plusSeconds(seconds));
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    /**
     * The kubelet's admission of a pod it has not started yet: a pod this node may not run (a sysctl outside
     * {@link #sysctls}, an AppArmor profile this host cannot enforce, requests that do not fit the node's
     * allocatable beside the pods admitted before it, {@link ResourceFit}, or a node selector, host port or
     * NoExecute taint that rules it out, {@link NodePredicates}) is failed at once, with the reason, a warning event
     * and "Pod was rejected: ..." as the message, and never started. A pod already started here (it has a sandbox)
     * or already finished is not judged again, so an agent restarted with other settings leaves running pods alone.
     */
    private boolean rejected(Pod pod, PodRef ref) {
        if (terminal(pod) || finished.contains(ref.uid()) || admitted.contains(ref.uid())) {
            return false;
        }
        java.util.Optional<String> sysctl = sysctls.rejection(pod);
        if (sysctl.isPresent()) {
            reject(pod, ref, SysctlAllowlist.REASON, sysctl.get());
            return true;
        }
        java.util.Optional<String> appArmor = SecurityContexts.appArmorRejection(pod, appArmorHost);
        if (appArmor.isPresent()) {
            reject(pod, ref, "AppArmor", appArmor.get());
            return true;
        }
        java.util.Optional<ResourceFit.Rejection> fit;
        // One pod at a time: two workers must not both fit their pod into the same room.
        synchronized (admitted) {
            List<Pod> onNode = nodePods.get();
            Set<String> live = onNode.stream().map(p -> p.getMetadata().getUid())
                    .collect(java.util.stream.Collectors.toSet());
            admitted.retainAll(live);
            List<Pod> active = onNode.stream().filter(p -> !ref.uid().equals(p.getMetadata().getUid()))
                    .filter(p -> !terminal(p) && (admitted.contains(p.getMetadata().getUid()) || started(p)))
                    .toList();
            fit = ResourceFit.check(pod, active, allocatable.get());
            if (fit.isEmpty()) {
                fit = NodePredicates.check(pod, node.get(), active);
            }
            if (fit.isEmpty()) {
                admitted.add(ref.uid());
                return false;
            }
        }
        reject(pod, ref, fit.get().reason(), fit.get().message());
        return true;
    }

    private static boolean terminal(Pod pod) {
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    /** A pod this node has started (before an agent restart, say): it holds its resources. */
    private static boolean started(Pod pod) {
        PodStatus s = pod.getStatus();
        return s != null && ("Running".equals(s.getPhase()) || s.getPodIP() != null
                || s.getContainerStatuses() != null && !s.getContainerStatuses().isEmpty());
    }

    /** Fails a pod the node will not run, as the kubelet's rejectPod: a warning event and the Failed status. */
    private void reject(Pod pod, PodRef ref, String reason, String message) {
        log.info("pod {}: rejected: {}: {}", ref, reason, message);
        if (events != null) {
            events.warning(pod, reason, message);
        }
        PodStatus status = pod.getStatus() == null ? new PodStatus()
                : new io.fabric8.kubernetes.api.model.PodStatusBuilder(pod.getStatus()).build();
        status.setPhase("Failed");
        status.setReason(reason);
        status.setMessage("Pod was rejected: " + message);
        writeStatus(pod, status);
        finished.add(ref.uid());
    }

    /**
     * What one pass saw; {@code requeue} is when to look again sooner than {@link #RELIST}, or null. A null pass
     * means "finished pod, nothing to do or report".
     */
    record Pass(String sandboxId, boolean sandboxReady, String ip, List<ContainerView> views,
                List<ContainerView> ephemeral, Duration requeue) {
    }

    /**
     * What the kubelet releases once a pod has finished (its terminal status is written): the sandbox is stopped,
     * which frees the pod's IP and ends its pause process, and the pod-level cgroup and the volumes go. The exited
     * containers stay for {@code kubectl logs} until the pod is deleted or the container GC removes them.
     */
    private void release(PodRef ref, String sandboxId) {
        finished.add(ref.uid());
        OwnChanges changes = ownChanges;
        if (changes != null) {
            changes.sandboxStopped(sandboxId);
        }
        runtime.stopSandbox(sandboxId);
        sandboxIps.remove(ref.uid());
        volumes.tearDown(ref.uid());
        PodCgroups podCgroups = cgroups;
        if (podCgroups != null) {
            podCgroups.remove(ref.uid());
        }
        log.info("pod {}: finished; sandbox {} stopped", ref, abbrev(sandboxId));
    }

    private Pass sync(String key, Pod pod, PodRef ref, List<SandboxInfo> own) {
        List<SandboxInfo> sandboxes = new ArrayList<>(own);
        sandboxes.sort(Comparator.comparingInt(SandboxInfo::attempt).reversed());
        SandboxInfo current = sandboxes.stream().filter(SandboxInfo::ready).findFirst().orElse(null);
        String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
        boolean done = "Succeeded".equals(phase) || "Failed".equals(phase) || finished.contains(ref.uid());
        // A finished pod keeps its last sandbox, stopped: its exited containers hold what kubectl logs reads.
        SandboxInfo keep = current != null ? current : done && !sandboxes.isEmpty() ? sandboxes.get(0) : null;
        for (SandboxInfo s : sandboxes) {
            if (keep == null || !s.id().equals(keep.id())) {
                runtime.stopSandbox(s.id());
                runtime.removeSandbox(s.id());
            }
        }
        if (current == null && done) {
            // A finished pod whose sandbox was stopped: nothing to run, and its reported status stays as it was.
            return null;
        }
        int attempt = sandboxes.isEmpty() ? 0 : sandboxes.get(0).attempt() + (current == null ? 1 : 0);
        SandboxSpec sandboxSpec = PodSpecs.sandbox(pod, attempt, config.podLogs(), network, seccompRoot);
        PodCgroups podCgroups = cgroups;
        if (podCgroups != null) {
            sandboxSpec = sandboxSpec.withCgroupParent(current == null ? podCgroups.ensure(pod)
                    : podCgroups.parentFor(pod));
        }
        String sandboxId;
        if (current == null) {
            long t0 = System.nanoTime();
            try {
                if (Boolean.FALSE.equals(pod.getSpec().getHostUsers())) {
                    throw new SandboxError(USER_NAMESPACES_UNSUPPORTED);
                }
                SandboxSpec toRun = sandboxSpec;
                sandboxId = starts.sandbox(() -> runtime.runSandbox(toRun));
            } catch (SandboxError | RuntimeCallException e) {
                return sandboxFailed(key, pod, ref, e.getMessage());
            }
            OwnChanges changes = ownChanges;
            if (changes != null) {
                changes.sandboxReady(sandboxId);
            }
            log.info("pod {}: sandbox {} attempt {} ready in {} ms", ref, abbrev(sandboxId), attempt,
                    (System.nanoTime() - t0) / 1_000_000);
        } else {
            sandboxId = current.id();
        }
        // A hostNetwork pod has the node's address, as the kubelet reports it (the runtime reports none).
        String ip = Boolean.TRUE.equals(pod.getSpec().getHostNetwork()) ? hostIp.get()
                : sandboxIp(ref.uid(), sandboxId);

        try {
            // Keeps configMap, secret and downwardAPI files current (at most every PodVolumes.REFRESH).
            if (runtime.runsContainers()) {
                volumes.setUp(pod);
            }
        } catch (VolumeError e) {
            // Reported by start() for the containers that wait for it.
        }
        // A sandbox created in this pass has no containers yet: no need to ask.
        List<ContainerInfo> all = current == null ? List.of() : runtime.listContainers(KajiLabels.forPod(ref))
                .stream().filter(c -> c.sandboxId().equals(sandboxId)).toList();
        Set<String> changed = killChanged(pod, ref, ip, all);
        if (killUnhealthy(key, pod, ref, ip, all) || !changed.isEmpty()) {
            all = runtime.listContainers(KajiLabels.forPod(ref)).stream()
                    .filter(c -> c.sandboxId().equals(sandboxId)).toList();
        }
        Duration requeue = null;
        List<Container> ephemeralSpecs = PodSpecs.ephemeralContainers(pod);
        boolean initDone = true;
        String policy = Objects.requireNonNullElse(pod.getSpec().getRestartPolicy(), "Always");
        // Once a regular container has been created the pod is initialized: sidecars that exit later are restarted
        // beside the running containers, and finished init containers are not looked at again.
        Set<String> regular = PodSpecs.nullSafe(pod.getSpec().getContainers()).stream().map(Container::getName)
                .collect(java.util.stream.Collectors.toSet());
        boolean initialized = all.stream().anyMatch(i -> regular.contains(i.name()));
        for (Container c : PodSpecs.nullSafe(pod.getSpec().getInitContainers())) {
            ContainerStatus latest = latest(all, c.getName(), 0);
            if (PodSpecs.isSidecar(c)) {
                // A sidecar (an init container with restartPolicy Always) is restarted whenever it exits, whatever
                // the pod's policy; the init containers after it wait until it has started (its startup probe).
                boolean started;
                if (latest != null && latest.state() == ContainerState.EXITED && sidecarOfFinishedPod(pod, c, all)) {
                    continue; // stopped because the regular containers are done: not started again
                }
                if (latest == null || latest.state() != ContainerState.RUNNING) {
                    Duration d = latest == null ? start(pod, ref, c, sandboxId, sandboxSpec, all, ip)
                            : restart(pod, ref, c, sandboxId, sandboxSpec, all, ip, latest);
                    requeue = min(requeue, d);
                    // Started in this pass: without a startup probe it counts as started at once.
                    started = d == null && c.getStartupProbe() == null;
                } else {
                    started = probes.health(ref.uid(), c, latest.id(), true).started();
                }
                if (initialized || started) {
                    continue;
                }
                initDone = false;
                break;
            }
            if (initialized || latest != null && latest.state() == ContainerState.EXITED && latest.exitCode() == 0) {
                continue;
            }
            initDone = false;
            if (latest == null) {
                requeue = start(pod, ref, c, sandboxId, sandboxSpec, all, ip);
            } else if (latest.state() == ContainerState.EXITED && !"Never".equals(policy)) {
                requeue = restart(pod, ref, c, sandboxId, sandboxSpec, all, ip, latest);
            }
            break;
        }
        if (initDone) {
            for (Container c : PodSpecs.nullSafe(pod.getSpec().getContainers())) {
                ContainerStatus latest = latest(all, c.getName(), 0);
                Duration d = null;
                if (latest == null) {
                    d = start(pod, ref, c, sandboxId, sandboxSpec, all, ip);
                } else if (latest.state() == ContainerState.CREATED) {
                    d = restart(pod, ref, c, sandboxId, sandboxSpec, all, ip, latest);
                } else if (latest.state() == ContainerState.EXITED && changed.contains(c.getName())) {
                    // A new definition starts at once, whatever the policy, with a back-off of its own.
                    crashBackOff.forget(ref.uid() + "/" + c.getName());
                    d = start(pod, ref, c, sandboxId, sandboxSpec, all, ip);
                } else if (latest.state() == ContainerState.EXITED && restarts(policy, latest.exitCode())) {
                    d = restart(pod, ref, c, sandboxId, sandboxSpec, all, ip, latest);
                }
                requeue = min(requeue, d);
            }
            stopSidecarsOfFinishedPod(pod, ref, ip, policy, sandboxId);
            // Ephemeral containers (kubectl debug): started once, never restarted, whatever they end with; one
            // whose status was reported ran already (its exited instance may have been collected since).
            Set<String> ran = pod.getStatus() == null ? Set.of() : PodSpecs.nullSafe(
                    pod.getStatus().getEphemeralContainerStatuses()).stream()
                    .filter(st -> st.getState() != null && st.getState().getWaiting() == null)
                    .map(io.fabric8.kubernetes.api.model.ContainerStatus::getName)
                    .collect(java.util.stream.Collectors.toSet());
            for (Container c : ephemeralSpecs) {
                if (latest(all, c.getName(), 0) == null && !ran.contains(c.getName())) {
                    requeue = min(requeue, start(pod, ref, c, sandboxId, sandboxSpec, all, ip));
                }
            }
        }
        List<ContainerInfo> after = runtime.listContainers(KajiLabels.forPod(ref)).stream()
                .filter(c -> c.sandboxId().equals(sandboxId)).toList();
        List<ContainerView> views = views(key, pod, ref, ip, after);
        List<ContainerView> ephemeral = new ArrayList<>();
        for (Container c : ephemeralSpecs) {
            ephemeral.add(new ContainerView(c, true, withTerminationMessage(ref, c, latest(after, c.getName(), 0)),
                    null, failures.get(ref.uid() + "/" + c.getName()), null));
        }
        return new Pass(sandboxId, true, ip, views, ephemeral, requeue);
    }

    /**
     * The kubelet's error for a pod with {@code hostUsers: false} on a runtime handler without user-namespace
     * support (its userns manager), with what it means here: containerd 1.6 has no CRI support for them, so the
     * pod is never run in the host's user namespace instead.
     */
    static final String USER_NAMESPACES_UNSUPPORTED = "RuntimeClass handler \"\" does not support user namespaces "
            + "(the pod sets hostUsers: false; this node's containerd cannot run pods in user namespaces)";
    /** How soon a pod whose sandbox could not be created is tried again (the kubelet's pod worker back-off). */
    static final Duration SANDBOX_RETRY = Duration.ofSeconds(10);

    /** A sandbox this agent will not ask the runtime for. */
    private static final class SandboxError extends Exception {
        private static final long serialVersionUID = 1L;

        SandboxError(String message) {
            super(message);
        }
    }

    /**
     * A sandbox that could not be created, as the kubelet reports it: a FailedCreatePodSandBox warning event, the
     * pod Pending with its containers waiting in ContainerCreating, and another try after {@link #SANDBOX_RETRY}.
     */
    private Pass sandboxFailed(String key, Pod pod, PodRef ref, String message) {
        log.warn("pod {}: cannot create its sandbox: {}", ref, message);
        event(pod, false, "FailedCreatePodSandBox", "Failed to create pod sandbox: " + message);
        return new Pass(null, false, "", views(key, pod, ref, "", List.of()), List.of(), SANDBOX_RETRY);
    }

    /**
     * When every regular container has exited for good (a pod whose policy is Never or OnFailure), its sidecars are
     * stopped, the last started first, within the pod's grace period, as the kubelet ends a Job's sidecars; the pod's
     * phase then follows its regular containers alone.
     */
    private void stopSidecarsOfFinishedPod(Pod pod, PodRef ref, String ip, String policy, String sandboxId) {
        List<Container> sidecars = PodSpecs.nullSafe(pod.getSpec().getInitContainers()).stream()
                .filter(PodSpecs::isSidecar).toList();
        if (sidecars.isEmpty() || "Always".equals(policy)) {
            return;
        }
        List<ContainerInfo> now = runtime.listContainers(KajiLabels.forPod(ref)).stream()
                .filter(c -> c.sandboxId().equals(sandboxId)).toList();
        if (!regularContainersDone(pod, policy, now)) {
            return;
        }
        long grace = Objects.requireNonNullElse(pod.getSpec().getTerminationGracePeriodSeconds(), 30L);
        for (Container c : sidecars.reversed()) {
            now.stream().filter(i -> i.name().equals(c.getName()) && i.state() == ContainerState.RUNNING)
                    .forEach(i -> {
                        log.info("pod {}: regular containers done; stopping sidecar {}", ref, c.getName());
                        stopContainer(pod, c, i.id(), ip, Duration.ofSeconds(grace));
                    });
        }
    }

    /** A sandbox's IP does not change while it lives: asked of the runtime once per sandbox, not on every pass. */
    private String sandboxIp(String uid, String sandboxId) {
        SandboxIp known = sandboxIps.get(uid);
        if (known != null && known.sandboxId().equals(sandboxId)) {
            return known.ip();
        }
        String ip = runtime.sandboxStatus(sandboxId).map(SandboxInfo::ip).orElse("");
        if (!ip.isEmpty()) {
            sandboxIps.put(uid, new SandboxIp(sandboxId, ip));
        }
        return ip;
    }

    private record SandboxIp(String sandboxId, String ip) {}

    static boolean restarts(String policy, int exitCode) {
        return "Always".equals(policy) || ("OnFailure".equals(policy) && exitCode != 0);
    }

    /** Restarts an exited (or never started) container unless it is in back-off; returns when to look again. */
    private Duration restart(Pod pod, PodRef ref, Container c, String sandboxId, SandboxSpec sandbox,
                             List<ContainerInfo> all, String ip, ContainerStatus latest) {
        String key = ref.uid() + "/" + c.getName();
        Duration left = crashBackOff.remaining(key, latest.finishedAt());
        if (left.compareTo(Duration.ZERO) > 0) {
            event(pod, c, false, "BackOff", "Back-off restarting failed container " + c.getName() + " in pod "
                    + ref.name() + "_" + ref.namespace() + "(" + ref.uid() + ")");
            return left;
        }
        // The kubelet leaves this to its container GC (every minute); removing at once keeps a crash loop from
        // piling up dead containers and their logs in between.
        for (ContainerInfo old : olderToRemove(all, c.getName(), latest.attempt(), deadPerContainer)) {
            runtime.removeContainer(old.id());
            deleteLog(ref, old);
        }
        crashBackOff.recordFailure(key);
        return start(pod, ref, c, sandboxId, sandbox, all, ip);
    }

    /**
     * The instances of container {@code name} older than attempt {@code latest} (the dead one being restarted) to
     * remove so that {@code deadPerContainer} dead instances remain, {@code latest} among them; all but
     * {@code latest} for 0 or 1, none for a negative limit. Newest kept first.
     */
    static List<ContainerInfo> olderToRemove(List<ContainerInfo> all, String name, int latest, int deadPerContainer) {
        List<ContainerInfo> older = all.stream().filter(o -> o.name().equals(name) && o.attempt() < latest)
                .sorted(Comparator.comparingInt(ContainerInfo::attempt).reversed()).toList();
        int keep = deadPerContainer < 0 ? older.size() : Math.min(older.size(), Math.max(0, deadPerContainer - 1));
        return older.subList(keep, older.size());
    }

    /**
     * Deletes a removed container's log file and its rotated ones, as the kubelet's removeContainer does, and its
     * termination log.
     */
    private void deleteLog(PodRef ref, ContainerInfo removed) {
        terminationMessages.remove(ref.uid() + "/" + removed.id());
        try {
            config.podLogs().deleteAttempt(ref, removed.name(), removed.attempt());
            java.nio.file.Files.deleteIfExists(volumes.terminationLog(ref.uid(), removed.name(), removed.attempt(),
                    false));
        } catch (java.io.IOException | VolumeError e) {
            log.warn("pod {}: cannot delete log {} of removed container {}: {}", ref,
                    config.podLogs().file(ref, removed.name(), removed.attempt()), abbrev(removed.id()),
                    e.getMessage());
        }
    }

    /** Pulls (per policy), creates and starts the next attempt of {@code c}; failures become waiting reasons. */
    private Duration start(Pod pod, PodRef ref, Container c, String sandboxId, SandboxSpec sandbox,
                           List<ContainerInfo> all, String ip) {
        String key = ref.uid() + "/" + c.getName();
        ImageCheck image = ensureImage(pod, c, key);
        if (image.retryAfter() != null) {
            return image.retryAfter();
        }
        Map<String, String> vars;
        io.kaji.node.runtime.ContainerSecurity security;
        try {
            SecurityContexts.ImageUser user = SecurityContexts.ImageUser.of(image.info());
            // A runtime that runs nothing (--runtime simulated) knows no image users: nothing to verify.
            java.util.Optional<String> rootRefused = runtime.runsContainers()
                    ? SecurityContexts.runAsNonRootViolation(pod, c, user) : java.util.Optional.empty();
            if (rootRefused.isPresent()) {
                throw new EnvResolver.ConfigError(rootRefused.get());
            }
            security = SecurityContexts.container(pod, c, user, seccompRoot);
            vars = env.resolve(pod, c, ip, hostIp.get(),
                    skipped -> event(pod, c, false, "InvalidEnvironmentVariableNames", skipped));
        } catch (EnvResolver.ConfigError e) {
            failures.put(key, new ContainerWaiting("CreateContainerConfigError", e.getMessage()));
            event(pod, c, false, "Failed", "Error: " + e.getMessage());
            return Duration.ofSeconds(2);
        }
        List<ContainerSpec.Mount> mounts;
        try {
            mounts = runtime.runsContainers() ? EtcHosts.mounted(volumes, network, pod, ip, volumes.mounts(c,
                    volumes.setUp(pod), expr -> EnvResolver.expand(expr, vars))) : List.of();
        } catch (VolumeError e) {
            boolean setUp = e.getMessage().startsWith("MountVolume.SetUp failed");
            if (setUp && events != null) {
                events.warning(pod, "FailedMount", e.getMessage());
            }
            failures.put(key, new ContainerWaiting(setUp ? "ContainerCreating" : "CreateContainerConfigError",
                    e.getMessage()));
            return Duration.ofSeconds(2);
        }
        // The first instance in a new sandbox goes on from the pod's log directory, as the kubelet's
        // calcRestartCountByLogDir: restartCount keeps counting and the new instance does not write into an
        // earlier sandbox's log file.
        int attempt = all.stream().anyMatch(x -> x.name().equals(c.getName()))
                ? ContainerRuntime.nextAttempt(all, c.getName())
                : config.podLogs().nextAttempt(ref, c.getName());
        if (runtime.runsContainers()) {
            try {
                mounts = TerminationMessages.withLogFile(volumes, ref.uid(), c, attempt, mounts);
            } catch (VolumeError e) {
                failures.put(key, new ContainerWaiting("CreateContainerConfigError", e.getMessage()));
                return Duration.ofSeconds(2);
            }
        }
        ContainerSpec spec = PodSpecs.container(c, attempt, vars, mounts, security);
        String target = PodSpecs.ephemeralTarget(pod, c.getName());
        if (target != null) {
            ContainerStatus targetStatus = latest(all, target, 0);
            if (targetStatus == null || targetStatus.state() != ContainerState.RUNNING) {
                failures.put(key, new ContainerWaiting("CreateContainerError", "target container " + target
                        + " is not running"));
                return Duration.ofSeconds(2);
            }
            spec = spec.withPidTarget(targetStatus.id());
        }
        PodCgroups podCgroups = cgroups;
        if (podCgroups != null) {
            spec = spec.withOomScoreAdj(podCgroups.oomScoreAdj(pod, c));
        }
        String id;
        try {
            ContainerSpec toCreate = spec;
            id = starts.container(() -> runtime.createContainer(sandboxId, sandbox, toCreate));
        } catch (RuntimeCallException e) {
            String message = e.getMessage();
            String user = spec.security().runAsUsername();
            if (!user.isEmpty() && message != null && message.contains("no users found")) {
                // containerd's words for a user name missing from the image's /etc/passwd do not name it.
                message += ": user \"" + user + "\" of the image is not in its /etc/passwd";
            }
            failures.put(key, new ContainerWaiting("CreateContainerError", message));
            event(pod, c, false, "Failed", "Error: " + message);
            crashBackOff.recordFailure(key);
            return Duration.ofSeconds(1);
        }
        OwnChanges own = ownChanges;
        if (own != null) {
            own.containerCreated(id);
        }
        event(pod, c, true, "Created", "Created container: " + c.getName());
        try {
            if (own != null) {
                own.containerStarted(id);
            }
            String toStart = id;
            starts.container(() -> {
                runtime.startContainer(toStart);
                return null;
            });
        } catch (RuntimeCallException e) {
            // The attempt stays (CREATED or EXITED) and is restarted with back-off like a crash.
            failures.put(key, new ContainerWaiting("RunContainerError", e.getMessage()));
            event(pod, c, false, "Failed", "Error: " + e.getMessage());
            return Duration.ofSeconds(1);
        }
        event(pod, c, true, "Started", "Started container " + c.getName());
        log.info("pod {}: container {} attempt {} started ({})", ref, c.getName(), attempt, abbrev(id));
        if (c.getLifecycle() != null && c.getLifecycle().getPostStart() != null && runtime.runsContainers()) {
            String failed = hooks.run(c.getLifecycle().getPostStart(), pod, new ProbeTarget(ip, c, id), POST_START_LIMIT);
            if (failed != null) {
                // As the kubelet: the event, then the container is killed and restarted per restartPolicy.
                log.info("pod {}: postStart hook of {} failed: {}", ref, c.getName(), failed);
                event(pod, c, false, "FailedPostStartHook", failed);
                stopContainer(pod, c, id, ip, Duration.ofSeconds(Objects.requireNonNullElse(
                        pod.getSpec().getTerminationGracePeriodSeconds(), 30L)));
                failures.put(key, new ContainerWaiting("PostStartHookError", failed));
                return Duration.ofSeconds(1);
            }
        }
        failures.remove(key);
        return null;
    }

    /** A kubelet-style pod event (events are off in some tests). */
    private void event(Pod pod, boolean normal, String reason, String message) {
        event(pod, null, normal, reason, message);
    }

    /** A kubelet-style event about container {@code c} of the pod (its fieldPath, e.g. spec.containers{app}). */
    private void event(Pod pod, Container c, boolean normal, String reason, String message) {
        if (events != null) {
            events.record(pod, c == null ? null : PodSpecs.fieldPath(pod, c.getName()), normal ? "Normal" : "Warning",
                    reason, message);
        }
    }

    /**
     * What {@link #ensureImage} found: when to try again (null: the image is there), and the image as the runtime
     * reports it (empty if it could not say).
     */
    private record ImageCheck(Duration retryAfter, java.util.Optional<io.kaji.node.runtime.ImageInfo> info) {
        static ImageCheck retryIn(Duration d) {
            return new ImageCheck(d, java.util.Optional.empty());
        }
    }

    /** The image, present (pulled if the policy says so); otherwise when to try again. */
    private ImageCheck ensureImage(Pod pod, Container c, String key) {
        String policy = c.getImagePullPolicy();
        if (policy == null || policy.isEmpty()) {
            String image = c.getImage();
            boolean latestTag = !image.contains("@") && (image.endsWith(":latest")
                    || !image.substring(image.lastIndexOf('/') + 1).contains(":"));
            policy = latestTag ? "Always" : "IfNotPresent";
        }
        java.util.Optional<io.kaji.node.runtime.ImageInfo> present = "Always".equals(policy)
                ? java.util.Optional.empty() : runtime.imageStatus(c.getImage());
        if (present.isPresent()) {
            if (!pulledOnce.contains(key)) {
                pulledOnce.add(key);
                event(pod, c, true, "Pulled", "Container image \"" + c.getImage() + "\" already present on machine");
            }
            return new ImageCheck(null, present);
        }
        if ("Never".equals(policy)) {
            failures.put(key, new ContainerWaiting("ErrImageNeverPull",
                    "Container image \"" + c.getImage() + "\" is not present with pull policy of Never"));
            return ImageCheck.retryIn(Duration.ofSeconds(5));
        }
        String pullKey = key + "#pull";
        Duration left = pullBackOff.remaining(pullKey, null);
        if (left.compareTo(Duration.ZERO) > 0) {
            ContainerWaiting prev = failures.get(key);
            failures.put(key, new ContainerWaiting("ImagePullBackOff", "Back-off pulling image \"" + c.getImage()
                    + "\"" + (prev == null ? "" : ": " + prev.message())));
            event(pod, c, true, "BackOff", "Back-off pulling image \"" + c.getImage() + "\"");
            event(pod, c, false, "Failed", "Error: ImagePullBackOff");
            return ImageCheck.retryIn(left);
        }
        ImagePullSecrets.Result secrets = pullSecrets.read(pod);
        if (!secrets.problems().isEmpty()) {
            log.info("pod {}: image pull secrets not usable: {}", key, secrets.problems());
            events.warning(pod, "FailedToRetrieveImagePullSecret", ImagePullSecrets.warning(secrets.problems()));
        }
        List<io.kaji.node.image.RegistryCredentials> credentials = secrets.keyring().lookup(c.getImage());
        RuntimeCallException failure = null;
        event(pod, c, true, "Pulling", "Pulling image \"" + c.getImage() + "\"");
        long t0 = System.nanoTime();
        // The kubelet's order: each matching credential, most specific first; anonymously when none matches.
        for (int i = 0; i < Math.max(1, credentials.size()); i++) {
            try {
                runtime.pullImage(c.getImage(), credentials.isEmpty() ? null : credentials.get(i));
                pullBackOff.forget(pullKey);
                pulledOnce.add(key);
                String took = String.format(java.util.Locale.ROOT, "%.3fs", (System.nanoTime() - t0) / 1e9);
                java.util.Optional<io.kaji.node.runtime.ImageInfo> pulled = runtime.imageStatus(c.getImage());
                String size = pulled.map(im -> " Image size: " + im.sizeBytes() + " bytes.").orElse("");
                event(pod, c, true, "Pulled", "Successfully pulled image \"" + c.getImage() + "\" in " + took + " ("
                        + took + " including waiting)." + size);
                return new ImageCheck(null, pulled);
            } catch (RuntimeCallException e) {
                failure = e;
            }
        }
        pullBackOff.recordFailure(pullKey);
        event(pod, c, false, "Failed", "Failed to pull image \"" + c.getImage() + "\": " + failure.getMessage());
        event(pod, c, false, "Failed", "Error: ErrImagePull");
        failures.put(key, new ContainerWaiting("ErrImagePull", failure.getMessage()));
        return ImageCheck.retryIn(pullBackOff.remaining(pullKey, null));
    }

    /** The status views of every spec container, from the runtime's containers in {@code sandboxId}. */
    private List<ContainerView> views(String podKey, Pod pod, PodRef ref, String ip, List<ContainerInfo> all) {
        String policy = Objects.requireNonNullElse(pod.getSpec().getRestartPolicy(), "Always");
        List<ContainerView> views = new ArrayList<>();
        List<ContainerFacts> facts = new ArrayList<>();
        for (Container c : PodSpecs.containers(pod)) {
            boolean init = PodSpecs.nullSafe(pod.getSpec().getInitContainers()).contains(c);
            ContainerStatus latest = withTerminationMessage(ref, c, latest(all, c.getName(), 0));
            ContainerStatus previous = withTerminationMessage(ref, c, latest(all, c.getName(), 1));
            String key = ref.uid() + "/" + c.getName();
            ContainerWaiting waiting = failures.get(key);
            if (latest != null && latest.state() == ContainerState.RUNNING) {
                waiting = null;
            } else if (waiting == null && latest != null && latest.state() == ContainerState.EXITED
                    && restartsAfterExit(c, init, policy, latest.exitCode()) && !sidecarOfFinishedPod(pod, c, all)) {
                Duration left = crashBackOff.remaining(key, latest.finishedAt());
                if (left.compareTo(Duration.ZERO) > 0) {
                    waiting = new ContainerWaiting("CrashLoopBackOff", "back-off " + left.toSeconds()
                            + "s restarting failed container=" + c.getName() + " pod=" + ref.name() + "_"
                            + ref.namespace() + "(" + ref.uid() + ")");
                }
            }
            ContainerHealth health = null;
            if ((!init || PodSpecs.isSidecar(c)) && latest != null) {
                boolean running = latest.state() == ContainerState.RUNNING;
                facts.add(new ContainerFacts(c.getName(), latest.id(), running, latest.startedAt()));
                health = probes.health(ref.uid(), c, latest.id(), running);
            }
            views.add(new ContainerView(c, init, latest, previous, waiting, health));
        }
        probes.update(podKey, pod, ip, facts);
        return views;
    }

    /**
     * An exited container's status with its termination message ({@link TerminationMessages}), read once per
     * container and kept until the pod is forgotten.
     */
    private ContainerStatus withTerminationMessage(PodRef ref, Container c, ContainerStatus s) {
        if (s == null || s.state() != ContainerState.EXITED || !runtime.runsContainers()) {
            return s;
        }
        String message = terminationMessages.computeIfAbsent(ref.uid() + "/" + s.id(), k -> {
            java.nio.file.Path file = null;
            if (TerminationMessages.path(c) != null) {
                try {
                    file = volumes.terminationLog(ref.uid(), c.getName(), s.attempt(), false);
                } catch (VolumeError e) {
                    file = null;
                }
            }
            String m = TerminationMessages.withMessage(c, s, file).message();
            return m == null ? "" : m;
        });
        return message.isEmpty() ? s : s.withMessage(message);
    }

    /** Whether an exited container is started again: a sidecar always, an init container on failure unless Never. */
    private static boolean restartsAfterExit(Container c, boolean init, String policy, int exitCode) {
        if (PodSpecs.isSidecar(c)) {
            return true;
        }
        return init ? exitCode != 0 && !"Never".equals(policy) : restarts(policy, exitCode);
    }

    /** A sidecar stopped because its pod's regular containers are done: not in back-off, just finished. */
    private boolean sidecarOfFinishedPod(Pod pod, Container c, List<ContainerInfo> all) {
        return PodSpecs.isSidecar(c) && regularContainersDone(pod,
                Objects.requireNonNullElse(pod.getSpec().getRestartPolicy(), "Always"), all);
    }

    /** Whether every regular container has exited for good (never under restartPolicy Always). */
    private boolean regularContainersDone(Pod pod, String policy, List<ContainerInfo> all) {
        return !"Always".equals(policy) && PodSpecs.nullSafe(pod.getSpec().getContainers()).stream().allMatch(c -> {
            ContainerStatus latest = latest(all, c.getName(), 0);
            return latest != null && latest.state() == ContainerState.EXITED && !restarts(policy, latest.exitCode());
        });
    }

    /**
     * Kills the running containers whose liveness or startup probe failed (the kubelet's "Container c failed
     * liveness probe, will be restarted"), within the probe's terminationGracePeriodSeconds if it has one, else the
     * pod's; the restart policy then restarts them like any exited container. Returns whether any was killed.
     */
    private boolean killUnhealthy(String podKey, Pod pod, PodRef ref, String ip, List<ContainerInfo> all) {
        boolean killed = false;
        String policy = Objects.requireNonNullElse(pod.getSpec().getRestartPolicy(), "Always");
        for (Container c : io.kaji.node.PodContainers.sideBySide(pod)) {
            ContainerInfo newest = all.stream().filter(i -> i.name().equals(c.getName()))
                    .max(Comparator.comparingInt(ContainerInfo::attempt)).orElse(null);
            if (newest == null || newest.state() != ContainerState.RUNNING) {
                continue;
            }
            ProbeKind failed = probes.health(ref.uid(), c, newest.id(), true).kill();
            if (failed == null) {
                continue;
            }
            String message = "Container " + c.getName() + " failed " + failed.word() + " probe"
                    + ("Never".equals(policy) && !PodSpecs.isSidecar(c) ? "" : ", will be restarted");
            log.info("pod {}: {}", ref, message);
            event(pod, c, true, "Killing", message);
            Long probeGrace = failed.of(c).getTerminationGracePeriodSeconds();
            long grace = probeGrace != null ? probeGrace
                    : Objects.requireNonNullElse(pod.getSpec().getTerminationGracePeriodSeconds(), 30L);
            stopContainer(pod, c, newest.id(), ip, Duration.ofSeconds(grace));
            killed = true;
        }
        return killed;
    }

    /**
     * Kills the running containers (and sidecars) whose image is no longer the one in the spec (an update may
     * change only images, {@code kubectl set image}), as the kubelet kills a container whose definition changed;
     * returns their names, for the pass to start them again with the new image whatever the restart policy.
     */
    private Set<String> killChanged(Pod pod, PodRef ref, String ip, List<ContainerInfo> all) {
        Set<String> killed = new java.util.HashSet<>();
        for (Container c : io.kaji.node.PodContainers.sideBySide(pod)) {
            ContainerInfo newest = all.stream().filter(i -> i.name().equals(c.getName()))
                    .max(Comparator.comparingInt(ContainerInfo::attempt)).orElse(null);
            if (newest == null || newest.state() != ContainerState.RUNNING || newest.image() == null
                    || newest.image().equals(c.getImage())) {
                continue;
            }
            String message = "Container " + c.getName() + " definition changed, will be restarted";
            log.info("pod {}: {} (image {} -> {})", ref, message, newest.image(), c.getImage());
            event(pod, c, true, "Killing", message);
            stopContainer(pod, c, newest.id(), ip, Duration.ofSeconds(
                    Objects.requireNonNullElse(pod.getSpec().getTerminationGracePeriodSeconds(), 30L)));
            killed.add(c.getName());
        }
        return killed;
    }

    /**
     * Stops a container as the kubelet kills one: its preStop hook first (if any; a failure is a FailedPreStopHook
     * event), then SIGTERM with what is left of {@code grace} (at least 2 s, the kubelet's minimum), then SIGKILL.
     */
    private void stopContainer(Pod pod, Container c, String id, String ip, Duration grace) {
        Duration left = grace;
        if (c.getLifecycle() != null && c.getLifecycle().getPreStop() != null && grace.compareTo(Duration.ZERO) > 0
                && runtime.runsContainers()) {
            long t0 = System.nanoTime();
            String failed = hooks.run(c.getLifecycle().getPreStop(), pod, new ProbeTarget(ip, c, id), grace);
            if (failed != null) {
                log.info("pod {}/{}: preStop hook of {} failed: {}", pod.getMetadata().getNamespace(),
                        pod.getMetadata().getName(), c.getName(), failed);
                event(pod, c, false, "FailedPreStopHook", failed);
            }
            left = grace.minus(Duration.ofNanos(System.nanoTime() - t0));
            if (left.compareTo(MIN_GRACE) < 0) {
                left = MIN_GRACE;
            }
        }
        runtime.stopContainer(id, left);
    }

    /** The kubelet's minimum grace period after a preStop hook. */
    private static final Duration MIN_GRACE = Duration.ofSeconds(2);
    /**
     * How long a postStart hook may run. The kubelet sets no limit and blocks the pod's sync meanwhile; Kaji caps it
     * so that one stuck hook cannot hold a pod worker for ever.
     */
    static final Duration POST_START_LIMIT = Duration.ofMinutes(2);

    /** The {@code skip}-th newest attempt of container {@code name}, with its full status, or null. */
    private ContainerStatus latest(List<ContainerInfo> all, String name, int skip) {
        return all.stream().filter(i -> i.name().equals(name))
                .sorted(Comparator.comparingInt(ContainerInfo::attempt).reversed()).skip(skip).findFirst()
                .flatMap(i -> runtime.containerStatus(i.id())).orElse(null);
    }

    private void writeStatus(Pod pod, PodStatus status) {
        String uid = pod.getMetadata().getUid();
        if (status.equals(pod.getStatus()) || status.equals(written.get(uid))) {
            return;
        }
        var resource = client.pods().inNamespace(pod.getMetadata().getNamespace())
                .withName(pod.getMetadata().getName());
        Pod base = pod;
        for (int attempt = 1; ; attempt++) {
            // The spec is shared, not copied: nothing writes to it, and a builder's deep copy of it was a third of
            // this method's CPU (docs/benchmarks.md, session 17). The metadata is copied: the client may set on it.
            Pod copy = new Pod(base.getApiVersion(), base.getKind(),
                    new io.fabric8.kubernetes.api.model.ObjectMetaBuilder(base.getMetadata()).build(), base.getSpec(),
                    status);
            try {
                client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(copy).updateStatus();
                written.put(uid, status);
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) {
                    return;
                }
                if (e.getCode() != 409 || attempt == 3) {
                    throw e;
                }
                base = resource.get();
                if (base == null || !uid.equals(base.getMetadata().getUid())) {
                    return;
                }
                // Someone else wrote the status meanwhile: keep the conditions that are theirs.
                status = PodStatuses.withForeignConditionsOf(status, base.getStatus());
            }
        }
    }

    /** Stops the pod's containers within its grace period, removes its sandboxes, confirms the deletion. */
    private void terminate(Pod pod, PodRef ref) {
        Long grace = pod.getMetadata().getDeletionGracePeriodSeconds();
        if (grace == null) {
            grace = Objects.requireNonNullElse(pod.getSpec().getTerminationGracePeriodSeconds(), 30L);
        }
        long t0 = System.nanoTime();
        removeSandboxes(KajiLabels.forPod(ref), Duration.ofSeconds(grace), null, pod);
        config.podLogs().remove(ref);
        volumes.tearDown(ref.uid());
        forget(ref.uid());
        try {
            client.pods().inNamespace(ref.namespace()).withName(ref.name()).withGracePeriod(0).delete();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 404) {
                throw e;
            }
        }
        log.info("pod {}: terminated in {} ms, deletion confirmed", ref, (System.nanoTime() - t0) / 1_000_000);
    }

    /**
     * Stops (SIGTERM, then SIGKILL after {@code grace}) the containers of every sandbox matching {@code selector},
     * all at once, and removes the sandboxes; those of pod {@code keepUid} are kept.
     */
    void removeSandboxes(Map<String, String> selector, Duration grace, String keepUid) {
        removeSandboxes(selector, grace, keepUid, null);
    }

    /** As above; with {@code pod} known, its containers' preStop hooks run first, within the grace period. */
    private void removeSandboxes(Map<String, String> selector, Duration grace, String keepUid, Pod pod) {
        List<SandboxInfo> sandboxes = runtime.listSandboxes(selector).stream()
                .filter(s -> keepUid == null || s.pod() == null || !keepUid.equals(s.pod().uid())).toList();
        if (!sandboxes.isEmpty()) {
            removeSandboxes(sandboxes, selector, grace, pod);
        }
    }

    /** Stops and removes {@code sandboxes}, found with {@code selector} (which finds their containers too). */
    private void removeSandboxes(List<SandboxInfo> sandboxes, Map<String, String> selector, Duration grace, Pod pod) {
        Map<String, String> containerSelector = new HashMap<>(selector);
        List<ContainerInfo> containers = runtime.listContainers(containerSelector).stream()
                .filter(c -> c.state() == ContainerState.RUNNING)
                .filter(c -> sandboxes.stream().anyMatch(s -> s.id().equals(c.sandboxId()))).toList();
        // As the kubelet ends a pod with sidecars: the other containers first, all at once, then the sidecars one
        // by one, the last started first, each within what is left of the grace period.
        List<Container> sidecars = pod == null ? List.of() : PodSpecs.nullSafe(pod.getSpec().getInitContainers())
                .stream().filter(PodSpecs::isSidecar).toList();
        long t0 = System.nanoTime();
        try (var stops = Executors.newVirtualThreadPerTaskExecutor()) {
            for (ContainerInfo c : containers) {
                Container spec = pod == null ? null : PodSpecs.containers(pod).stream()
                        .filter(x -> x.getName().equals(c.name())).findFirst().orElse(null);
                if (spec == null) {
                    stops.submit(() -> runtime.stopContainer(c.id(), grace));
                } else if (!sidecars.contains(spec)) {
                    stops.submit(() -> stopContainer(pod, spec, c.id(),
                            runtime.sandboxStatus(c.sandboxId()).map(SandboxInfo::ip).orElse(""), grace));
                }
            }
        }
        for (Container spec : sidecars.reversed()) {
            Duration left = grace.minus(Duration.ofNanos(System.nanoTime() - t0));
            Duration each = grace.isZero() ? Duration.ZERO : left.compareTo(MIN_GRACE) < 0 ? MIN_GRACE : left;
            containers.stream().filter(c -> c.name().equals(spec.getName())).forEach(c -> stopContainer(pod, spec,
                    c.id(), runtime.sandboxStatus(c.sandboxId()).map(SandboxInfo::ip).orElse(""), each));
        }
        for (SandboxInfo s : sandboxes) {
            runtime.stopSandbox(s.id());
            runtime.removeSandbox(s.id());
            log.info("sandbox {} of pod {} removed", abbrev(s.id()), s.pod());
            if (s.pod() != null) {
                forget(s.pod().uid());
                config.podLogs().remove(s.pod());
                volumes.tearDown(s.pod().uid());
            }
        }
    }

    /** Drops what the worker remembers of pod {@code uid} (back-offs, waiting reasons, last status written). */
    private void forget(String uid) {
        crashBackOff.forget(uid + "/");
        pullBackOff.forget(uid + "/");
        failures.keySet().removeIf(k -> k.startsWith(uid + "/"));
        pulledOnce.removeIf(k -> k.startsWith(uid + "/"));
        written.remove(uid);
        terminationMessages.keySet().removeIf(k -> k.startsWith(uid + "/"));
        PodCgroups podCgroups = cgroups;
        if (podCgroups != null) {
            podCgroups.remove(uid);
        }
        sandboxIps.remove(uid);
        finished.remove(uid);
        admitted.remove(uid);
    }

    /** Removes the sandboxes of pods that are not in the cache (by uid): called once the informer has synced. */
    public int removeOrphans(java.util.Set<String> liveUids) {
        int removed = 0;
        for (SandboxInfo s : runtime.listSandboxes(KajiLabels.managed())) {
            if (s.pod() != null && !liveUids.contains(s.pod().uid())) {
                removeSandboxes(KajiLabels.forPod(s.pod()), Duration.ofSeconds(2), null);
                removed++;
            }
        }
        volumes.removeOrphans(liveUids);
        PodCgroups podCgroups = cgroups;
        if (podCgroups != null) {
            podCgroups.removeOrphans(liveUids);
        }
        return removed;
    }

    private static Duration min(Duration a, Duration b) {
        return a == null ? b : b == null ? a : a.compareTo(b) <= 0 ? a : b;
    }

    static String abbrev(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
