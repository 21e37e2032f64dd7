package io.kaji.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kaji.apiserver.server.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real kubectl (1.32, /usr/bin/kubectl) against an in-process Kaji server with the generated kubeconfig,
 * asserting on what kubectl prints, which must match what it prints against Kubernetes for the same objects.
 */
class KubectlTest {

    @TempDir
    static Path data;
    @TempDir
    static Path home;
    static TestServer server;
    static Kubectl kubectl;

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

    static Path manifest(String name, String yaml) throws Exception {
        Path p = home.resolve(name);
        Files.writeString(p, yaml);
        return p;
    }

    static String deployment(String name, int replicas, String image) {
        return """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: %s
                  labels: {app: %s}
                spec:
                  replicas: %d
                  selector:
                    matchLabels: {app: %s}
                  template:
                    metadata:
                      labels: {app: %s}
                    spec:
                      containers:
                      - name: main
                        image: %s
                        ports: [{containerPort: 80}]
                        env: [{name: MODE, value: "a"}]
                """.formatted(name, name, replicas, name, name, image);
    }

    @Test
    void versionReportsTheServer() {
        assertThat(ok("version").stdout()).contains("Server Version: v1.32.0+kaji.test");
    }

    @Test
    void getNamespacesPrintsKubernetesColumns() {
        String out = ok("get", "namespaces").stdout();
        assertThat(out.lines().findFirst()).hasValueSatisfying(h -> assertThat(h).matches("NAME\\s+STATUS\\s+AGE"));
        assertThat(out).containsPattern("(?m)^default\\s+Active\\s+\\d+s$")
                .containsPattern("(?m)^kube-system\\s+Active\\s+\\d+s$");
    }

    @Test
    void apiResourcesComeFromDiscovery() {
        String out = ok("api-resources").stdout();
        assertThat(out).containsPattern("(?m)^deployments\\s+deploy\\s+apps/v1\\s+true\\s+Deployment$")
                .containsPattern("(?m)^pods\\s+po\\s+v1\\s+true\\s+Pod$")
                .containsPattern("(?m)^namespaces\\s+ns\\s+v1\\s+false\\s+Namespace$")
                .containsPattern("(?m)^leases\\s+coordination.k8s.io/v1\\s+true\\s+Lease$");
    }

    @Test
    void notFoundErrorsArePrintedAsKubernetesPrintsThem() {
        Kubectl.Result pod = kubectl.run("get", "pod", "nope");
        assertThat(pod.exitCode()).isEqualTo(1);
        assertThat(pod.stderr().strip()).isEqualTo("Error from server (NotFound): pods \"nope\" not found");
        Kubectl.Result deploy = kubectl.run("get", "deployment", "nope");
        assertThat(deploy.stderr().strip())
                .isEqualTo("Error from server (NotFound): deployments.apps \"nope\" not found");
        assertThat(ok("get", "pods", "-n", "kube-public").stderr().strip())
                .isEqualTo("No resources found in kube-public namespace.");
    }

    @Test
    void applyWithValidationCreatesThenIsUnchangedThenConfigures() throws Exception {
        Path m = manifest("apply.yaml", deployment("web", 2, "nginx:1.27"));
        assertThat(ok("apply", "-f", m.toString()).stdout().strip()).isEqualTo("deployment.apps/web created");
        assertThat(ok("apply", "-f", m.toString()).stdout().strip()).isEqualTo("deployment.apps/web unchanged");
        Files.writeString(m, deployment("web", 3, "nginx:1.28").replace("value: \"a\"", "value: \"b\""));
        assertThat(ok("apply", "-f", m.toString()).stdout().strip()).isEqualTo("deployment.apps/web configured");
        String jp = ok("get", "deployment", "web", "-o",
                "jsonpath={.spec.replicas} {.metadata.generation} {.spec.template.spec.containers[0].image} "
                        + "{.spec.template.spec.containers[0].env[0].value}").stdout();
        assertThat(jp).isEqualTo("3 2 nginx:1.28 b");
        String wide = ok("get", "deployments", "-o", "wide").stdout();
        assertThat(wide.lines().findFirst()).hasValueSatisfying(h -> assertThat(h).matches(
                "NAME\\s+READY\\s+UP-TO-DATE\\s+AVAILABLE\\s+AGE\\s+CONTAINERS\\s+IMAGES\\s+SELECTOR"));
        assertThat(wide).containsPattern("(?m)^web\\s+0/3\\s+0\\s+0\\s+\\d+s\\s+main\\s+nginx:1.28\\s+app=web$");
    }

