package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kaji.apiserver.server.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code kaji diagnose} against a real API server holding broken objects (statuses written as an agent would). */
class DiagnoseCommandTest {

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir);
        try (KubernetesClient c = server.newKubernetesClient()) {
            c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("shop").endMetadata().build())
                    .create();
            Pod pod = c.pods().inNamespace("shop").resource(new PodBuilder().withNewMetadata().withName("web-1")
                    .addToLabels("app", "web").endMetadata().withNewSpec().withNodeName("n1")
                    .addNewContainer().withName("app").withImage("busybox").endContainer().endSpec().build()).create();
            pod.setStatus(new PodBuilder(pod).editOrNewStatus().withPhase("Running").addNewContainerStatus()
                    .withName("app").withImage("busybox").withRestartCount(4).withReady(false).withNewState()
                    .withNewWaiting().withReason("CrashLoopBackOff").endWaiting().endState().withNewLastState()
                    .withNewTerminated().withExitCode(127).withReason("Error").endTerminated().endLastState()
                    .endContainerStatus().endStatus().build().getStatus());
            c.pods().inNamespace("shop").resource(pod).updateStatus();
            c.services().inNamespace("shop").resource(new ServiceBuilder().withNewMetadata().withName("web")
                    .endMetadata().withNewSpec().addToSelector("app", "wbe").addNewPort().withPort(80).endPort()
                    .endSpec().build()).create();
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void namesTheCrashLoopAndTheSelectorTypoWithTheirCauses() {
        KajiCommandTest.Run r = KajiCommandTest.run("diagnose", "--kubeconfig", server.kubeconfig().toString(),
                "-n", "shop", "-o", "json", "--no-logs");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        JsonNode doc = JsonMapper.shared().readTree(r.out());
        assertThat(doc.path("diagnoses").valueStream().map(d -> d.path("kind").asString() + "/"
                + d.path("name").asString() + ": " + d.path("cause").asString()))
                .contains("Pod/web-1: the command is not found in the image (exit code 127)",
                        "Service/web: the selector does not match the pods' labels: the selector has app=wbe but pod "
                                + "web-1 has app=web");
        assertThat(doc.path("notAnalyzed").properties()).isEmpty();
    }

    @Test
    void textOutputAndAnalyzerSelection() {
        KajiCommandTest.Run r = KajiCommandTest.run("diagnose", "--kubeconfig", server.kubeconfig().toString(),
                "-n", "shop", "--analyzer", "Service");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.out()).contains("ERROR  Service/shop/web: selects no pods", "   fix:      ")
                .doesNotContain("Pod/shop/web-1");
    }

    @Test
    void badUsageAndUnreachableClustersExitTwoWithOneLine() throws Exception {
        KajiCommandTest.Run unknown = KajiCommandTest.run("diagnose", "--kubeconfig",
                server.kubeconfig().toString(), "--analyzer", "Nope");
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown analyzer 'Nope'; known: ");
        Path dead = dir.resolve("dead.kubeconfig");
        Files.writeString(dead, Files.readString(server.kubeconfig()).replaceAll("https://[^\\s]+",
                "https://127.0.0.1:1"));
        KajiCommandTest.Run unreachable = KajiCommandTest.run("diagnose", "--kubeconfig", dead.toString());
        assertThat(unreachable.exitCode()).isEqualTo(2);
        assertThat(unreachable.err()).contains("cannot reach the API server at https://127.0.0.1:1");
    }

    @Test
    void supportBundleWritesTheArchiveAndReportsProgress() throws Exception {
        Path out = dir.resolve("case.tar.gz");
        KajiCommandTest.Run r = KajiCommandTest.run("support-bundle", "--kubeconfig", server.kubeconfig().toString(),
                "--data-dir", server.dataDir().toString(), "-o", out.toString(), "--log-lines", "50");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("Wrote " + out, "values redacted (redactions.txt)", "index.html");
        assertThat(r.err()).contains("collecting: 0% (discovering the API)", "collecting: 100%");
        assertThat(Files.size(out)).isGreaterThan(1000);
        KajiCommandTest.Run bad = KajiCommandTest.run("support-bundle", "--kubeconfig",
                server.kubeconfig().toString(), "--max-size", "0");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--log-lines and --max-size must be >= 1");
    }
}
