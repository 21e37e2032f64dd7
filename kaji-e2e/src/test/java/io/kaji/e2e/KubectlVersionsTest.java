package io.kaji.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.server.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The same everyday commands with every kubectl from 1.27 to 1.33: discovery (legacy on 1.27-1.29, aggregated v2
 * later), tables, apply with validation, the create generators (protobuf on 1.32+) and auth can-i.
 */
class KubectlVersionsTest {

    @TempDir
    static Path data;
    @TempDir
    static Path home;
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(data);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @ParameterizedTest(name = "kubectl {0}")
    @ValueSource(strings = {"1.27", "1.28", "1.29", "1.30", "1.31", "1.32", "1.33"})
    void everydayCommands(String version) throws Exception {
        Path binary = Path.of("/usr/lib/google-cloud-sdk/bin/kubectl." + version);
        Assumptions.assumeTrue(Files.isExecutable(binary), "kubectl " + version + " is not installed");
        Path myHome = Files.createDirectories(home.resolve(version));
        Kubectl k = new Kubectl(binary, server.kubeconfig(), myHome);
        String suffix = version.replace('.', '-');

        Kubectl.Result v = k.run("version");
        // 1.27 prints version.Info{...GitVersion:"..."}, later versions the short form.
        assertThat(v.stdout()).as(v.toString())
                .containsPattern("Server Version: (version.Info\\{.*GitVersion:\"v1.32.0\\+kaji.test\"|v1.32.0\\+kaji.test)");

        Kubectl.Result ns = k.run("get", "namespaces");
        assertThat(ns.stdout()).as(ns.toString()).containsPattern("(?m)^kube-system\\s+Active\\s+\\d+s$");

        Path manifest = myHome.resolve("deploy.yaml");
        Files.writeString(manifest, """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web-%s}
                spec:
                  replicas: 2
                  selector: {matchLabels: {app: web-%s}}
                  template:
                    metadata: {labels: {app: web-%s}}
                    spec: {containers: [{name: main, image: "nginx:1.27"}]}
                """.formatted(suffix, suffix, suffix));
        // With validation on: 1.27 and 1.28 read /openapi/v2 (protobuf) first, later versions /openapi/v3.
        Kubectl.Result apply = k.run("apply", "-f", manifest.toString());
        assertThat(apply.stdout().strip()).as(apply.toString()).isEqualTo("deployment.apps/web-" + suffix + " created");

        Kubectl.Result wide = k.run("get", "deployment", "web-" + suffix, "-o", "wide");
        assertThat(wide.stdout()).as(wide.toString()).containsPattern("(?m)^web-" + suffix
                + "\\s+0/2\\s+0\\s+0\\s+\\d+s\\s+main\\s+nginx:1.27\\s+app=web-" + suffix + "$");

        Kubectl.Result create = k.run("create", "configmap", "cm-" + suffix, "--from-literal=a=b");
        assertThat(create.stdout().strip()).as(create.toString()).isEqualTo("configmap/cm-" + suffix + " created");

        Kubectl.Result canI = k.run("auth", "can-i", "create", "pods");
        assertThat(canI.exitCode()).as(canI.toString()).isZero();
        assertThat(canI.stdout().strip()).isEqualTo("yes");

        Kubectl.Result missing = k.run("get", "configmap", "nope-" + suffix);
        assertThat(missing.stderr().strip()).isEqualTo("Error from server (NotFound): configmaps \"nope-" + suffix
                + "\" not found");
    }
}
