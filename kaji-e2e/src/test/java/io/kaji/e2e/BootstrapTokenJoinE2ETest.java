package io.kaji.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kaji.cli.KajiCommand;
import io.kaji.cli.localcluster.KajiProcess;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * A second process joins with a bootstrap token: a real {@code kaji server --disable-agent}, {@code kaji token
 * create}, a real {@code kaji agent --server URL --token K10…::<id>.<secret> --runtime simulated} that gets its
 * {@code system:node:<name>} certificate and becomes Ready; {@code kaji token list} shows the token; after
 * {@code kaji token delete} the token is refused (401 with kubectl) while the joined agent keeps working with its
 * certificate.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@EnabledIf("supported")
class BootstrapTokenJoinE2ETest {

    private static final Path ROOT = Path.of("target", "e2e-token").toAbsolutePath();

    private KajiProcess server;
    private KajiProcess agent;
    private Kubectl kubectl;
    private Path data;
    private int port;

    static boolean supported() {
        return Files.isExecutable(Kubectl.DEFAULT_BINARY);
    }

    @BeforeAll
    void start() throws Exception {
        deleteRecursively(ROOT);
        data = ROOT.resolve("data");
        port = freePort();
        server = KajiProcess.start("server", ROOT.resolve("server.log"), "server", "--data-dir", data.toString(),
                "--https-port", Integer.toString(port), "--bind-address", "127.0.0.1", "--disable-agent",
                "--cluster-cidr", "100.64.136.0/22", "--service-cidr", "100.64.140.0/24");
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
        if (agent != null) {
            agent.stop();
        }
        if (server != null) {
            server.stop();
        }
        deleteRecursively(ROOT.resolve("data"));
        deleteRecursively(ROOT.resolve("agent"));
        deleteRecursively(ROOT.resolve("home"));
    }

    private String kaji(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = KajiCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        assertThat(code).as(String.join(" ", args) + "\n" + out + err).isZero();
        return out.toString();
    }

    @Test
    void anAgentJoinsWithACreatedTokenWhichStopsWorkingWhenDeleted() throws Exception {
        String kubeconfig = data.resolve("kubeconfig").toString();
        String join = kaji("token", "create", "--kubeconfig", kubeconfig, "--ttl", "1h", "--description",
                "e2e join").trim();
        assertThat(join).matches("K10[0-9a-f]{64}::[a-z0-9]{6}\\.[a-z0-9]{16}");
        String bearer = join.substring(join.indexOf("::") + 2);
        String id = bearer.substring(0, 6);
        assertThat(kaji("token", "list", "--kubeconfig", kubeconfig)).contains(bearer).contains("e2e join")
                .contains("authentication,signing").contains("system:bootstrappers:kaji:default-node-token");

        agent = KajiProcess.start("tok-n1", ROOT.resolve("agent.log"), KajiProcess.AGENT_JVM_OPTIONS, "agent",
                "--server", "https://127.0.0.1:" + port, "--token", join, "--runtime", "simulated", "--node-name",
                "tok-n1", "--data-dir", ROOT.resolve("agent").toString(), "--port", "0");
        try {
            await("the agent joins and its node is Ready").atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(500)).failFast("the agent exited", () -> !agent.alive())
                    .until(() -> kubectl.run("get", "node", "tok-n1", "-o",
                            "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}").stdout().equals("True"));
        } catch (RuntimeException | AssertionError e) {
            throw new AssertionError(e.getMessage() + "\n" + agent.tail(40), e);
        }
        Kubectl.Result csrs = kubectl.run("get", "csr", "-o",
                "jsonpath={range .items[*]}{.spec.username} {.status.conditions[0].type}{\"\\n\"}{end}");
        assertThat(csrs.stdout()).contains("system:bootstrap:" + id + " Approved");
        assertThat(ROOT.resolve("agent/pki/node-client.crt")).exists();

        Kubectl asToken = new Kubectl(Kubectl.DEFAULT_BINARY, tokenKubeconfig(bearer), kubectl.home());
        Kubectl.Result allowed = asToken.run("get", "csr");
        assertThat(allowed.exitCode()).as(allowed.toString()).isZero();
        Kubectl.Result forbidden = asToken.run("get", "secrets", "-A");
        assertThat(forbidden.stderr()).contains("User \"system:bootstrap:" + id + "\" cannot list resource \"secrets\"");

        assertThat(kaji("token", "delete", "--kubeconfig", kubeconfig, id)).contains("bootstrap token \"" + id
                + "\" deleted");
        await("the deleted token is refused").atMost(Duration.ofSeconds(10)).until(() ->
                asToken.run("get", "csr").stderr().contains("You must be logged in to the server (Unauthorized)"));
        assertThat(kaji("token", "list", "--kubeconfig", kubeconfig)).doesNotContain(bearer);
        // The joined node does not need the token any more: its Lease keeps being renewed.
        String before = kubectl.run("get", "lease", "-n", "kube-node-lease", "tok-n1", "-o",
                "jsonpath={.spec.renewTime}").stdout();
        await("the node keeps renewing its Lease").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofSeconds(1))
                .until(() -> !kubectl.run("get", "lease", "-n", "kube-node-lease", "tok-n1", "-o",
                        "jsonpath={.spec.renewTime}").stdout().equals(before));
        assertThat(agent.alive()).isTrue();
    }

    private Path tokenKubeconfig(String token) throws IOException {
        Path file = ROOT.resolve("home/token-kubeconfig");
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: kaji
                  cluster: {server: "https://127.0.0.1:%d", certificate-authority: "%s"}
                users:
                - name: bootstrap
                  user: {token: "%s"}
                contexts:
                - name: bootstrap
                  context: {cluster: kaji, user: bootstrap}
                current-context: bootstrap
                """.formatted(port, data.resolve("pki/ca.crt"), token));
        return file;
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
