package io.kaji.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.apiserver.server.TestServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Authentication and RBAC seen through the real kubectl (1.32): what it prints for a user bound to {@code view}
 * ({@code auth can-i --list --as}, a Forbidden {@code create deployment}), for an escalation attempt, for a
 * service-account token from {@code kubectl create token}, and without credentials.
 */
class KubectlAuthTest {

    @TempDir
    static Path data;
    @TempDir
    static Path home;
    static TestServer server;
    static Kubectl admin;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(data, ApiServerConfig.defaults(data).withPort(0).withVersion("test"));
        admin = new Kubectl(Kubectl.DEFAULT_BINARY, server.kubeconfig(), home);
        ok(admin, "create", "rolebinding", "jane-view", "--clusterrole=view", "--user=jane");
        ok(admin, "create", "rolebinding", "nsadmin-admin", "--clusterrole=admin", "--user=nsadmin");
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.run("auth", "can-i", "list", "pods", "--as", "jane")
                .stdout().strip().equals("yes"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Kubectl.Result ok(Kubectl k, String... args) {
        Kubectl.Result r = k.run(args);
        assertThat(r.exitCode()).as("kubectl %s\n%s", String.join(" ", args), r).isZero();
        return r;
    }

    /** A kubeconfig with the cluster and its CA and only the given bearer token. */
    static Kubectl withToken(String name, String token) throws Exception {
        String ca = Base64.getEncoder().encodeToString(server.server().pki().caPem().getBytes());
        Path file = home.resolve(name + ".kubeconfig");
        Files.writeString(file, """
                apiVersion: v1
                kind: Config
                clusters:
                - name: kaji
                  cluster: {server: %s, certificate-authority-data: %s}
                users:
                - name: u
                  user: %s
                contexts:
                - name: kaji
                  context: {cluster: kaji, user: u, namespace: default}
                current-context: kaji
                """.formatted(server.url(), ca, "{token: " + token + "}"));
        return new Kubectl(Kubectl.DEFAULT_BINARY, file, home);
    }

    @Test
    void theAdminKubeconfigIsAClusterAdmin() {
        assertThat(ok(admin, "auth", "can-i", "*", "*").stdout().strip()).isEqualTo("yes");
        assertThat(ok(admin, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}").stdout())
                .isEqualTo("kaji-admin");
    }

    @Test
    void canIListShowsTheViewRules() {
        String out = ok(admin, "auth", "can-i", "--list", "--as", "jane").stdout();
        assertThat(out.lines().findFirst()).hasValueSatisfying(h -> assertThat(h)
                .matches("Resources\\s+Non-Resource URLs\\s+Resource Names\\s+Verbs"));
        assertThat(out).containsPattern("(?m)^pods\\s+\\[\\]\\s+\\[\\]\\s+\\[get list watch\\]$")
                .containsPattern("(?m)^deployments\\.apps\\s+\\[\\]\\s+\\[\\]\\s+\\[get list watch\\]$")
                .containsPattern("(?m)^selfsubjectaccessreviews\\.authorization\\.k8s\\.io\\s+\\[\\]\\s+\\[\\]\\s+"
                        + "\\[create\\]$")
                .containsPattern("(?m)^\\s+\\[/api/\\*\\]\\s+\\[\\]\\s+\\[get\\]$")
                .doesNotContainPattern("(?m)^secrets\\s");
        Kubectl.Result no = admin.run("auth", "can-i", "create", "deployments", "--as", "jane");
        assertThat(no.exitCode()).isEqualTo(1);
        assertThat(no.stdout().strip()).isEqualTo("no");
    }

    @Test
    void aViewUserCannotCreateADeployment() {
        Kubectl.Result r = admin.run("create", "deployment", "web", "--image=nginx", "--as", "jane");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr().strip()).isEqualTo("error: failed to create deployment: deployments.apps is forbidden: "
                + "User \"jane\" cannot create resource \"deployments\" in API group \"apps\" in the namespace "
                + "\"default\"");
        assertThat(ok(admin, "get", "pods", "--as", "jane").stderr().strip())
                .isEqualTo("No resources found in default namespace.");
    }

    @Test
    void anEscalationAttemptIsRejected() {
        ok(admin, "create", "role", "pod-reader", "--verb=get,list", "--resource=pods", "--as", "nsadmin");
        Kubectl.Result r = admin.run("create", "role", "node-reader", "--verb=get", "--resource=nodes", "--as",
                "nsadmin");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.stderr().strip()).isEqualTo("Error from server (Forbidden): roles.rbac.authorization.k8s.io "
                + "\"node-reader\" is forbidden: user \"nsadmin\" (groups=[\"system:authenticated\"]) is attempting to "
                + "grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"nodes\"], "
                + "Verbs:[\"get\"]}");
        Kubectl.Result bind = admin.run("create", "clusterrolebinding", "grab", "--clusterrole=cluster-admin",
                "--user=nsadmin", "--as", "nsadmin");
        assertThat(bind.exitCode()).isEqualTo(1);
        assertThat(bind.stderr()).contains("clusterrolebindings.rbac.authorization.k8s.io is forbidden: User "
                + "\"nsadmin\" cannot create resource \"clusterrolebindings\"");
    }

    @Test
    void kubectlCreateTokenIssuesAServiceAccountToken() throws Exception {
        ok(admin, "create", "serviceaccount", "robot");
        String token = ok(admin, "create", "token", "robot", "--duration=15m").stdout().strip();
        assertThat(token.split("\\.")).hasSize(3);
        Kubectl robot = withToken("robot", token);
        assertThat(ok(robot, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}").stdout())
                .isEqualTo("system:serviceaccount:default:robot");
        Kubectl.Result denied = robot.run("get", "pods");
        assertThat(denied.exitCode()).isEqualTo(1);
        assertThat(denied.stderr().strip()).isEqualTo("Error from server (Forbidden): pods is forbidden: User "
                + "\"system:serviceaccount:default:robot\" cannot list resource \"pods\" in API group \"\" in the "
                + "namespace \"default\"");
        Kubectl.Result tooShort = admin.run("create", "token", "robot", "--duration=1m");
        assertThat(tooShort.exitCode()).isEqualTo(1);
        assertThat(tooShort.stderr()).contains("may not specify a duration less than 10 minutes");
    }

    @Test
    void anUnknownTokenIsUnauthorized() throws Exception {
        // (Without any credential kubectl asks for a user name on standard input; RbacIntegrationTest covers 401.)
        Kubectl.Result bad = withToken("bad", "not-a-token").run("get", "pods");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.stderr().strip()).isEqualTo("error: You must be logged in to the server (Unauthorized)");
    }
}
