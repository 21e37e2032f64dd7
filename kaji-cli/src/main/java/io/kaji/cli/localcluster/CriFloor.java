package io.kaji.cli.localcluster;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.kaji.apiserver.server.ServiceCidr;
import io.kaji.bench.node.LatencySummary;
import io.kaji.bench.node.PodStartupBenchmark;
import io.kaji.node.NodeLayout;
import io.kaji.node.agent.AgentPodRequests;
import io.kaji.node.agent.ClusterNetwork;
import io.kaji.node.cgroup.PodCgroups;
import io.kaji.node.cni.BridgeNetwork;
import io.kaji.node.containerd.ContainerdResidue;
import io.kaji.node.containerd.ContainerdSupervisor;
import io.kaji.node.cri.CriConnection;
import io.kaji.node.host.HostCommand;
import io.kaji.node.image.BusyboxImage;
import io.kaji.node.image.ImageImporter;
import io.kaji.node.image.OciImageLayout;
import io.kaji.node.image.PauseImage;
import io.kaji.node.runtime.ContainerSpec;
import io.kaji.node.runtime.ContainerState;
import io.kaji.node.runtime.CriContainerRuntime;
import io.kaji.node.runtime.PodRef;
import io.kaji.node.runtime.SandboxInfo;
import io.kaji.node.runtime.SandboxSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;

/**
 * The CRI floor of pod start-up on this machine: what a pod costs containerd, runc and the CNI plugins alone, with
 * no agent in between. A containerd of its own (configured as an agent's, on its own bridge and CIDR) runs pods of
 * one sleeping busybox container directly through the CRI (RunPodSandbox, CreateContainer, StartContainer), one
 * by one and then all at once, in one of two {@link Shape shapes}: bare pods, or the benchmark's pods as the agent
 * asks the runtime for them. {@link #close()} removes the pods, stops containerd and removes what it left (shims,
 * mounts, the bridge, the pods' cgroups; the data dir's contents stay under {@code dir}).
 *
 * <p>Not thread-safe: one caller drives it.
 */
public final class CriFloor implements AutoCloseable {

    /** What the floor's pods are. */
    public enum Shape {
        /** One container, no volumes, no pod cgroup, the runtime's defaults: the least a pod can cost. */
        BARE("bare pods"),
        /**
         * The benchmark's pod as the API server stores it ({@link PodStartupBenchmark#admitted}), translated by the
         * agent's own code ({@link AgentPodRequests}): its pod cgroup, resolv.conf, security settings, service
         * variables, the service-account volume, /etc/hosts and the termination-log file, as a kubelet asks for
         * them; plus the two CRI calls the agent makes per pod start besides the three (the sandbox's address, the
         * image's status). What the runtime costs for the pods the agent starts.
         */
        AGENT("the agent's pods");

        private final String description;

