package io.kaji.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.cli.localcluster.LocalCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * {@code kubectl logs} end to end: real server and agent processes, real containerd, the real kubectl binary.
 * pods/log goes from kubectl to the API server, which reaches the pod's agent over HTTPS with its client
 * certificate; the agent reads containerd's CRI log files. Two agents on one machine, so one of them serves on a
 * port other than 10250 and the API server must use the port its Node reports.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@EnabledIf("supported")
class KubectlLogsE2ETest {

    private static final List<String> NODES = List.of("e2e-logs-a", "e2e-logs-b");
    private static final Pattern TIMESTAMPED =
            Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z (.*)");

    private LocalCluster cluster;
    private KubernetesClient client;
    private Kubectl kubectl;
    private Path root;

    static boolean supported() {
        return LocalCluster.supported();
    }

    @BeforeAll
    void start() throws Exception {
        root = Path.of("target", "e2e-logs").toAbsolutePath();
        // Small logs rotate within seconds (rotatedLogsAreFollowedAndBounded); the other pods write far less.
        cluster = LocalCluster.start(new LocalCluster.Spec(root, "100.64.80.0/22", "100.64.84.0/24", NODES,
                List.of("kajil1", "kajil2"), List.of(), List.of("--container-log-max-size", "64Ki",
                "--container-log-max-files", "3", "--container-log-monitor-interval", "3s")));
        client = cluster.client();
        kubectl = new Kubectl(Kubectl.DEFAULT_BINARY, cluster.kubeconfig(),
                Files.createDirectories(root.resolve("home")));
        for (String n : NODES) {
            Node node = client.nodes().withName(n).get();
            System.out.printf("logs e2e: node %s agent endpoint port %d%n", n,
                    node.getStatus().getDaemonEndpoints().getKubeletEndpoint().getPort());
        }
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

    private void pod(String name, String node, String script) {
        apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: %s}
                spec:
                  nodeName: %s
                  terminationGracePeriodSeconds: 1
                  containers:
                  - name: main
                    image: docker.io/kaji/busybox:1.35
                    command: ["sh", "-c", "%s"]
                """.formatted(name, node, script));
    }

    /** kubectl logs output once it equals {@code expected} (the container may still be starting). */
    private void awaitLogs(String expected, String... args) {
        await("kubectl logs " + String.join(" ", args)).atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(300)).until(() -> {
                    Kubectl.Result r = kubectl.run(prepend("logs", args));
                    return r.exitCode() == 0 && r.stdout().equals(expected);
                });
    }

    private static String[] prepend(String first, String... rest) {
        String[] out = new String[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    @Test
    void logsTailTimestampsAndContainerSelection() {
        pod("fixed", NODES.get(0), "echo one; echo two; echo three; exec sleep 100031");
        long start = System.nanoTime();
        awaitLogs("one\ntwo\nthree\n", "fixed");
        System.out.printf("logs e2e: pod created -> kubectl logs complete in %d ms%n",
                (System.nanoTime() - start) / 1_000_000);
        Kubectl.Result tail = kubectl.run("logs", "fixed", "--tail=2");
        assertThat(tail.exitCode()).as(tail.toString()).isZero();
        assertThat(tail.stdout()).isEqualTo("two\nthree\n");
        Kubectl.Result ts = kubectl.run("logs", "fixed", "--timestamps", "-c", "main");
        assertThat(ts.exitCode()).as(ts.toString()).isZero();
        assertThat(ts.stdout().lines().map(l -> {
            Matcher m = TIMESTAMPED.matcher(l);
            return m.matches() ? m.group(1) : "unstamped: " + l;
        }).toList()).containsExactly("one", "two", "three");
        // kubectl checks -c against the pod itself; the API server's own check answers the same text.
        Kubectl.Result bad = kubectl.run("logs", "fixed", "-c", "nope");
        assertThat(bad.exitCode()).isNotZero();
        assertThat(bad.stderr()).contains("container nope is not valid for pod fixed");
        Kubectl.Result badRaw = kubectl.run("get", "--raw", "/api/v1/namespaces/default/pods/fixed/log?container=nope");
        assertThat(badRaw.stderr()).contains("Error from server (BadRequest): container nope is not valid for pod fixed");
        Kubectl.Result missing = kubectl.run("logs", "no-such-pod");
        // kubectl's own wording around the API's NotFound, as against Kubernetes.
        assertThat(missing.stderr()).contains("error from server (NotFound): pods \"no-such-pod\" not found in "
                + "namespace \"default\"");
    }

    @Test
    void followReceivesLinesWrittenAfterItStarted() throws Exception {
        // On the second node: its agent may serve on another port than 10250 (both agents share this machine).
        pod("ticker", NODES.get(1), "i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.5; done");
        await("ticker logs").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300))
                .until(() -> kubectl.run("logs", "ticker").stdout().contains("tick 2\n"));
        int before = lastTick(kubectl.run("logs", "ticker").stdout());
        Path out = root.resolve("follow.out");
        Process follow = kubectl.start(out, "logs", "-f", "ticker", "--tail=1");
        try {
            long start = System.nanoTime();
            await("kubectl logs -f shows a newer tick").atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> lastTick(Files.readString(out, StandardCharsets.UTF_8)) > before + 2);
            System.out.printf("logs e2e: kubectl logs -f streamed 3 new lines in %d ms (one every 500 ms)%n",
                    (System.nanoTime() - start) / 1_000_000);
            assertThat(follow.isAlive()).as("kubectl logs -f keeps following").isTrue();
            List<String> lines = Files.readString(out, StandardCharsets.UTF_8).lines().toList();
            for (int i = 1; i < lines.size(); i++) {
                assertThat(tick(lines.get(i))).as("consecutive lines " + lines).isEqualTo(tick(lines.get(i - 1)) + 1);
            }
        } finally {
            follow.destroy();
        }
    }

    @Test
    void followLatencyFromContainerdToKubectl() throws Exception {
        pod("stamper", NODES.get(1), "while true; do echo stamp; sleep 0.3; done");
        await("stamper logs").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300))
                .until(() -> kubectl.run("logs", "stamper").stdout().contains("stamp\n"));
        Path out = root.resolve("follow-latency.out");
        Process follow = kubectl.start(out, "logs", "-f", "stamper", "--timestamps", "--tail=0");
        List<Long> latencies = new java.util.ArrayList<>();
        try {
            int seen = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (latencies.size() < 20 && System.nanoTime() < deadline) {
                List<String> lines = Files.readString(out, StandardCharsets.UTF_8).lines().toList();
                java.time.Instant now = java.time.Instant.now();
                for (; seen < lines.size(); seen++) {
                    Matcher m = TIMESTAMPED.matcher(lines.get(seen));
                    assertThat(m.matches()).as(lines.get(seen)).isTrue();
                    java.time.Instant written = java.time.Instant.parse(lines.get(seen).substring(0,
                            lines.get(seen).indexOf(' ')));
                    latencies.add(Duration.between(written, now).toMillis());
                }
                Thread.sleep(5);
            }
        } finally {
            follow.destroy();
        }
        assertThat(latencies).as("lines received by kubectl logs -f").hasSizeGreaterThanOrEqualTo(20);
        List<Long> sorted = latencies.stream().sorted().toList();
        System.out.printf("logs e2e: follow latency (containerd write -> kubectl stdout) over %d lines: p50 %d ms, "
                + "max %d ms%n", sorted.size(), sorted.get(sorted.size() / 2), sorted.get(sorted.size() - 1));
        // The agent polls the file every 100 ms; everything else is a few hops on loopback.
        assertThat(sorted.get(sorted.size() / 2)).as("median follow latency, ms").isLessThan(1_000);
    }

    @Test
    void rotatedLogsAreFollowedAndBounded() throws Exception {
        // ~50 lines of ~600 bytes a second: the 64Ki log is rotated every few seconds.
        pod("chatty", NODES.get(0), "i=0; while true; do echo line $i " + "x".repeat(550)
                + "; i=$((i+1)); usleep 20000; done");
        await("chatty logs").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300))
                .until(() -> kubectl.run("logs", "chatty", "--tail=1").stdout().startsWith("line "));
        Path out = root.resolve("follow-rotated.out");
        Process follow = kubectl.start(out, "logs", "-f", "chatty");
        try {
            String uid = client.pods().inNamespace("default").withName("chatty").get().getMetadata().getUid();
            Path dir = cluster.nodeDir(NODES.get(0)).resolve("pods").resolve("default_chatty_" + uid).resolve("main");
            // Three rotations: the oldest rotated file was deleted, so the gzipped one no longer starts at line 0.
            await("three rotations").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> firstLine(gzipped(dir)) > 0);
            // Listed between rounds (not while a rotation renames or compresses).
            List<String> files = await("three files").atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(200)).until(() -> names(dir), l -> l.size() == 3
                            && l.get(0).equals("0.log") && l.get(1).matches("0\\.log\\.\\d{8}-\\d{6}\\.gz")
                            && l.get(2).matches("0\\.log\\.\\d{8}-\\d{6}"));
            long newestRotated = firstLine(Files.readString(dir.resolve(files.get(2)), StandardCharsets.UTF_8));
            long current = firstLine(Files.readString(dir.resolve("0.log"), StandardCharsets.UTF_8));
            // kubectl logs reads the current file only, as with the kubelet.
            assertThat(firstLine(kubectl.run("logs", "chatty").stdout())).isGreaterThanOrEqualTo(current);
            // The follow began in a file rotated before the newest rotated one and read on into the current file,
            // so it crossed at least two rotations, without a gap.
            await("kubectl logs -f reaches the current file").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> lastLine(Files.readString(out, StandardCharsets.UTF_8)) > current);
            assertThat(follow.isAlive()).as("kubectl logs -f keeps following").isTrue();
            List<Long> seen = lineNumbers(Files.readString(out, StandardCharsets.UTF_8));
            assertThat(seen.get(0)).isLessThan(newestRotated);
            for (int i = 1; i < seen.size(); i++) {
                assertThat(seen.get(i)).as("line after %d", seen.get(i - 1)).isEqualTo(seen.get(i - 1) + 1);
            }
            System.out.printf("logs e2e: kubectl logs -f followed %d lines across rotations; files %s%n",
                    seen.size(), files);
        } finally {
            follow.destroy();
            kubectl.run("delete", "pod", "chatty", "--wait=false");
        }
    }

    /** A chatty line, in kubectl's output or in a CRI log file ({@code <time> stdout F line 12 xxx}). */
    private static final Pattern NUMBERED = Pattern.compile("\\bline (\\d+) x");

    private static List<Long> lineNumbers(String text) {
        List<Long> out = new java.util.ArrayList<>();
        Matcher m = NUMBERED.matcher(text);
        while (m.find()) {
            out.add(Long.parseLong(m.group(1)));
        }
        return out;
    }

    private static long firstLine(String text) {
        List<Long> n = lineNumbers(text);
        return n.isEmpty() ? -1 : n.get(0);
    }

    private static long lastLine(String text) {
        List<Long> n = lineNumbers(text);
        return n.isEmpty() ? -1 : n.get(n.size() - 1);
    }

    private static List<String> names(Path dir) throws java.io.IOException {
        try (java.util.stream.Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** The text of the gzipped rotated log in {@code dir}, or "" while there is none. */
    private static String gzipped(Path dir) throws java.io.IOException {
        try (java.util.stream.Stream<Path> list = Files.list(dir)) {
            Path gz = list.filter(p -> p.getFileName().toString().endsWith(".gz")).findFirst().orElse(null);
            if (gz == null) {
                return "";
            }
            try (java.io.InputStream in = new java.util.zip.GZIPInputStream(Files.newInputStream(gz))) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (java.nio.file.NoSuchFileException | java.io.EOFException e) {
            return ""; // rotated or being written meanwhile
        }
    }

    @Test
    void previousShowsTheAttemptBeforeARestart() {
        pod("restarter", NODES.get(0), "echo run $(date +%s)-$RANDOM; sleep 3; exit 1");
        await("restarter logs").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300))
                .until(() -> kubectl.run("logs", "restarter").stdout().startsWith("run "));
        Kubectl.Result none = kubectl.run("logs", "restarter", "--previous");
        if (restarts("restarter") == 0) {
            assertThat(none.stderr()).contains("previous terminated container \"main\" in pod \"restarter\" not found");
        }
        await("a restart").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
                .until(() -> restarts("restarter") >= 1 && kubectl.run("logs", "restarter").stdout().startsWith("run "));
        await("previous and current differ").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    Kubectl.Result previous = kubectl.run("logs", "restarter", "--previous");
                    Kubectl.Result current = kubectl.run("logs", "restarter");
                    return previous.exitCode() == 0 && previous.stdout().matches("run \\d+-\\d+\n")
                            && current.stdout().matches("run \\d+-\\d+\n") && !previous.stdout().equals(current.stdout());
                });
    }

    @Test
    void logsOfADeploymentAndOfAMultiContainerPod() {
        apply("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: logdeploy}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: logdeploy}}
                  template:
                    metadata: {labels: {app: logdeploy}}
                    spec:
                      terminationGracePeriodSeconds: 1
                      containers:
                      - name: main
                        image: docker.io/kaji/busybox:1.35
                        command: ["sh", "-c", "echo from the deployment; exec sleep 100032"]
                """);
        awaitLogs("from the deployment\n", "deploy/logdeploy");
        apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: duo}
                spec:
                  terminationGracePeriodSeconds: 1
                  containers:
                  - {name: first, image: docker.io/kaji/busybox:1.35, command: ["sh", "-c", "echo I am first; exec sleep 100033"]}
                  - {name: second, image: docker.io/kaji/busybox:1.35, command: ["sh", "-c", "echo I am second; exec sleep 100034"]}
                """);
        awaitLogs("I am second\n", "duo", "-c", "second");
        Kubectl.Result raw = kubectl.run("get", "--raw", "/api/v1/namespaces/default/pods/duo/log");
        assertThat(raw.exitCode()).isNotZero();
        assertThat(raw.stderr()).contains("a container name must be specified for pod duo, choose one of: [first second]");
        // kubectl itself picks the first container and says so.
        Kubectl.Result defaulted = kubectl.run("logs", "duo");
        assertThat(defaulted.stdout()).isEqualTo("I am first\n");
        assertThat(defaulted.stderr()).contains("Defaulted container \"first\" out of: first, second");
    }

    private int restarts(String pod) {
        Pod p = client.pods().inNamespace("default").withName(pod).get();
        if (p == null || p.getStatus() == null || p.getStatus().getContainerStatuses() == null
                || p.getStatus().getContainerStatuses().isEmpty()) {
            return 0;
        }
        ContainerStatus s = p.getStatus().getContainerStatuses().get(0);
        return s.getRestartCount() == null ? 0 : s.getRestartCount();
    }

    private static int lastTick(String text) {
        List<String> lines = text.lines().filter(l -> l.startsWith("tick ")).toList();
        return lines.isEmpty() ? -1 : tick(lines.get(lines.size() - 1));
    }

    private static int tick(String line) {
        return Integer.parseInt(line.substring("tick ".length()).trim());
    }
}
