package io.kaji.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code kaji assess} against an API server that is not Kaji's (a stand-in serving {@code /version} of a plain
 * Kubernetes 1.31 and empty lists) whose RBAC forbids listing ClusterRoleBindings: the run completes, the
 * control-plane and node sections are MANUAL, the checks that need the forbidden list are ERROR with the reason.
 */
class AssessOtherClusterTest {

    @TempDir
    Path dir;
    HttpServer server;
    Path kubeconfig;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            int code = 200;
            String body;
            if (path.equals("/version")) {
                body = "{\"major\":\"1\",\"minor\":\"31\",\"gitVersion\":\"v1.31.4\",\"platform\":\"linux/amd64\"}";
            } else if (path.endsWith("/clusterrolebindings")) {
                code = 403;
                body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Forbidden\","
                        + "\"code\":403,\"message\":\"clusterrolebindings.rbac.authorization.k8s.io is forbidden: "
                        + "User \\\"auditor\\\" cannot list resource \\\"clusterrolebindings\\\" in API group "
                        + "\\\"rbac.authorization.k8s.io\\\" at the cluster scope\"}";
            } else {
                body = "{\"metadata\":{\"resourceVersion\":\"1\"},\"items\":[]}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(code, bytes.length);
            ex.getResponseBody().write(bytes);
            ex.close();
        });
        server.start();
        kubeconfig = dir.resolve("kubeconfig");
        Files.writeString(kubeconfig, """
                apiVersion: v1
                kind: Config
                clusters: [{name: other, cluster: {server: "http://127.0.0.1:%d"}}]
                users: [{name: auditor, user: {token: t}}]
                contexts: [{name: other, context: {cluster: other, user: auditor}}]
                current-context: other
                """.formatted(server.getAddress().getPort()));
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    @Test
    void nodeSectionsAreQuestionsAndForbiddenListsAreErrors() {
        KajiCommandTest.Run r = KajiCommandTest.run("assess", "--kubeconfig", kubeconfig.toString(),
                "--data-dir", dir.resolve("no-kaji").toString(), "--format", "json", "--fail-on", "critical");
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode root = JsonMapper.builder().build().readTree(r.out());
        assertThat(root.get("serverVersion").asString()).isEqualTo("v1.31.4");
        assertThat(root.get("targetVersion").asString()).isEqualTo("1.31");
        int manual = 0;
        for (JsonNode c : root.get("checks")) {
            String id = c.get("id").asString();
            String status = c.get("status").asString();
            if (id.matches("[1-4]\\..*") || id.equals("5.3.1")) {
                assertThat(status).as(id).isEqualTo("MANUAL");
                manual++;
            }
            if (id.equals("5.1.1")) {
                assertThat(status).isEqualTo("ERROR");
                assertThat(c.get("findings").get(0).get("message").asString()).isEqualTo("could not be evaluated: "
                        + "list clusterrolebindings.rbac.authorization.k8s.io: forbidden (403): "
                        + "clusterrolebindings.rbac.authorization.k8s.io is forbidden: User \"auditor\" cannot list "
                        + "resource \"clusterrolebindings\" in API group \"rbac.authorization.k8s.io\" at the "
                        + "cluster scope");
            }
            if (id.equals("5.2.2") || id.equals("pss-baseline-privileged")) {
                assertThat(status).as(id).isEqualTo("PASS");
            }
        }
        assertThat(manual).isEqualTo(98);
    }
}
