package io.kaji.node.imagegc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.controllers.runtime.EventRecorder;
import io.kaji.node.containerd.AgentFixture;
import io.kaji.node.containerd.ContainerdFixture;
import io.kaji.node.image.BusyboxImage;
import io.kaji.node.image.ImageFile;
import io.kaji.node.image.OciImage;
import io.kaji.node.image.PauseImage;
import io.kaji.node.runtime.ContainerSpec;
import io.kaji.node.runtime.ImageInfo;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.PodRef;
import io.kaji.node.runtime.SandboxSpec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Image garbage collection against a real containerd (bridge kajit12, 100.64.12.0/24): with the high threshold one
 * point below the image file system's current usage (other tests may free a little meanwhile), a collection must run; it removes the two unused imported images, keeps
 * the busybox image a running container uses, the sandbox image and an image imported after the first detection
 * (younger than the minimum age), and records FreeDiskSpaceFailed on the Node when the host's disk holds more than
 * images can free.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImageGcIntegrationTest {

    private static final String NODE = "kaji-it-12";
    private static final String UNUSED_A = "docker.io/kaji/gc-unused-a:1";
    private static final String UNUSED_B = "docker.io/kaji/gc-unused-b:1";
    private static final String YOUNG = "docker.io/kaji/gc-young:1";

    private AgentFixture fixture;
    private ContainerdFixture node;
    private KubernetesClient client;
    private EventRecorder events;

    @BeforeAll
    void start() throws Exception {
        // No agent: the test drives the runtime and the collector itself.
        fixture = AgentFixture.node(NODE, "kajit12", "100.64.12.0/24").withoutAgent().start();
        node = fixture.node;
        client = fixture.client;
        events = new EventRecorder(fixture.client, "kubelet", Clock.systemUTC());
        fixture.onClose(events::close);
    }

    @AfterAll
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void removesUnusedImagesOldestFirstAndKeepsTheUsedTheSandboxAndTheYoungOnes() {
        importImage(UNUSED_A);
        importImage(UNUSED_B);
        PodRef pod = new PodRef("default", "gc-user", UUID.randomUUID().toString());
        SandboxSpec sandbox = SandboxSpec.builder(pod)
                .logDirectory(new PodLogs(node.dataDir.resolve("pods")).podDirectory(pod)).build();
        String sandboxId = node.runtime.runSandbox(sandbox);
        String container = node.runtime.createContainer(sandboxId, sandbox,
                ContainerSpec.builder("app", BusyboxImage.NAME).command("sleep", "3600").build());
        node.runtime.startContainer(container);

        ImageFilesystem fs = ImageFilesystem.at(node.config.root());
        int usage = fs.usage().usagePercent();
        assumeTrue(usage >= 2, "the image file system is nearly empty; no threshold can be reached");
        ImageGarbageCollector gc = new ImageGarbageCollector(NODE, node.runtime, fs,
                ImageGcPolicy.defaults().with(usage - 1, usage - 2, Duration.ofMinutes(2)), Set.of(PauseImage.NAME),
                events, Clock.systemUTC());
        // As start() does: what is there now dates from the unknown past; what comes later is young.
        gc.detectImages(ImageRecords.UNKNOWN_PAST);
        importImage(YOUNG);

        long began = System.nanoTime();
        ImageGarbageCollector.Result r = gc.garbageCollect();
        System.out.printf("timing: image GC of %d image(s), %d bytes: %d ms%n", r.removed().size(), r.bytesFreed(),
                (System.nanoTime() - began) / 1_000_000);

        assertThat(r.removed()).containsExactlyInAnyOrder(UNUSED_A, UNUSED_B);
        assertThat(r.bytesFreed()).isPositive();
        assertThat(names()).contains(BusyboxImage.NAME, PauseImage.NAME, YOUNG)
                .doesNotContain(UNUSED_A, UNUSED_B);
        // One percent of a real disk is more than two tiny images: the kubelet's warning on the Node.
        assertThat(r.failure()).hasValueSatisfying(m -> assertThat(m)
                .startsWith("Failed to garbage collect required amount of images. Attempted to free "));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(client.v1().events()
                .inNamespace("default").list().getItems()).anySatisfy(e -> {
                    assertThat(e.getReason()).isEqualTo("FreeDiskSpaceFailed");
                    assertThat(e.getType()).isEqualTo("Warning");
                    assertThat(e.getInvolvedObject().getKind()).isEqualTo("Node");
                    assertThat(e.getInvolvedObject().getName()).isEqualTo(NODE);
                    assertThat(e.getMessage()).isEqualTo(r.failure().orElseThrow());
                }));

        // The eviction manager's reclaim: the young image is still shielded, the used one still in use.
        assertThat(gc.deleteUnusedImages()).isZero();
        assertThat(names()).contains(BusyboxImage.NAME, PauseImage.NAME, YOUNG);
    }

    private List<String> names() {
        return node.runtime.listImages().stream().flatMap((ImageInfo i) -> i.tags().stream()).toList();
    }

    /** A tiny image of its own (one file naming it), so that each has its own id. */
    private void importImage(String name) {
        try {
            OciImage image = new OciImage(name, List.of("/bin/true"), List.of(), List.of(OciImage.DEFAULT_PATH), "/",
                    List.of(new ImageFile.Regular("/name.txt", 0644, (name + " " + Instant.now() + "\n")
                            .getBytes(StandardCharsets.UTF_8))));
            node.importImage(image);
        } catch (Exception e) {
            throw new AssertionError("import " + name, e);
        }
    }
}
