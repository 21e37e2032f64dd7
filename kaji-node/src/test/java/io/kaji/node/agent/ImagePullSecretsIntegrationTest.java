package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.node.containerd.AgentFixture;
import io.kaji.node.image.BusyboxImage;
import io.kaji.node.image.LoopbackRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Image pull secrets end to end: a real registry on loopback (Debian's {@code docker-registry}) that wants a user
 * and password (htpasswd), an image pushed to it over the registry API, and pods on a real agent with containerd
 * (bridge kajit11, 100.64.11.0/24) pulling it — refused without credentials (ErrImagePull with the registry's
 * answer), warned about a missing secret, and Running with a {@code kubernetes.io/dockerconfigjson} secret.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImagePullSecretsIntegrationTest {

    private static final String NODE = "kaji-it-11";
    private static final String POD_CIDR = "100.64.11.0/24";
    private static final String NS = "default";
    private static final String USER = "kaji";
    private static final String PASSWORD = "pull-secret-test";

    private AgentFixture fixture;
    private LoopbackRegistry registry;
    private String registryHost;
    private KubernetesClient client;

    @BeforeAll
    void start() throws Exception {
        registry = LoopbackRegistry.start(USER, PASSWORD);
        registryHost = registry.host();
        registry.push(BusyboxImage.image(registryHost + "/private/busybox:1", BusyboxImage.HOST_BUSYBOX),
                "private/busybox", "1");
        fixture = AgentFixture.node(NODE, "kajit11", POD_CIDR).start();
        client = fixture.client;
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (fixture != null) {
                fixture.close();
            }
        } finally {
            if (registry != null) {
                registry.close();
            }
        }
    }

    @Test
    void pullsFromAPrivateRegistryOnlyWithThePodsPullSecret() {
        String image = registryHost + "/private/busybox:1";

        client.pods().inNamespace(NS).resource(pod("anonymous", image, List.of())).create();
        ContainerStateWaiting refused = awaitWaiting("anonymous", "ErrImagePull", "ImagePullBackOff");
        assertThat(refused.getMessage()).contains("401 Unauthorized");

        client.pods().inNamespace(NS).resource(pod("missing-secret", image, List.of("nowhere"))).create();
        await().atMost(Duration.ofSeconds(60)).until(() -> warnings("missing-secret").stream()
                .anyMatch(e -> "FailedToRetrieveImagePullSecret".equals(e.getReason())
                        && e.getMessage().equals("Unable to retrieve some image pull secrets (nowhere); attempting "
                        + "to pull the image may not succeed.")));

        String config = "{\"auths\":{\"" + registryHost + "\":{\"auth\":\"" + Base64.getEncoder().encodeToString(
                (USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)) + "\"}}}";
        client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("regcred")
                .endMetadata().withType("kubernetes.io/dockerconfigjson").addToData(".dockerconfigjson",
                        Base64.getEncoder().encodeToString(config.getBytes(StandardCharsets.UTF_8))).build()).create();
        client.pods().inNamespace(NS).resource(pod("with-secret", image, List.of("nowhere", "regcred"))).create();
        await().atMost(Duration.ofSeconds(90)).until(() -> {
            Pod p = client.pods().inNamespace(NS).withName("with-secret").get();
            return p.getStatus() != null && "Running".equals(p.getStatus().getPhase());
        });
        // The kubelet's events tell the story in `kubectl describe pod`.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(events("with-secret"))
                .anySatisfy(e -> assertThat(e).isEqualTo("Normal Pulling Pulling image \"" + image + "\""))
                .anySatisfy(e -> assertThat(e).startsWith("Normal Pulled Successfully pulled image \"" + image + "\" in ")
                        .contains("Image size: "))
                .contains("Normal Created Created container: c", "Normal Started Started container c"));
        assertThat(events("anonymous"))
                .anySatisfy(e -> assertThat(e).startsWith("Warning Failed Failed to pull image \"" + image + "\": "))
                .contains("Warning Failed Error: ErrImagePull");
        // The pod that had no credentials still cannot pull: the image is not shared with it by accident
        // (policy Always pulls again for every start).
        assertThat(client.pods().inNamespace(NS).withName("anonymous").get().getStatus().getPhase()).isEqualTo("Pending");
    }

    private Pod pod(String name, String image, List<String> secrets) {
        PodBuilder b = new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
                .withNewSpec().withNodeName(NODE).withTerminationGracePeriodSeconds(1L)
                .addNewContainer().withName("c").withImage(image).withImagePullPolicy("Always")
                .withCommand("sleep", "3600").endContainer().endSpec();
        for (String s : secrets) {
            b.editSpec().addNewImagePullSecret(s).endSpec();
        }
        return b.build();
    }

    private ContainerStateWaiting awaitWaiting(String pod, String... reasons) {
        ContainerStateWaiting[] seen = new ContainerStateWaiting[1];
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            Pod p = client.pods().inNamespace(NS).withName(pod).get();
            if (p.getStatus() == null || p.getStatus().getContainerStatuses() == null
                    || p.getStatus().getContainerStatuses().isEmpty()) {
                return false;
            }
            ContainerStateWaiting w = p.getStatus().getContainerStatuses().get(0).getState().getWaiting();
            seen[0] = w;
            return w != null && List.of(reasons).contains(w.getReason());
        });
        return seen[0];
    }

    private List<String> events(String pod) {
        return fixture.events(NS, pod);
    }

    private List<Event> warnings(String pod) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> pod.equals(e.getInvolvedObject().getName()) && "Warning".equals(e.getType())).toList();
    }
}
