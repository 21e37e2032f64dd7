package io.kaji.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kaji.cli.KajiCommand;
import io.kaji.cli.localcluster.LocalCluster;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIf;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code kaji diagnose} against a real cluster (server and agent processes, real containerd) holding deliberately
 * broken workloads applied with the real kubectl: each must be named with the right cause. The images come from
 * the node's local store; the missing one points at a closed port on loopback, so nothing contacts a registry.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@EnabledIf("supported")
class DiagnoseE2ETest {

    private static final String NODE = "e2e-diag";
    private static final String IMAGE = "docker.io/kaji/busybox:1.35";
    /** Secret values planted in a Secret (applied, so also in its last-applied annotation), a log line, an env var. */
    private static final List<String> PLANTED = List.of("e2e-planted-secret-1", "e2e-planted-log-2",
            "e2e-planted-env-3");

    private LocalCluster cluster;
    private Kubectl kubectl;

    static boolean supported() {
        return LocalCluster.supported();
    }

    @BeforeAll
    void start() throws Exception {
        Path root = Path.of("target", "e2e-diagnose").toAbsolutePath();
        cluster = LocalCluster.start(new LocalCluster.Spec(root, "100.64.96.0/22", "100.64.100.0/24", List.of(NODE),
                List.of("kajid1"), List.of()));
        kubectl = new Kubectl(Kubectl.DEFAULT_BINARY, cluster.kubeconfig(),
                Files.createDirectories(root.resolve("home")));
        apply("""
                apiVersion: v1
                kind: Namespace
                metadata: {name: broken}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: crasher, namespace: broken}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: crasher}}
                  template:
                    metadata: {labels: {app: crasher}}
                    spec:
                      terminationGracePeriodSeconds: 1
                      containers:
                      - name: main
                        image: %1$s
                        command: ["sh", "-c", "echo starting; echo 'FATAL: cannot open /etc/app/config.yaml: no such file'; exit 3"]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: hog, namespace: broken}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: main
                    image: %1$s
                    command: ["sh", "-c", "head -c 400m /dev/zero | tail"]
                    resources: {limits: {memory: 24Mi}}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: ghost, namespace: broken}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: main
                    image: 127.0.0.1:1/kaji/does-not-exist:1.0
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: greedy, namespace: broken}
                spec:
                  containers:
                  - name: main
                    image: %1$s
                    command: ["sleep", "3600"]
                    resources: {requests: {cpu: "64"}}
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web, namespace: broken}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata: {labels: {app: web}}
                    spec:
                      terminationGracePeriodSeconds: 1
                      containers:
                      - name: main
                        image: %1$s
                        command: ["httpd", "-f", "-p", "8080"]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web, namespace: broken}
                spec:
                  selector: {app: wbe}
                  ports: [{port: 80, targetPort: 8080}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: sick, namespace: broken}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: main
                    image: %1$s
                    command: ["httpd", "-f", "-p", "8080"]
                    readinessProbe:
                      httpGet: {path: /healthz, port: 9999}
                      periodSeconds: 1
                      failureThreshold: 1
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: db, namespace: broken}
                stringData: {password: %2$s}
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: talker, namespace: broken}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: main
                    image: %1$s
                    command: ["sh", "-c", "echo connecting with password=%3$s; exec sleep 3600"]
                    env: [{name: API_TOKEN, value: %4$s}]
                """.formatted(IMAGE, PLANTED.get(0), PLANTED.get(1), PLANTED.get(2)));
    }

