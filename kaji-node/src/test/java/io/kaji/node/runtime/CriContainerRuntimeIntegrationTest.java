package io.kaji.node.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kaji.node.containerd.ContainerdFixture;
import io.kaji.node.containerd.ContainerdResidue;
import io.kaji.node.containerd.RuntimeHealth;
import io.kaji.node.image.BusyboxImage;
import io.kaji.node.image.ImageFile;
import io.kaji.node.image.ImageImporter;
import io.kaji.node.image.OciImage;
import io.kaji.node.image.PauseImage;
import io.kaji.node.logs.CriLogReader;
import io.kaji.node.logs.LogEntry;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The runtime against a real, supervised containerd: pods on a CNI bridge (100.64.7.0/24), HTTP from the host to a
 * pod, exec, exit codes and reasons, OOM, logs, and containerd being killed under running containers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CriContainerRuntimeIntegrationTest {

    private static final String POD_CIDR = "100.64.7.0/24";
    private static final String BUSYBOX = BusyboxImage.NAME;

    private ContainerdFixture node;
    private ContainerRuntime runtime;
    private PodLogs logs;
    private final List<String> sandboxes = new CopyOnWriteArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    void startContainerd() throws Exception {
        node = ContainerdFixture.start("kajit7", POD_CIDR);
        runtime = node.runtime;
        logs = new PodLogs(node.dataDir.resolve("pods"));
        System.out.printf("timing: containerd start until CRI Version answers: %d ms%n", node.startMillis());
    }

    @AfterEach
    void removePods() {
        for (String id : sandboxes) {
            runtime.stopSandbox(id);
            runtime.removeSandbox(id);
        }
        sandboxes.clear();
    }

    @AfterAll
    void stopContainerd() {
        if (node != null) {
            ContainerdResidue residue = new ContainerdResidue(node.config);
            node.close();
            assertThat(residue.shimPids()).as("shims left").isEmpty();
            assertThat(residue.mounts()).as("mounts left").isEmpty();
        }
    }

    @Test
    void imagesImportedWithoutRegistryAreListed() {
        assertThat(node.pauseImported()).isTrue();
        assertThat(PauseImage.ensureImported(node.dataDir.resolve("images"),
                ImageImporter.forSocket(node.config.socket()), runtime)).isFalse();
        assertThat(runtime.imageStatus(PauseImage.NAME)).isPresent();
        assertThat(runtime.imageStatus(BUSYBOX)).isPresent();
        assertThat(runtime.imageStatus("docker.io/kaji/absent:1")).isEmpty();
        assertThat(runtime.listImages()).flatExtracting(ImageInfo::tags).contains(PauseImage.NAME, BUSYBOX);
        assertThat(runtime.version()).startsWith("containerd ");
        // What the imported images take on containerd's snapshotter (the summary's imageFs.usedBytes); containerd
        // measures its snapshots every 10 s (its CRI's stats_collect_period), so 0 until its first pass after the
        // import.
        ImageFsUse first = runtime.imageFsUse().orElseThrow();
        assertThat(first.mountpoint()).contains(node.dataDir.toString());
        ImageFsUse use = await("ImageFsInfo counts the imported images")
                .atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                .until(() -> runtime.imageFsUse().orElseThrow(), u -> u.usedBytes() > 0);
        System.out.printf("cri: ImageFsInfo %s: %d bytes, %d inodes used%n", use.mountpoint(), use.usedBytes(),
                use.inodesUsed());
        assertThat(use.inodesUsed()).isPositive();
    }

    @Test
    void podServesHttpToTheHostAndAnswersExec() throws Exception {
        PodRef pod = pod("web");
        SandboxSpec sandbox = sandbox(pod);
        long t0 = System.nanoTime();
        String sandboxId = runSandbox(sandbox);
        long t1 = System.nanoTime();
        String id = runtime.createContainer(sandboxId, sandbox, ContainerSpec.builder("httpd", BUSYBOX)
                .command("httpd", "-f", "-v", "-p", "80", "-h", "/www").build());
        long t2 = System.nanoTime();
        runtime.startContainer(id);
        long t3 = System.nanoTime();
        System.out.printf("timing: RunPodSandbox %d ms, CreateContainer %d ms, StartContainer %d ms, total %d ms%n",
                ms(t1 - t0), ms(t2 - t1), ms(t3 - t2), ms(t3 - t0));

        String ip = runtime.sandboxStatus(sandboxId).orElseThrow().ip();
        assertThat(ip).startsWith("100.64.7.");
        // StartContainer returns once the process runs, not once httpd listens: on a loaded machine that is later.
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .untilAsserted(() -> assertThat(get(ip)).isEqualTo(BusyboxImage.INDEX_HTML));

        long e0 = System.nanoTime();
        ExecResult exec = runtime.execSync(id, List.of("sh", "-c", "hostname; echo oops >&2; exit 3"),
                Duration.ofSeconds(10));
        System.out.printf("timing: ExecSync %d ms%n", ms(System.nanoTime() - e0));
        assertThat(exec.exitCode()).isEqualTo(3);
        assertThat(exec.stdoutText()).isEqualTo("web\n");
        assertThat(exec.stderrText()).isEqualTo("oops\n");

        // PID namespace per container: the container's own process is PID 1, not the pause process.
        assertThat(runtime.execSync(id, List.of("cat", "/proc/1/cmdline"), Duration.ofSeconds(10)).stdoutText())
                .startsWith("httpd");

        assertThat(runtime.listSandboxes(KajiLabels.forPod(pod))).extracting(SandboxInfo::id, SandboxInfo::pod)
                .containsExactly(Tuple.tuple(sandboxId, pod));
        assertThat(runtime.listContainers(KajiLabels.forPod(pod))).singleElement()
                .satisfies(c -> {
                    assertThat(c.name()).isEqualTo("httpd");
                    assertThat(c.state()).isEqualTo(ContainerState.RUNNING);
                    assertThat(c.sandboxId()).isEqualTo(sandboxId);
                });

        long s0 = System.nanoTime();
        runtime.stopContainer(id, Duration.ofSeconds(1));
        runtime.stopSandbox(sandboxId);
        runtime.removeSandbox(sandboxId);
        System.out.printf("timing: stop + remove pod %d ms%n", ms(System.nanoTime() - s0));
        // Again: NOT_FOUND from a removed sandbox or container counts as done.
        runtime.stopSandbox(sandboxId);
        runtime.removeSandbox(sandboxId);
        runtime.stopContainer(id, Duration.ZERO);
        assertThat(runtime.sandboxStatus(sandboxId)).isEmpty();
        assertThat(runtime.containerStatus(id)).isEmpty();
    }

    @Test
    void failedContainerShowsExitCodeReasonAndLogsPerAttempt() {
        PodRef pod = pod("fail");
        SandboxSpec sandbox = sandbox(pod);
        String sandboxId = runSandbox(sandbox);
        for (int attempt = 0; attempt < 2; attempt++) {
            int next = ContainerRuntime.nextAttempt(runtime.listContainers(KajiLabels.forPod(pod)), "app");
            assertThat(next).isEqualTo(attempt);
            String id = runtime.createContainer(sandboxId, sandbox, ContainerSpec.builder("app", BUSYBOX)
                    .attempt(next)
                    .command("sh", "-c", "echo starting $N; echo failing >&2; printf no-newline; exit 1")
                    .env(Map.of("N", Integer.toString(next)))
                    .build());
            runtime.startContainer(id);
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    runtime.containerStatus(id).orElseThrow().state() == ContainerState.EXITED);
            ContainerStatus status = runtime.containerStatus(id).orElseThrow();
            assertThat(status.exitCode()).isEqualTo(1);
            assertThat(status.reason()).isEqualTo("Error");
            assertThat(status.oomKilled()).isFalse();
            assertThat(status.attempt()).isEqualTo(attempt);
            // Both set; for a fast exit containerd may record finishedAt a millisecond before startedAt.
            assertThat(status.startedAt()).isNotNull();
            assertThat(status.finishedAt()).isNotNull();
            assertThat(status.logPath()).isEqualTo(logs.file(pod, "app", attempt));

            List<LogEntry> entries = CriLogReader.read(status.logPath(), CriLogReader.Options.ALL);
            assertThat(entries).extracting(LogEntry::text)
                    .containsExactlyInAnyOrder("starting " + attempt, "failing", "no-newline");
            assertThat(entries).filteredOn(e -> e.text().equals("no-newline")).singleElement()
                    .satisfies(e -> assertThat(e.complete()).isFalse());
        }
        assertThat(runtime.listContainers(KajiLabels.forPod(pod))).extracting(ContainerInfo::attempt)
                .containsExactlyInAnyOrder(0, 1);
        runtime.stopSandbox(sandboxId);
        runtime.removeSandbox(sandboxId);
        logs.remove(pod);
        assertThat(logs.podDirectory(pod)).doesNotExist();
    }

    @Test
    void containerOverItsMemoryLimitIsOomKilled() {
        PodRef pod = pod("oom");
        SandboxSpec sandbox = sandbox(pod);
        String sandboxId = runSandbox(sandbox);
        // tail keeps the current line in memory; /dev/zero has no newline, so it grows until the limit.
        String id = runtime.createContainer(sandboxId, sandbox, ContainerSpec.builder("hog", BUSYBOX)
                .command("tail", "/dev/zero")
                .resources(ContainerSpec.Resources.memoryLimit(32L * 1024 * 1024))
                .build());
        runtime.startContainer(id);
        await().atMost(Duration.ofSeconds(20)).until(() ->
                runtime.containerStatus(id).orElseThrow().state() == ContainerState.EXITED);
        ContainerStatus status = runtime.containerStatus(id).orElseThrow();
        assertThat(status.reason()).isEqualTo("OOMKilled");
        assertThat(status.oomKilled()).isTrue();
        assertThat(status.exitCode()).isEqualTo(137);
    }

    @Test
    void containersSurviveContainerdBeingKilledAndSupervisorRestartsIt() throws Exception {
        PodRef pod = pod("survivor");
        SandboxSpec sandbox = sandbox(pod);
        String sandboxId = runSandbox(sandbox);
        String id = runtime.createContainer(sandboxId, sandbox, ContainerSpec.builder("httpd", BUSYBOX)
                .command("httpd", "-f", "-p", "80", "-h", "/www").build());
        runtime.startContainer(id);
        String ip = runtime.sandboxStatus(sandboxId).orElseThrow().ip();
        // httpd was started a moment ago: on a loaded machine it may not listen yet.
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .untilAsserted(() -> assertThat(get(ip)).isEqualTo(BusyboxImage.INDEX_HTML));

        List<RuntimeHealth> seen = new CopyOnWriteArrayList<>();
        node.supervisor.addListener(seen::add);
        int restartsBefore = node.supervisor.health().restarts();
        long pid = node.supervisor.pid().orElseThrow();
        long k0 = System.nanoTime();
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();

        await().atMost(Duration.ofSeconds(20)).until(() -> node.supervisor.health().ready()
                && node.supervisor.health().restarts() == restartsBefore + 1);
        System.out.printf("timing: containerd SIGKILL until the restarted CRI answers %d ms%n",
                ms(System.nanoTime() - k0));
        assertThat(seen).extracting(RuntimeHealth::reason).contains("ContainerdExited", "ContainerdReady");
        assertThat(seen.get(0).ready()).isFalse();
        // The health probe may notice the silent socket before the process exit is reaped (ContainerdNotAnswering
        // first); either way the exit itself is reported with the pid.
        assertThat(seen).filteredOn(h -> h.reason().equals("ContainerdExited")).singleElement()
                .satisfies(h -> assertThat(h.message()).contains("pid " + pid).contains("exited"));
        assertThat(node.supervisor.pid()).hasValueSatisfying(p -> assertThat(p).isNotEqualTo(pid));

        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() ->
                assertThat(runtime.containerStatus(id).orElseThrow().state()).isEqualTo(ContainerState.RUNNING));
        assertThat(get(ip)).isEqualTo(BusyboxImage.INDEX_HTML);
        assertThat(runtime.execSync(id, List.of("echo", "still here"), Duration.ofSeconds(10)).stdoutText())
                .isEqualTo("still here\n");
    }

    @Test
    void importedImageIsRemovedAndAPullFailureNamesTheImage() {
        String name = "docker.io/kaji/scratch-it:1";
        node.importImage(new io.kaji.node.image.OciImage(name, List.of("/x"), List.of(),
                List.of(), "/", List.of(new ImageFile.Regular("/x", 0755, new byte[] {1}))));
        assertThat(runtime.imageStatus(name)).isPresent();
        runtime.removeImage(name);
        assertThat(runtime.imageStatus(name)).isEmpty();
        runtime.removeImage(name);

        // Nothing listens on loopback port 1: the pull fails without leaving the host. A registry on loopback is
        // spoken to over plain HTTP with no registry configuration (what a local docker-registry needs).
        assertThatThrownBy(() -> runtime.pullImage("127.0.0.1:1/kaji/none:1"))
                .isInstanceOf(RuntimeCallException.class)
                .hasMessageStartingWith("pull image 127.0.0.1:1/kaji/none:1: ")
                .hasMessageContaining("\"http://127.0.0.1:1/v2/kaji/none/manifests/1\"")
                .hasMessageContaining("connection refused");
    }

    @Test
    void rotatedLogIsReopened() throws Exception {
        PodRef pod = pod("ticker");
        SandboxSpec sandbox = sandbox(pod);
        String sandboxId = runSandbox(sandbox);
        String id = runtime.createContainer(sandboxId, sandbox, ContainerSpec.builder("tick", BUSYBOX)
                .command("sh", "-c", "while true; do echo tick; sleep 0.1; done").build());
        runtime.startContainer(id);
        java.nio.file.Path log = logs.file(pod, "tick", 0);
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(log)
                && Files.size(log) > 0);
        java.nio.file.Path rotated = log.resolveSibling("0.log.1");
        Files.move(log, rotated);
        runtime.reopenContainerLog(id);
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(log)
                && !CriLogReader.read(log, CriLogReader.Options.ALL).isEmpty());
        assertThat(CriLogReader.read(log, CriLogReader.Options.ALL)).extracting(LogEntry::text).containsOnly("tick");
        assertThat(CriLogReader.read(rotated, CriLogReader.Options.ALL)).isNotEmpty();
    }

    @Test
    void hostNetworkPodSeesTheNodeHostnameAndReportsUsage() throws Exception {
        PodRef pod = pod("hostnet");
        SandboxSpec sandbox = SandboxSpec.builder(pod).hostNetwork(true).logDirectory(logs.podDirectory(pod)).build();
        String sandboxId = runSandbox(sandbox);
        assertThat(runtime.sandboxStatus(sandboxId).orElseThrow().ip()).isEmpty();
        String id = runtime.createContainer(sandboxId, sandbox, ContainerSpec.builder("sleep", BUSYBOX)
                .command("sleep", "3600").build());
        runtime.startContainer(id);
        String hostname = InetAddress.getLocalHost().getHostName();
        assertThat(runtime.execSync(id, List.of("hostname"), Duration.ofSeconds(10)).stdoutText().strip())
                .isEqualTo(hostname);

        // Stats: CPU time and memory in use. (The writable layer's size is refreshed by containerd only every
        // stats_collect_period, 10 s, so it is not waited for here.)
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(runtime.containerUsage(KajiLabels.forPod(pod))).singleElement().satisfies(u -> {
                    assertThat(u.id()).isEqualTo(id);
                    assertThat(u.name()).isEqualTo("sleep");
                    assertThat(u.cpuUsageCoreNanos()).isPositive();
                    assertThat(u.memoryWorkingSetBytes()).isPositive();
                }));
    }

    @Test
    void containersKeepRunningWhileTheAgentStopsAndStartsContainerd() throws Exception {
        PodRef pod = pod("steady");
        SandboxSpec sandbox = sandbox(pod);
        String sandboxId = runSandbox(sandbox);
        String id = runtime.createContainer(sandboxId, sandbox, ContainerSpec.builder("httpd", BUSYBOX)
                .command("httpd", "-f", "-p", "80", "-h", "/www").build());
        runtime.startContainer(id);
        String ip = runtime.sandboxStatus(sandboxId).orElseThrow().ip();

        node.supervisor.stop();
        assertThat(node.supervisor.health().reason()).isEqualTo("ContainerdStopped");
        assertThat(node.supervisor.pid()).isEmpty();
        assertThat(get(ip)).as("served while containerd is down").isEqualTo(BusyboxImage.INDEX_HTML);
        assertThatThrownBy(() -> runtime.containerStatus(id)).isInstanceOf(RuntimeCallException.class)
                .hasMessageStartingWith("status of container " + id + ": UNAVAILABLE");

        node.supervisor.start();
        assertThat(node.supervisor.health().ready()).isTrue();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() ->
                assertThat(runtime.containerStatus(id).orElseThrow().state()).isEqualTo(ContainerState.RUNNING));
        assertThat(runtime.listSandboxes(KajiLabels.forPod(pod))).extracting(SandboxInfo::id).containsExactly(sandboxId);
    }

    @Test
    void sequentialPodStartTimings() {
        int pods = 5;
        long[] sandboxMs = new long[pods];
        long[] createMs = new long[pods];
        long[] startMs = new long[pods];
        for (int i = 0; i < pods; i++) {
            PodRef pod = pod("seq-" + i);
            SandboxSpec sandbox = sandbox(pod);
            long t0 = System.nanoTime();
            String sandboxId = runSandbox(sandbox);
            long t1 = System.nanoTime();
            String id = runtime.createContainer(sandboxId, sandbox, ContainerSpec.builder("c", BUSYBOX)
                    .command("sleep", "3600").build());
            long t2 = System.nanoTime();
            runtime.startContainer(id);
            long t3 = System.nanoTime();
            sandboxMs[i] = ms(t1 - t0);
            createMs[i] = ms(t2 - t1);
            startMs[i] = ms(t3 - t2);
            assertThat(runtime.containerStatus(id).orElseThrow().state()).isEqualTo(ContainerState.RUNNING);
        }
        long s0 = System.nanoTime();
        removePods();
        System.out.printf("timing: %d pods one by one: RunPodSandbox median %d ms, CreateContainer median %d ms, "
                        + "StartContainer median %d ms; stop+remove %d ms per pod%n", pods, median(sandboxMs),
                median(createMs), median(startMs), ms(System.nanoTime() - s0) / pods);
    }

    @Test
    void parallelPodStartThroughput() throws Exception {
        int pods = 8;
        int threads = 4;
        var pool = Executors.newFixedThreadPool(threads);
        try {
            long t0 = System.nanoTime();
            List<Future<String>> started = new ArrayList<>();
            for (int i = 0; i < pods; i++) {
                PodRef pod = pod("par-" + i);
                started.add(pool.submit(() -> {
                    SandboxSpec sandbox = sandbox(pod);
                    String sandboxId = runSandbox(sandbox);
                    String id = runtime.createContainer(sandboxId, sandbox, ContainerSpec.builder("c", BUSYBOX)
                            .command("sleep", "3600").build());
                    runtime.startContainer(id);
                    return id;
                }));
            }
            for (var f : started) {
                assertThat(runtime.containerStatus(f.get()).orElseThrow().state()).isEqualTo(ContainerState.RUNNING);
            }
            long elapsed = ms(System.nanoTime() - t0);
            System.out.printf("timing: %d pods from %d threads in %d ms: %.1f pods/s%n", pods, threads, elapsed,
                    pods * 1000.0 / elapsed);
        } finally {
            pool.shutdown();
        }
    }

    private static long median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private String runSandbox(SandboxSpec spec) {
        String id = runtime.runSandbox(spec);
        sandboxes.add(id);
        return id;
    }

    private SandboxSpec sandbox(PodRef pod) {
        return SandboxSpec.builder(pod).logDirectory(logs.podDirectory(pod)).build();
    }

    private static PodRef pod(String name) {
        return new PodRef("default", name, UUID.randomUUID().toString());
    }

    private String get(String ip) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + "/index.html"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return r.body();
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }
}
