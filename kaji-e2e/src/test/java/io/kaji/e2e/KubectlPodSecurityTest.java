package io.kaji.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.server.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real kubectl against Kaji's default security settings: Pod Security warnings and rejections printed as
 * kubectl prints them against Kubernetes, Secrets readable through kubectl but not in the store file, and an
 * audit log of what kubectl did.
 */
class KubectlPodSecurityTest {

    @TempDir
    static Path data;
    @TempDir
    static Path home;
    static TestServer server;
    static Kubectl kubectl;

    static final String RESTRICTED_NGINX = "would violate PodSecurity \"restricted:latest\": allowPrivilegeEscalation"
            + " != false (container \"web\" must set securityContext.allowPrivilegeEscalation=false), unrestricted "
            + "capabilities (container \"web\" must set securityContext.capabilities.drop=[\"ALL\"]), runAsNonRoot != "
            + "true (pod or container \"web\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or "
            + "container \"web\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")";

    @BeforeAll
    static void start() {
        server = TestServer.start(data);
        kubectl = new Kubectl(Kubectl.DEFAULT_BINARY, server.kubeconfig(), home);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Kubectl.Result ok(String... args) {
        Kubectl.Result r = kubectl.run(args);
        assertThat(r.exitCode()).as("kubectl %s\n%s", String.join(" ", args), r).isZero();
        return r;
    }

    @Test
    void runPrintsTheRestrictedWarningAndCreatesThePod() {
        Kubectl.Result r = ok("run", "web", "--image=nginx");
        assertThat(r.stdout()).isEqualTo("pod/web created\n");
        assertThat(r.stderr()).isEqualTo("Warning: " + RESTRICTED_NGINX + "\n");
    }

    @Test
    void privilegedPodIsForbiddenWithKubernetesMessage() throws IOException {
        Path manifest = home.resolve("priv.yaml");
        Files.writeString(manifest, """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: priv
                spec:
                  containers:
                  - name: c
                    image: busybox
                    securityContext:
                      privileged: true
                """);
        Kubectl.Result r = kubectl.run("apply", "-f", manifest.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr()).isEqualTo("Error from server (Forbidden): error when creating \"" + manifest + "\": "
                + "pods \"priv\" is forbidden: violates PodSecurity \"baseline:latest\": privileged (container \"c\" "
                + "must not set securityContext.privileged=true)\n");
    }

    @Test
    void deploymentTemplatesWarnAndTighteningANamespaceListsViolatingPods() {
        Kubectl.Result d = ok("create", "deployment", "api", "--image=nginx");
        assertThat(d.stderr()).startsWith("Warning: would violate PodSecurity \"restricted:latest\": "
                + "allowPrivilegeEscalation != false (container \"nginx\" must set");
        ok("create", "namespace", "shop");
        ok("run", "web", "--image=nginx", "-n", "shop");
        Kubectl.Result label = ok("label", "namespace", "shop", "pod-security.kubernetes.io/enforce=restricted");
        assertThat(label.stdout()).isEqualTo("namespace/shop labeled\n");
        assertThat(label.stderr()).isEqualTo("Warning: existing pods in namespace \"shop\" violate the new "
                + "PodSecurity enforce level \"restricted:latest\"\nWarning: web: allowPrivilegeEscalation != false, "
                + "unrestricted capabilities, runAsNonRoot != true, seccompProfile\n");
        Kubectl.Result rejected = kubectl.run("run", "web2", "--image=nginx", "-n", "shop");
        assertThat(rejected.exitCode()).isEqualTo(1);
        assertThat(rejected.stderr()).isEqualTo("Error from server (Forbidden): pods \"web2\" is forbidden: "
                + RESTRICTED_NGINX.replace("would violate", "violates").replace("\"web\"", "\"web2\"") + "\n");
    }

    @Test
    void secretsAreReadableThroughKubectlButNotInTheStoreAndKubectlIsAudited() throws IOException {
        String value = "hunter2-" + UUID.randomUUID();
        ok("create", "secret", "generic", "login", "--from-literal=password=" + value);
        String encoded = ok("get", "secret", "login", "-o", "jsonpath={.data.password}").stdout();
        assertThat(new String(java.util.Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8)).isEqualTo(value);
        assertThat(contains(data.resolve("db"), encoded)).isFalse();
        assertThat(contains(data.resolve("db"), value)).isFalse();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() ->
                Files.readAllLines(data.resolve("logs/audit.log")).stream().anyMatch(l -> l.contains("\"verb\":\"create\"")
                        && l.contains("\"resource\":\"secrets\"") && l.contains("\"name\":\"login\"")
                        && l.contains("\"userAgent\":\"kubectl/")));
        assertThat(Files.readString(data.resolve("logs/audit.log"))).doesNotContain(encoded);
    }

    static boolean contains(Path dir, String needle) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).anyMatch(f -> {
                try {
                    return new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(needle);
                } catch (IOException e) {
                    return false;
                }
            });
        }
    }
}
