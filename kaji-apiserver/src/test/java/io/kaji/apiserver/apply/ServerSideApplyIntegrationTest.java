package io.kaji.apiserver.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.server.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Server-side apply and managedFields over HTTPS on a real SQLite store: the fabric8 client's
 * {@code serverSideApply()} and {@code forceConflicts()}, plain updates, /scale, YAML bodies, dry runs and clearing.
 */
class ServerSideApplyIntegrationTest {

    static final String DEPLOY = "/apis/apps/v1/namespaces/default/deployments";
    static final String APPLY = "application/apply-patch+yaml";

    @TempDir
    static Path dir;
    static TestServer server;
    static KubernetesClient client;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir);
        client = new KubernetesClientBuilder()
                .withConfig(Config.fromKubeconfig(null, Files.readString(server.kubeconfig()), null)).build();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        server.close();
    }

    static Deployment deployment(String name, int replicas, String image) {
        return new DeploymentBuilder().withNewMetadata().withName(name).withNamespace("default").endMetadata()
                .withNewSpec().withReplicas(replicas).withNewSelector().addToMatchLabels("app", name).endSelector()
                .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata().withNewSpec()
                .addNewContainer().withName("c").withImage(image).endContainer().endSpec().endTemplate().endSpec()
                .build();
    }

    static Optional<ManagedFieldsEntry> entry(Deployment d, String manager, String operation) {
        return d.getMetadata().getManagedFields().stream()
                .filter(e -> manager.equals(e.getManager()) && operation.equals(e.getOperation())).findFirst();
    }

    static boolean owns(Deployment d, String manager, String operation, String... path) {
        return entry(d, manager, operation).map(e -> FieldSet.fromFieldsV1(
                Json.MAPPER.valueToTree(e.getFieldsV1().getAdditionalProperties())).has(List.of(path)))
                .orElse(false);
    }

    @Test
    void fabric8ApplyCreatesThenConflictsThenForces() {
        var deployments = client.apps().deployments().inNamespace("default");
        Deployment created = deployments.resource(deployment("ssa", 1, "nginx:1")).fieldManager("team-a")
                .serverSideApply();
        assertThat(created.getMetadata().getUid()).isNotBlank();
        assertThat(entry(created, "team-a", "Apply")).hasValueSatisfying(e -> {
            assertThat(e.getApiVersion()).isEqualTo("apps/v1");
            assertThat(e.getFieldsType()).isEqualTo("FieldsV1");
            assertThat(e.getTime()).isNotBlank();
        });
        assertThat(owns(created, "team-a", "Apply", "f:spec", "f:replicas")).isTrue();

        assertThatThrownBy(() -> deployments.resource(deployment("ssa", 4, "nginx:1")).fieldManager("team-b")
                .serverSideApply())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(409);
                    assertThat(e.getStatus().getMessage()).isEqualTo(
                            "Apply failed with 1 conflict: conflict with \"team-a\": .spec.replicas");
                    assertThat(e.getStatus().getDetails().getCauses()).singleElement().satisfies(c -> {
                        assertThat(c.getReason()).isEqualTo("FieldManagerConflict");
                        assertThat(c.getField()).isEqualTo(".spec.replicas");
                    });
                });
        Deployment forced = deployments.resource(deployment("ssa", 4, "nginx:1")).fieldManager("team-b")
                .forceConflicts().serverSideApply();
        assertThat(forced.getSpec().getReplicas()).isEqualTo(4);
        assertThat(owns(forced, "team-b", "Apply", "f:spec", "f:replicas")).isTrue();
        assertThat(owns(forced, "team-a", "Apply", "f:spec", "f:replicas")).isFalse();
        assertThat(owns(forced, "team-a", "Apply", "f:spec", "f:template", "f:spec", "f:containers",
                "k:{\"name\":\"c\"}", "f:image")).isTrue();
        assertThat(client.apps().deployments().inNamespace("default").withName("ssa").get().getSpec().getReplicas())
                .isEqualTo(4);
    }

    @Test
    void plainWritesAreUpdateEntriesOfTheirManager() {
        var cms = client.configMaps().inNamespace("default");
        cms.resource(new ConfigMapBuilder().withNewMetadata().withName("plain").endMetadata()
                .withData(Map.of("a", "1")).build()).create();
        ConfigMap edited = cms.withName("plain").edit(cm -> new ConfigMapBuilder(cm).addToData("b", "2").build());
        List<ManagedFieldsEntry> managed = edited.getMetadata().getManagedFields();
        assertThat(managed).extracting(ManagedFieldsEntry::getManager, ManagedFieldsEntry::getOperation)
                .containsOnly(org.assertj.core.groups.Tuple.tuple("fabric8-kubernetes-client", "Update"));
        assertThat(managed).hasSize(1);
        assertThat(FieldSet.fromFieldsV1(Json.MAPPER.valueToTree(managed.get(0).getFieldsV1()
                .getAdditionalProperties())).toFieldsV1())
                .isEqualTo(Json.parseTrusted("{\"f:data\":{\".\":{},\"f:a\":{},\"f:b\":{}}}"));
    }

    @Test
    void yamlApplyScaleConflictDryRunAndClearing() {
        String yaml = """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: yaml
                spec:
                  replicas: 2
                  selector:
                    matchLabels: {app: yaml}
                  template:
                    metadata:
                      labels: {app: yaml}
                    spec:
                      containers:
                      - name: c
                        image: nginx:1
                        ports:
                        - containerPort: 80
                """;
        HttpResponse<String> missingManager = server.patch(DEPLOY + "/yaml", APPLY, yaml);
        assertThat(missingManager.statusCode()).isEqualTo(422);
        assertThat(body(missingManager).get("message").asString())
                .isEqualTo("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for "
                        + "apply patch");

        HttpResponse<String> dry = server.patch(DEPLOY + "/yaml?fieldManager=ops&dryRun=All", APPLY, yaml);
        assertThat(dry.statusCode()).isEqualTo(201);
        assertThat(server.get(DEPLOY + "/yaml").statusCode()).isEqualTo(404);

        assertThat(server.patch(DEPLOY + "/yaml?fieldManager=ops", APPLY, yaml).statusCode()).isEqualTo(201);
        HttpResponse<String> again = server.patch(DEPLOY + "/yaml?fieldManager=ops", APPLY, yaml);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(body(again).at("/metadata/generation").asLong()).isEqualTo(1);

        HttpResponse<String> scaled = server.patch(DEPLOY + "/yaml/scale?fieldManager=kubectl",
                "application/merge-patch+json", "{\"spec\":{\"replicas\":5}}");
        assertThat(scaled.statusCode()).isEqualTo(200);
        HttpResponse<String> conflict = server.patch(DEPLOY + "/yaml?fieldManager=ops", APPLY, yaml);
        assertThat(conflict.statusCode()).isEqualTo(409);
        assertThat(body(conflict).get("message").asString()).isEqualTo("Apply failed with 1 conflict: conflict with "
                + "\"kubectl\" with subresource \"scale\" using apps/v1: .spec.replicas");

        HttpResponse<String> dryForce = server.patch(DEPLOY + "/yaml?fieldManager=ops&force=true&dryRun=All", APPLY,
                yaml);
        assertThat(body(dryForce).at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(body(server.get(DEPLOY + "/yaml")).at("/spec/replicas").asInt()).isEqualTo(5);

        HttpResponse<String> cleared = server.patch(DEPLOY + "/yaml", "application/merge-patch+json",
                "{\"metadata\":{\"managedFields\":[{}]}}");
        assertThat(cleared.statusCode()).isEqualTo(200);
        assertThat(body(cleared).at("/metadata/managedFields").isMissingNode()).isTrue();
        // Nobody is recorded now: the first apply meets the placeholder owner of everything, as in Kubernetes.
        HttpResponse<String> afterClear = server.patch(DEPLOY + "/yaml?fieldManager=ops", APPLY, yaml);
        assertThat(afterClear.statusCode()).isEqualTo(409);
        assertThat(body(afterClear).get("message").asString()).isEqualTo("Apply failed with 1 conflict: conflict "
                + "with \"before-first-apply\" using apps/v1: .spec.replicas");
        HttpResponse<String> forced = server.patch(DEPLOY + "/yaml?fieldManager=ops&force=true", APPLY, yaml);
        assertThat(forced.statusCode()).isEqualTo(200);
        assertThat(body(forced).at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(body(forced).at("/metadata/managedFields/1/manager").asString()).isEqualTo("before-first-apply");
    }

    @Test
    void applyToStatusWritesOnlyStatusUnderItsSubresource() {
        client.apps().deployments().inNamespace("default").resource(deployment("st", 1, "nginx:1"))
                .fieldManager("creator").serverSideApply();
        String status = "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"st\"},"
                + "\"spec\":{\"replicas\":9},\"status\":{\"observedGeneration\":1,\"conditions\":[{\"type\":"
                + "\"Available\",\"status\":\"True\"}]}}";
        HttpResponse<String> r = server.patch(DEPLOY + "/st/status?fieldManager=status-writer", APPLY, status);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode obj = body(r);
        assertThat(obj.at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(obj.at("/status/conditions/0/type").asString()).isEqualTo("Available");
        JsonNode entry = null;
        for (JsonNode e : obj.at("/metadata/managedFields")) {
            if (e.get("manager").asString().equals("status-writer")) {
                entry = e;
            }
        }
        assertThat(entry).isNotNull();
        assertThat(entry.get("operation").asString()).isEqualTo("Apply");
        assertThat(entry.get("subresource").asString()).isEqualTo("status");
        assertThat(entry.get("fieldsV1")).isEqualTo(Json.parseTrusted("{\"f:status\":{\"f:conditions\":{"
                + "\"k:{\\\"type\\\":\\\"Available\\\"}\":{\".\":{},\"f:status\":{},\"f:type\":{}}},"
                + "\"f:observedGeneration\":{}}}"));
    }

    @Test
    void badApplyBodiesAreRefused() {
        assertThat(server.patch(DEPLOY + "/bad?fieldManager=x", APPLY, "spec: {replicas: 1}\n").statusCode())
                .isEqualTo(400);
        HttpResponse<String> other = server.patch(DEPLOY + "/bad?fieldManager=x", APPLY,
                "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"other\"}}");
        assertThat(other.statusCode()).isEqualTo(400);
        assertThat(body(other).get("message").asString())
                .isEqualTo("the name of the object (other) does not match the name on the URL (bad)");
        HttpResponse<String> force = server.patch(DEPLOY + "/bad?force=true", "application/merge-patch+json", "{}");
        assertThat(force.statusCode()).isEqualTo(422);
    }

    static JsonNode body(HttpResponse<String> r) {
        return Json.MAPPER.readTree(r.body());
    }
}