        Shape(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    /**
     * One run of pods started at once.
     *
     * @param latency   per pod, sandbox + container created and started, from its turn on
     * @param perSecond pods started per second
     * @param cpu       where the CPU went ({@link CpuMeter#report})
     */
    public record Parallel(LatencySummary latency, double perSecond, String cpu) {}

    private final NodeLayout layout;
    private final BridgeNetwork network;
    private final String podCidr;
    private final CriConnection cri;
    private final ContainerdSupervisor supervisor;
    private final CriContainerRuntime runtime;
    private final PodCgroups cgroups;
    private final AgentPodRequests requests;
    /** Sandbox id and pod uid of every pod this floor started. */
    private final Map<String, String> sandboxes = new ConcurrentHashMap<>();

    private CriFloor(Path dir, String bridge, String podCidr, String serviceCidr) {
        layout = new NodeLayout(dir);
        this.podCidr = podCidr;
        network = new BridgeNetwork("kaji-floor", bridge, podCidr, layout.ipamDir());
        network.writeTo(layout.containerd().cniConfDir());
        cri = CriConnection.open(layout.criSocket());
        supervisor = ContainerdSupervisor.create(layout.containerd(), cri);
        supervisor.addListener(h -> cri.resetConnectBackoff());
        runtime = new CriContainerRuntime(cri);
        cgroups = PodCgroups.forAgent("kaji-cri-floor", dir);
        ServiceCidr services = ServiceCidr.parse(serviceCidr);
        Service kubernetes = new ServiceBuilder().withNewMetadata().withNamespace("default").withName("kubernetes")
                .endMetadata().withNewSpec().withClusterIP(services.apiServerIp()).addNewPort().withName("https")
                .withProtocol("TCP").withPort(443).endPort().endSpec().build();
        requests = new AgentPodRequests(dir.resolve("pods"), cgroups, new ClusterNetwork(podCidr, serviceCidr,
                services.dnsIp(), "cluster.local"), List.of(kubernetes));
    }

    /**
     * Starts containerd under {@code dir} with a bridge {@code bridge} on {@code podCidr} (inside 100.64.0.0/10,
     * unused otherwise) and imports the pause and busybox images; the agent-shaped pods get the cluster DNS and the
     * {@code kubernetes} Service's variables of {@code serviceCidr}.
     */
    public static CriFloor start(Path dir, String bridge, String podCidr, String serviceCidr) throws IOException {
        if (!BridgeNetwork.contains("100.64.0.0/10", podCidr)) {
            throw new IllegalArgumentException("the floor's pod CIDR " + podCidr + " must be inside 100.64.0.0/10");
        }
        CriFloor f = new CriFloor(dir, bridge, podCidr, serviceCidr);
        try {
            f.supervisor.start();
            ImageImporter importer = ImageImporter.forSocket(f.layout.criSocket());
            PauseImage.ensureImported(f.layout.imageCache(), importer, f.runtime);
            Path tarball = dir.resolve("busybox.tar");
            OciImageLayout.write(BusyboxImage.image(BusyboxImage.NAME, BusyboxImage.HOST_BUSYBOX), tarball);
            importer.importTarball(tarball);
            return f;
        } catch (RuntimeException | Error e) {
            f.close();
            throw e;
        }
    }

    /** Runs {@code pods} pods of {@code shape} one by one, then removes them. */
    public LatencySummary sequential(int pods, Shape shape, Consumer<String> progress) throws InterruptedException {
        String what = "CRI floor (" + shape.description() + "): ";
        progress.accept(what + "before the pods one by one, machine " + CpuMeter.awaitQuiet().describe());
        progress.accept(what + pods + " pods one by one");
        long[] seq = new long[pods];
        for (int i = 0; i < pods; i++) {
            seq[i] = startPod("floor-seq-" + i, shape);
        }
        removeAll();
        return LatencySummary.ofNanos(seq);
    }

    /**
     * Runs {@code parallel} pods of {@code shape} with at most {@code concurrency} of them being started at a time
     * (containerd on two loaded cores does not finish 100 simultaneous RunPodSandbox calls within the CRI deadline
     * of 30 s; the agent bounds its own concurrency too), then removes them.
     */
    public Parallel parallel(int parallel, int concurrency, Shape shape, Consumer<String> progress)
            throws InterruptedException {
        return parallel(parallel, concurrency, shape, progress, Map.of());
    }

    /**
     * {@link #parallel(int, int, Shape, Consumer)} on a machine where other processes stay up (an idle cluster
     * beside the floor): their CPU over the run is reported too, by the names {@code alsoMeasured} gives them.
     */
    public Parallel parallel(int parallel, int concurrency, Shape shape, Consumer<String> progress,
            Map<String, Long> alsoMeasured) throws InterruptedException {
        String what = "CRI floor (" + shape.description() + "): ";
        // What earlier removals left (the kernel tears the pods' network namespaces down afterwards) is not this
        // run's to pay for.
        progress.accept(what + "before the pods at once, machine " + CpuMeter.awaitQuiet().describe());
        progress.accept(what + parallel + " pods at once, " + concurrency + " at a time");
        List<Future<Long>> futures = new ArrayList<>();
        Semaphore slots = new Semaphore(concurrency);
        Map<String, Long> measured = new java.util.LinkedHashMap<>();
        measured.put("containerd", supervisor.pid().orElse(-1L));
        measured.put("this benchmark", ProcessHandle.current().pid());
        measured.putAll(alsoMeasured);
        CpuMeter meter = new CpuMeter(measured);
        CpuMeter.Snapshot cpu0 = meter.take();
        long t0 = System.nanoTime();
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < parallel; i++) {
                String name = "floor-par-" + i;
                futures.add(threads.submit(() -> {
                    slots.acquire();
                    try {
                        return startPod(name, shape);
                    } finally {
                        slots.release();
                    }
                }));
            }
        }
        long wall = System.nanoTime() - t0;
        String cpu = CpuMeter.report(cpu0, meter.take(), Runtime.getRuntime().availableProcessors(), parallel, "pod");
        long[] par = new long[parallel];
        for (int i = 0; i < parallel; i++) {
            try {
                par[i] = futures.get(i).get();
            } catch (ExecutionException e) {
                throw new IllegalStateException("a CRI floor pod failed: " + e.getCause().getMessage(), e.getCause());
            }
        }
        removeAll();
        return new Parallel(LatencySummary.ofNanos(par), LatencySummary.perSecond(parallel, wall), cpu);
    }