    @Test
    void aGatedPodShowsSchedulingGatedUntilItsGatesAreRemoved() throws Exception {
        Path m = manifest("gated.yaml", """
                apiVersion: v1
                kind: Pod
                metadata: {name: gated}
                spec:
                  schedulingGates: [{name: example.com/quota}]
                  containers: [{name: c, image: busybox}]
                """);
        ok("apply", "-f", m.toString());
        assertThat(ok("get", "pod", "gated").stdout()).containsPattern("(?m)^gated\\s+0/1\\s+SchedulingGated\\s");
        Kubectl.Result added = kubectl.run("patch", "pod", "gated", "--type=json", "-p",
                "[{\"op\":\"add\",\"path\":\"/spec/schedulingGates/-\",\"value\":{\"name\":\"late\"}}]");
        assertThat(added.exitCode()).isNotZero();
        assertThat(added.stderr()).contains("only deletion is allowed, but found new scheduling gate 'late'");
        ok("patch", "pod", "gated", "--type=json", "-p", "[{\"op\":\"remove\",\"path\":\"/spec/schedulingGates\"}]");
        assertThat(ok("get", "pod", "gated", "-o", "jsonpath={.spec.schedulingGates}").stdout()).isEmpty();
        ok("delete", "pod", "gated");
    }

    @Test
    void podsPrintReadyStatusAndWideColumns() throws Exception {
        Path m = manifest("pod.yaml", """
                apiVersion: v1
                kind: Pod
                metadata: {name: solo, labels: {app: solo}}
                spec:
                  containers: [{name: c, image: busybox}]
                """);
        ok("apply", "--validate=false", "-f", m.toString());
        String out = ok("get", "pods", "-o", "wide", "--show-labels").stdout();
        assertThat(out.lines().findFirst()).hasValueSatisfying(h -> assertThat(h).matches(
                "NAME\\s+READY\\s+STATUS\\s+RESTARTS\\s+AGE\\s+IP\\s+NODE\\s+NOMINATED NODE\\s+READINESS GATES\\s+LABELS"));
        assertThat(out).containsPattern("(?m)^solo\\s+0/1\\s+Pending\\s+0\\s+\\d+s\\s+<none>\\s+<none>\\s+<none>\\s+"
                + "<none>\\s+app=solo$");
        assertThat(ok("get", "pods", "-A").stdout()).containsPattern("(?m)^default\\s+solo\\s+0/1\\s+Pending");
        assertThat(ok("get", "pod", "solo", "-o", "yaml").stdout()).contains("kind: Pod")
                .contains("restartPolicy: Always").contains("phase: Pending");
    }

    @Test
    void labelAnnotateScalePatchAndDelete() throws Exception {
        ok("apply", "--validate=false", "-f", manifest("lab.yaml", deployment("lab", 1, "nginx")).toString());
        assertThat(ok("label", "deployment", "lab", "tier=fe").stdout().strip()).isEqualTo("deployment.apps/lab labeled");
        assertThat(ok("annotate", "deployment", "lab", "note=hello").stdout().strip())
                .isEqualTo("deployment.apps/lab annotated");
        assertThat(ok("get", "deployments", "-l", "tier=fe", "-o", "name").stdout().strip())
                .isEqualTo("deployment.apps/lab");
        assertThat(ok("scale", "deployment", "lab", "--replicas=4").stdout().strip())
                .isEqualTo("deployment.apps/lab scaled");
        assertThat(ok("patch", "deployment", "lab", "--type=merge", "-p", "{\"spec\":{\"minReadySeconds\":5}}")
                .stdout().strip()).isEqualTo("deployment.apps/lab patched");
        assertThat(ok("patch", "deployment", "lab", "--type=json", "-p",
                "[{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/image\",\"value\":\"nginx:2\"}]")
                .stdout().strip()).isEqualTo("deployment.apps/lab patched");
        assertThat(ok("patch", "deployment", "lab", "-p",
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"main\",\"env\":[{\"name\":\"X\","
                        + "\"value\":\"1\"}]}]}}}}").stdout().strip()).isEqualTo("deployment.apps/lab patched");
        String jp = ok("get", "deployment", "lab", "-o", "jsonpath={.metadata.labels.tier} "
                + "{.metadata.annotations.note} {.spec.replicas} {.spec.minReadySeconds} "
                + "{.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].env[*].name}")
                .stdout();
        assertThat(jp).isEqualTo("fe hello 4 5 nginx:2 MODE X");
        assertThat(ok("patch", "deployment", "lab", "-p", "{\"spec\":{\"replicas\":4}}").stdout().strip())
                .isEqualTo("deployment.apps/lab patched (no change)");
        assertThat(ok("delete", "deployment", "lab").stdout().strip()).isEqualTo("deployment.apps \"lab\" deleted");
        assertThat(kubectl.run("get", "deployment", "lab").stderr().strip())
                .isEqualTo("Error from server (NotFound): deployments.apps \"lab\" not found");
    }

    @Test
    void applyWithValidationRejectsUnknownFieldsServerSide() throws Exception {
        Path m = manifest("bogus.yaml", """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: bogus}
                data: {a: b}
                bogus: 1
                """);
        Kubectl.Result r = kubectl.run("apply", "-f", m.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr().strip()).isEqualTo("Error from server (BadRequest): error when creating \""
                + m + "\": ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: "
                + "unknown field \"bogus\"");
    }

    @Test
    void explainReadsTheGeneratedSchema() {
        String out = ok("explain", "deployment.spec.replicas").stdout();
        assertThat(out).contains("KIND:       Deployment").contains("FIELD: replicas <integer>");
    }

