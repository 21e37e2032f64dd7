package io.kaji.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kaji.cli.localcluster.KajiProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
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
 * CustomResourceDefinitions with the real kubectl against a real {@code kaji server --disable-agent} process (no
 * containers needed): apply a CRD, {@code kubectl wait --for condition=established}, {@code api-resources}, apply a
 * custom resource, printer columns in {@code get}, Kubernetes' message for an invalid one, {@code scale},
 * {@code explain}, and deleting the CRD deletes its custom resources. Ordered: each step builds on the last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@EnabledIf("supported")
class KubectlCrdE2ETest {

    private static final Path ROOT = Path.of("target", "e2e-crd").toAbsolutePath();

    static final String CRD = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: widgets.example.com
            spec:
              group: example.com
              scope: Namespaced
              names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
              versions:
              - name: v1
                served: true
                storage: true
                subresources:
                  status: {}
                  scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas}
                additionalPrinterColumns:
                - {name: Replicas, type: integer, jsonPath: .spec.replicas}
                - {name: Size, type: string, jsonPath: .spec.size}
                - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
                schema:
                  openAPIV3Schema:
                    type: object
                    description: A Widget is a thing made by the widget operator.
                    properties:
                      spec:
                        type: object
                        description: What the widget should be.
                        properties:
                          replicas: {type: integer, minimum: 0, description: How many widgets to run.}
                          size: {type: string, enum: [small, large], default: small}
                      status:
                        type: object
                        properties:
                          replicas: {type: integer}
            """;

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
                "--https-port", Integer.toString(freePort()), "--bind-address", "127.0.0.1", "--disable-agent",
                "--cluster-cidr", "100.64.112.0/22", "--service-cidr", "100.64.116.0/24");
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
        // The server's log stays for diagnosis; its data (PKI, store) and kubectl's home go.
        deleteRecursively(ROOT.resolve("data"));
        deleteRecursively(ROOT.resolve("home"));
    }

    private Kubectl.Result apply(String yaml) {
        return kubectl.run(Map.of(), yaml, "apply", "-f", "-");
    }

    @Test
    @Order(1)
    void applyTheCrdAndWaitUntilEstablished() {
        Kubectl.Result applied = apply(CRD);
        assertThat(applied.exitCode()).as(applied.toString()).isZero();
        assertThat(applied.stdout()).contains("customresourcedefinition.apiextensions.k8s.io/widgets.example.com "
                + "created");
        Kubectl.Result wait = kubectl.run("wait", "--for", "condition=established", "--timeout=30s",
                "crd/widgets.example.com");
        assertThat(wait.exitCode()).as(wait.toString()).isZero();
        assertThat(wait.stdout()).contains("condition met");
        Kubectl.Result resources = kubectl.run("api-resources", "--api-group=example.com");
        assertThat(resources.exitCode()).as(resources.toString()).isZero();
        assertThat(resources.stdout()).containsPattern("widgets\\s+wd\\s+example.com/v1\\s+true\\s+Widget");
    }

    @Test
    @Order(2)
    void applyACustomResourceAndSeeThePrinterColumns() {
        Kubectl.Result applied = apply("""
                apiVersion: example.com/v1
                kind: Widget
                metadata: {name: w1}
                spec: {replicas: 2}
                """);
        assertThat(applied.exitCode()).as(applied.toString()).isZero();
        assertThat(applied.stdout()).contains("widget.example.com/w1 created");
        Kubectl.Result get = kubectl.run("get", "widgets");
        assertThat(get.exitCode()).as(get.toString()).isZero();
        assertThat(get.stdout()).containsPattern("NAME\\s+REPLICAS\\s+SIZE\\s+AGE")
                .containsPattern("w1\\s+2\\s+small\\s+\\d+s");
        Kubectl.Result shortName = kubectl.run("get", "wd", "w1", "-o", "jsonpath={.spec.size}");
        assertThat(shortName.stdout()).isEqualTo("small");
    }

    @Test
    @Order(3)
    void anInvalidCustomResourceGetsKubernetesMessage() {
        Kubectl.Result bad = apply("""
                apiVersion: example.com/v1
                kind: Widget
                metadata: {name: bad}
                spec: {replicas: three, size: huge}
                """);
        assertThat(bad.exitCode()).isNotZero();
        // kubectl lists the Status causes, as it does against Kubernetes.
        assertThat(bad.stderr()).isEqualTo("""
                The Widget "bad" is invalid:\040
                * spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"
                * spec.size: Unsupported value: "huge": supported values: "small", "large"
                """);
        Kubectl.Result unknown = apply("""
                apiVersion: example.com/v1
                kind: Widget
                metadata: {name: typo}
                spec: {replicas: 1, sise: large}
                """);
        assertThat(unknown.exitCode()).isNotZero();
        assertThat(unknown.stderr()).contains("unknown field \"spec.sise\"");
    }

    @Test
    @Order(4)
    void scaleAndExplain() {
        Kubectl.Result scaled = kubectl.run("scale", "widget/w1", "--replicas=4");
        assertThat(scaled.exitCode()).as(scaled.toString()).isZero();
        assertThat(scaled.stdout()).contains("widget.example.com/w1 scaled");
        assertThat(kubectl.run("get", "widget", "w1", "-o", "jsonpath={.spec.replicas}").stdout()).isEqualTo("4");
        Kubectl.Result explain = kubectl.run("explain", "widget.spec");
        assertThat(explain.exitCode()).as(explain.toString()).isZero();
        assertThat(explain.stdout()).contains("KIND:       Widget").contains("What the widget should be.")
                .containsPattern("replicas\\s+<integer>").contains("How many widgets to run.");
    }

    @Test
    @Order(5)
    void deletingTheCrdDeletesItsCustomResources() {
        Kubectl.Result deleted = kubectl.run("delete", "crd", "widgets.example.com", "--timeout=30s");
        assertThat(deleted.exitCode()).as(deleted.toString()).isZero();
        Kubectl.Result gone = kubectl.run("get", "widgets");
        assertThat(gone.exitCode()).isNotZero();
        // With kubectl's discovery cache still listing widgets, the list itself is answered 404.
        assertThat(gone.stderr()).containsPattern("the server doesn't have a resource type \"widgets\""
                + "|the server could not find the requested resource");
        assertThat(apply(CRD).exitCode()).isZero();
        assertThat(kubectl.run("wait", "--for", "condition=established", "--timeout=30s",
                "crd/widgets.example.com").exitCode()).isZero();
        Kubectl.Result empty = kubectl.run("get", "widgets", "-A");
        assertThat(empty.exitCode()).as(empty.toString()).isZero();
        assertThat(empty.stderr()).contains("No resources found");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
