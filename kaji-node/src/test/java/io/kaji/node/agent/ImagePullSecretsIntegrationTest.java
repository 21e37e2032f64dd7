package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.apiserver.server.ApiServer;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.node.containerd.ContainerdFixture;
import io.kaji.node.containerd.ContainerdResidue;
import io.kaji.node.image.BusyboxImage;
import io.kaji.node.image.OciImageLayout;
import io.kaji.node.runtime.KajiLabels;
import io.kaji.node.runtime.PodLogs;
import io.kaji.node.runtime.SandboxInfo;
import io.kaji.store.sqlite.SqliteStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
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
    private static final Path REGISTRY = Path.of("/usr/bin/docker-registry");
    private static final String USER = "kaji";
    private static final String PASSWORD = "pull-secret-test";

    private ContainerdFixture node;
    private Path dir;
    private Process registry;
    private String registryHost;
    private SqliteStore store;
    private ApiServer server;
    private KubernetesClient client;
    private NodeAgent agent;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(Files.isExecutable(REGISTRY), "docker-registry is not installed (./setup --test-deps)");
        dir = Files.createTempDirectory("kaji-pull-secret-it-");
        registryHost = "127.0.0.1:" + freePort();
        startRegistry();
        pushBusybox(registryHost, "private/busybox", "1");

        node = ContainerdFixture.start("kajit11", POD_CIDR);
        store = SqliteStore.open(dir.resolve("db"));
        server = ApiServer.start(ApiServerConfig.defaults(dir.resolve("api")).withPort(0), store);
        client = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(Files.readString(server.kubeconfigPath()))).build();
        AgentConfig config = AgentConfig.defaults(NODE, "v1.34.0-kaji-test", new PodLogs(node.dataDir.resolve("pods")),
                node.dataDir.resolve("ipam"), node.config.cniConfDir()).withBridgeName("kajit11")
                .withInitialBackOff(Duration.ofSeconds(1)).withLeaseRenewal(Duration.ofSeconds(1)).withKubeletPort(0);
        agent = new NodeAgent(client, node.runtime, node.supervisor::health, config, HostInfo.detect());
        agent.start();
        client.nodes().withName(NODE).edit(n -> {
            n.getSpec().setPodCIDR(POD_CIDR);
            n.getSpec().setPodCIDRs(List.of(POD_CIDR));
            return n;
        });
        assertThat(agent.awaitPodsStarted(Duration.ofSeconds(30))).isTrue();
    }

    private void startRegistry() throws Exception {
        String hash = OpenBSDBCrypt.generate("2y", PASSWORD.toCharArray(), salt(), 5);
        Files.writeString(dir.resolve("htpasswd"), USER + ":" + hash + "\n");
        Files.writeString(dir.resolve("registry.yml"), """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: %s
                auth:
                  htpasswd:
                    realm: kaji-test
                    path: %s
                """.formatted(dir.resolve("blobs"), registryHost, dir.resolve("htpasswd")));
        registry = new ProcessBuilder(REGISTRY.toString(), "serve", dir.resolve("registry.yml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> http.send(
                HttpRequest.newBuilder(URI.create("http://" + registryHost + "/v2/")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode() == 401);
    }

    @AfterAll
    void stop() throws Exception {
        if (agent != null) {
            agent.close();
        }
        if (node != null) {
            for (SandboxInfo s : node.runtime.listSandboxes(KajiLabels.managed())) {
                node.runtime.stopSandbox(s.id());
                node.runtime.removeSandbox(s.id());
            }
        }
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
        if (store != null) {
            store.close();
        }
        if (node != null) {
            ContainerdResidue residue = new ContainerdResidue(node.config);
            node.close();
            assertThat(residue.shimPids()).as("shims left").isEmpty();
            assertThat(residue.mounts()).as("mounts left").isEmpty();
        }
        if (registry != null) {
            registry.destroy();
            if (!registry.waitFor(10, TimeUnit.SECONDS)) {
                registry.destroyForcibly();
            }
        }
        if (dir != null) {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
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
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> pod.equals(e.getInvolvedObject().getName()))
                .map(e -> e.getType() + " " + e.getReason() + " " + e.getMessage()).toList();
    }

    private List<Event> warnings(String pod) {
        return client.v1().events().inNamespace(NS).list().getItems().stream()
                .filter(e -> pod.equals(e.getInvolvedObject().getName()) && "Warning".equals(e.getType())).toList();
    }

    /** Pushes Kaji's busybox image to {@code host} over the registry API (blobs, then the manifest) as USER. */
    private static void pushBusybox(String host, String repository, String tag) throws Exception {
        ByteArrayOutputStream layout = new ByteArrayOutputStream();
        OciImageLayout.Written written = OciImageLayout.write(BusyboxImage.image(host + "/" + repository + ":" + tag,
                BusyboxImage.HOST_BUSYBOX), layout);
        Map<String, byte[]> files = untar(layout.toByteArray());
        HttpClient http = HttpClient.newHttpClient();
        String auth = "Basic " + Base64.getEncoder().encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));
        for (String digest : List.of(written.configDigest(), written.layerDigest())) {
            HttpResponse<Void> start = http.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/" + repository
                            + "/blobs/uploads/")).header("Authorization", auth)
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.discarding());
            assertThat(start.statusCode()).as("blob upload start").isEqualTo(202);
            String location = start.headers().firstValue("Location").orElseThrow();
            URI upload = URI.create("http://" + host).resolve(location);
            String sep = upload.getQuery() == null ? "?" : "&";
            HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create(upload + sep + "digest=" + digest))
                            .header("Authorization", auth).header("Content-Type", "application/octet-stream")
                            .PUT(HttpRequest.BodyPublishers.ofByteArray(blob(files, digest))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).as("blob upload %s: %s", digest, put.body()).isEqualTo(201);
        }
        HttpResponse<String> manifest = http.send(HttpRequest.newBuilder(URI.create("http://" + host + "/v2/"
                        + repository + "/manifests/" + tag)).header("Authorization", auth)
                .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(blob(files, written.manifestDigest()))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(manifest.statusCode()).as("manifest upload: %s", manifest.body()).isEqualTo(201);
    }

    private static byte[] blob(Map<String, byte[]> files, String digest) {
        byte[] b = files.get("blobs/sha256/" + digest.substring("sha256:".length()));
        assertThat(b).as("blob %s in the image layout", digest).isNotNull();
        return b;
    }

    /** The regular files of a ustar archive. */
    private static Map<String, byte[]> untar(byte[] tar) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        int pos = 0;
        while (pos + 512 <= tar.length && tar[pos] != 0) {
            String name = field(tar, pos, 100);
            String prefix = field(tar, pos + 345, 155);
            long size = Long.parseLong(field(tar, pos + 124, 12).trim(), 8);
            char type = (char) tar[pos + 156];
            String path = prefix.isEmpty() ? name : prefix + "/" + name;
            if (type == '0' || type == 0) {
                byte[] data = new byte[(int) size];
                System.arraycopy(tar, pos + 512, data, 0, (int) size);
                out.put(path.startsWith("./") ? path.substring(2) : path, data);
            }
            pos += 512 + (int) ((size + 511) / 512 * 512);
        }
        return out;
    }

    private static String field(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.US_ASCII);
    }

    private static byte[] salt() {
        byte[] s = new byte[16];
        new SecureRandom().nextBytes(s);
        return s;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
