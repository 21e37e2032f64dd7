package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.kaji.node.cgroup.PodCgroups;
import io.kaji.node.runtime.ContainerSpec;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.SandboxSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's CRI requests for a pod, built without an API server (the CRI floor's agent-shaped pods). */
class AgentPodRequestsTest {

    @TempDir
    Path dir;

    private static final String SA_PATH = "/var/run/secrets/kubernetes.io/serviceaccount";

    private static Pod pod() {
        return new PodBuilder().withNewMetadata().withNamespace("default").withName("p").withUid("u-1").endMetadata()
                .withNewSpec().withEnableServiceLinks(true)
                .addNewVolume().withName("kube-api-access-x").withNewProjected().withDefaultMode(420)
                .addNewSource().withNewServiceAccountToken().withPath("token").endServiceAccountToken().endSource()
                .addNewSource().withNewConfigMap().withName("kube-root-ca.crt").addNewItem().withKey("ca.crt")
                .withPath("ca.crt").endItem().endConfigMap().endSource()
                .addNewSource().withNewDownwardAPI().addNewItem().withPath("namespace").withNewFieldRef()
                .withFieldPath("metadata.namespace").endFieldRef().endItem().endDownwardAPI().endSource()
                .endProjected().endVolume()
                .addNewContainer().withName("main").withImage("busybox").withCommand("sleep", "1")
                .withTerminationMessagePath("/dev/termination-log")
                .addNewVolumeMount().withName("kube-api-access-x").withMountPath(SA_PATH).withReadOnly(true)
                .endVolumeMount().endContainer().endSpec().build();
    }

    private AgentPodRequests requests(PodCgroups cgroups) {
        Service kubernetes = new ServiceBuilder().withNewMetadata().withNamespace("default").withName("kubernetes")
                .endMetadata().withNewSpec().withClusterIP("100.64.124.1").addNewPort().withName("https")
                .withProtocol("TCP").withPort(443).endPort().endSpec().build();
        return new AgentPodRequests(dir.resolve("pods"), cgroups,
                new ClusterNetwork("100.64.123.0/24", "100.64.124.0/24", "100.64.124.10", "cluster.local"),
                List.of(kubernetes));
    }

    @Test
    void buildsTheSandboxAndContainerTheAgentWouldAskFor() throws Exception {
        Path cgroupMount = Files.createDirectories(dir.resolve("cgroup"));
        AgentPodRequests requests = requests(new PodCgroups(cgroupMount, "/kaji/floor"));
        Pod pod = pod();

        SandboxSpec sandbox = requests.sandbox(pod, new PodLogs(dir.resolve("logs")));
        assertThat(sandbox.cgroupParent()).isEqualTo("/kaji/floor/besteffort/podu-1");
        assertThat(sandbox.dns().servers()).containsExactly("100.64.124.10");
        assertThat(sandbox.dns().searches()).startsWith("default.svc.cluster.local");

        ContainerSpec c = requests.container(pod, pod.getSpec().getContainers().getFirst(), "100.64.123.7",
                Optional.empty());
        assertThat(c.env()).containsEntry("KUBERNETES_SERVICE_HOST", "100.64.124.1")
                .containsEntry("KUBERNETES_SERVICE_PORT", "443");
        assertThat(c.resources().oomScoreAdj()).isEqualTo(1000);
        assertThat(c.mounts()).extracting(ContainerSpec.Mount::containerPath)
                .containsExactly(SA_PATH, "/etc/hosts", "/dev/termination-log");
        ContainerSpec.Mount token = c.mounts().getFirst();
        assertThat(token.readOnly()).isTrue();
        assertThat(Path.of(token.hostPath()).resolve("token")).isRegularFile();
        assertThat(Path.of(token.hostPath()).resolve("ca.crt")).isRegularFile();
        assertThat(Path.of(token.hostPath()).resolve("namespace")).hasContent("default");
        assertThat(Path.of(c.mounts().get(1).hostPath())).content().contains("100.64.123.7\tp");
        assertThat(Path.of(c.mounts().get(2).hostPath())).isEmptyFile();

        requests.remove("u-1");
        assertThat(dir.resolve("pods").resolve("u-1")).doesNotExist();
    }

    @Test
    void refusesVolumesTheFloorDoesNotWrite() {
        Pod pod = new PodBuilder(pod()).editSpec().addNewVolume().withName("h").withNewHostPath().withPath("/tmp")
                .endHostPath().endVolume().endSpec().build();
        AgentPodRequests requests = requests(new PodCgroups(dir, "/kaji/floor"));
        assertThatThrownBy(() -> requests.container(pod, pod.getSpec().getContainers().getFirst(), "100.64.123.7",
                Optional.empty())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("volume \"h\"");
    }
}
