package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.node.containerd.AgentFixture;
import io.kaji.node.containerd.ContainerdFixture;
import io.kaji.node.image.BusyboxImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Pod and container {@code securityContext} through the whole agent against a real containerd (bridge kajit17,
 * 100.64.17.0/24): user, group and supplemental groups (fsGroup first), fsGroup ownership of an emptyDir and of a
 * secret volume, a read-only root file system, no_new_privs, dropped and added capabilities, the runtime's seccomp
 * profile and one from the node's seccomp directory, privileged containers; runAsNonRoot refusing root and
 * named users as the kubelet does; an image whose USER does not exist failing the container's creation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecurityContextIntegrationTest {

    private static final String NODE = "kaji-it-17";
    private static final String NS = "default";
    private static final String UID_1000 = "docker.io/kaji/busybox-uid1000:1";
    private static final String NOBODY = "docker.io/kaji/busybox-nobody:1";
    private static final String NO_SUCH_USER = "docker.io/kaji/busybox-nosuchuser:1";

    private AgentFixture fixture;
    private ContainerdFixture node;
    private KubernetesClient client;
    private Path seccompDir;

    @BeforeAll
    void start() throws Exception {
        seccompDir = Files.createTempDirectory("kaji-seccomp-");
        // A profile that allows everything but logs mkdir: enough to tell it from no profile at all (Seccomp: 2).
        Files.writeString(seccompDir.resolve("audit-mkdir.json"), """
                {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"],
                 "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}
                """);
        fixture = AgentFixture.node(NODE, "kajit17", "100.64.17.0/24").withPrivilegedNamespace(NS)
                .withAgent((agent, containerd) -> agent.seccompRoot(seccompDir)).start();
        node = fixture.node;
        client = fixture.client;
        var busybox = BusyboxImage.image(BusyboxImage.NAME, BusyboxImage.HOST_BUSYBOX);
        for (var image : List.of(busybox.as(UID_1000, "1000"), busybox.as(NOBODY, "nobody"),
                busybox.as(NO_SUCH_USER, "nosuchuser"))) {
            node.importImage(image);
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void userGroupsVolumesCapabilitiesAndSeccompAreApplied() {
        client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("cred").endMetadata()
                .addToData("key", Base64.getEncoder().encodeToString("s3cret".getBytes(StandardCharsets.UTF_8)))
                .build()).create();
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("restricted")
                .withNamespace(NS).endMetadata().withNewSpec().withNodeName(NODE).withTerminationGracePeriodSeconds(1L)
                .withNewSecurityContext().withRunAsUser(1000L).withRunAsGroup(3000L).withFsGroup(2000L)
                .withSupplementalGroups(4000L).withRunAsNonRoot(true).withNewSeccompProfile()
                .withType("RuntimeDefault").endSeccompProfile()
                // SELinux is off on these hosts: containerd must accept the labels and leave them unapplied.
                .withNewSeLinuxOptions().withLevel("s0:c123,c456").endSeLinuxOptions().endSecurityContext()
                .addNewContainer().withName("c").withImage(BusyboxImage.NAME).withImagePullPolicy("Never")
                .withCommand("sleep", "3600")
                .withNewSecurityContext().withAllowPrivilegeEscalation(false).withReadOnlyRootFilesystem(true)
                .withNewCapabilities().withDrop("ALL").withAdd("NET_BIND_SERVICE").endCapabilities()
                .endSecurityContext()
                .addNewVolumeMount().withName("scratch").withMountPath("/scratch").endVolumeMount()
                .addNewVolumeMount().withName("cred").withMountPath("/cred").endVolumeMount()
                .endContainer()
                .addNewVolume().withName("scratch").withNewEmptyDir().endEmptyDir().endVolume()
                .addNewVolume().withName("cred").withNewSecret().withSecretName("cred").withDefaultMode(0400)
                .endSecret().endVolume()
                .endSpec().build()).create();
        String id = runningContainer("restricted");

        assertThat(sh(id, "id -u; id -g; id -G")).isEqualTo("1000\n3000\n3000 2000 4000\n");
        assertThat(sh(id, "grep -E '^(NoNewPrivs|Seccomp|CapBnd|CapEff):' /proc/self/status | tr -s '\\t' ' '"))
                .as("no_new_privs, the runtime's filter, only NET_BIND_SERVICE (bit 10) left, none effective")
                .isEqualTo("CapEff: 0000000000000000\nCapBnd: 0000000000000400\nNoNewPrivs: 1\nSeccomp: 2\n");
        assertThat(sh(id, "touch /root-fs-file 2>&1; echo rc=$?")).contains("Read-only file system").contains("rc=1");
        // Paths this kernel lacks (/proc/kcore, /proc/sysrq-trigger here) are skipped by runc.
        assertThat(sh(id, "grep -E ' /proc/(keys|timer_list|sys|bus|irq) ' /proc/self/mounts | cut -d' ' -f1,2,4 "
                + "| cut -d, -f1 | sort -k2"))
                .as("the kubelet's masked (the container's /dev/null over them) and read-only /proc paths")
                .isEqualTo("proc /proc/bus ro\nproc /proc/irq ro\ntmpfs /proc/keys rw\nproc /proc/sys ro\n"
                        + "tmpfs /proc/timer_list rw\n");
        assertThat(sh(id, "touch /scratch/f && stat -c '%g %a' /scratch /scratch/f"))
                .as("the emptyDir belongs to the fsGroup, set-group-ID, so new files do too")
                .isEqualTo("2000 2777\n2000 644\n");
        assertThat(sh(id, "cat /cred/key; echo; stat -L -c '%g %a' /cred/key"))
                .as("defaultMode 0400 plus group read for the fsGroup: readable by the non-root user")
                .isEqualTo("s3cret\n2000 440\n");
    }

    @Test
    void privilegedContainersAndLocalhostSeccompProfiles() throws Exception {
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName("privileged")
                .withNamespace(NS).endMetadata().withNewSpec().withNodeName(NODE).withTerminationGracePeriodSeconds(1L)
                .addNewContainer().withName("c").withImage(BusyboxImage.NAME).withImagePullPolicy("Never")
                .withCommand("sleep", "3600").withNewSecurityContext().withPrivileged(true).endSecurityContext()
                .endContainer()
                .addNewContainer().withName("plain").withImage(BusyboxImage.NAME).withImagePullPolicy("Never")
                .withCommand("sleep", "3600").withNewSecurityContext().withNewSeccompProfile().withType("Localhost")
                .withLocalhostProfile("audit-mkdir.json").endSeccompProfile().endSecurityContext().endContainer()
                .endSpec().build()).create();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(fixture.pod(NS, "privileged")
                .getStatus().getContainerStatuses()).hasSize(2).allSatisfy(s -> assertThat(s.getState().getRunning())
                        .as(s.getName() + " running").isNotNull()));
        String privileged = containerId("privileged", "c");
        String plain = containerId("privileged", "plain");
        // Every capability the node itself has (a machine's bounding set may lack some).
        String nodeCaps = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("CapBnd:")).findFirst().orElseThrow().substring("CapBnd:".length()).strip();
        assertThat(sh(privileged, "grep -E '^(CapEff|Seccomp):' /proc/self/status | tr -s '\\t' ' '"))
                .as("every capability, no seccomp filter").isEqualTo("CapEff: " + nodeCaps + "\nSeccomp: 0\n");
        assertThat(sh(plain, "grep -E '^Seccomp:' /proc/self/status | tr -s '\\t' ' '; mkdir /tmp/d 2>/dev/null; "
                + "echo rc=$?")).as("the node's profile, which refuses mkdir").isEqualTo("Seccomp: 2\nrc=1\n");
    }

    @Test
    void runAsNonRootRefusesRootAndNamedUsersAndAnUnknownUserFailsCreation() {
        pod("root-image", BusyboxImage.NAME, true);
        pod("named-user", NOBODY, true);
        pod("numeric-user", UID_1000, true);
        pod("unknown-user", NO_SUCH_USER, false);

        String rootUid = waitingFor("root-image", "CreateContainerConfigError");
        assertThat(status("root-image").getState().getWaiting().getMessage()).isEqualTo(
                "container has runAsNonRoot and image will run as root (pod: \"root-image_default(" + rootUid
                        + ")\", container: c)");
        String namedUid = waitingFor("named-user", "CreateContainerConfigError");
        assertThat(status("named-user").getState().getWaiting().getMessage()).isEqualTo(
                "container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root "
                        + "(pod: \"named-user_default(" + namedUid + ")\", container: c)");
        assertThat(fixture.events(NS, "root-image")).anySatisfy(e -> assertThat(e)
                .startsWith("Warning Failed Error: container has runAsNonRoot and image will run as root"));

        String id = runningContainer("numeric-user");
        assertThat(sh(id, "id -u")).isEqualTo("1000\n");

        waitingFor("unknown-user", "CreateContainerError");
        // containerd's own words ("no users found") do not name the user; the agent adds which one it looked for.
        assertThat(status("unknown-user").getState().getWaiting().getMessage()).contains("no users found")
                .endsWith("user \"nosuchuser\" of the image is not in its /etc/passwd");
        assertThat(fixture.events(NS, "unknown-user")).anySatisfy(e -> assertThat(e)
                .startsWith("Warning Failed Error: ").contains("nosuchuser"));
        assertThat(fixture.pod(NS, "unknown-user").getStatus().getPhase()).isEqualTo("Pending");
    }

    private void pod(String name, String image, boolean runAsNonRoot) {
        client.pods().inNamespace(NS).resource(new PodBuilder().withNewMetadata().withName(name).withNamespace(NS)
                .endMetadata().withNewSpec().withNodeName(NODE).withTerminationGracePeriodSeconds(1L)
                .withNewSecurityContext().withRunAsNonRoot(runAsNonRoot).endSecurityContext()
                .addNewContainer().withName("c").withImage(image).withImagePullPolicy("Never")
                .withCommand("sleep", "3600").endContainer().endSpec().build()).create();
    }

    /** Waits until the pod's container waits with {@code reason}; returns the pod's uid. */
    private String waitingFor(String pod, String reason) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            var waiting = status(pod).getState().getWaiting();
            assertThat(waiting).as(pod + " waiting").isNotNull();
            assertThat(waiting.getReason()).isEqualTo(reason);
        });
        return fixture.pod(NS, pod).getMetadata().getUid();
    }

    private String runningContainer(String pod) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(
                () -> assertThat(status(pod).getState().getRunning()).as(pod + " running").isNotNull());
        return status(pod).getContainerID().substring("containerd://".length());
    }

    private String containerId(String pod, String container) {
        return fixture.pod(NS, pod).getStatus().getContainerStatuses().stream()
                .filter(s -> s.getName().equals(container)).findFirst().orElseThrow().getContainerID()
                .substring("containerd://".length());
    }

    private ContainerStatus status(String pod) {
        return fixture.containerStatus(NS, pod);
    }

    private String sh(String containerId, String script) {
        return node.runtime.execSync(containerId, List.of("sh", "-c", script), Duration.ofSeconds(10)).stdoutText();
    }
}
