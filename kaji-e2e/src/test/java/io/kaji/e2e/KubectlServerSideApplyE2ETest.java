package io.kaji.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kaji.cli.localcluster.KajiProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * {@code kubectl apply --server-side} with the real kubectl against a {@code kaji server --disable-agent} process:
 * create and update, managed fields on {@code --show-managed-fields}, the conflict after {@code kubectl scale} and
 * {@code --force-conflicts}, the move from client-side apply, fields an applier stops applying, and server dry runs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@EnabledIf("supported")
class KubectlServerSideApplyE2ETest {

    private static final Path ROOT = Path.of("target", "e2e-ssa").toAbsolutePath();

    private KajiProcess server;
    private Kubectl kubectl;

    static boolean supported() {
        return Files.isExecutable(Kubectl.DEFAULT_BINARY);
    }

    @BeforeAll
    void start() throws Exception {
        deleteTree(ROOT);
        Path dataDir = ROOT.resolve("server");
        server = KajiProcess.start("server", ROOT.resolve("server.log"), "server", "--data-dir", dataDir.toString(),
                "--https-port", Integer.toString(freePort()), "--disable-agent");
        Path kubeconfig = dataDir.resolve("kubeconfig");
        await("kaji server writes its kubeconfig").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .failFast("kaji server exited", () -> !server.alive()).until(() -> Files.exists(kubeconfig));
        kubectl = new Kubectl(Kubectl.DEFAULT_BINARY, kubeconfig, Files.createDirectories(ROOT.resolve("home")));
        await("kaji server serves").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .failFast("kaji server exited", () -> !server.alive())
                .until(() -> kubectl.run("get", "namespace", "default").exitCode() == 0);
    }

    @AfterAll
    void stop() throws IOException {
        if (server != null) {
            server.stop();
        }
        deleteTree(ROOT.resolve("server"));
    }

    private Kubectl.Result apply(String manifest, String... flags) {
        String[] args = Stream.concat(Stream.of("apply", "-f", "-"), Stream.of(flags)).toArray(String[]::new);
        return kubectl.run(Map.of(), manifest, args);
    }

    private static String deployment(String name, int replicas, String image) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: %s}
                spec:
                  replicas: %d
                  selector: {matchLabels: {app: %s}}
                  template:
                    metadata: {labels: {app: %s}}
                    spec:
                      containers:
                      - name: web
                        image: %s
                        ports:
                        - containerPort: 80
                """.formatted(name, replicas, name, name, image);
    }

    private String get(String what, String jsonPath) {
        Kubectl.Result r = kubectl.run("get", what, "-o", "jsonpath=" + jsonPath, "--show-managed-fields");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        return r.stdout();
    }

    @Test
    void applyCreatesAndUpdatesAndShowsManagedFieldsOnlyWhenAsked() {
        Kubectl.Result created = apply(deployment("ssa-web", 2, "nginx:1.25"), "--server-side");
        assertThat(created.exitCode()).as(created.toString()).isZero();
        assertThat(created.stdout()).contains("deployment.apps/ssa-web serverside-applied");

        Kubectl.Result updated = apply(deployment("ssa-web", 2, "nginx:1.27"), "--server-side");
        assertThat(updated.exitCode()).as(updated.toString()).isZero();
        assertThat(get("deployment/ssa-web", "{.spec.template.spec.containers[0].image}")).isEqualTo("nginx:1.27");

        Kubectl.Result shown = kubectl.run("get", "deployment", "ssa-web", "-o", "yaml", "--show-managed-fields");
        assertThat(shown.stdout()).contains("managedFields:", "manager: kubectl", "operation: Apply",
                "fieldsType: FieldsV1", "f:replicas: {}", "k:{\"name\":\"web\"}:",
                "k:{\"containerPort\":80,\"protocol\":\"TCP\"}:");
        Kubectl.Result hidden = kubectl.run("get", "deployment", "ssa-web", "-o", "yaml");
        assertThat(hidden.stdout()).contains("image: nginx:1.27").doesNotContain("managedFields");
    }

    @Test
    void scaleThenApplyConflictsUntilForced() {
        assertThat(apply(deployment("ssa-scale", 2, "nginx:1.25"), "--server-side").exitCode()).isZero();
        Kubectl.Result scaled = kubectl.run("scale", "deployment", "ssa-scale", "--replicas=5");
        assertThat(scaled.exitCode()).as(scaled.toString()).isZero();

        Kubectl.Result conflict = apply(deployment("ssa-scale", 2, "nginx:1.25"), "--server-side");
        assertThat(conflict.exitCode()).as(conflict.toString()).isNotZero();
        assertThat(conflict.stderr()).contains("Apply failed with 1 conflict: conflict with \"kubectl\" with "
                + "subresource \"scale\" using apps/v1: .spec.replicas");
        assertThat(get("deployment/ssa-scale", "{.spec.replicas}")).isEqualTo("5");

        Kubectl.Result forced = apply(deployment("ssa-scale", 2, "nginx:1.25"), "--server-side",
                "--force-conflicts");
        assertThat(forced.exitCode()).as(forced.toString()).isZero();
        assertThat(get("deployment/ssa-scale", "{.spec.replicas}")).isEqualTo("2");
    }

    @Test
    void serverSideApplyAfterClientSideApplyTakesOverAndDropsRemovedKeys() {
        String v1 = """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: ssa-csa}
                data: {a: "1", b: "2"}
                """;
        Kubectl.Result csa = apply(v1);
        assertThat(csa.exitCode()).as(csa.toString()).isZero();
        assertThat(get("configmap/ssa-csa", "{.metadata.managedFields[*].manager}"))
                .contains("kubectl-client-side-apply");

        Kubectl.Result ssa = apply(v1.replace("b: \"2\"", "b: \"3\""), "--server-side");
        assertThat(ssa.exitCode()).as(ssa.toString()).isZero();
        assertThat(get("configmap/ssa-csa", "{.data.b}")).isEqualTo("3");

        // kubectl moved the client-side apply ownership to its Apply entries.
        assertThat(get("configmap/ssa-csa", "{.metadata.managedFields[*].manager}"))
                .isEqualTo("kubectl kubectl-last-applied");

        Kubectl.Result dropped = apply(v1.replace(", b: \"2\"", ""), "--server-side");
        assertThat(dropped.exitCode()).as(dropped.toString()).isZero();
        assertThat(get("configmap/ssa-csa", "{.data}")).isEqualTo("{\"a\":\"1\"}");

        // A later client-side apply still works from the annotation server-side apply kept current.
        Kubectl.Result csaAgain = apply(v1);
        assertThat(csaAgain.exitCode()).as(csaAgain.toString()).isZero();
        assertThat(get("configmap/ssa-csa", "{.data}")).isEqualTo("{\"a\":\"1\",\"b\":\"2\"}");
    }

    @Test
    void serverDryRunChangesNothing() {
        String cm = """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: ssa-dry}
                data: {a: "1"}
                """;
        Kubectl.Result dry = apply(cm, "--server-side", "--dry-run=server");
        assertThat(dry.exitCode()).as(dry.toString()).isZero();
        assertThat(dry.stdout()).contains("configmap/ssa-dry serverside-applied (server dry run)");
        assertThat(kubectl.run("get", "configmap", "ssa-dry").exitCode()).isNotZero();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
