package io.kaji.node.runtime;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A container runtime that runs nothing: sandboxes and containers exist only in memory, containers run until
 * stopped, every image is present. The node agent drives it exactly as it drives containerd, so a machine can host
 * many simulated nodes ({@code kaji agent --runtime simulated}) to test the control plane at scale — the role
 * kubemark's hollow kubelet plays for Kubernetes. Pods get addresses from a private range ({@code 100.96.0.0/11},
 * inside 100.64.0.0/10) that nothing routes: they are for the API only. Thread-safe.
 */
public final class SimulatedRuntime implements ContainerRuntime {

    private record Sandbox(SandboxInfo info) {}

    private record Container(ContainerInfo info, Instant startedAt, Instant finishedAt, int exitCode,
                             java.nio.file.Path logPath) {}

    private final Clock clock;
    private final Map<String, Sandbox> sandboxes = new ConcurrentHashMap<>();
    private final Map<String, Container> containers = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong addresses = new AtomicLong();
    private final long ipBase;

    /**
     * @param clock time source
     * @param seed  distinguishes the pod addresses of several simulated nodes on one machine (e.g. the node name's
     *              hash): each node hands out addresses from its own /22 of 100.96.0.0/11
     */
    public SimulatedRuntime(Clock clock, int seed) {
        this.clock = clock;
        // 100.96.0.0/11 holds 512 blocks of /22 (1,022 usable addresses each).
        this.ipBase = (100L << 24) | (96L << 16) | ((long) Math.floorMod(seed, 512) << 10);
    }

    private String nextId(String kind) {
        return "sim-" + kind + "-" + ids.incrementAndGet();
    }

    @Override
    public boolean runsContainers() {
        return false;
    }

    @Override
    public String version() {
        return "simulated 1.0";
    }

    @Override
    public String runSandbox(SandboxSpec spec) {
        String id = nextId("sandbox");
        Map<String, String> labels = new HashMap<>(spec.labels());
        labels.putAll(KajiLabels.forPod(spec.pod()));
        String ip = "";
        if (!spec.hostNetwork()) {
            long n = addresses.getAndIncrement() % 1022 + 1;
            long a = ipBase + n;
            ip = ((a >>> 24) & 255) + "." + ((a >>> 16) & 255) + "." + ((a >>> 8) & 255) + "." + (a & 255);
        }
        sandboxes.put(id, new Sandbox(new SandboxInfo(id, spec.pod(), spec.attempt(), true, clock.instant(), ip,
                Map.copyOf(labels))));
        return id;
    }

    @Override
    public void stopSandbox(String sandboxId) {
        sandboxes.computeIfPresent(sandboxId, (k, s) -> new Sandbox(new SandboxInfo(s.info().id(), s.info().pod(),
                s.info().attempt(), false, s.info().createdAt(), s.info().ip(), s.info().labels())));
        for (Container c : List.copyOf(containers.values())) {
            if (c.info().sandboxId().equals(sandboxId)) {
                stopContainer(c.info().id(), Duration.ZERO);
            }
        }
    }

    @Override
    public void removeSandbox(String sandboxId) {
        sandboxes.remove(sandboxId);
        containers.values().removeIf(c -> c.info().sandboxId().equals(sandboxId));
    }

    @Override
    public Optional<SandboxInfo> sandboxStatus(String sandboxId) {
        return Optional.ofNullable(sandboxes.get(sandboxId)).map(Sandbox::info);
    }

    @Override
    public List<SandboxInfo> listSandboxes(Map<String, String> selector) {
        return sandboxes.values().stream().map(Sandbox::info).filter(s -> matches(s.labels(), selector)).toList();
    }

    @Override
    public String createContainer(String sandboxId, SandboxSpec sandbox, ContainerSpec spec) {
        if (!sandboxes.containsKey(sandboxId)) {
            throw new RuntimeCallException("CreateContainer", "NOT_FOUND", "sandbox " + sandboxId + " not found", null);
        }
        String id = nextId("container");
        Map<String, String> labels = new HashMap<>(spec.labels());
        labels.putAll(KajiLabels.forContainer(sandbox.pod(), spec.name()));
        containers.put(id, new Container(new ContainerInfo(id, sandboxId, spec.name(), spec.attempt(), spec.image(),
                "sha256:simulated", ContainerState.CREATED, clock.instant(), Map.copyOf(labels)), null, null, 0,
                sandbox.logDirectory().resolve(PodLogs.relativePath(spec.name(), spec.attempt()))));
        return id;
    }

    @Override
    public void startContainer(String containerId) {
        Container c = containers.get(containerId);
        if (c == null) {
            throw new RuntimeCallException("StartContainer", "NOT_FOUND", "container " + containerId + " not found", null);
        }
        containers.put(containerId, new Container(with(c.info(), ContainerState.RUNNING), clock.instant(), null, 0,
                c.logPath()));
    }

    @Override
    public void stopContainer(String containerId, Duration grace) {
        containers.computeIfPresent(containerId, (k, c) -> c.info().state() == ContainerState.EXITED ? c
                : new Container(with(c.info(), ContainerState.EXITED), c.startedAt(), clock.instant(), 137,
                        c.logPath()));
    }

    @Override
    public void removeContainer(String containerId) {
        containers.remove(containerId);
    }

    @Override
    public List<ContainerInfo> listContainers(Map<String, String> selector) {
        return containers.values().stream().map(Container::info).filter(c -> matches(c.labels(), selector)).toList();
    }

    @Override
    public Optional<ContainerStatus> containerStatus(String containerId) {
        Container c = containers.get(containerId);
        if (c == null) {
            return Optional.empty();
        }
        ContainerInfo i = c.info();
        String reason = i.state() == ContainerState.EXITED ? "Error" : "";
        return Optional.of(new ContainerStatus(i.id(), i.name(), i.attempt(), i.state(), i.createdAt(), c.startedAt(),
                c.finishedAt(), c.exitCode(), reason, "", i.image(), "sha256:simulated", c.logPath(), i.labels()));
    }

    @Override
    public List<ContainerUsage> containerUsage(Map<String, String> selector) {
        List<ContainerUsage> out = new ArrayList<>();
        for (ContainerInfo c : listContainers(selector)) {
            if (c.state() == ContainerState.RUNNING) {
                out.add(new ContainerUsage(c.id(), c.name(), clock.instant(), 0, 0, 0, c.labels()));
            }
        }
        return out;
    }

    @Override
    public void reopenContainerLog(String containerId) {
    }

    @Override
    public ExecResult execSync(String containerId, List<String> command, Duration timeout) {
        return new ExecResult(0, "simulated\n".getBytes(StandardCharsets.UTF_8), new byte[0]);
    }

    @Override
    public Optional<ImageInfo> imageStatus(String image) {
        return Optional.of(new ImageInfo("sha256:simulated", List.of(image), List.of(), 0));
    }

    @Override
    public List<ImageInfo> listImages() {
        return List.of();
    }

    @Override
    public String pullImage(String image, io.kaji.node.image.RegistryCredentials credentials) {
        return "sha256:simulated";
    }

    @Override
    public void removeImage(String image) {
    }

    private static ContainerInfo with(ContainerInfo i, ContainerState state) {
        return new ContainerInfo(i.id(), i.sandboxId(), i.name(), i.attempt(), i.image(), i.imageRef(), state,
                i.createdAt(),
                i.labels());
    }

    private static boolean matches(Map<String, String> labels, Map<String, String> selector) {
        return selector == null || labels.entrySet().containsAll(selector.entrySet());
    }
}
