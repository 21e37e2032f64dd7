package io.kaji.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kaji.cli.localcluster.KajiProcess;
import io.kaji.store.etcd.LoopbackPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Namespaces and quotas with the real kubectl against a real {@code kaji server --disable-agent} process, whose
 * in-process controller manager runs the namespace and ResourceQuota controllers: protected namespaces cannot be
 * deleted, quota usage follows a deletion, {@code kubectl delete ns} leaves a Terminating namespace that refuses new
 * content with Kubernetes' message, and the namespace is gone once the controller has emptied it. Ordered.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@EnabledIf("supported")
class KubectlNamespaceE2ETest {

    private static final Path ROOT = Path.of("target", "e2e-namespace").toAbsolutePath();

    private KajiProcess server;
    private Kubectl kubectl;

    static boolean supported() {
        return Files.isExecutable(Kubectl.DEFAULT_BINARY);
    }

    @BeforeAll
    void start() throws Exception {
        deleteRecursively(ROOT);
        Path data = ROOT.resolve("data");
        server = KajiProcess.start("server", ROOT.resolve("server.log"), "server", "--data-dir", data.toString(),
                "--https-port", Integer.toString(LoopbackPorts.free()), "--bind-address", "127.0.0.1",
                "--disable-agent",
                "--cluster-cidr", "100.64.120.0/22", "--service-cidr", "100.64.124.0/24");
        Path kubeconfig = data.resolve("kubeconfig");
        kubectl = new Kubectl(Kubectl.DEFAULT_BINARY, kubeconfig, Files.createDirectories(ROOT.resolve("home")));
        try {
            await("the server writes its kubeconfig and serves").atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(300)).failFast("the server exited", () -> !server.alive())
                    .until(() -> Files.exists(kubeconfig) && kubectl.run("get", "ns", "default").exitCode() == 0);
        } catch (RuntimeException | AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + server.tail(40), e);
        }
    }

    @AfterAll
    void stop() throws IOException {
        if (server != null) {
            server.stop();
        }
        deleteRecursively(ROOT.resolve("data"));
        deleteRecursively(ROOT.resolve("home"));
    }

    private Kubectl.Result ok(String... args) {
        Kubectl.Result r = kubectl.run(args);
        assertThat(r.exitCode()).as("kubectl %s\n%s", String.join(" ", args), r).isZero();
        return r;
    }

    @Test
    @Order(1)
    void protectedNamespacesCannotBeDeleted() {
        Kubectl.Result r = kubectl.run("delete", "namespace", "kube-system");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr().strip()).isEqualTo("Error from server (Forbidden): namespaces \"kube-system\" is "
                + "forbidden: this namespace may not be deleted");
    }

    @Test
    @Order(2)
    void quotaUsageFollowsADeletion() {
        ok("create", "namespace", "team");
        ok("-n", "team", "create", "configmap", "settings", "--from-literal=a=b");
        ok("-n", "team", "create", "deployment", "web", "--image=busybox:1");
        // The controller manager is running once the deployment has its ReplicaSet (it starts after leader
        // election and its informers' first lists, which on a busy machine can take a while after the API).
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() ->
                !ok("-n", "team", "get", "replicasets", "-o", "name").stdout().isBlank());
        ok("-n", "team", "create", "quota", "q", "--hard=configmaps=5,count/deployments.apps=2");
        // kube-root-ca.crt, published in every namespace, counts too.
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(ok("-n", "team", "get", "quota", "q",
                "-o", "jsonpath={.status.used.configmaps} {.status.used.count/deployments\\.apps}").stdout())
                .isEqualTo("2 1"));
        ok("-n", "team", "delete", "configmap", "settings");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(ok("-n", "team", "get", "quota", "q",
                "-o", "jsonpath={.status.used.configmaps}").stdout()).isEqualTo("1"));
    }

    @Test
    @Order(3)
    void deletingANamespaceTerminatesItThenRemovesIt() {
        long start = System.nanoTime();
        assertThat(ok("delete", "namespace", "team", "--wait=false").stdout().strip())
                .isEqualTo("namespace \"team\" deleted");
        Kubectl.Result refused = kubectl.run("-n", "team", "create", "configmap", "late");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.stderr().strip()).isEqualTo("error: failed to create configmap: configmaps \"late\" is "
                + "forbidden: unable to create new content in namespace team because it is being terminated");

        Kubectl.Result waited = kubectl.run("wait", "--for=delete", "namespace/team", "--timeout=60s");
        assertThat(waited.exitCode()).as(waited.toString()).isZero();
        System.out.printf("namespace with a deployment, a quota and ConfigMaps gone %d ms after kubectl delete%n",
                (System.nanoTime() - start) / 1_000_000);
        Kubectl.Result gone = kubectl.run("get", "namespace", "team");
        assertThat(gone.stderr().strip()).isEqualTo("Error from server (NotFound): namespaces \"team\" not found");
    }


    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
