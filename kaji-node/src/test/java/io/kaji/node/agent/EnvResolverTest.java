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
        List<String> skipped = new java.util.ArrayList<>();
        Map<String, String> env = resolver.resolve(pod(null), c, "100.64.5.9", "10.0.0.1", skipped::add);
        assertThat(skipped).containsExactly("Keys [not a name] from the EnvFrom configMap shop/settings were skipped"
                + " since they are considered invalid environment variable names.");
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
        Container gpu = new ContainerBuilder().withName("c").addNewEnv().withName("G").withNewValueFrom()
                .withNewResourceFieldRef().withResource("limits.gpu").endResourceFieldRef().endValueFrom().endEnv()
                .build();
        Pod withC = new PodBuilder(pod(null)).editSpec().addToContainers(gpu).endSpec().build();
        assertThatThrownBy(() -> resolver.resolve(withC, gpu, "", ""))
                .isInstanceOf(EnvResolver.ConfigError.class)
                .hasMessage("env G: unsupported container resource : limits.gpu");
    }

    @Test
    void resourceFieldRefsReadTheContainerItselfUnlessNamedAndUnsetLimitsTheNodesAllocatable() throws Exception {
        Container app = new ContainerBuilder().withName("app").withNewResources()
                .addToLimits("memory", new io.fabric8.kubernetes.api.model.Quantity("256Mi")).endResources()
                .addNewEnv().withName("MEM").withNewValueFrom().withNewResourceFieldRef().withResource("limits.memory")
                .withDivisor(new io.fabric8.kubernetes.api.model.Quantity("1Mi")).endResourceFieldRef().endValueFrom()
                .endEnv()
                .addNewEnv().withName("SIDE_CPU").withNewValueFrom().withNewResourceFieldRef().withContainerName("side")
                .withResource("limits.cpu").withDivisor(new io.fabric8.kubernetes.api.model.Quantity("1m"))
                .endResourceFieldRef().endValueFrom().endEnv().build();
        Container side = new ContainerBuilder().withName("side").build();
        Pod pod = new PodBuilder(pod(false)).editSpec().addToContainers(app, side).endSpec().build();
        EnvResolver r = new EnvResolver(client).allocatable(
                () -> Map.of("cpu", new io.fabric8.kubernetes.api.model.Quantity("1900m")));
        Map<String, String> env = r.resolve(pod, app, "", "");
        assertThat(env).containsEntry("MEM", "256").containsEntry("SIDE_CPU", "1900");
    }

    private static Service service(String namespace, String name, String clusterIp) {
        return new ServiceBuilder().withNewMetadata().withNamespace(namespace).withName(name).endMetadata()
                .withNewSpec().withClusterIP(clusterIp).addNewPort().withPort(80).endPort().endSpec().build();
    }

    /** A cache with fixed contents that counts its reads. */
    private static final class FakeLister implements ServiceLister {
        final boolean synced;
        final List<Service> all;
        int reads;

        FakeLister(boolean synced, Service... all) {
            this.synced = synced;
            this.all = List.of(all);
        }

        @Override
        public boolean hasSynced() {
            return synced;
        }

        @Override
        public List<Service> list(String namespace) {
            reads++;
            return all.stream().filter(s -> s.getMetadata().getNamespace().equals(namespace)).toList();
        }
    }

    @Test
    void aSyncedListerIsReadInsteadOfTheApiServer() throws Exception {
        FakeLister cache = new FakeLister(true, service("default", "kubernetes", "10.43.0.1"),
                service("shop", "cache", "10.43.0.99"), service("other", "elsewhere", "10.43.0.98"));
        // No client: any API read would leave the variables out.
        Map<String, String> env = new EnvResolver(null, cache)
                .resolve(pod(null), new ContainerBuilder().withName("c").build(), "", "");
        assertThat(env).containsEntry("KUBERNETES_SERVICE_HOST", "10.43.0.1")
                .containsEntry("CACHE_SERVICE_HOST", "10.43.0.99").containsEntry("CACHE_PORT", "tcp://10.43.0.99:80")
                .doesNotContainKey("ELSEWHERE_SERVICE_HOST");
        assertThat(cache.reads).isEqualTo(2);

        // With the client too, the API server's Services (redis-main) are not read.
        Map<String, String> both = new EnvResolver(client, cache)
                .resolve(pod(null), new ContainerBuilder().withName("c").build(), "", "");
        assertThat(both).containsKey("CACHE_SERVICE_HOST").doesNotContainKey("REDIS_MAIN_SERVICE_HOST");
    }

    @Test
    void untilTheListerSyncedTheApiServerIsRead() throws Exception {
        FakeLister cache = new FakeLister(false, service("shop", "cache", "10.43.0.99"));
        Map<String, String> env = new EnvResolver(client, cache)
                .resolve(pod(null), new ContainerBuilder().withName("c").build(), "", "");
        assertThat(env).containsEntry("KUBERNETES_SERVICE_HOST", masterIp).containsKey("REDIS_MAIN_SERVICE_HOST")
                .doesNotContainKey("CACHE_SERVICE_HOST");
        assertThat(cache.reads).isZero();
    }

    @Test
    void serviceLinksOffReadsOnlyTheMasterNamespaceFromTheLister() throws Exception {
        FakeLister cache = new FakeLister(true, service("default", "kubernetes", "10.43.0.1"),
                service("shop", "cache", "10.43.0.99"));
        Map<String, String> env = new EnvResolver(null, cache)
                .resolve(pod(false), new ContainerBuilder().withName("c").build(), "", "");
        assertThat(env).containsEntry("KUBERNETES_SERVICE_HOST", "10.43.0.1").doesNotContainKey("CACHE_SERVICE_HOST");
        assertThat(cache.reads).isEqualTo(1);
    }

    /** The kubelet's getServiceEnvVarMap projection, in both orders of its input. */
    @Test
    void visibleServicesFollowTheKubelet() {
        Service master = service("default", "kubernetes", "10.43.0.1");
        Service ownKubernetes = service("shop", "kubernetes", "10.43.0.50");
        Service headlessOwnKubernetes = service("shop", "kubernetes", "None");
        Service web = service("shop", "web", "10.43.0.51");
        Service noIp = service("shop", "pending", "");
        Service defaultWeb = service("default", "web", "10.43.0.52");
        Service otherNamespace = service("other", "db", "10.43.0.53");
        record Case(String namespace, boolean links, List<Service> candidates, List<Service> expected) {}
        List<Case> cases = List.of(
                new Case("shop", true, List.of(master, web, noIp, defaultWeb, otherNamespace), List.of(master, web)),
                new Case("shop", true, List.of(master, ownKubernetes), List.of(ownKubernetes)),
                new Case("shop", true, List.of(master, headlessOwnKubernetes), List.of(master)),
                new Case("shop", false, List.of(master, ownKubernetes, web), List.of(master)),
                new Case("default", true, List.of(master, defaultWeb, web), List.of(master, defaultWeb)),
                new Case("default", false, List.of(master, defaultWeb), List.of(master)),
                new Case("shop", true, List.of(service("default", "kubernetes", "None")), List.of()));
        for (Case c : cases) {
            List<Service> reversed = new java.util.ArrayList<>(c.candidates());
            java.util.Collections.reverse(reversed);
            assertThat(EnvResolver.visible(c.candidates(), c.namespace(), c.links())).as("%s", c)
                    .containsExactlyElementsOf(c.expected());
            assertThat(EnvResolver.visible(reversed, c.namespace(), c.links())).as("reversed %s", c)
                    .containsExactlyElementsOf(c.expected());
        }
    }
}
