package io.kaji.apiserver.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.server.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The admission chain in a real API server over HTTPS with Kaji's defaults: baseline enforced, restricted warned,
 * kube-system exempt, namespace lifecycle, default tolerations.
 */
class AdmissionIntegrationTest {

    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start(dir);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String pod(String name, String containerExtra) {
        return """
                {"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s"},
                 "spec":{"containers":[{"name":"c","image":"nginx"%s}]}}""".formatted(name, containerExtra);
    }

    static JsonNode json(HttpResponse<String> r) {
        return Json.MAPPER.readTree(r.body());
    }

    static List<String> warnings(HttpResponse<String> r) {
        return r.headers().allValues("Warning");
    }

    @Test
    void privilegedPodIsRejectedWithKubernetesMessage() {
        HttpResponse<String> r = server.post("/api/v1/namespaces/default/pods",
                pod("x", ",\"securityContext\":{\"privileged\":true}"));
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(json(r).get("message").asString()).isEqualTo("pods \"x\" is forbidden: violates PodSecurity "
                + "\"baseline:latest\": privileged (container \"c\" must not set securityContext.privileged=true)");
        assertThat(json(r).get("reason").asString()).isEqualTo("Forbidden");
        assertThat(server.get("/api/v1/namespaces/default/pods/x").statusCode()).isEqualTo(404);
    }

    @Test
    void baselinePodIsAdmittedWithRestrictedWarningAndDefaultTolerations() {
        HttpResponse<String> r = server.post("/api/v1/namespaces/default/pods", pod("plain", ""));
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(warnings(r)).containsExactly("299 - \"would violate PodSecurity \\\"restricted:latest\\\": "
                + "allowPrivilegeEscalation != false (container \\\"c\\\" must set securityContext."
                + "allowPrivilegeEscalation=false), unrestricted capabilities (container \\\"c\\\" must set "
                + "securityContext.capabilities.drop=[\\\"ALL\\\"]), runAsNonRoot != true (pod or container \\\"c\\\" "
                + "must set securityContext.runAsNonRoot=true), seccompProfile (pod or container \\\"c\\\" must set "
                + "securityContext.seccompProfile.type to \\\"RuntimeDefault\\\" or \\\"Localhost\\\")\"");
        JsonNode tolerations = json(r).at("/spec/tolerations");
        assertThat(tolerations).hasSize(2);
        assertThat(tolerations.get(0).get("key").asString()).isEqualTo("node.kubernetes.io/not-ready");
        assertThat(tolerations.get(1).get("key").asString()).isEqualTo("node.kubernetes.io/unreachable");
        assertThat(tolerations.get(1).get("tolerationSeconds").asLong()).isEqualTo(5);
        assertThat(tolerations.get(1).get("effect").asString()).isEqualTo("NoExecute");
    }

    @Test
    void workloadTemplatesGetWarningsButAreNotEnforced() {
        HttpResponse<String> r = server.post("/apis/apps/v1/namespaces/default/deployments", """
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"priv"},
                 "spec":{"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},
                 "spec":{"hostNetwork":true,"containers":[{"name":"c","image":"nginx"}]}}}}""");
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(warnings(r)).singleElement().asString()
                .startsWith("299 - \"would violate PodSecurity \\\"restricted:latest\\\": host namespaces "
                        + "(hostNetwork=true), allowPrivilegeEscalation != false");
    }

    @Test
    void kubeSystemIsExemptAndPrivilegedLabelRelaxesANamespace() {
        assertThat(server.post("/api/v1/namespaces/kube-system/pods",
                pod("sys", ",\"securityContext\":{\"privileged\":true}")).statusCode()).isEqualTo(201);
        assertThat(server.post("/api/v1/namespaces", """
                {"metadata":{"name":"infra","labels":{"pod-security.kubernetes.io/enforce":"privileged",
                 "pod-security.kubernetes.io/warn":"privileged"}}}""").statusCode()).isEqualTo(201);
        HttpResponse<String> r = server.post("/api/v1/namespaces/infra/pods",
                pod("p", ",\"securityContext\":{\"privileged\":true}"));
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(warnings(r)).isEmpty();
    }

    @Test
    void invalidLabelsAreRejectedAndTighteningEnforceWarnsAboutExistingPods() {
        HttpResponse<String> bad = server.post("/api/v1/namespaces",
                "{\"metadata\":{\"name\":\"bad\",\"labels\":{\"pod-security.kubernetes.io/enforce\":\"strict\"}}}");
        assertThat(bad.statusCode()).isEqualTo(422);
        assertThat(json(bad).get("message").asString()).isEqualTo("Namespace \"bad\" is invalid: metadata.labels"
                + "[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": must be one of privileged, "
                + "baseline, restricted");
        assertThat(server.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"shop\"}}").statusCode())
                .isEqualTo(201);
        for (String name : List.of("web-b", "web-a", "web-c")) {
            assertThat(server.post("/api/v1/namespaces/shop/pods", pod(name, "")).statusCode()).isEqualTo(201);
        }
        HttpResponse<String> r = server.patch("/api/v1/namespaces/shop", "application/merge-patch+json",
                "{\"metadata\":{\"labels\":{\"pod-security.kubernetes.io/enforce\":\"restricted\"}}}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(warnings(r)).containsExactly(
                "299 - \"existing pods in namespace \\\"shop\\\" violate the new PodSecurity enforce level "
                        + "\\\"restricted:latest\\\"\"",
                "299 - \"web-a (and 2 other pods): allowPrivilegeEscalation != false, unrestricted capabilities, "
                        + "runAsNonRoot != true, seccompProfile\"");
    }

    @Test
    void nothingIsCreatedInAMissingNamespace() {
        HttpResponse<String> r = server.post("/api/v1/namespaces/nowhere/configmaps", "{\"metadata\":{\"name\":\"c\"}}");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(json(r).get("message").asString()).isEqualTo("namespaces \"nowhere\" not found");
    }
}