    @AfterAll
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private void apply(String yaml) {
        Kubectl.Result r = kubectl.run(Map.of(), yaml, "apply", "-f", "-");
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    private record Run(int exitCode, String out, String err) {
    }

    private Run kaji(String... args) {
        var cl = KajiCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    private Run diagnose(String... extra) {
        String[] args = new String[extra.length + 3];
        args[0] = "diagnose";
        args[1] = "--kubeconfig";
        args[2] = cluster.kubeconfig().toString();
        System.arraycopy(extra, 0, args, 3, extra.length);
        return kaji(args);
    }

    /** "Kind/name: cause" of every diagnosis in namespace broken. */
    private static List<String> causes(String json) {
        JsonNode doc = JsonMapper.shared().readTree(json);
        return doc.path("diagnoses").valueStream()
                .filter(d -> "broken".equals(d.path("namespace").asString("")))
                .map(d -> d.path("kind").asString() + "/" + d.path("name").asString() + ": "
                        + d.path("symptom").asString() + " | " + d.path("cause").asString())
                .toList();
    }

    @Test
    void namesEveryBrokenWorkloadWithItsCause() {
        AtomicReference<List<String>> last = new AtomicReference<>(List.of());
        long start = System.nanoTime();
        await("kaji diagnose names every planted problem").atMost(Duration.ofSeconds(150))
                .pollInterval(Duration.ofSeconds(3)).untilAsserted(() -> {
                    Run r = diagnose("-n", "broken", "-o", "json");
                    assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
                    List<String> found = causes(r.out());
                    last.set(found);
                    assertThat(found).as("diagnoses").anySatisfy(d -> assertThat(d)
                            .startsWith("Pod/crasher-").contains("CrashLoopBackOff")
                            .contains("the application exits with code 3: FATAL: cannot open /etc/app/config.yaml"));
                    assertThat(found).anySatisfy(d -> assertThat(d).startsWith("Pod/hog: container main was OOMKilled")
                            .contains("more memory than its limit of 24Mi"));
                    assertThat(found).anySatisfy(d -> assertThat(d).startsWith("Pod/ghost: container main cannot "
                            + "pull its image").contains("cannot be reached from the node"));
                    assertThat(found).anySatisfy(d -> assertThat(d).startsWith("Pod/greedy: Pending: cannot be "
                            + "scheduled").contains("not enough free cpu on any node for its request of 64"));
                    assertThat(found).anySatisfy(d -> assertThat(d).startsWith("Pod/sick: container main is running but "
                            + "not ready").contains("its readiness probe fails: Readiness probe failed:"));
                    assertThat(found).anySatisfy(d -> assertThat(d).startsWith("Service/web: selects no pods")
                            .contains("the selector has app=wbe but pod web-").contains("has app=web"));
                });
        System.out.printf("diagnose e2e: every planted problem named %d s after apply; %d diagnoses:%n%s%n",
                (System.nanoTime() - start) / 1_000_000_000L, last.get().size(), String.join("\n", last.get()));
        // The healthy web pod itself raises nothing.
        assertThat(last.get()).noneMatch(d -> d.startsWith("Pod/web-"));
        Run text = diagnose("-n", "broken");
        assertThat(text.out()).contains("ERROR  Pod/broken/hog: container main was OOMKilled", "   fix:      ");
    }

    @Test
    void supportBundleOfTheBrokenClusterHoldsNoPlantedSecret() throws Exception {
        await("the talker pod logs its line").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                .until(() -> kubectl.run("logs", "talker", "-n", "broken").stdout().contains("connecting with"));
        Path bundle = cluster.spec().root().resolve("case.tar.gz");
        Run r = kaji("support-bundle", "--kubeconfig", cluster.kubeconfig().toString(), "-o", bundle.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        Map<String, String> files = new java.util.LinkedHashMap<>();
        try (var in = Files.newInputStream(bundle);
                var tar = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
                        new org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream(in))) {
            org.apache.commons.compress.archivers.tar.TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                files.put(e.getName().substring(e.getName().indexOf('/') + 1),
                        new String(tar.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        assertThat(files).containsKeys("index.html", "diagnosis.txt", "namespaces/broken/secrets.yaml",
                "namespaces/broken/pods.yaml", "logs/broken/talker/main.log", "cluster/nodes.yaml");
        assertThat(files.get("logs/broken/talker/main.log")).contains("connecting with password=[REDACTED]");
        assertThat(files.keySet()).anyMatch(f -> f.startsWith("logs/broken/crasher-") && f.endsWith(".previous.log"));
        for (var f : files.entrySet()) {
            for (String planted : PLANTED) {
                assertThat(f.getValue()).as(f.getKey()).doesNotContain(planted);
                assertThat(f.getValue()).as(f.getKey()).doesNotContain(java.util.Base64.getEncoder()
                        .encodeToString(planted.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            }
        }
        System.out.printf("diagnose e2e: support bundle %d files, %d bytes%n", files.size(), Files.size(bundle));
    }

    @Test
    void logsAnalyzeMinesTheCrashLoopsPatternFromThePods() {
        await("the crasher has a previous container").atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(2)).until(() -> cluster.client().pods().inNamespace("broken")
                        .withLabel("app", "crasher").list().getItems().stream()
                        .anyMatch(p -> p.getStatus().getContainerStatuses() != null && p.getStatus()
                                .getContainerStatuses().stream().anyMatch(c -> c.getRestartCount() > 0)));
        // The container crash-loops every few seconds: a run that has just started may not have logged its line
        // yet, so the analysis is asked again until both the current and the previous run had theirs.
        JsonNode[] found = new JsonNode[1];
        await("the FATAL line from the current and the previous run").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                    Run r = kaji("logs", "analyze", "--kubeconfig", cluster.kubeconfig().toString(), "-n", "broken",
                            "-l", "app=crasher", "--previous", "--format", "json");
                    assertThat(r.exitCode()).as(r.err()).isZero();
                    JsonNode doc = JsonMapper.shared().readTree(r.out());
                    JsonNode pattern = doc.path("patterns").valueStream()
                            .filter(p -> p.path("template").asString().equals("cannot open <*>: no such file"))
                            .findFirst().orElseThrow(() -> new AssertionError("no FATAL pattern in " + r.out()));
                    assertThat(pattern.path("count").asLong()).as(r.out()).isGreaterThanOrEqualTo(2);
                    found[0] = pattern;
                });
        JsonNode fatal = found[0];
        assertThat(fatal.path("level").asString()).isEqualTo("error");
        assertThat(fatal.path("example").asString()).isEqualTo("cannot open /etc/app/config.yaml: no such file");
        assertThat(fatal.path("firstSeen").asString()).startsWith("20");
        assertThat(fatal.path("sources").valueStream().map(JsonNode::asString))
                .anyMatch(s -> s.startsWith("broken/crasher-") && s.endsWith("/main (previous)"));
    }
}
