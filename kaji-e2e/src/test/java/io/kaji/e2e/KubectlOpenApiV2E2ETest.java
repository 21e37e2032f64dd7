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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * OpenAPI v2 with the real kubectl 1.27 and 1.28, which read {@code /openapi/v2} only in gnostic's protobuf form
 * before {@code apply}/{@code create} with validation and {@code explain}, against a real
 * {@code kaji server --disable-agent} process: apply with validation on (and again, as a patch), the strict
 * server-side message for an unknown field, {@code explain} of a built-in field and of a custom resource, and 1.32's
 * {@code explain --output=plaintext-openapiv2}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@EnabledIf("supported")
class KubectlOpenApiV2E2ETest {

    private static final Path ROOT = Path.of("target", "e2e-openapi-v2").toAbsolutePath();

    static final String CRD = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: gadgets.example.com
            spec:
              group: example.com
              scope: Namespaced
              names: {plural: gadgets, singular: gadget, kind: Gadget}
              versions:
              - name: v1
                served: true
                storage: true
                schema:
                  openAPIV3Schema:
                    type: object
                    description: A Gadget is a thing made by the gadget operator.
                    properties:
                      spec:
                        type: object
                        description: What the gadget should be.
                        properties:
                          size: {type: string, enum: [small, large], description: How big the gadget is.}
                          ports:
                            type: array
                            items: {x-kubernetes-int-or-string: true}
                          extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
            """;

    private KajiProcess server;
    private Path kubeconfig;

    static boolean supported() {
        return Files.isExecutable(Kubectl.DEFAULT_BINARY);
    }

    @BeforeAll
    void start() throws Exception {
        deleteRecursively(ROOT);
        Path data = ROOT.resolve("data");
        server = KajiProcess.start("server", ROOT.resolve("server.log"), "server", "--data-dir", data.toString(),
                "--https-port", Integer.toString(freePort()), "--bind-address", "127.0.0.1", "--disable-agent",
                "--cluster-cidr", "100.64.120.0/22", "--service-cidr", "100.64.124.0/24");
        kubeconfig = data.resolve("kubeconfig");
        Kubectl kubectl = kubectl("1.32");
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
        // The server's log stays for diagnosis; its data (PKI, store) and kubectl's homes go.
        deleteRecursively(ROOT.resolve("data"));
        deleteRecursively(ROOT.resolve("home"));
    }

    /** kubectl of {@code version} (1.32 is /usr/bin/kubectl), with its own home and cache. */
    private Kubectl kubectl(String version) throws IOException {
        Path binary = version.equals("1.32") ? Kubectl.DEFAULT_BINARY
                : Path.of("/usr/lib/google-cloud-sdk/bin/kubectl." + version);
        Assumptions.assumeTrue(Files.isExecutable(binary), "kubectl " + version + " is not installed");
        return new Kubectl(binary, kubeconfig, Files.createDirectories(ROOT.resolve("home").resolve(version)));
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.28"})
    @Order(1)
    void applyWithValidationReadsTheProtobufDocument(String version) throws IOException {
        Kubectl k = kubectl(version);
        String name = "v2-" + version.replace('.', '-');
        String manifest = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: %s}
                spec:
                  replicas: %d
                  selector: {matchLabels: {app: %s}}
                  template:
                    metadata: {labels: {app: %s}}
                    spec: {containers: [{name: main, image: "nginx:1.27", ports: [{containerPort: 80}]}]}
                """;
        Kubectl.Result created = k.run(Map.of(), manifest.formatted(name, 2, name, name), "apply", "-f", "-", "-v=6");
        assertThat(created.exitCode()).as(created.toString()).isZero();
        assertThat(created.stdout().strip()).isEqualTo("deployment.apps/" + name + " created");
        // The document came from /openapi/v2 (kubectl logs each request at -v=6), and validation was asked of the
        // server.
        assertThat(created.stderr()).containsPattern("GET https://[^ ]+/openapi/v2\\?timeout=32s 200 OK")
                .containsPattern("POST https://[^ ]+/apis/apps/v1/namespaces/default/deployments\\?"
                        + "fieldManager=kubectl-client-side-apply&fieldValidation=Strict 201 Created");

