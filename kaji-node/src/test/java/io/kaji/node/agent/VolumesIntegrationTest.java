package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.node.containerd.AgentFixture;
import io.kaji.node.containerd.ContainerdFixture;
import io.kaji.node.image.BusyboxImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Pod volumes through the whole agent against a real containerd (bridge kajit6, 100.64.6.0/24) and a real in-process
 * API server: emptyDir on disk and in memory, configMap (items, mode, updates, subPath), secret, downwardAPI,
 * hostPath with its type check, readOnly, the projected service-account volume (token accepted by TokenReview as
 * bound to the pod, CA, namespace), a missing configMap, and the cleanup when the pod goes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VolumesIntegrationTest {

    private static final String NODE = "kaji-it-6";
    private static final String POD_CIDR = "100.64.6.0/24";
    private static final String NS = "default";

    private AgentFixture fixture;
    private ContainerdFixture node;
    private KubernetesClient client;
    private Path apiDir;

    @BeforeAll
    void start() throws Exception {
        // Host paths and probes aimed at the host are what the Pod Security baseline level forbids; these tests
        // need them, so their namespace is labeled privileged, as a user would label such a namespace.
        fixture = AgentFixture.node(NODE, "kajit6", POD_CIDR).withPrivilegedNamespace(NS).start();
        node = fixture.node;
        client = fixture.client;
        apiDir = fixture.apiDir();
    }

    @AfterAll
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void volumesAreMountedKeptCurrentAndRemoved() throws Exception {
        client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("site")
                .endMetadata().addToData("greeting", "hello").addToData("other", "x").build()).create();
        client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("token")
                .endMetadata().addToData("token", java.util.Base64.getEncoder().encodeToString(
                        "s3cret".getBytes(java.nio.charset.StandardCharsets.UTF_8))).build()).create();
        Path host = Files.createTempDirectory("kaji-hostpath-");
        try {
            Pod pod = new PodBuilder().withNewMetadata().withName("vols").withNamespace(NS).addToLabels("app", "vols")
                    .endMetadata().withNewSpec().withNodeName(NODE).withTerminationGracePeriodSeconds(1L)
                    .addNewContainer().withName("c").withImage(BusyboxImage.NAME).withImagePullPolicy("Never")
                    .withCommand("sleep", "3600")
                    .addNewVolumeMount().withName("scratch").withMountPath("/scratch").endVolumeMount()
                    .addNewVolumeMount().withName("mem").withMountPath("/mem").endVolumeMount()
                    .addNewVolumeMount().withName("site").withMountPath("/etc/site").endVolumeMount()
                    .addNewVolumeMount().withName("site").withMountPath("/greeting.txt").withSubPath("hello.txt")
                    .endVolumeMount()
                    .addNewVolumeMount().withName("token").withMountPath("/run/token").endVolumeMount()
                    .addNewVolumeMount().withName("info").withMountPath("/etc/podinfo").endVolumeMount()
                    .addNewVolumeMount().withName("host").withMountPath("/host").endVolumeMount()
                    .addNewVolumeMount().withName("host").withMountPath("/host-ro").withReadOnly(true)
                    .endVolumeMount()
                    .endContainer()
                    .addNewVolume().withName("scratch").withNewEmptyDir().endEmptyDir().endVolume()
                    .addNewVolume().withName("mem").withNewEmptyDir().withMedium("Memory")
                    .withSizeLimit(new Quantity("16Mi")).endEmptyDir().endVolume()
                    .addNewVolume().withName("site").withNewConfigMap().withName("site").addNewItem()
                    .withKey("greeting").withPath("hello.txt").withMode(0600).endItem().endConfigMap().endVolume()
                    .addNewVolume().withName("token").withNewSecret().withSecretName("token").endSecret().endVolume()
                    .addNewVolume().withName("info").withNewDownwardAPI().addNewItem().withPath("labels")
                    .withNewFieldRef().withFieldPath("metadata.labels").endFieldRef().endItem()
                    .addNewItem().withPath("name").withNewFieldRef().withFieldPath("metadata.name").endFieldRef()
                    .endItem().endDownwardAPI().endVolume()
                    .addNewVolume().withName("host").withNewHostPath().withPath(host.resolve("data").toString())
                    .withType("DirectoryOrCreate").endHostPath().endVolume()
                    .endSpec().build();
            client.pods().inNamespace(NS).resource(pod).create();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(
                    () -> assertThat(containerStatus("vols").getState().getRunning()).isNotNull());
            String uid = get("vols").getMetadata().getUid();
            String id = containerStatus("vols").getContainerID().substring("containerd://".length());

            assertThat(sh(id, "echo data > /scratch/f && cat /scratch/f")).isEqualTo("data\n");
            assertThat(sh(id, "grep ' /mem ' /proc/mounts | cut -d' ' -f1,3")).isEqualTo("tmpfs tmpfs\n");
            // Sized as the kubelet sizes memory-backed volumes: the volume's sizeLimit (16Mi) here; the node's tmpfs
            // of secret and projected volumes gets the node's allocatable memory, in whole pages.
            assertThat(sh(id, "grep ' /mem ' /proc/mounts")).contains(",size=16384k");
            long allocatable = Quantity.getAmountInBytes(client.nodes().withName(NODE).get().getStatus()
                    .getAllocatable().get("memory")).longValue();
            assertThat(sh(id, "grep ' /run/token ' /proc/mounts"))
                    .contains(",size=" + (allocatable + 4095) / 4096 * 4 + "k");
            assertThat(sh(id, "cat /etc/site/hello.txt; echo; ls /etc/site")).as("only the listed item")
                    .isEqualTo("hello\nhello.txt\n");
            assertThat(sh(id, "stat -L -c %a /etc/site/hello.txt")).isEqualTo("600\n");
            assertThat(sh(id, "cat /greeting.txt")).isEqualTo("hello");
            assertThat(sh(id, "cat /run/token/token")).isEqualTo("s3cret");
            // Credentials stay in memory, as the kubelet keeps them: the secret and the projected token volumes
            // are tmpfs mounts on the host, and so inside the container.
            assertThat(sh(id, "grep ' /run/token ' /proc/mounts | cut -d' ' -f3")).isEqualTo("tmpfs\n");
            assertThat(sh(id, "grep ' /var/run/secrets/kubernetes.io/serviceaccount ' /proc/mounts | cut -d' ' -f3"))
                    .isEqualTo("tmpfs\n");
            assertThat(sh(id, "grep ' /etc/site ' /proc/mounts | cut -d' ' -f3")).as("a configMap is not secret")
                    .isNotEqualTo("tmpfs\n");
            assertThat(sh(id, "cat /etc/podinfo/labels; echo; cat /etc/podinfo/name")).isEqualTo("app=\"vols\"\nvols");
            assertThat(sh(id, "touch /etc/site/new 2>&1 || echo refused")).contains("refused");
            assertThat(sh(id, "echo from-pod > /host/f && cat /host-ro/f; touch /host-ro/g 2>&1 || echo refused"))
                    .startsWith("from-pod\n").contains("refused");
            assertThat(Files.readString(host.resolve("data/f"))).isEqualTo("from-pod\n");

            // The ServiceAccount admission gave the pod a projected token volume; the agent fills it.
            String sa = "/var/run/secrets/kubernetes.io/serviceaccount";
            assertThat(sh(id, "cat " + sa + "/namespace")).isEqualTo(NS);
            assertThat(sh(id, "cat " + sa + "/ca.crt")).isEqualTo(Files.readString(apiDir.resolve("pki/ca.crt")));
            String token = sh(id, "cat " + sa + "/token");
            assertThat(token.split("\\.")).hasSize(3);
            var review = client.resource(new io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder()
                    .withNewSpec().withToken(token).endSpec().build()).create();
            assertThat(review.getStatus().getAuthenticated()).isTrue();
            assertThat(review.getStatus().getUser().getUsername()).isEqualTo("system:serviceaccount:default:default");
            assertThat(review.getStatus().getUser().getExtra().get("authentication.kubernetes.io/pod-name"))
                    .containsExactly("vols");

            client.configMaps().inNamespace(NS).withName("site").edit(cm -> {
                cm.getData().put("greeting", "hello again");
                return cm;
            });
            long t0 = System.nanoTime();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> assertThat(sh(id, "cat /etc/site/hello.txt")).isEqualTo("hello again"));
            System.out.printf("timing: configMap update -> file in the container: %d ms%n",
                    (System.nanoTime() - t0) / 1_000_000);
            assertThat(sh(id, "cat /greeting.txt")).as("a subPath mount is not updated, as in Kubernetes")
                    .isEqualTo("hello");

            Path volumes = node.dataDir.resolve("volumes").resolve(uid);
            assertThat(volumes.resolve("kubernetes.io~configmap/site/..data")).isSymbolicLink();
            client.pods().inNamespace(NS).withName("vols").delete();
            await().atMost(Duration.ofSeconds(30)).until(() -> get("vols") == null);
            assertThat(volumes).doesNotExist();
            assertThat(Files.readString(java.nio.file.Path.of("/proc/self/mountinfo"))).doesNotContain(uid);
            assertThat(host.resolve("data/f")).as("hostPath contents stay").exists();
        } finally {
            try (var walk = Files.walk(host)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void subPathExprIsExpandedAndHostToContainerMountsPropagate() throws Exception {
        // containerd wants the source of a HostToContainer mount on a shared (or slave) mount, as / is on systemd
        // hosts; this machine's / is private, so the test makes its directory a shared mount of its own.
        Path shared = Files.createTempDirectory("kaji-propagation-");
        host("mount", "--bind", shared.toString(), shared.toString());
        host("mount", "--make-shared", shared.toString());
        Path late = shared.resolve("late");
        try {
            client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("expr")
                    .withNamespace(NS).endMetadata().withNewSpec().withNodeName(NODE)
                    .withTerminationGracePeriodSeconds(1L)
                    .addNewContainer().withName("c").withImage(BusyboxImage.NAME).withImagePullPolicy("Never")
                    .withCommand("sleep", "3600")
                    .addNewEnv().withName("POD_NAME").withNewValueFrom().withNewFieldRef()
                    .withFieldPath("metadata.name").endFieldRef().endValueFrom().endEnv()
                    .addNewVolumeMount().withName("scratch").withMountPath("/mine").withSubPathExpr("per-$(POD_NAME)")
                    .endVolumeMount()
                    .addNewVolumeMount().withName("scratch").withMountPath("/all").endVolumeMount()
                    .addNewVolumeMount().withName("shared").withMountPath("/shared")
                    .withMountPropagation("HostToContainer").endVolumeMount()
                    .endContainer()
                    .addNewVolume().withName("scratch").withNewEmptyDir().endEmptyDir().endVolume()
                    .addNewVolume().withName("shared").withNewHostPath().withPath(shared.toString())
                    .withType("Directory").endHostPath().endVolume()
                    .endSpec().build()).create();
            await().atMost(Duration.ofSeconds(30)).untilAsserted(
                    () -> assertThat(containerStatus("expr").getState().getRunning()).isNotNull());
            String id = containerStatus("expr").getContainerID().substring("containerd://".length());
            assertThat(sh(id, "echo x > /mine/f && cat /all/per-expr/f")).isEqualTo("x\n");

            // A file system mounted on the host after the container started reaches it.
            Files.createDirectories(late);
            host("mount", "-t", "tmpfs", "tmpfs", late.toString());
            Files.writeString(late.resolve("hello"), "from the host");
            await().atMost(Duration.ofSeconds(5)).untilAsserted(
                    () -> assertThat(sh(id, "cat /shared/late/hello 2>&1")).isEqualTo("from the host"));
            client.pods().inNamespace(NS).withName("expr").withGracePeriod(0).delete();
            await().atMost(Duration.ofSeconds(30)).until(() -> get("expr") == null);
        } finally {
            io.kaji.node.host.HostCommand.run(List.of("umount", late.toString()), Duration.ofSeconds(10));
            io.kaji.node.host.HostCommand.run(List.of("umount", shared.toString()), Duration.ofSeconds(10));
        }
    }

    private static void host(String... command) {
        io.kaji.node.host.HostCommand.run(List.of(command), Duration.ofSeconds(10)).orThrow();
    }

    @Test
    void aMissingConfigMapKeepsThePodCreatingWithAFailedMountEvent() {
        Pod pod = new PodBuilder().withNewMetadata().withName("nocm").withNamespace(NS).endMetadata().withNewSpec()
                .withNodeName(NODE).withTerminationGracePeriodSeconds(1L).addNewContainer().withName("c")
                .withImage(BusyboxImage.NAME).withImagePullPolicy("Never").withCommand("sleep", "3600")
                .addNewVolumeMount().withName("cfg").withMountPath("/cfg").endVolumeMount().endContainer()
                .addNewVolume().withName("cfg").withNewConfigMap().withName("absent").endConfigMap().endVolume()
                .endSpec().build();
        client.pods().inNamespace(NS).resource(pod).create();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            ContainerStatus cs = containerStatus("nocm");
            assertThat(cs.getState().getWaiting().getReason()).isEqualTo("ContainerCreating");
            assertThat(events("nocm")).contains("Warning FailedMount MountVolume.SetUp failed for volume \"cfg\" : "
                    + "configmap \"absent\" not found");
        });
        client.configMaps().inNamespace(NS).resource(new ConfigMapBuilder().withNewMetadata().withName("absent")
                .endMetadata().addToData("k", "v").build()).create();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(
                () -> assertThat(containerStatus("nocm").getState().getRunning()).isNotNull());
        client.pods().inNamespace(NS).withName("nocm").withGracePeriod(0).delete();
    }

    private String sh(String containerId, String script) {
        return node.runtime.execSync(containerId, List.of("sh", "-c", script), Duration.ofSeconds(10)).stdoutText();
    }

    private List<String> events(String pod) {
        return fixture.events(NS, pod);
    }

    private Pod get(String name) {
        return fixture.pod(NS, name);
    }

    private ContainerStatus containerStatus(String pod) {
        return fixture.containerStatus(NS, pod);
    }
}
