package io.kaji.apiserver.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.server.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * The ServiceAccount admission plugin and the namespace defaults in a real API server with no controllers: a new
 * namespace has its default ServiceAccount and kube-root-ca.crt at once, and pods get the projected token volume.
 */
class ServiceAccountIntegrationTest {

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

    private static JsonNode json(HttpResponse<String> r) {
        return Json.MAPPER.readTree(r.body());
    }

    private static String pod(String name, String extraSpec) {
        return "{\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{" + extraSpec
                + "\"initContainers\":[{\"name\":\"init\",\"image\":\"busybox\"}],"
                + "\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}";
    }

    @Test
    void aNewNamespaceHasItsDefaultServiceAccountAndRootCaAtOnce() throws Exception {
        assertThat(server.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"fresh\"}}").statusCode())
                .isEqualTo(201);
        assertThat(server.get("/api/v1/namespaces/fresh/serviceaccounts/default").statusCode()).isEqualTo(200);
        JsonNode ca = json(server.get("/api/v1/namespaces/fresh/configmaps/kube-root-ca.crt"));
        assertThat(ca.at("/data/ca.crt").asString()).isEqualTo(Files.readString(dir.resolve("pki/ca.crt")));
        // and the namespaces that exist from the start
        assertThat(server.get("/api/v1/namespaces/kube-system/serviceaccounts/default").statusCode()).isEqualTo(200);
    }

    @Test
    void podsGetTheProjectedTokenVolumeInEveryContainer() {
        HttpResponse<String> r = server.post("/api/v1/namespaces/default/pods", pod("web", ""));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode spec = json(r).get("spec");
        assertThat(spec.get("serviceAccountName").asString()).isEqualTo("default");
        JsonNode volume = spec.get("volumes").get(0);
        String name = volume.get("name").asString();
        assertThat(name).matches("kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}");
        JsonNode sources = volume.at("/projected/sources");
        assertThat(sources.get(0).at("/serviceAccountToken/expirationSeconds").asLong()).isEqualTo(3607);
        assertThat(sources.get(0).at("/serviceAccountToken/path").asString()).isEqualTo("token");
        assertThat(sources.get(1).at("/configMap/name").asString()).isEqualTo("kube-root-ca.crt");
        assertThat(sources.get(2).at("/downwardAPI/items/0/fieldRef/fieldPath").asString())
                .isEqualTo("metadata.namespace");
        for (String list : new String[] {"initContainers", "containers"}) {
            JsonNode mount = spec.get(list).get(0).get("volumeMounts").get(0);
            assertThat(mount.get("name").asString()).isEqualTo(name);
            assertThat(mount.get("mountPath").asString()).isEqualTo("/var/run/secrets/kubernetes.io/serviceaccount");
            assertThat(mount.get("readOnly").asBoolean()).isTrue();
        }
        // As in kube-apiserver, the creator's managed fields are recorded before mutating admission: the token
        // volume, its mounts and the service account name belong to no manager (and the volume's random name is
        // no key in every pod's managedFields), while the request's own fields and the defaults do.
        String managed = json(r).at("/metadata/managedFields/0/fieldsV1").toString();
        assertThat(managed).contains("f:containers", "k:{\\\"name\\\":\\\"c\\\"}", "f:image", "f:dnsPolicy")
                .doesNotContain("kube-api-access", "f:volumes", "f:volumeMounts", "f:serviceAccountName");
    }

    @Test
    void optingOutAndMissingAccounts() {
        JsonNode optOut = json(server.post("/api/v1/namespaces/default/pods",
                pod("quiet", "\"automountServiceAccountToken\":false,")));
        assertThat(optOut.at("/spec/volumes").isMissingNode() || optOut.at("/spec/volumes").isEmpty()).isTrue();

        assertThat(server.post("/api/v1/namespaces/default/serviceaccounts",
                "{\"metadata\":{\"name\":\"silent\"},\"automountServiceAccountToken\":false}").statusCode())
                .isEqualTo(201);
        JsonNode bySa = json(server.post("/api/v1/namespaces/default/pods",
                pod("by-sa", "\"serviceAccountName\":\"silent\",")));
        assertThat(bySa.at("/spec/serviceAccountName").asString()).isEqualTo("silent");
        assertThat(bySa.at("/spec/volumes").isMissingNode() || bySa.at("/spec/volumes").isEmpty()).isTrue();

        HttpResponse<String> missing = server.post("/api/v1/namespaces/default/pods",
                pod("lost", "\"serviceAccountName\":\"robot\","));
        assertThat(missing.statusCode()).isEqualTo(403);
        assertThat(json(missing).get("message").asString()).isEqualTo("pods \"lost\" is forbidden: error looking "
                + "up service account default/robot: serviceaccount \"robot\" not found");
    }
}
