package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.apiserver.server.TestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** envFrom, valueFrom and the service variables against a real in-process API server. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EnvResolverTest {

    private Path dir;
    private TestServer api;
    private KubernetesClient client;
    private EnvResolver resolver;
    private String masterIp;

    @BeforeAll
    void start() throws Exception {
        dir = Files.createTempDirectory("kaji-env-test-");
        api = TestServer.start(dir);
        client = api.newKubernetesClient();
        resolver = new EnvResolver(client);
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build())
                .create();
        client.configMaps().inNamespace("shop").resource(new ConfigMapBuilder().withNewMetadata().withName("settings")
                .endMetadata().addToData("MODE", "fast").addToData("LEVEL", "3").addToData("not a name", "x").build())
                .create();
        client.secrets().inNamespace("shop").resource(new SecretBuilder().withNewMetadata().withName("creds")
                .endMetadata().addToData("PASSWORD", b64("s3cret")).build()).create();
        client.services().inNamespace("shop").resource(new ServiceBuilder().withNewMetadata().withName("redis-main")
                .endMetadata().withNewSpec().withSelector(Map.of("app", "redis")).addNewPort().withName("client")
                .withPort(6379).endPort().addNewPort().withName("gossip").withPort(16379).withProtocol("UDP").endPort()
                .endSpec().build()).create();
        client.services().inNamespace("shop").resource(new ServiceBuilder().withNewMetadata().withName("headless")
                .endMetadata().withNewSpec().withClusterIP("None").addNewPort().withPort(80).endPort().endSpec()
                .build()).create();
        masterIp = client.services().inNamespace("default").withName("kubernetes").get().getSpec().getClusterIP();
    }

    @AfterAll
    void stop() throws Exception {
        client.close();
        api.close();
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static Pod pod(Boolean serviceLinks) {
        return new PodBuilder().withNewMetadata().withName("p").withNamespace("shop").withUid("u").endMetadata()
                .withNewSpec().withEnableServiceLinks(serviceLinks).endSpec().build();
    }

    @Test
    void envFromThenEnvThenServiceVariables() throws Exception {
        Service redis = client.services().inNamespace("shop").withName("redis-main").get();
        String ip = redis.getSpec().getClusterIP();
        Container c = new ContainerBuilder().withName("c")
                .addNewEnvFrom().withNewConfigMapRef().withName("settings").endConfigMapRef().endEnvFrom()
                .addNewEnvFrom().withPrefix("DB_").withNewSecretRef().withName("creds").endSecretRef().endEnvFrom()
                .addNewEnvFrom().withNewConfigMapRef().withName("absent").withOptional(true).endConfigMapRef()
                .endEnvFrom()
                .addNewEnv().withName("MODE").withValue("slow").endEnv()
                .addNewEnv().withName("URL").withValue("redis://$(REDIS_MAIN_SERVICE_HOST):$(REDIS_MAIN_SERVICE_PORT)"
                        + "/$(LEVEL)").endEnv()
                .addNewEnv().withName("REDIS_MAIN_SERVICE_PORT").withValue("override").endEnv()
                .build();
        Map<String, String> env = resolver.resolve(pod(null), c, "100.64.5.9", "10.0.0.1");
        assertThat(env).containsEntry("MODE", "slow").containsEntry("LEVEL", "3")
                .containsEntry("DB_PASSWORD", "s3cret").doesNotContainKey("not a name")
                .containsEntry("URL", "redis://" + ip + ":6379/3")
                .containsEntry("REDIS_MAIN_SERVICE_PORT", "override")
                .containsEntry("REDIS_MAIN_SERVICE_HOST", ip)
                .containsEntry("REDIS_MAIN_SERVICE_PORT_CLIENT", "6379")
                .containsEntry("REDIS_MAIN_SERVICE_PORT_GOSSIP", "16379")
                .containsEntry("REDIS_MAIN_PORT", "tcp://" + ip + ":6379")
                .containsEntry("REDIS_MAIN_PORT_6379_TCP", "tcp://" + ip + ":6379")
                .containsEntry("REDIS_MAIN_PORT_6379_TCP_PROTO", "tcp")
                .containsEntry("REDIS_MAIN_PORT_6379_TCP_PORT", "6379")
                .containsEntry("REDIS_MAIN_PORT_6379_TCP_ADDR", ip)
                .containsEntry("REDIS_MAIN_PORT_16379_UDP", "udp://" + ip + ":16379")
                .containsEntry("KUBERNETES_SERVICE_HOST", masterIp)
                .containsEntry("KUBERNETES_SERVICE_PORT", "443")
                .containsEntry("KUBERNETES_SERVICE_PORT_HTTPS", "443")
                .containsEntry("KUBERNETES_PORT", "tcp://" + masterIp + ":443")
                .doesNotContainKey("HEADLESS_SERVICE_HOST");
        // Declared variables first, in order; service variables after them.
        List<String> keys = List.copyOf(env.keySet());
        assertThat(keys.subList(0, 6)).containsExactly("LEVEL", "MODE", "DB_PASSWORD", "URL",
                "REDIS_MAIN_SERVICE_PORT", "KUBERNETES_SERVICE_HOST");
    }

    @Test
    void serviceLinksOffLeavesOnlyTheMasterService() throws Exception {
        Map<String, String> env = resolver.resolve(pod(false), new ContainerBuilder().withName("c").build(), "", "");
        assertThat(env).containsEntry("KUBERNETES_SERVICE_HOST", masterIp)
                .doesNotContainKey("REDIS_MAIN_SERVICE_HOST");
    }

    @Test
    void missingSourcesAreConfigErrorsWithTheKubeletsWords() {
        Container cm = new ContainerBuilder().withName("c").addNewEnvFrom().withNewConfigMapRef().withName("nope")
                .endConfigMapRef().endEnvFrom().build();
        assertThatThrownBy(() -> resolver.resolve(pod(null), cm, "", ""))
                .isInstanceOf(EnvResolver.ConfigError.class).hasMessage("configmap \"nope\" not found");
        Container secret = new ContainerBuilder().withName("c").addNewEnvFrom().withNewSecretRef().withName("gone")
                .endSecretRef().endEnvFrom().build();
        assertThatThrownBy(() -> resolver.resolve(pod(null), secret, "", ""))
                .isInstanceOf(EnvResolver.ConfigError.class).hasMessage("secret \"gone\" not found");
        Container key = new ContainerBuilder().withName("c").addNewEnv().withName("X").withNewValueFrom()
                .withNewConfigMapKeyRef().withName("settings").withKey("MISSING").endConfigMapKeyRef().endValueFrom()
                .endEnv().build();
        assertThatThrownBy(() -> resolver.resolve(pod(null), key, "", ""))
                .isInstanceOf(EnvResolver.ConfigError.class)
                .hasMessage("couldn't find key MISSING in ConfigMap shop/settings");
    }
}
