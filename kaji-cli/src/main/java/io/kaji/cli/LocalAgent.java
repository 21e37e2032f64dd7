package io.kaji.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.node.NodeLayout;
import io.kaji.node.agent.AgentConfig;
import io.kaji.node.agent.HostInfo;
import io.kaji.node.agent.NodeAgent;
import io.kaji.node.agent.NodeAllocatable;
import io.kaji.node.agent.SysctlAllowlist;
import io.kaji.node.cgroup.PodCgroups;
import io.kaji.node.eviction.EvictionConfig;
import io.kaji.node.eviction.HostSignals;
import io.kaji.node.containerd.ContainerdSupervisor;
import io.kaji.node.containergc.ContainerGcPolicy;
import io.kaji.node.containerd.RuntimeHealth;
import io.kaji.node.cri.CriConnection;
import io.kaji.node.image.BusyboxImage;
import io.kaji.node.image.ImageImporter;
import io.kaji.node.image.OciImageLayout;
import io.kaji.node.image.PauseImage;
import io.kaji.node.imagegc.ImageFilesystem;
import io.kaji.node.imagegc.ImageGcPolicy;
import io.kaji.node.logs.LogRotationPolicy;
import io.kaji.node.runtime.CriContainerRuntime;
import io.kaji.node.runtime.SimulatedRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running node agent with its runtime: the supervised containerd (unless a socket is given), the CRI connection,
 * the pause image, optionally the busybox demo image, the {@link NodeAgent} and the node's network services
 * ({@link NodeNetworkServices}: DNS, service proxy, network policy). Used by {@code kaji agent} and,
 * in-process, by {@code kaji server}. Closing it stops the agent, then containerd (running pods stop with it).
 */
