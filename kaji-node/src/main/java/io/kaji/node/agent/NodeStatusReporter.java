package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.ContainerImage;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.NodeConditionBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kaji.node.containerd.RuntimeHealth;
import io.kaji.node.eviction.PressureCondition;
import io.kaji.node.runtime.ImageInfo;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's own API objects: registers the Node (capacity, allocatable, addresses, nodeInfo, conditions),
 * writes its status when it changes and at least every {@link AgentConfig#statusMaxAge()}, and renews its Lease
 * in {@code kube-node-lease}. Ready is True only while the runtime is healthy and the pod network is
 * configured; its reason is the runtime's otherwise. Not thread-safe: call from one thread.
 */
public final class NodeStatusReporter {

    private static final Logger log = LoggerFactory.getLogger(NodeStatusReporter.class);
    public static final String LEASE_NAMESPACE = "kube-node-lease";
    /** How many images the node reports at most (the kubelet's {@code --node-status-max-images} default). */
    public static final int MAX_IMAGES = 50;

    /** The kubelet's default --max-pods. */
    static final int MAX_PODS = 110;

    private final KubernetesClient client;
    private final AgentConfig config;
    private final HostInfo host;
    private final Supplier<RuntimeHealth> health;
    private final Supplier<String> runtimeVersion;
    private final BooleanSupplier networkReady;
    private NodeStatus lastWritten;
    private Instant lastWrittenAt = Instant.EPOCH;
    private volatile int kubeletPort = AgentConfig.DEFAULT_KUBELET_PORT;
    private volatile Supplier<List<ImageInfo>> images = List::of;
    private List<ContainerImage> lastImages = List.of();
    private volatile Supplier<java.util.Set<PressureCondition>> pressure = java.util.Set::of;
    private volatile NodeAllocatable allocatable = NodeAllocatable.NONE;
    private volatile long ephemeralStorageBytes = -1;

    public NodeStatusReporter(KubernetesClient client, AgentConfig config, HostInfo host,
                              Supplier<RuntimeHealth> health, Supplier<String> runtimeVersion,
                              BooleanSupplier networkReady) {
        this.client = client;
        this.config = config;
        this.host = host;
        this.health = health;
        this.runtimeVersion = runtimeVersion;
        this.networkReady = networkReady;
    }

    /** The agent endpoint's actual port, reported in status.daemonEndpoints.kubeletEndpoint (default 10250). */
    public void kubeletPort(int port) {
        this.kubeletPort = port;
    }

    /**
     * Which pressure conditions (MemoryPressure, DiskPressure, PIDPressure) are True: the eviction manager's
     * {@code conditions()}; none by default.
     */
    public void pressure(Supplier<java.util.Set<PressureCondition>> source) {
        this.pressure = source;
    }

    /**
     * What is reserved and held back from the capacity ({@link NodeAllocatable}), and the capacity of the node's
     * file system for ephemeral storage in bytes (below zero: unknown, then not reported). By default allocatable
     * equals capacity and no ephemeral storage is reported.
     */
    public void allocatable(NodeAllocatable a, long ephemeralBytes) {
        this.allocatable = a;
        this.ephemeralStorageBytes = ephemeralBytes;
    }

    /** Where the images for {@code status.images} come from (the runtime's image list; none by default). */
    public void images(Supplier<List<ImageInfo>> source) {
        this.images = source;
    }

    /**
     * The kubelet's {@code status.images}: the {@value #MAX_IMAGES} largest images, each with its digests and tags
     * as names and its size, largest first. The scheduler's ImageLocality reads them.
     */
    static List<ContainerImage> nodeImages(List<ImageInfo> images) {
        return images.stream().sorted(java.util.Comparator.comparingLong(ImageInfo::sizeBytes).reversed())
                .filter(i -> !i.digests().isEmpty() || !i.tags().isEmpty())
                .limit(MAX_IMAGES)
                .map(i -> {
                    List<String> names = new ArrayList<>(i.digests());
                    names.addAll(i.tags());
                    return new ContainerImage(names, i.sizeBytes());
                }).toList();
    }

    /** The current images, or the last ones seen when the runtime does not answer. */
    private List<ContainerImage> currentImages() {
        try {
            lastImages = nodeImages(images.get());
        } catch (RuntimeException e) {
            log.debug("node {}: could not list images: {}", config.nodeName(), e.toString());
        }
        return lastImages;
    }

    /** Creates the Node if it does not exist (keeping an existing one's spec, e.g. its podCIDR) and writes status. */
    public void register() {
        Node node = new NodeBuilder().withNewMetadata().withName(config.nodeName())
                .addToLabels("kubernetes.io/hostname", config.nodeName()).addToLabels("kubernetes.io/os", "linux")
                .addToLabels("kubernetes.io/arch", "amd64").endMetadata().withNewSpec().endSpec().build();
        try {
            client.nodes().resource(node).create();
            log.info("node {} registered", config.nodeName());
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            log.info("node {} already registered", config.nodeName());
        }
        lastWritten = null;
        updateStatus();
    }

    /** Writes the node status if it changed or is older than the maximum age; returns whether it wrote. */
    public boolean updateStatus() {
        Instant now = config.clock().instant();
        NodeStatus status = status(now);
        boolean changed = lastWritten == null || !sameConditions(lastWritten, status)
                || !Objects.equals(lastWritten.getNodeInfo(), status.getNodeInfo())
                || !Objects.equals(lastWritten.getDaemonEndpoints(), status.getDaemonEndpoints())
                || !Objects.equals(lastWritten.getImages(), status.getImages());
        if (!changed && Duration.between(lastWrittenAt, now).compareTo(config.statusMaxAge()) < 0) {
            return false;
        }
        for (int attempt = 1; ; attempt++) {
            Node current = client.nodes().withName(config.nodeName()).get();
            if (current == null) {
                register();
                return true;
            }
            current.setStatus(status);
            try {
                client.nodes().resource(current).updateStatus();
                break;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 5) {
                    throw e;
                }
                log.debug("node {}: status conflict, retrying", config.nodeName());
            }
        }
        lastWritten = status;
        lastWrittenAt = now;
        return true;
    }

    /** The node's spec.podCIDR, or null until the node IPAM controller assigned one. */
    public String podCidr() {
        Node n = client.nodes().withName(config.nodeName()).get();
        return n == null || n.getSpec() == null ? null : n.getSpec().getPodCIDR();
    }

    /** Creates or renews the node's Lease (holder = node name, duration 40 s). */
    public void renewLease() {
        ZonedDateTime now = ZonedDateTime.ofInstant(config.clock().instant(), ZoneOffset.UTC)
                .truncatedTo(ChronoUnit.MICROS);
        var leases = client.leases().inNamespace(LEASE_NAMESPACE);
        Lease existing = leases.withName(config.nodeName()).get();
        if (existing == null) {
            leases.resource(new LeaseBuilder().withNewMetadata().withName(config.nodeName())
                    .withNamespace(LEASE_NAMESPACE).endMetadata().withNewSpec()
                    .withHolderIdentity(config.nodeName()).withLeaseDurationSeconds(40).withRenewTime(now)
                    .endSpec().build()).create();
        } else {
            existing.getSpec().setRenewTime(now);
            existing.getSpec().setHolderIdentity(config.nodeName());
            leases.resource(existing).update();
        }
    }

    /** The node's allocatable as its status reports it (the downward API's default for unset limits). */
    Map<String, Quantity> allocatableNow() {
        return allocatable.allocatable(host.cpus() * 1000L, host.memoryBytes(), ephemeralRounded(), MAX_PODS);
    }

    /** Ephemeral storage in bytes rounded down to whole KiB, as the kubelet reports it; -1 if unknown. */
    private long ephemeralRounded() {
        return ephemeralStorageBytes < 0 ? -1 : ephemeralStorageBytes / 1024 * 1024;
    }

    NodeStatus status(Instant now) {
        String t = now.truncatedTo(ChronoUnit.SECONDS).toString();
        // Capacity is allocatable with nothing reserved.
        Map<String, Quantity> capacity = NodeAllocatable.NONE.allocatable(host.cpus() * 1000L, host.memoryBytes(),
                ephemeralRounded(), MAX_PODS);
        Map<String, Quantity> allocatableNow = allocatableNow();
        RuntimeHealth h = health.get();
        boolean net = networkReady.getAsBoolean();
        String reason;
        String message;
        boolean ready = h.ready() && net;
        if (ready) {
            reason = "KubeletReady";
            message = "kaji agent is posting ready status";
        } else if (!h.ready()) {
            reason = h.reason();
            message = "container runtime is down: " + h.message();
        } else {
            reason = "NetworkPluginNotReady";
            message = "network not ready: waiting for spec.podCIDR to configure the CNI bridge";
        }
        List<NodeCondition> conditions = new ArrayList<>();
        conditions.add(condition("Ready", ready ? "True" : "False", reason, message, t));
        java.util.Set<PressureCondition> underPressure = pressure.get();
        for (PressureCondition p : PressureCondition.values()) {
            boolean on = underPressure.contains(p);
            conditions.add(condition(p.type(), on ? "True" : "False", p.reason(on), p.message(on), t));
        }
        return new NodeStatusBuilder().withCapacity(capacity).withAllocatable(allocatableNow)
                .withAddresses(new NodeAddress(host.internalIp(), "InternalIP"),
                        new NodeAddress(host.hostname(), "Hostname"))
                .withConditions(conditions)
                .withImages(currentImages())
                .withNewNodeInfo().withKernelVersion(host.kernel()).withOsImage(host.osImage())
                .withOperatingSystem("linux").withArchitecture("amd64")
                .withContainerRuntimeVersion(runtimeVersion.get()).withKubeletVersion(config.kajiVersion())
                .withKubeProxyVersion("").withMachineID("").withSystemUUID("").withBootID("").endNodeInfo()
                .withNewDaemonEndpoints().withNewKubeletEndpoint().withPort(kubeletPort).endKubeletEndpoint()
                .endDaemonEndpoints().build();
    }

    private NodeCondition condition(String type, String status, String reason, String message, String now) {
        String transition = now;
        if (lastWritten != null) {
            for (NodeCondition c : lastWritten.getConditions()) {
                if (c.getType().equals(type) && c.getStatus().equals(status)) {
                    transition = c.getLastTransitionTime();
                }
            }
        }
        return new NodeConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message)
                .withLastHeartbeatTime(now).withLastTransitionTime(transition).build();
    }

    private static boolean sameConditions(NodeStatus a, NodeStatus b) {
        if (a.getConditions().size() != b.getConditions().size()) {
            return false;
        }
        for (int i = 0; i < a.getConditions().size(); i++) {
            NodeCondition x = a.getConditions().get(i);
            NodeCondition y = b.getConditions().get(i);
            if (!x.getType().equals(y.getType()) || !x.getStatus().equals(y.getStatus())
                    || !Objects.equals(x.getReason(), y.getReason())) {
                return false;
            }
        }
        return true;
    }
}