        Kubectl.Result configured = k.run(Map.of(), manifest.formatted(name, 3, name, name), "apply", "-f", "-");
        assertThat(configured.exitCode()).as(configured.toString()).isZero();
        assertThat(configured.stdout().strip()).isEqualTo("deployment.apps/" + name + " configured");
        assertThat(k.run("get", "deployment", name, "-o", "jsonpath={.spec.replicas}").stdout()).isEqualTo("3");

        Kubectl.Result created2 = k.run(Map.of(), """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: %s}
                data: {a: b}
                """.formatted(name), "create", "-f", "-");
        assertThat(created2.exitCode()).as(created2.toString()).isZero();
        assertThat(created2.stdout().strip()).isEqualTo("configmap/" + name + " created");
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.28"})
    @Order(2)
    void anUnknownFieldIsRejectedByStrictServerSideValidation(String version) throws IOException {
        Kubectl k = kubectl(version);
        String name = "typo-" + version.replace('.', '-');
        Kubectl.Result bad = k.run(Map.of(), """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: %s}
                spec:
                  replicas: 1
                  replicaz: 2
                  selector: {matchLabels: {app: x}}
                  template:
                    metadata: {labels: {app: x}}
                    spec: {containers: [{name: main, image: "nginx:1.27"}]}
                """.formatted(name), "apply", "-f", "-");
        assertThat(bad.exitCode()).as(bad.toString()).isNotZero();
        assertThat(bad.stderr().strip()).as(bad.toString()).isEqualTo("Error from server (BadRequest): error when "
                + "creating \"STDIN\": Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding "
                + "error: unknown field \"spec.replicaz\"");
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.28"})
    @Order(3)
    void explainPrintsTheDescription(String version) throws IOException {
        Kubectl k = kubectl(version);
        Kubectl.Result explain = k.run("explain", "deployment.spec.replicas");
        assertThat(explain.exitCode()).as(explain.toString()).isZero();
        assertThat(explain.stdout()).contains("KIND:").contains("Deployment").containsPattern("replicas\\s+<integer>")
                .contains("The number of pods the deployment keeps running.");
        Kubectl.Result v2 = k.run("explain", "deployment.spec", "--output=plaintext-openapiv2");
        assertThat(v2.exitCode()).as(v2.toString()).isZero();
        assertThat(v2.stdout()).containsPattern("template\\s+<Object> -required-|template\\s+<Object>")
                .contains("The pod template from which");
    }

    @Test
    @Order(4)
    void explainACustomResource() throws IOException {
        Kubectl admin = kubectl("1.32");
        Kubectl.Result crd = admin.run(Map.of(), CRD, "apply", "-f", "-");
        assertThat(crd.exitCode()).as(crd.toString()).isZero();
        assertThat(admin.run("wait", "--for", "condition=established", "--timeout=30s", "crd/gadgets.example.com")
                .exitCode()).isZero();
        for (String version : new String[] {"1.27", "1.28"}) {
            Kubectl k = kubectl(version);
            for (String output : new String[] {"plaintext", "plaintext-openapiv2"}) {
                Kubectl.Result explain = k.run("explain", "gadget.spec", "--output=" + output);
                assertThat(explain.exitCode()).as(version + " " + output + ": " + explain).isZero();
                assertThat(explain.stdout()).as(version + " " + output).contains("Gadget")
                        .contains("What the gadget should be.").contains("How big the gadget is.");
            }
            Kubectl.Result applied = k.run(Map.of(), """
                    apiVersion: example.com/v1
                    kind: Gadget
                    metadata: {name: g-%s}
                    spec: {size: small, ports: [80, http], extra: {any: [1, 2]}}
                    """.formatted(version.replace('.', '-')), "apply", "-f", "-");
            assertThat(applied.exitCode()).as(version + ": " + applied).isZero();
            assertThat(applied.stdout()).contains("gadget.example.com/g-" + version.replace('.', '-') + " created");
        }
    }

    @Test
    @Order(5)
    void kubectl132ExplainsFromTheV2Document() throws IOException {
        Kubectl k = kubectl("1.32");
        Kubectl.Result explain = k.run("explain", "--output=plaintext-openapiv2", "pods");
        assertThat(explain.exitCode()).as(explain.toString()).isZero();
        assertThat(explain.stdout()).contains("KIND:     Pod").contains("VERSION:  v1")
                .contains("A Pod is a group of containers")
                .containsPattern("spec\\s+<Object>").contains("The desired state of the object");
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