    /** One pod: sandbox, container created and started; returns the nanoseconds it took, checks it runs. */
    private long startPod(String name, Shape shape) {
        String uid = UUID.randomUUID().toString();
        long t0 = System.nanoTime();
        String id = shape == Shape.BARE ? startBare(name, uid) : startAsTheAgent(name, uid);
        long took = System.nanoTime() - t0;
        if (runtime.containerStatus(id).map(s -> s.state() != ContainerState.RUNNING).orElse(true)) {
            throw new IllegalStateException("CRI floor pod " + name + ": its container is not running");
        }
        return took;
    }

    private String startBare(String name, String uid) {
        PodRef pod = new PodRef("kaji-cri-floor", name, uid);
        SandboxSpec sandbox = SandboxSpec.builder(pod).logDirectory(layout.podLogs().podDirectory(pod)).build();
        String sandboxId = runtime.runSandbox(sandbox);
        sandboxes.put(sandboxId, uid);
        String id = runtime.createContainer(sandboxId, sandbox, ContainerSpec.builder("main", BusyboxImage.NAME)
                .command("sleep", "1000000").build());
        runtime.startContainer(id);
        return id;
    }

    private String startAsTheAgent(String name, String uid) {
        Pod pod = PodStartupBenchmark.admitted(PodStartupBenchmark.pod("default", name, "floor", "kaji-cri-floor",
                BusyboxImage.NAME), uid);
        SandboxSpec sandbox = requests.sandbox(pod, layout.podLogs());
        String sandboxId = runtime.runSandbox(sandbox);
        sandboxes.put(sandboxId, uid);
        String ip = runtime.sandboxStatus(sandboxId).map(SandboxInfo::ip).orElse("");
        Container main = pod.getSpec().getContainers().getFirst();
        String id = runtime.createContainer(sandboxId, sandbox, requests.container(pod, main, ip,
                runtime.imageStatus(main.getImage())));
        runtime.startContainer(id);
        return id;
    }

    /** Stops and removes every pod this floor started, all at once, and what was made for them. */
    private void removeAll() {
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (var e : sandboxes.entrySet()) {
                threads.submit(() -> {
                    runtime.stopSandbox(e.getKey());
                    runtime.removeSandbox(e.getKey());
                    requests.remove(e.getValue());
                });
            }
        }
        sandboxes.clear();
    }

    @Override
    public void close() {
        try {
            removeAll();
        } catch (RuntimeException e) {
            System.err.println("CRI floor cleanup: " + e.getMessage());
        } finally {
            supervisor.close();
            cri.close();
            cgroups.removeAll();
            new ContainerdResidue(layout.containerd()).remove();
            HostCommand.run(List.of("ip", "link", "del", network.bridge()), Duration.ofSeconds(10));
            LocalCluster.removeCniForwardRules(podCidr);
        }
    }
}
