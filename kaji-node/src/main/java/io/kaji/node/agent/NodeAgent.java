package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kaji.controllers.runtime.Controller;
import io.kaji.controllers.runtime.EventRecorder;
import io.kaji.controllers.runtime.Informers;
import io.kaji.controllers.runtime.Keys;
import io.kaji.node.cgroup.PodCgroups;
import io.kaji.node.cni.BridgeNetwork;
import io.kaji.node.cni.PodRoutes;
import io.kaji.node.containerd.RuntimeHealth;
import io.kaji.node.containergc.ContainerGarbageCollector;
import io.kaji.node.containergc.ContainerGcPolicy;
import io.kaji.node.eviction.EvictionConfig;
import io.kaji.node.eviction.EvictionManager;
import io.kaji.node.eviction.PodUsage;
import io.kaji.node.eviction.SignalSource;
import io.kaji.node.image.PauseImage;
import io.kaji.node.imagegc.ImageFilesystem;
import io.kaji.node.imagegc.ImageGarbageCollector;
import io.kaji.node.imagegc.ImageGcPolicy;
import io.kaji.node.logs.ContainerLogRotator;
import io.kaji.node.logs.LogRotationPolicy;
import io.kaji.node.probe.ProbeManager;
import io.kaji.node.runtime.ContainerInfo;
import io.kaji.node.runtime.ContainerRuntime;
import io.kaji.node.runtime.ContainerState;
import io.kaji.node.runtime.KajiLabels;
import io.kaji.node.runtime.PodRef;
import io.kaji.node.runtime.SandboxInfo;
import io.kaji.node.server.AgentAuth;
import io.kaji.node.server.AgentServer;
import io.kaji.node.stats.CadvisorMetrics;
import io.kaji.node.stats.KubeletLatencies;
import io.kaji.node.stats.KubeletMetrics;
import io.kaji.node.stats.PodNetworks;
import io.kaji.node.stats.ResourceStats;
import io.kaji.node.server.AgentTls;
import io.kaji.node.server.ApiReviews;
import io.kaji.node.server.ContainerLogs;
import io.kaji.node.server.ContainerStreams;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent's API-facing core. {@link #start()} registers the Node and starts renewing its Lease and
 * reporting its status; in the background it then waits for the node's spec.podCIDR, writes the CNI bridge
 * configuration for it, starts the pod informer (field selector {@code spec.nodeName=<node>}), removes the
 * sandboxes of pods that no longer exist, and starts the pod workers ({@link PodSyncer}, one key at a time per
 * pod). {@link #close()} stops all of that but leaves containers running: a new agent on the same runtime
 * adopts them.
 */
public final class NodeAgent implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(NodeAgent.class);

    private final KubernetesClient client;
    private final ContainerRuntime runtime;
    private final AgentConfig config;
    private final HostInfo host;
    private final NodeStatusReporter reporter;
    private final ScheduledExecutorService timers;
    /**
     * The Lease's own thread, as the kubelet renews its Lease apart from its status: a status update waits on the
     * runtime (images, version), which is slow while containerd starts many pods, and a late renewal turns the node
     * NotReady and has its pods evicted.
     */
    private final ScheduledExecutorService leases;
    /** The container relist's own thread: a slow runtime must not delay the status updates on {@link #timers}. */
    private final ScheduledExecutorService relister;
    /** The kubelet's latency histograms: the pod workers', pod starts', the relist's ({@code /metrics}). */
    private final KubeletLatencies latencies = new KubeletLatencies();
    private final CountDownLatch podsStarted = new CountDownLatch(1);
    private volatile boolean networkReady;
    private volatile boolean closed;
    private volatile SharedIndexInformer<Pod> informer;
    private volatile SharedIndexInformer<io.fabric8.kubernetes.api.model.Node> nodeInformer;
    private volatile Controller controller;
    private volatile PodSyncer podSyncer;
    private volatile PodRoutes routes;
    private final CompletableFuture<NodeNetwork> network = new CompletableFuture<>();
    private Thread starter;
    /** The kubelet's events (component "kubelet"), written asynchronously. */
    private final EventRecorder events;
    /** Liveness, readiness and startup probes of every container: one timer thread, probes on virtual threads. */
    private final ProbeManager probes;
    private AgentServer endpoint;
    private ResourceStats stats;
    /** Where the endpoint's serving certificate is kept across restarts (null: a fresh one each start). */
    private volatile Path servingCertDir;
    /** Pod-level cgroups (null: the runtime's default parent). */
    private volatile PodCgroups cgroups;
    private volatile EvictionConfig evictionConfig;
    private volatile SignalSource evictionSignals;
    private volatile EvictionManager eviction;
    private volatile ImageGcPolicy imageGcPolicy;
    private volatile ImageFilesystem imageFilesystem;
    private volatile ImageGarbageCollector imageGc;
    private volatile ContainerGcPolicy containerGcPolicy;
    private volatile ContainerGarbageCollector containerGc;
    private volatile LogRotationPolicy logRotationPolicy;
    private volatile SysctlAllowlist sysctls = SysctlAllowlist.safe();
    /** Why this host cannot enforce AppArmor, or empty if it can. */
    private volatile java.util.Optional<String> appArmorHost =
            io.kaji.node.runtime.AppArmor.hostUnsupported(java.nio.file.Path.of("/"));
    private volatile java.nio.file.Path seccompRoot;
    private volatile ContainerLogRotator logRotator;
    private volatile ServiceLister serviceLister;

    /**
     * This node's part of the pod network, known once the node IPAM controller assigned a podCIDR.
     *
     * @param podCidr the node's podCIDR
     * @param bridge  the Linux bridge the pods hang off
     * @param gateway the bridge's address (the pods' default gateway; node-local services bind to it)
     * @param cluster the cluster-wide settings (cluster and service CIDRs, DNS)
     */
    public record NodeNetwork(String podCidr, String bridge, String gateway, ClusterNetwork cluster) {}

    /**
     * @param health the runtime's health (from {@code ContainerdSupervisor::health}, or {@link #probing} for a
     *               containerd the agent does not supervise)
     */
    public NodeAgent(KubernetesClient client, ContainerRuntime runtime, Supplier<RuntimeHealth> health,
                     AgentConfig config, HostInfo host) {
        this.client = client;
        this.runtime = runtime;
        this.config = config;
        this.host = host;
        this.reporter = new NodeStatusReporter(client, config, host, health, this::runtimeVersion,
                () -> networkReady);
        this.reporter.images(runtime::listImages);
        this.timers = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("kaji-agent-" + config.nodeName()).daemon(true).factory());
        this.leases = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("kaji-lease-" + config.nodeName()).daemon(true).factory());
        this.relister = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("kaji-relist-" + config.nodeName()).daemon(true).factory());
        this.events = new EventRecorder(client, "kubelet", config.clock());
        this.probes = ProbeManager.create(runtime, config.nodeName(), config.clock(), new ProbeEvents(events, key -> {
            Controller c = controller;
            if (c != null) {
                c.enqueue(key);
            }
        }));
    }

    /** Puts every pod's sandbox into its pod-level cgroup below {@code c}'s root; call before {@link #start()}. */
    public NodeAgent podCgroups(PodCgroups c) {
        this.cgroups = c;
        c.timings(latencies::cgroupManager);
        return this;
    }

    /**
     * Turns on node-pressure eviction and the pressure conditions with these settings and signals (off by
     * default); call before {@link #start()}. The manager starts with the pod workers.
     */
    public NodeAgent eviction(EvictionConfig c, SignalSource signals) {
        this.evictionConfig = c;
        this.evictionSignals = signals;
        return this;
    }

    /**
     * Resources reserved from the node's capacity ({@code --system-reserved}, {@code --kube-reserved}, parsed by
     * {@link NodeAllocatable#parseReserved}) and the capacity in bytes of the file system that holds the node's
     * data (its ephemeral storage; below zero: unknown). Allocatable is capacity less both reservations and the hard
     * eviction thresholds of memory and nodefs ({@link NodeAllocatable}); with pod-level cgroups, their root is
     * capped at capacity less the reservations ({@link PodCgroups#limitRoot}). Call before {@link #start()}, after
     * {@link #eviction} and {@link #podCgroups}. Without this call allocatable equals capacity and ephemeral storage
     * is not reported.
     */
    public NodeAgent resources(Map<String, Long> systemReserved, Map<String, Long> kubeReserved, long ephemeralBytes) {
        EvictionConfig ec = evictionConfig;
        NodeAllocatable a = new NodeAllocatable(systemReserved, kubeReserved, ec == null ? List.of() : ec.thresholds());
        reporter.allocatable(a, ephemeralBytes);
        PodCgroups c = cgroups;
        if (c != null) {
            c.limitRoot(Math.max(0, host.memoryBytes() - a.reserved("memory")),
                    Math.max(0, host.cpus() * 1000L - a.reserved("cpu")));
        }
        return this;
    }

    /**
     * Turns on image garbage collection with {@code policy} over the image file system {@code fs} (off by
     * default); call before {@link #start()}. The collector never removes the sandbox image ({@link PauseImage}) and
     * is the eviction manager's node-level reclaim for disk signals.
     */
    public NodeAgent imageGc(ImageGcPolicy policy, ImageFilesystem fs) {
        this.imageGcPolicy = policy;
        this.imageFilesystem = fs;
        return this;
    }

    /**
     * Turns on dead-container garbage collection with {@code policy} (off by default); call before
     * {@link #start()}. The collector starts with the pod workers (it must see every pod bound to the node), the
     * workers keep {@code policy.maxPerPodContainer()} dead instances when they restart a container, and the
     * eviction manager's disk reclaim removes every unused container before it removes images.
     */
    public NodeAgent containerGc(ContainerGcPolicy policy) {
        this.containerGcPolicy = policy;
        return this;
    }

    /**
     * Turns on container log rotation with {@code policy} (off by default); call before {@link #start()}: a running
     * container's log that has reached the policy's size is rotated, and an attempt keeps at most its number of
     * files (the kubelet's {@code --container-log-max-size} and {@code --container-log-max-files}).
     */
    public NodeAgent logRotation(LogRotationPolicy policy) {
        this.logRotationPolicy = policy;
        return this;
    }

    /**
     * Which sysctls pods may set on this node (default: Kubernetes' safe ones; the kubelet's
     * {@code --allowed-unsafe-sysctls} adds to them); a pod asking for another is rejected. Call before
     * {@link #start()}.
     */
    public NodeAgent sysctls(SysctlAllowlist allowlist) {
        this.sysctls = java.util.Objects.requireNonNull(allowlist, "allowlist");
        return this;
    }

    /**
     * Whether this host can enforce AppArmor profiles: empty if it can, else why not (default: detected on this
     * host, {@link io.kaji.node.runtime.AppArmor#hostUnsupported}). Pods asking for a profile are refused where it
     * cannot. Call before {@link #start()}.
     */
    public NodeAgent appArmorHost(java.util.Optional<String> unsupported) {
        this.appArmorHost = java.util.Objects.requireNonNull(unsupported, "unsupported");
        return this;
    }

    /**
     * The directory of the node's seccomp profiles: a pod's {@code seccompProfile} of type Localhost names a file
     * below it (the kubelet's {@code <root-dir>/seccomp}). Call before {@link #start()}. Without it Localhost
     * profiles are refused.
     */
    public NodeAgent seccompRoot(java.nio.file.Path dir) {
        this.seccompRoot = dir;
        return this;
    }

    /**
     * Keeps the agent endpoint's self-signed serving certificate in {@code dir} and reuses it on the next start
     * while it is valid and names the node's addresses (the kubelet's {@code --cert-dir}); call before
     * {@link #start()}. Without it each start makes a new one.
     */
    public NodeAgent servingCertDir(Path dir) {
        this.servingCertDir = dir;
        return this;
    }

    /**
     * Reads the Services for the containers' service environment variables from {@code lister} (the process's
     * shared Service informer) once it has synced, instead of the API server; call before {@link #start()}.
     */
    public NodeAgent serviceLister(ServiceLister lister) {
        this.serviceLister = lister;
        return this;
    }

    /** The container garbage collector once running (the pod workers have started), or null. */
    public ContainerGarbageCollector containerGarbageCollector() {
        return containerGc;
    }

    /** The image garbage collector once running, or null. */
    public ImageGarbageCollector imageGarbageCollector() {
        return imageGc;
    }

    /** The eviction manager once running, or null. */
    public EvictionManager evictionManager() {
        return eviction;
    }

    /** A health supplier that asks the runtime for its version each time (for an unsupervised containerd). */
    public static Supplier<RuntimeHealth> probing(ContainerRuntime runtime, java.time.Clock clock) {
        return () -> {
            try {
                runtime.version();
                return new RuntimeHealth(true, "ContainerdReady", "containerd answers", clock.instant(), 0);
            } catch (RuntimeException e) {
                return new RuntimeHealth(false, "ContainerdNotAnswering", String.valueOf(e.getMessage()),
                        clock.instant(), 0);
            }
        };
    }

    /** Registers the node and starts the lease, status and (once the podCIDR is known) pod loops. */
    public synchronized void start() {
        startEndpoint();
        reporter.register();
        long lease = config.leaseRenewal().toMillis();
        leases.scheduleWithFixedDelay(() -> guarded("lease renewal", reporter::renewLease), 0, lease,
                TimeUnit.MILLISECONDS);
        timers.scheduleWithFixedDelay(() -> guarded("node status", reporter::updateStatus),
                config.statusCheck().toMillis(), config.statusCheck().toMillis(), TimeUnit.MILLISECONDS);
        starter = Thread.ofPlatform().name("kaji-agent-start").daemon(true).start(this::startPods);
        if (imageGcPolicy != null) {
            imageGc = new ImageGarbageCollector(config.nodeName(), runtime, imageFilesystem, imageGcPolicy,
                    Set.of(PauseImage.NAME), events, config.clock());
            imageGc.start();
        }
        if (logRotationPolicy != null) {
            logRotator = new ContainerLogRotator(config.nodeName(), runtime, config.podLogs(), logRotationPolicy,
                    config.clock());
            logRotator.start();
        }
    }

    /**
     * Starts the agent endpoint (containerLogs for the API server's pods/log; exec, attach and portForward relayed
     * to containerd's streaming server), authenticating callers by client
     * certificates of the cluster CA this agent trusts for the API server. Without a known CA the node still runs
     * pods, but its logs cannot be read through the API.
     */
    private void startEndpoint() {
        List<X509Certificate> cas = clusterCa();
        if (cas.isEmpty()) {
            log.warn("node {}: no cluster CA in the client configuration and none from /cacerts; the agent endpoint "
                    + "(kubectl logs) is off", config.nodeName());
            return;
        }
        ContainerLogs logs = new ContainerLogs(config.podLogs(), (ns, name) -> cached(Keys.of(ns, name)),
                this::writing);
        try {
            ContainerStreams streams = new ContainerStreams((ns, name) -> cached(Keys.of(ns, name)), runtime);
            endpoint = AgentServer.start(AgentTls.context(config.nodeName(), List.of(host.internalIp(), "127.0.0.1"),
                    cas, servingCertDir), logs, streams, AgentServer.Options.defaults().withPort(config.kubeletPort()),
                    config.clock());
            reporter.kubeletPort(endpoint.port());
            endpoint.delegateAuth(new AgentAuth(new ApiReviews(client), config.nodeName(), config.clock()));
            stats = new ResourceStats(runtime, config.nodeName(), config.clock());
            SignalSource signals = evictionSignals;
            if (signals != null) {
                // The summary's node.fs, node.runtime.imageFs and containers' rootfs: the file systems the eviction
                // signals are measured on.
                stats.fileSystems(signals::nodeFs, signals::imageFs);
            }
            PodDiskUsage disk = new PodDiskUsage(config.podLogs());
            stats.podDisk(ref -> {
                Pod pod = cached(Keys.of(ref.namespace(), ref.name()));
                if (pod == null || !ref.uid().equals(pod.getMetadata().getUid())) {
                    return java.util.Optional.empty();
                }
                return java.util.Optional.of(disk.of(pod));
            });
            PodCgroups c = cgroups;
            if (c != null) {
                stats.podUsage(c::usage);
            }
            stats.start();
            endpoint.serveStats(stats::summary);
            endpoint.serveResourceMetrics(stats::resourceMetrics);
            PodNetworks networks = new PodNetworks(runtime);
            stats.podNetworks(networks);
            CadvisorMetrics cadvisor = new CadvisorMetrics(stats, networks, (ns, name) -> cached(Keys.of(ns, name)));
            endpoint.serveCadvisorMetrics(cadvisor::render);
            endpoint.serveKubeletMetrics(new KubeletMetrics(runtime, config.nodeName(), latencies)::render);
            endpoint.servePods(this::podList);
        } catch (RuntimeException e) {
            // Pods matter more than their logs: run without the endpoint rather than not at all.
            log.error("node {}: the agent endpoint (kubectl logs) is off: {}", config.nodeName(), e.getMessage());
        }
    }

    /** The pods bound to this node as the kubelet's {@code /pods} lists them: a v1 PodList in JSON. */
    private byte[] podList() {
        SharedIndexInformer<Pod> inf = informer;
        List<Pod> items = inf == null ? List.of() : inf.getStore().list().stream()
                .sorted(java.util.Comparator.comparing((Pod p) -> p.getMetadata().getNamespace())
                        .thenComparing(p -> p.getMetadata().getName())).toList();
        io.fabric8.kubernetes.api.model.PodList list = new io.fabric8.kubernetes.api.model.PodListBuilder()
                .withNewMetadata().endMetadata().withItems(items).build();
        return io.fabric8.kubernetes.client.utils.Serialization.asJson(list).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The agent endpoint's port, or -1 if it is off. */
    public int endpointPort() {
        AgentServer e = endpoint;
        return e == null ? -1 : e.port();
    }

    private List<X509Certificate> clusterCa() {
        Config c = client.getConfiguration();
        try {
            if ((c.getCaCertData() != null && !c.getCaCertData().isBlank())
                    || (c.getCaCertFile() != null && !c.getCaCertFile().isBlank())) {
                return AgentTls.configuredCa(c.getCaCertData(), c.getCaCertFile());
            }
            // Like k3s agents: the server publishes its CA unauthenticated at /cacerts.
            String url = c.getMasterUrl().endsWith("/") ? c.getMasterUrl() : c.getMasterUrl() + "/";
            return AgentTls.parsePem(client.raw(url + "cacerts"));
        } catch (IOException | RuntimeException e) {
            log.warn("node {}: cannot read the cluster CA: {}", config.nodeName(), e.getMessage());
            return List.of();
        }
    }

    /** Whether a container attempt is still created or running (its log may grow); true if the runtime fails. */
    private boolean writing(PodRef pod, String container, int attempt) {
        try {
            for (ContainerInfo c : runtime.listContainers(KajiLabels.forContainer(pod, container))) {
                if (c.attempt() == attempt) {
                    return c.state() == ContainerState.RUNNING || c.state() == ContainerState.CREATED;
                }
            }
            return false;
        } catch (RuntimeException e) {
            return true;
        }
    }

    /** Waits until the pod workers run (podCIDR known, informer synced, orphans removed). */
    public boolean awaitPodsStarted(Duration timeout) throws InterruptedException {
        return podsStarted.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void startPods() {
        try {
            String cidr = waitForPodCidr();
            if (cidr == null) {
                return;
            }
            ClusterNetwork cluster = clusterNetwork();
            String gateway = null;
            if (config.bridgeName() != null) {
                BridgeNetwork bridgeNetwork = new BridgeNetwork(config.nodeName() + "-net", config.bridgeName(), cidr,
                        config.ipamDir());
                bridgeNetwork.writeTo(config.cniConfDir());
                gateway = bridgeNetwork.gateway();
                try {
                    bridgeNetwork.prepareBridge();
                } catch (RuntimeException e) {
                    log.warn("node {}: cannot prepare bridge {} (the CNI plugin creates it with the first pod): {}",
                            config.nodeName(), config.bridgeName(), e.getMessage());
                }
                if (cluster.clusterCidr() != null) {
                    PodRoutes r = new PodRoutes(client, config.nodeName(), cluster.clusterCidr(),
                            PodRoutes.localAddresses());
                    routes = r;
                    r.start();
                }
            }
            networkReady = true;
            log.info("node {}: pod network {} on bridge {}; cluster DNS {}", config.nodeName(), cidr,
                    config.bridgeName(), cluster.clusterDns() == null ? "unknown (pods use the host's resolvers)"
                            : cluster.clusterDns());
            network.complete(new NodeNetwork(cidr, config.bridgeName(), gateway, cluster));
            timers.execute(() -> guarded("node status", reporter::updateStatus));

            PodSyncer syncer = new PodSyncer(client, runtime, config, this::cached, host::internalIp, cluster,
                    probes, events);
            // Virtual workers: a pod's start is mostly waiting on containerd and the API; containerd starts pods
            // faster with more of them in flight (docs/benchmarks.md, pod start-up), and 16 platform threads would
            // cost the agent memory for stacks that wait.
            podSyncer = syncer;
            syncer.latencies(latencies);
            Controller c = Controller.withVirtualWorkers("pods-" + config.nodeName(), syncer, config.podWorkers());
            controller = c;
            // The node's own Node, as the kubelet's node lister: its labels and taints for pod admission.
            SharedIndexInformer<io.fabric8.kubernetes.api.model.Node> ownNode = client.nodes()
                    .withField("metadata.name", config.nodeName()).inform();
            nodeInformer = ownNode;
            syncer.node(() -> ownNode.getStore().getByKey(config.nodeName()));
            SharedIndexInformer<Pod> inf = Informers.informWithoutManagedFields(client.pods().inAnyNamespace()
                    .withField("spec.nodeName", config.nodeName()), new ResourceEventHandler<>() {
                        @Override
                        public void onAdd(Pod pod) {
                            syncer.seen(pod);
                            c.enqueue(Keys.of(pod));
                        }

                        @Override
                        public void onUpdate(Pod old, Pod pod) {
                            if (!statusOnly(old, pod)) {
                                c.enqueue(Keys.of(pod));
                            }
                        }

                        @Override
                        public void onDelete(Pod pod, boolean unknownFinalState) {
                            c.enqueue(Keys.of(pod));
                        }
                    }, 0);
            informer = inf;
            if (closed) {
                inf.close();
                ownNode.close();
                return;
            }
            syncer.podCgroups(cgroups);
            syncer.allocatable(reporter::allocatableNow);
            syncer.serviceLister(serviceLister);
            syncer.ownChanges(ownChanges);
            syncer.sysctls(sysctls);
            syncer.appArmorHost(appArmorHost);
            syncer.seccompRoot(seccompRoot);
            syncer.nodePods(() -> inf.getStore().list());
            if (cgroups != null) {
                cgroups.pods(() -> inf.getStore().list());
            }
            Set<String> live = inf.getStore().list().stream().map(p -> p.getMetadata().getUid())
                    .collect(Collectors.toSet());
            int orphans = syncer.removeOrphans(live);
            log.info("node {}: {} pod(s) bound, {} orphan sandbox(es) removed; pod workers starting",
                    config.nodeName(), live.size(), orphans);
            ContainerGcPolicy gcPolicy = containerGcPolicy;
            if (gcPolicy != null) {
                syncer.deadInstancesPerContainer(gcPolicy.maxPerPodContainer());
            }
            c.start();
            startContainerGc(gcPolicy, inf);
            relister.scheduleWithFixedDelay(() -> guarded("container relist", () -> relist(c)), 0,
                    RELIST.toMillis(), TimeUnit.MILLISECONDS);
            startEviction(syncer, c, inf);
            podsStarted.countDown();
        } catch (RuntimeException e) {
            log.error("node {}: pod sync failed to start", config.nodeName(), e);
        }
    }

    /** Starts the container garbage collector (if configured) over the synced pod informer's pods. */
    private synchronized void startContainerGc(ContainerGcPolicy policy, SharedIndexInformer<Pod> inf) {
        if (policy == null || closed) {
            return;
        }
        ContainerGarbageCollector gc = new ContainerGarbageCollector(config.nodeName(), runtime, policy,
                () -> inf.getStore().list(), config.podLogs(), config.clock());
        containerGc = gc;
        gc.start();
    }

    /** Starts the eviction manager (if configured): it kills pods through the pod workers. */
    private void startEviction(PodSyncer syncer, Controller c, SharedIndexInformer<Pod> inf) {
        EvictionConfig ec = evictionConfig;
        if (ec == null) {
            return;
        }
        PodCgroups podCgroups = cgroups;
        if (podCgroups != null) {
            // Pods' cgroup root is capped at allocatable (--enforce-node-allocatable=pods): as the kubelet does
            // then, pods are also evicted when they near that cap, before the kernel's OOM killer meets it.
            ec = ec.withAllocatableThresholds();
            if (evictionSignals instanceof io.kaji.node.eviction.HostSignals host) {
                host.podsCgroup(podCgroups.root());
            }
        }
        EvictionManager m = new EvictionManager(config.nodeName(), ec, evictionSignals, () -> inf.getStore().list(),
                () -> PodUsage.byPod(runtime.containerUsage(KajiLabels.managed())), (pod, status, grace) -> {
                    syncer.evict(pod, status, grace);
                    c.enqueue(Keys.of(pod));
                }, events, config.clock()).localStorage(new PodDiskUsage(config.podLogs()));
        m.onConditionsChanged(() -> {
            try {
                timers.execute(() -> guarded("node status", reporter::updateStatus));
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // closing
            }
        });
        reporter.pressure(m::conditions);
        // The kubelet's node-level reclaim: every unused container (and its log), then unused images go before
        // pods do (imagefs and nodefs share the data dir's file system unless containerd's root is mounted
        // elsewhere).
        List<EvictionManager.NodeReclaimer> reclaimers = new java.util.ArrayList<>();
        ContainerGarbageCollector containers = containerGc;
        if (containers != null) {
            reclaimers.add(signal -> containers.deleteAllUnusedContainers().logBytes());
        }
        ImageGarbageCollector gc = imageGc;
        if (gc != null) {
            reclaimers.add(signal -> gc.deleteUnusedImages());
        }
        m.reclaimers(reclaimers);
        eviction = m;
        m.start();
    }

    /**
     * Whether an update of a bound pod changed its status only (most often the agent's own status write coming back
     * through the watch): such an update needs no pass, as the kubelet's pod config does not sync a pod for a
     * status change either. A pod with readiness gates is synced, since conditions other controllers write into its
     * status decide whether it is Ready; anything else in the status is rewritten by the next periodic pass.
     */
    static boolean statusOnly(Pod old, Pod pod) {
        if (old == null || old.getMetadata() == null || pod.getMetadata() == null) {
            return false;
        }
        if (pod.getSpec() != null && pod.getSpec().getReadinessGates() != null
                && !pod.getSpec().getReadinessGates().isEmpty()) {
            return false;
        }
        var a = old.getMetadata();
        var b = pod.getMetadata();
        return java.util.Objects.equals(a.getUid(), b.getUid())
                && java.util.Objects.equals(a.getDeletionTimestamp(), b.getDeletionTimestamp())
                && java.util.Objects.equals(a.getDeletionGracePeriodSeconds(), b.getDeletionGracePeriodSeconds())
                && java.util.Objects.equals(a.getLabels(), b.getLabels())
                && java.util.Objects.equals(a.getAnnotations(), b.getAnnotations())
                && java.util.Objects.equals(old.getSpec(), pod.getSpec());
    }

    /**
     * How often all of this node's containers and sandboxes are listed to notice state changes (the kubelet's PLEG
     * relists every second): a container that exits or a sandbox that stops is seen within this period and its pod
     * synced at once, instead of at the pod's next periodic pass ({@link PodSyncer#RELIST}).
     */
    static final Duration RELIST = Duration.ofMillis(250);

    private Map<String, String> lastSeen = Map.of();
    /** What the pod workers did themselves: the relist does not sync a pod again for it. */
    private final OwnChanges ownChanges = new OwnChanges();
    private Map<String, String> lastPodOf = Map.of();

    /**
     * Lists the node's containers and sandboxes once and enqueues the pods whose containers or sandboxes appeared,
     * changed state or went.
     */
    private void relist(Controller c) {
        long start = System.nanoTime();
        relistOnce(c);
        latencies.relisted(start, config.clock().instant());
    }

    private void relistOnce(Controller c) {
        Map<String, String> now = new HashMap<>();
        Map<String, String> podOf = new HashMap<>();
        for (ContainerInfo info : runtime.listContainers(Map.of(KajiLabels.MANAGED, "true"))) {
            now.put(info.id(), info.state().name());
            String ns = info.labels().get(KajiLabels.POD_NAMESPACE);
            String name = info.labels().get(KajiLabels.POD_NAME);
            if (ns != null && name != null) {
                podOf.put(info.id(), Keys.of(ns, name));
            }
        }
        for (SandboxInfo s : runtime.listSandboxes(KajiLabels.managed())) {
            now.put(s.id(), s.ready() ? OwnChanges.SANDBOX_READY : OwnChanges.SANDBOX_NOT_READY);
            if (s.pod() != null) {
                podOf.put(s.id(), Keys.of(s.pod().namespace(), s.pod().name()));
            }
        }
        Map<String, String> before = lastSeen;
        for (var e : now.entrySet()) {
            if (!e.getValue().equals(before.get(e.getKey())) && podOf.containsKey(e.getKey())
                    && !ownChanges.expected(e.getKey(), e.getValue())) {
                c.enqueue(podOf.get(e.getKey()));
            }
        }
        for (String gone : before.keySet()) {
            if (!now.containsKey(gone)) {
                ownChanges.gone(gone);
                if (lastPodOf.containsKey(gone)) {
                    c.enqueue(lastPodOf.get(gone));
                }
            }
        }
        ownChanges.expire(System.nanoTime());
        lastSeen = now;
        lastPodOf = podOf;
    }

    /** The cluster's network settings from kube-system/kaji-cluster, or {@link ClusterNetwork#UNKNOWN}. */
    private ClusterNetwork clusterNetwork() {
        try {
            return ClusterNetwork.read(client).orElseGet(() -> {
                log.info("node {}: no kube-system/{} ConfigMap; pods use the host's resolvers", config.nodeName(),
                        ClusterNetwork.CONFIG_MAP);
                return ClusterNetwork.UNKNOWN;
            });
        } catch (RuntimeException e) {
            log.warn("node {}: cannot read kube-system/{}: {}", config.nodeName(), ClusterNetwork.CONFIG_MAP,
                    e.getMessage());
            return ClusterNetwork.UNKNOWN;
        }
    }

    /** This node's pod network, once known; completes exceptionally never, and not at all if the agent closes first. */
    public CompletableFuture<NodeNetwork> network() {
        return network;
    }

    private String waitForPodCidr() {
        long wait = 200;
        while (!closed) {
            try {
                String cidr = reporter.podCidr();
                if (cidr != null && !cidr.isEmpty()) {
                    return cidr;
                }
            } catch (RuntimeException e) {
                log.debug("reading node {}: {}", config.nodeName(), e.getMessage());
            }
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                return null;
            }
            wait = Math.min(wait * 2, 2000);
        }
        return null;
    }

    private Pod cached(String key) {
        SharedIndexInformer<Pod> inf = informer;
        return inf == null ? null : inf.getStore().getByKey(key);
    }

    private String runtimeVersion() {
        try {
            return runtime.version().replaceFirst("^containerd ", "containerd://");
        } catch (RuntimeException e) {
            return "containerd://unknown";
        }
    }

    private void guarded(String what, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.warn("node {}: {} failed: {}", config.nodeName(), what, e.getMessage());
        }
    }

    /** Stops the agent's loops; containers keep running. */
    @Override
    public synchronized void close() {
        closed = true;
        if (eviction != null) {
            eviction.close();
        }
        if (imageGc != null) {
            imageGc.close();
        }
        if (containerGc != null) {
            containerGc.close();
        }
        if (logRotator != null) {
            logRotator.close();
        }
        timers.shutdownNow();
        leases.shutdownNow();
        relister.shutdownNow();
        if (stats != null) {
            stats.close();
        }
        if (endpoint != null) {
            endpoint.close();
        }
        if (starter != null) {
            starter.interrupt();
        }
        if (informer != null) {
            informer.close();
        }
        if (nodeInformer != null) {
            nodeInformer.close();
        }
        if (controller != null) {
            controller.close();
        }
        if (podSyncer != null) {
            podSyncer.close();
        }
        if (routes != null) {
            routes.close();
        }
        probes.close();
        events.close();
    }
}