final class LocalAgent implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalAgent.class);

    /**
     * Where and how the agent runs.
     *
     * @param eviction    node-pressure eviction settings ({@code --eviction-hard}, ...); null for the kubelet's
     *                    defaults
     * @param imageGc     image garbage collection ({@code --image-gc-high-threshold}, ...); null for the kubelet's
     *                    defaults
     * @param containerGc dead-container garbage collection ({@code --maximum-dead-containers}, ...); null for the
     *                    kubelet's defaults
     * @param systemReserved {@code --system-reserved} ({@link NodeAllocatable#parseReserved}); empty: none
     * @param kubeReserved   {@code --kube-reserved}, the same way
     * @param logRotation    container log rotation ({@code --container-log-max-size}, ...); null for the kubelet's
     *                       defaults
     * @param sysctls        the sysctls pods may set ({@code --allowed-unsafe-sysctls}); null: the safe ones
     */
    record Options(String nodeName, NodeLayout layout, Path containerdSocket, Path cniConfDir, String bridge,
                   Duration leaseRenewal, Duration initialBackOff, Duration maxBackOff, boolean importDemoImage,
                   int kubeletPort, EvictionConfig eviction, ImageGcPolicy imageGc, ContainerGcPolicy containerGc,
                   Map<String, Long> systemReserved, Map<String, Long> kubeReserved, LogRotationPolicy logRotation,
                   SysctlAllowlist sysctls) {
        Options(String nodeName, NodeLayout layout, Path containerdSocket, Path cniConfDir, String bridge,
                Duration leaseRenewal, Duration initialBackOff, boolean importDemoImage, int kubeletPort) {
            this(nodeName, layout, containerdSocket, cniConfDir, bridge, leaseRenewal, initialBackOff,
                    AgentConfig.DEFAULT_MAX_BACKOFF, importDemoImage, kubeletPort, null,
                    null, null, Map.of(), Map.of(), null, null);
        }
    }

    private final NodeAgent agent;
    private final NodeNetworkServices network;
    private final ServiceInformers serviceInformers;
    private final KubernetesClient client;
    private final CriConnection cri;
    private final ContainerdSupervisor supervisor;
    private final Path socket;

    private LocalAgent(NodeAgent agent, NodeNetworkServices network, ServiceInformers serviceInformers,
                       KubernetesClient client, CriConnection cri, ContainerdSupervisor supervisor, Path socket) {
        this.agent = agent;
        this.network = network;
        this.serviceInformers = serviceInformers;
        this.client = client;
        this.cri = cri;
        this.supervisor = supervisor;
        this.socket = socket;
    }

    /** The size of the file system holding {@code dir} (the node's ephemeral storage), or -1 if unreadable. */
    static long fileSystemBytes(Path dir) {
        try {
            return Files.getFileStore(dir).getTotalSpace();
        } catch (java.io.IOException | SecurityException e) {
            log.warn("cannot read the size of the file system of {}: {}; ephemeral-storage is not reported", dir,
                    e.getMessage());
            return -1;
        }
    }

    /**
     * A simulated node: the real agent (registration, lease, status, pod workers) over an in-memory runtime that
     * runs nothing — no containerd, no bridge, no routes, no network services. For control-plane tests at scale.
     */
    static LocalAgent startSimulated(Config clientConfig, Options o) {
        return startSimulated(clientConfig, o, null);
    }

    /** As {@link #startSimulated(Config, Options)}, the API client made by {@code httpClients} unless null. */
    static LocalAgent startSimulated(Config clientConfig, Options o, RotatingHttpClients httpClients) {
        KubernetesClient client = client(clientConfig, httpClients, o);
        try {
            AgentConfig config = AgentConfig.defaults(o.nodeName(), io.kaji.apiserver.discovery.VersionInfo.gitVersion(
                    VersionCommand.version()), o.layout().podLogs(),
                            o.layout().ipamDir(), o.layout().dataDir().resolve("cni"))
                    .withBridgeName(null).withLeaseRenewal(o.leaseRenewal())
                    .withBackOff(o.initialBackOff(), o.maxBackOff())
                    .withKubeletPort(o.kubeletPort());
            SimulatedRuntime runtime = new SimulatedRuntime(Clock.systemUTC(), o.nodeName().hashCode());
            NodeAgent agent = new NodeAgent(client, runtime, NodeAgent.probing(runtime, Clock.systemUTC()), config,
                    HostInfo.detect());
            agent.start();
            return new LocalAgent(agent, null, null, client, null, null, null);
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /** Starts containerd (if needed) and the agent; blocking until the runtime answers and the agent registered. */
    static LocalAgent start(Config clientConfig, Options o) {
        return start(clientConfig, o, null);
    }

    /**
     * As {@link #start(Config, Options)}, with the API client made by {@code httpClients} (whose credentials can
     * be rotated while the agent runs) unless null.
     */
    static LocalAgent start(Config clientConfig, Options o, RotatingHttpClients httpClients) {
        ContainerdSupervisor supervisor = null;
        Path socket = o.containerdSocket() != null ? o.containerdSocket() : o.layout().criSocket();
        // One CRI connection (gRPC channel and event loop thread) for the runtime and the supervisor's probes.
        CriConnection cri = CriConnection.open(socket);
        if (o.containerdSocket() == null) {
            supervisor = ContainerdSupervisor.create(o.layout().containerd(), cri);
        }
        KubernetesClient client = null;
        ServiceInformers serviceInformers = null;
        try {
            CriContainerRuntime runtime = new CriContainerRuntime(cri);
            Supplier<RuntimeHealth> health;
            if (supervisor != null) {
                supervisor.addListener(h -> cri.resetConnectBackoff());
                supervisor.start();
                health = supervisor::health;
            } else {
                health = NodeAgent.probing(runtime, Clock.systemUTC());
            }
            ImageImporter importer = ImageImporter.forSocket(socket);
            PauseImage.ensureImported(o.layout().imageCache(), importer, runtime);
            if (o.importDemoImage()) {
                importDemoImage(o.layout(), importer);
            }
            AgentConfig config = AgentConfig.defaults(o.nodeName(), io.kaji.apiserver.discovery.VersionInfo.gitVersion(
                    VersionCommand.version()), o.layout().podLogs(),
                            o.layout().ipamDir(), o.cniConfDir() != null ? o.cniConfDir() : o.layout().containerd().cniConfDir())
                    .withBridgeName(o.bridge()).withLeaseRenewal(o.leaseRenewal())
                    .withBackOff(o.initialBackOff(), o.maxBackOff())
                    .withKubeletPort(o.kubeletPort());
            client = client(clientConfig, httpClients, o);
            // One Service and one EndpointSlice watch for DNS, the proxy and the containers' service variables,
            // started now so that they have usually listed before the first pod's containers start.
            serviceInformers = ServiceInformers.start(client);
            HostInfo host = HostInfo.detect();
            // Pod-level cgroups, node-pressure eviction, image and dead-container garbage collection, as the kubelet
            // always has them (docs/node.md).
            NodeAgent agent = new NodeAgent(client, runtime, health, config, host)
                    .podCgroups(PodCgroups.forAgent(o.nodeName(), o.layout().dataDir()))
                    .eviction(o.eviction() != null ? o.eviction() : EvictionConfig.defaults(),
                            new HostSignals(o.layout().dataDir(), o.layout().containerd().root()))
                    .imageGc(o.imageGc() != null ? o.imageGc() : ImageGcPolicy.defaults(),
                            ImageFilesystem.at(o.layout().containerd().root()))
                    .logRotation(o.logRotation() != null ? o.logRotation() : LogRotationPolicy.defaults())
                    .sysctls(o.sysctls() != null ? o.sysctls() : SysctlAllowlist.safe())
                    .seccompRoot(o.layout().dataDir().resolve("seccomp"))
                    .containerGc(o.containerGc() != null ? o.containerGc() : ContainerGcPolicy.defaults())
                    .resources(o.systemReserved(), o.kubeReserved(), fileSystemBytes(o.layout().dataDir()))
                    .servingCertDir(o.layout().dataDir().resolve("pki"))
                    .serviceLister(serviceInformers);
            agent.start();
            NodeNetworkServices network = NodeNetworkServices.startWhenReady(client, serviceInformers, agent,
                    o.nodeName(), host.internalIp());
            return new LocalAgent(agent, network, serviceInformers, client, cri, supervisor, socket);
        } catch (RuntimeException e) {
            if (serviceInformers != null) {
                serviceInformers.close();
            }
            if (client != null) {
                client.close();
            }
            if (supervisor != null) {
                supervisor.close();
            }
            cri.close();
            throw e;
        }
    }

    /**
     * Starts an agent that authenticates with {@code certificate} and follows its renewals: the API clients switch
     * to each new certificate (old connections closed 10 s later), then the renewal schedule starts.
     *
     * @param simulated  the simulated runtime instead of containerd
     * @param background where old API clients are closed
     */
    static LocalAgent startWithCertificate(NodeClientCertificate certificate, Options o, boolean simulated,
            java.util.concurrent.ScheduledExecutorService background) {
        RotatingHttpClients clients = new RotatingHttpClients(
                () -> ClusterTrust.onlyClusterCa(UserAgents.of(certificate.current(), UserAgents.AGENT),
                        o.layout().dataDir().resolve("pki")), background, Duration.ofSeconds(10));
        certificate.onRotated(clients::rotate);
        LocalAgent agent = simulated ? startSimulated(certificate.current(), o, clients)
                : start(certificate.current(), o, clients);
        certificate.start();
        return agent;
    }

    private static KubernetesClient client(Config clientConfig, RotatingHttpClients httpClients, Options o) {
        // Only the kinds the agent watches, not a scan of every model jar; asynchronous work on virtual threads,
        // not two pools of platform threads (AgentSerialization, AgentClientThreads, docs/footprint.md); only the
        // cluster's CA trusted, not the JDK's cacerts as well (ClusterTrust).
        KubernetesClientBuilder b = AgentClientThreads.apply(new KubernetesClientBuilder()
                .withConfig(ClusterTrust.onlyClusterCa(UserAgents.of(clientConfig, UserAgents.AGENT),
                        o.layout().dataDir().resolve("pki")))
                .withKubernetesSerialization(AgentSerialization.create()));
        b.withHttpClientFactory(httpClients != null ? httpClients : AgentClientThreads.httpClientFactory());
        return b.build();
    }

    /** The busybox demo image, so that a fresh cluster can run pods with no registry at all. */
    private static void importDemoImage(NodeLayout layout, ImageImporter importer) {
        try {
            Path tarball = layout.imageCache().resolve("busybox-demo.tar");
            if (!Files.exists(tarball)) {
                Files.createDirectories(tarball.getParent());
                OciImageLayout.write(BusyboxImage.image(BusyboxImage.NAME, BusyboxImage.HOST_BUSYBOX), tarball);
            }
            importer.importTarball(tarball);
            log.info("demo image {} is available on this node", BusyboxImage.NAME);
        } catch (Exception e) {
            log.warn("could not import the demo image {}: {}", BusyboxImage.NAME, e.getMessage());
        }
    }

    Path socket() {
        return socket;
    }

    /** The node's network services (DNS, proxy, network policy), started once its pod network is known. */
    NodeNetworkServices network() {
        return network;
    }

    @Override
    public void close() {
        if (network != null) {
            network.close();
        }
        if (serviceInformers != null) {
            serviceInformers.close();
        }
        agent.close();
        client.close();
        if (supervisor != null) {
            supervisor.close(); // before the CRI connection its probes use
        }
        if (cri != null) {
            cri.close();
        }
    }
}
