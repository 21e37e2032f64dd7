package io.kaji.node.containergc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.kaji.node.containerd.AgentFixture;
import io.kaji.node.containerd.ContainerdFixture;
import io.kaji.node.image.BusyboxImage;
import io.kaji.node.runtime.ContainerInfo;
import io.kaji.node.runtime.ContainerSpec;
import io.kaji.node.runtime.ContainerState;
import io.kaji.node.runtime.KajiLabels;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.PodRef;
import io.kaji.node.runtime.SandboxInfo;
import io.kaji.node.runtime.SandboxSpec;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Container garbage collection against a real containerd (bridge kajit14, 100.64.14.0/24): a live pod with four
 * dead instances of one container (a crash loop) and a running one of another keeps the newest instance, the dead
 * one before it (and its log, for {@code kubectl logs --previous}) and the running container; the two older
 * instances and their logs go. A pod the
 * API no longer has loses its dead container, its stopped sandbox and its log directory.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainerGcIntegrationTest {

    private static final String NODE = "kaji-it-14";

    private AgentFixture fixture;
    private ContainerdFixture node;
    private PodLogs logs;

    @BeforeAll
    void start() throws Exception {
        // No agent: the test drives the runtime and the collector itself (a pod worker would restart containers).
        fixture = AgentFixture.node(NODE, "kajit14", "100.64.14.0/24").withoutAgent().start();
        node = fixture.node;
        logs = new PodLogs(node.dataDir.resolve("pods"));
    }

    @AfterAll
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void removesDeadInstancesBeyondThePolicyKeepsTheLatestAndWhatRuns() throws Exception {
        PodRef live = new PodRef("default", "crashy", UUID.randomUUID().toString());
        SandboxSpec liveSandbox = SandboxSpec.builder(live).logDirectory(logs.podDirectory(live)).build();
        String liveId = node.runtime.runSandbox(liveSandbox);
        for (int attempt = 0; attempt < 4; attempt++) {
            runToExit(liveId, liveSandbox, "app", attempt);
        }
        String sleeper = node.runtime.createContainer(liveId, liveSandbox,
                ContainerSpec.builder("sleeper", BusyboxImage.NAME).command("sleep", "3600").build());
        node.runtime.startContainer(sleeper);

        PodRef gone = new PodRef("default", "gone", UUID.randomUUID().toString());
        SandboxSpec goneSandbox = SandboxSpec.builder(gone).logDirectory(logs.podDirectory(gone)).build();
        String goneId = node.runtime.runSandbox(goneSandbox);
        runToExit(goneId, goneSandbox, "app", 0);
        node.runtime.stopSandbox(goneId);
        assertThat(logs.podDirectory(gone)).isDirectory();

        Pod livePod = new PodBuilder().withNewMetadata().withNamespace(live.namespace()).withName(live.name())
                .withUid(live.uid()).endMetadata().withNewStatus().withPhase("Running").endStatus().build();
        ContainerGarbageCollector gc = new ContainerGarbageCollector(NODE, node.runtime, ContainerGcPolicy.defaults(),
                () -> List.of(livePod), logs, Clock.systemUTC());

        long began = System.nanoTime();
        ContainerGarbageCollector.Result r = gc.garbageCollect();
        System.out.printf("timing: container GC removing %d container(s), %d sandbox(es), %d log dir(s): %d ms%n",
                r.containers().size(), r.sandboxes().size(), r.logDirectories().size(),
                (System.nanoTime() - began) / 1_000_000);

        assertThat(r.errors()).isEmpty();
        List<ContainerInfo> left = node.runtime.listContainers(KajiLabels.forPod(live));
        assertThat(left).extracting(c -> c.name() + "/" + c.attempt() + "/" + c.state())
                .containsExactlyInAnyOrder("app/3/EXITED", "app/2/EXITED", "sleeper/0/RUNNING");
        assertThat(r.containers()).hasSize(3);
        assertThat(logs.file(live, "app", 0)).doesNotExist();
        assertThat(logs.file(live, "app", 1)).doesNotExist();
        assertThat(Files.readString(logs.file(live, "app", 2))).contains("attempt 2");
        assertThat(Files.readString(logs.file(live, "app", 3))).contains("attempt 3");
        assertThat(node.runtime.sandboxStatus(liveId)).map(SandboxInfo::ready).contains(true);

        assertThat(r.sandboxes()).containsExactly(goneId);
        assertThat(node.runtime.listSandboxes(KajiLabels.forPod(gone))).isEmpty();
        assertThat(node.runtime.listContainers(KajiLabels.forPod(gone))).isEmpty();
        assertThat(r.logDirectories()).containsExactly("default_gone_" + gone.uid());
        assertThat(logs.podDirectory(gone)).doesNotExist();

        // A second collection finds nothing more to do.
        ContainerGarbageCollector.Result again = gc.garbageCollect();
        assertThat(again.containers()).isEmpty();
        assertThat(again.sandboxes()).isEmpty();
    }

    /** Creates attempt {@code attempt} of {@code name}, which logs a line and exits 1, and waits for the exit. */
    private void runToExit(String sandboxId, SandboxSpec sandbox, String name, int attempt) {
        String id = node.runtime.createContainer(sandboxId, sandbox, ContainerSpec.builder(name, BusyboxImage.NAME)
                .attempt(attempt).command("sh", "-c", "echo attempt " + attempt + "; exit 1").build());
        node.runtime.startContainer(id);
        await().atMost(Duration.ofSeconds(20)).until(() -> node.runtime.containerStatus(id)
                .map(s -> s.state() == ContainerState.EXITED).orElse(false));
    }
}