    @Test
    void editWithANonInteractiveEditor() throws Exception {
        ok("apply", "--validate=false", "-f", manifest("edit.yaml", """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: edited}
                data: {color: blue}
                """).toString());
        Kubectl.Result r = kubectl.run(Map.of("KUBE_EDITOR", "sed -i s/blue/green/"), null,
                "edit", "configmap", "edited");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout().strip()).isEqualTo("configmap/edited edited");
        assertThat(ok("get", "configmap", "edited", "-o", "jsonpath={.data.color}").stdout()).isEqualTo("green");
    }

    @Test
    void createNamespaceWithJsonClient() {
        Kubectl k131 = new Kubectl(Kubectl.binary("1.31"), server.kubeconfig(), home);
        Kubectl.Result r = k131.run("create", "namespace", "made-by-131");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.stdout().strip()).isEqualTo("namespace/made-by-131 created");
        Kubectl.Result again = k131.run("create", "namespace", "made-by-131");
        assertThat(again.stderr().strip())
                .isEqualTo("Error from server (AlreadyExists): namespaces \"made-by-131\" already exists");
        Kubectl.Result invalid = k131.run("create", "configmap", "Bad_Name");
        assertThat(invalid.stderr().strip()).startsWith("error: failed to create configmap: ConfigMap \"Bad_Name\" "
                + "is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain");
    }

    @Test
    void createGeneratorsSendProtobufOn132() {
        assertThat(ok("create", "deployment", "pb", "--image=busybox", "--replicas=2", "--port=8080").stdout().strip())
                .isEqualTo("deployment.apps/pb created");
        assertThat(ok("create", "namespace", "pb-ns").stdout().strip()).isEqualTo("namespace/pb-ns created");
        assertThat(ok("create", "configmap", "pb-cm", "--from-literal=a=b").stdout().strip())
                .isEqualTo("configmap/pb-cm created");
        assertThat(ok("create", "secret", "generic", "pb-secret", "--from-literal=p=q").stdout().strip())
                .isEqualTo("secret/pb-secret created");
        assertThat(ok("get", "deployment", "pb", "-o", "jsonpath={.spec.replicas} {.spec.selector.matchLabels.app} "
                + "{.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort}")
                .stdout()).isEqualTo("2 pb busybox 8080");
        assertThat(ok("get", "deployment", "pb", "-o", "yaml").stdout()).doesNotContain("paused: false")
                .doesNotContain("hostPort: 0");
        assertThat(ok("get", "configmap", "pb-cm", "-o", "jsonpath={.data.a}").stdout()).isEqualTo("b");
        assertThat(ok("get", "secret", "pb-secret", "-o", "jsonpath={.data.p}").stdout()).isEqualTo("cQ==");
        assertThat(kubectl.run("create", "namespace", "pb-ns").stderr().strip())
                .isEqualTo("Error from server (AlreadyExists): namespaces \"pb-ns\" already exists");
    }

    @Test
    void debugNodeSendsAPodWithAHostPathVolumeInProtobuf() throws Exception {
        // kubectl debug node/... creates its pod in protobuf: the host's root as a hostPath volume, which protobuf
        // nests in Volume.volumeSource and JSON has inline.
        ok("apply", "-f", manifest("debug-node.yaml", """
                apiVersion: v1
                kind: Node
                metadata: {name: dbg-node}
                ---
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: ops
                  labels: {pod-security.kubernetes.io/enforce: privileged}
                """).toString());
        Kubectl.Result r = ok("debug", "node/dbg-node", "-n", "ops", "--image=busybox", "--profile=general");
        assertThat(r.stderr()).doesNotContain("unknown field");
        String pod = ok("get", "pods", "-n", "ops", "-o", "jsonpath={.items[0].metadata.name}").stdout();
        assertThat(pod).startsWith("node-debugger-dbg-node-");
        assertThat(ok("get", "pod", pod, "-n", "ops", "-o",
                "jsonpath={.spec.volumes[0].name} {.spec.volumes[0].hostPath.path} {.spec.nodeName}").stdout())
                .isEqualTo("host-root / dbg-node");
    }

    @Test
    void authCanIIsYesInSingleUserMode() {
        assertThat(ok("auth", "can-i", "delete", "deployments").stdout().strip()).isEqualTo("yes");
        assertThat(ok("auth", "can-i", "--list").stdout()).containsPattern("(?m)^\\*\\.\\*\\s+\\[\\]\\s+\\[\\]\\s+\\[\\*\\]$");
    }

    @Test
    void getWatchPrintsNewRows() throws Exception {
        Path out = home.resolve("watch.txt");
        Process watch = kubectl.start(out, "get", "configmaps", "-w", "-l", "watched=yes");
        try {
            // Created before or after kubectl's list: either way the row must be printed.
            ok("apply", "--validate=false", "-f", manifest("watched.yaml", """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata: {name: watched, labels: {watched: "yes"}}
                    data: {a: "1", b: "2"}
                    """).toString());
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThat(Files.readString(out))
                    .containsPattern("(?m)^watched\\s+2\\s+\\d+s$"));
        } finally {
            watch.destroy();
            if (!watch.waitFor(5, TimeUnit.SECONDS)) {
                watch.destroyForcibly();
            }
        }
    }
}
