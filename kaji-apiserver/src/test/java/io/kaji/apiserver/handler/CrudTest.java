package io.kaji.apiserver.handler;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.serialization.Json;
import io.kaji.apiserver.server.TestServer;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Create/get/update/patch/delete semantics over HTTPS on a real store, with Kubernetes' exact error texts. */
class CrudTest {

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

    static JsonNode json(HttpResponse<String> r) {
        return Json.MAPPER.readTree(r.body());
    }

    static final String CM = "/api/v1/namespaces/default/configmaps";
    static final String DEPLOY = "/apis/apps/v1/namespaces/default/deployments";

    static String deployment(String name, int replicas) {
        return """
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"%s","creationTimestamp":null},
                 "spec":{"replicas":%d,"selector":{"matchLabels":{"app":"%s"}},"strategy":{},
                 "template":{"metadata":{"labels":{"app":"%s"}},"spec":{"containers":[{"name":"c","image":"nginx"}]}}},
                 "status":{}}""".formatted(name, replicas, name, name);
    }

    @Test
    void createSetsSystemMetadataAndResourceVersionIsTheStoreRevision() {
        HttpResponse<String> r = server.post(CM, "{\"metadata\":{\"name\":\"c1\"},\"data\":{\"a\":\"b\"}}");
        assertThat(r.statusCode()).isEqualTo(201);
        JsonNode o = json(r);
        assertThat(o.at("/metadata/uid").asString()).hasSize(36);
        assertThat(o.at("/metadata/creationTimestamp").asString()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
        assertThat(o.at("/metadata/namespace").asString()).isEqualTo("default");
        assertThat(o.get("kind").asString()).isEqualTo("ConfigMap");
        long rv = Long.parseLong(o.at("/metadata/resourceVersion").asString());
        assertThat(server.store().get("/registry/configmaps/default/c1")).hasValueSatisfying(
                kv -> assertThat(kv.modRevision()).isEqualTo(rv));
        assertThat(json(server.get(CM + "/c1")).at("/data/a").asString()).isEqualTo("b");
    }

    @Test
    void duplicateCreateIsAlreadyExists() {
        server.post(CM, "{\"metadata\":{\"name\":\"dup\"}}");
        HttpResponse<String> r = server.post(CM, "{\"metadata\":{\"name\":\"dup\"}}");
        assertThat(r.statusCode()).isEqualTo(409);
        assertThat(json(r).get("reason").asString()).isEqualTo("AlreadyExists");
        assertThat(json(r).get("message").asString()).isEqualTo("configmaps \"dup\" already exists");
    }

    @Test
    void notFoundNamesTheGroupResource() {
        HttpResponse<String> r = server.get(DEPLOY + "/x");
        assertThat(r.statusCode()).isEqualTo(404);
        JsonNode s = json(r);
        assertThat(s.get("message").asString()).isEqualTo("deployments.apps \"x\" not found");
        assertThat(s.at("/details/group").asString()).isEqualTo("apps");
        assertThat(s.at("/details/kind").asString()).isEqualTo("deployments");
    }

    @Test
    void invalidNamesAre422WithFieldCauses() {
        HttpResponse<String> r = server.post(CM, "{\"metadata\":{\"name\":\"Bad_Name\"}}");
        assertThat(r.statusCode()).isEqualTo(422);
        JsonNode s = json(r);
        assertThat(s.get("message").asString()).startsWith("ConfigMap \"Bad_Name\" is invalid: metadata.name: "
                + "Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of");
        assertThat(s.at("/details/causes/0/field").asString()).isEqualTo("metadata.name");
        assertThat(s.at("/details/causes/0/reason").asString()).isEqualTo("FieldValueInvalid");
        HttpResponse<String> missing = server.post(CM, "{\"metadata\":{}}");
        assertThat(json(missing).get("message").asString())
                .isEqualTo("ConfigMap \"\" is invalid: metadata.name: Required value: name or generateName is required");
    }

    @Test
    void generateNameAddsFiveCharacters() {
        JsonNode o = json(server.post(CM, "{\"metadata\":{\"generateName\":\"gen-\"}}"));
        assertThat(o.at("/metadata/name").asString()).matches("gen-[bcdfghjklmnpqrstvwxz2456789]{5}");
    }

    @Test
    void missingNamespaceIsNotFound() {
        HttpResponse<String> r = server.post("/api/v1/namespaces/nope/configmaps", "{\"metadata\":{\"name\":\"a\"}}");
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(json(r).get("message").asString()).isEqualTo("namespaces \"nope\" not found");
    }

    @Test
    void staleResourceVersionIsConflictAndGenerationFollowsSpec() {
        JsonNode created = json(server.post(DEPLOY, deployment("gen", 1)));
        assertThat(created.at("/metadata/generation").asLong()).isEqualTo(1);
        assertThat(created.at("/spec/revisionHistoryLimit").asInt()).isEqualTo(10);
        assertThat(created.at("/spec/template/spec/containers/0/imagePullPolicy").asString()).isEqualTo("Always");
        String rv = created.at("/metadata/resourceVersion").asString();
        JsonNode labelled = json(server.patch(DEPLOY + "/gen", "application/merge-patch+json",
                "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}"));
        assertThat(labelled.at("/metadata/generation").asLong()).as("metadata only").isEqualTo(1);
        HttpResponse<String> stale = server.put(DEPLOY + "/gen", deployment("gen", 3)
                .replace("\"creationTimestamp\":null", "\"resourceVersion\":\"" + rv + "\""));
        assertThat(stale.statusCode()).isEqualTo(409);
        assertThat(json(stale).get("message").asString()).isEqualTo("Operation cannot be fulfilled on "
                + "deployments.apps \"gen\": the object has been modified; please apply your changes to the latest "
                + "version and try again");
        JsonNode scaled = json(server.put(DEPLOY + "/gen", deployment("gen", 3)));
        assertThat(scaled.at("/metadata/generation").asLong()).isEqualTo(2);
        assertThat(scaled.at("/spec/replicas").asInt()).isEqualTo(3);
    }

    @Test
    void strictFieldValidationRejectsUnknownFieldsAndWarnWarns() {
        String body = "{\"metadata\":{\"name\":\"strict\"},\"data\":{},\"bogus\":1}";
        HttpResponse<String> strict = server.post(CM + "?fieldValidation=Strict", body);
        assertThat(strict.statusCode()).isEqualTo(400);
        assertThat(json(strict).get("message").asString()).isEqualTo(
                "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field "
                        + "\"bogus\"");
        HttpResponse<String> warn = server.post(CM + "?fieldValidation=Warn", body);
        assertThat(warn.statusCode()).isEqualTo(201);
        assertThat(warn.headers().firstValue("Warning")).contains("299 - \"unknown field \\\"bogus\\\"\"");
        assertThat(json(warn).has("bogus")).isFalse();
    }

    @Test
    void dryRunDoesNotPersist() {
        HttpResponse<String> r = server.post(CM + "?dryRun=All", "{\"metadata\":{\"name\":\"dry\"}}");
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(server.get(CM + "/dry").statusCode()).isEqualTo(404);
    }

    @Test
    void finalizersHoldDeletionUntilRemoved() {
        server.post(CM, "{\"metadata\":{\"name\":\"fin\",\"finalizers\":[\"example.com/hold\"]}}");
        JsonNode deleting = json(server.delete(CM + "/fin"));
        assertThat(deleting.at("/metadata/deletionTimestamp").isMissingNode()).isFalse();
        assertThat(server.get(CM + "/fin").statusCode()).isEqualTo(200);
        server.patch(CM + "/fin", "application/merge-patch+json", "{\"metadata\":{\"finalizers\":null}}");
        assertThat(server.get(CM + "/fin").statusCode()).isEqualTo(404);
    }

    @Test
    void deleteReturnsStatusAndPodsReturnTheObject() {
        server.post(CM, "{\"metadata\":{\"name\":\"gone\"}}");
        JsonNode status = json(server.delete(CM + "/gone"));
        assertThat(status.get("status").asString()).isEqualTo("Success");
        assertThat(status.at("/details/name").asString()).isEqualTo("gone");
        server.post("/api/v1/namespaces/default/pods", "{\"metadata\":{\"name\":\"pd\"},\"spec\":{\"containers\":"
                + "[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
        JsonNode pod = json(server.delete("/api/v1/namespaces/default/pods/pd"));
        assertThat(pod.get("kind").asString()).isEqualTo("Pod");
    }

    @Test
    void podValidationNamesTheMissingFields() {
        HttpResponse<String> r = server.post("/api/v1/namespaces/default/pods",
                "{\"metadata\":{\"name\":\"bad\"},\"spec\":{\"containers\":[{\"name\":\"c\"}]}}");
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(json(r).get("message").asString())
                .isEqualTo("Pod \"bad\" is invalid: spec.containers[0].image: Required value");
    }

    @Test
    void scaleSubresourceReadsAndWritesReplicas() {
        server.post(DEPLOY, deployment("sc", 1));
        JsonNode scale = json(server.get(DEPLOY + "/sc/scale"));
        assertThat(scale.get("kind").asString()).isEqualTo("Scale");
        assertThat(scale.at("/status/selector").asString()).isEqualTo("app=sc");
        JsonNode patched = json(server.patch(DEPLOY + "/sc/scale", "application/merge-patch+json",
                "{\"spec\":{\"replicas\":4}}"));
        assertThat(patched.at("/spec/replicas").asInt()).isEqualTo(4);
        JsonNode d = json(server.get(DEPLOY + "/sc"));
        assertThat(d.at("/spec/replicas").asInt()).isEqualTo(4);
        assertThat(d.at("/metadata/generation").asInt()).isEqualTo(2);
    }

    @Test
    void statusUpdatesTouchOnlyStatus() {
        server.post(DEPLOY, deployment("st", 1));
        JsonNode r = json(server.patch(DEPLOY + "/st/status", "application/merge-patch+json",
                "{\"spec\":{\"replicas\":9},\"status\":{\"readyReplicas\":1}}"));
        assertThat(r.at("/status/readyReplicas").asInt()).isEqualTo(1);
        assertThat(r.at("/spec/replicas").asInt()).isEqualTo(1);
        JsonNode main = json(server.patch(DEPLOY + "/st", "application/merge-patch+json",
                "{\"status\":{\"readyReplicas\":5}}"));
        assertThat(main.at("/status/readyReplicas").asInt()).as("status kept on main updates").isEqualTo(1);
    }

    @Test
    void bindingAssignsANodeOnce() {
        server.post("/api/v1/namespaces/default/pods", "{\"metadata\":{\"name\":\"b1\"},\"spec\":{\"containers\":"
                + "[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
        String binding = "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"b1\"},"
                + "\"target\":{\"kind\":\"Node\",\"name\":\"n1\"}}";
        assertThat(server.post("/api/v1/namespaces/default/pods/b1/binding", binding).statusCode()).isEqualTo(201);
        assertThat(json(server.get("/api/v1/namespaces/default/pods/b1")).at("/spec/nodeName").asString())
                .isEqualTo("n1");
        HttpResponse<String> again = server.post("/api/v1/namespaces/default/pods/b1/binding", binding);
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(json(again).get("message").asString()).isEqualTo(
                "Operation cannot be fulfilled on pods/binding \"b1\": pod b1 is already assigned to node \"n1\"");
    }

    @Test
    void aGatedPodCannotBeBoundUntilItsGatesAreRemoved() {
        server.post("/api/v1/namespaces/default/pods", "{\"metadata\":{\"name\":\"gated\"},\"spec\":{"
                + "\"schedulingGates\":[{\"name\":\"wait\"}],\"containers\":[{\"name\":\"c\","
                + "\"image\":\"busybox\"}]}}");
        String binding = "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":\"gated\"},"
                + "\"target\":{\"kind\":\"Node\",\"name\":\"n1\"}}";
        HttpResponse<String> refused = server.post("/api/v1/namespaces/default/pods/gated/binding", binding);
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(json(refused).get("message").asString()).isEqualTo(
                "Operation cannot be fulfilled on pods/binding \"gated\": pod gated has non-empty"
                        + " .spec.schedulingGates");
        assertThat(server.patch("/api/v1/namespaces/default/pods/gated", "application/merge-patch+json",
                "{\"spec\":{\"schedulingGates\":null}}").statusCode()).isEqualTo(200);
        assertThat(server.post("/api/v1/namespaces/default/pods/gated/binding", binding).statusCode()).isEqualTo(201);
        JsonNode bound = json(server.get("/api/v1/namespaces/default/pods/gated"));
        assertThat(bound.at("/status/conditions/0/type").asString()).isEqualTo("PodScheduled");
        assertThat(bound.at("/status/conditions/0/status").asString()).as("SchedulingGated replaced").isEqualTo("True");
    }

    @Test
    void podsOnANodeAreDeletedGracefullyUntilTheAgentConfirms() {
        server.post("/api/v1/namespaces/default/pods", "{\"metadata\":{\"name\":\"graceful\"},\"spec\":{"
                + "\"nodeName\":\"n1\",\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}");
        JsonNode terminating = json(server.delete("/api/v1/namespaces/default/pods/graceful"));
        assertThat(terminating.at("/metadata/deletionGracePeriodSeconds").asLong()).isEqualTo(30);
        JsonNode shorter = json(server.send(server.request("/api/v1/namespaces/default/pods/graceful")
                .header("Content-Type", "application/json").method("DELETE",
                        java.net.http.HttpRequest.BodyPublishers.ofString("{\"gracePeriodSeconds\":5}")).build()));
        assertThat(shorter.at("/metadata/deletionGracePeriodSeconds").asLong()).isEqualTo(5);
        assertThat(server.get("/api/v1/namespaces/default/pods/graceful").statusCode()).isEqualTo(200);
        server.delete("/api/v1/namespaces/default/pods/graceful?gracePeriodSeconds=0");
        assertThat(server.get("/api/v1/namespaces/default/pods/graceful").statusCode()).isEqualTo(404);
    }

    @Test
    void foregroundAndOrphanDeletesWaitForTheGarbageCollectorsFinalizer() {
        for (String[] policy : new String[][] {{"Foreground", "foregroundDeletion"}, {"Orphan", "orphan"}}) {
            String name = "gc-" + policy[0].toLowerCase();
            server.post(DEPLOY, deployment(name, 1));
            JsonNode deleting = json(server.send(server.request(DEPLOY + "/" + name)
                    .header("Content-Type", "application/json").method("DELETE",
                            java.net.http.HttpRequest.BodyPublishers.ofString("{\"kind\":\"DeleteOptions\","
                                    + "\"apiVersion\":\"v1\",\"propagationPolicy\":\"" + policy[0] + "\"}")).build()));
            assertThat(deleting.at("/metadata/finalizers/0").asString()).isEqualTo(policy[1]);
            assertThat(deleting.at("/metadata/deletionTimestamp").isMissingNode()).isFalse();
            assertThat(server.get(DEPLOY + "/" + name).statusCode()).isEqualTo(200);
            server.send(server.request(DEPLOY + "/" + name).header("Content-Type", "application/json-patch+json")
                    .method("PATCH", java.net.http.HttpRequest.BodyPublishers.ofString(
                            "[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]")).build());
            assertThat(server.get(DEPLOY + "/" + name).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void protectedNamespacesCannotBeDeleted() {
        HttpResponse<String> r = server.delete("/api/v1/namespaces/default");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(json(r).get("message").asString())
                .isEqualTo("namespaces \"default\" is forbidden: this namespace may not be deleted");
    }

    @Test
    void kubeNodeLeaseIsProtectedToo() {
        assertThat(server.delete("/api/v1/namespaces/kube-node-lease").statusCode()).isEqualTo(403);
    }

    /**
     * Without a namespace controller (none runs here) a deleted namespace stays Terminating with its content;
     * emptying spec.finalizers through the finalize subresource is what lets it go.
     */
    @Test
    void namespaceDeletionWaitsForTheFinalizeSubresource() {
        JsonNode created = json(server.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"tmp\"}}"));
        assertThat(created.at("/spec/finalizers/0").asString()).isEqualTo("kubernetes");
        server.post("/api/v1/namespaces/tmp/configmaps", "{\"metadata\":{\"name\":\"a\"}}");

        JsonNode terminating = json(server.delete("/api/v1/namespaces/tmp"));
        assertThat(terminating.at("/status/phase").asString()).isEqualTo("Terminating");
        assertThat(terminating.at("/metadata/deletionTimestamp").isMissingNode()).isFalse();
        assertThat(server.get("/api/v1/namespaces/tmp/configmaps/a").statusCode()).isEqualTo(200);

        HttpResponse<String> refused = server.post("/api/v1/namespaces/tmp/configmaps", "{\"metadata\":{\"name\":\"b\"}}");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(json(refused).get("message").asString()).isEqualTo("configmaps \"b\" is forbidden: unable to "
                + "create new content in namespace tmp because it is being terminated");
        assertThat(json(refused).at("/details/causes/0/reason").asString()).isEqualTo("NamespaceTerminating");
        assertThat(json(refused).at("/details/causes/0/field").asString()).isEqualTo("metadata.namespace");

        HttpResponse<String> again = server.delete("/api/v1/namespaces/tmp");
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(json(again).get("message").asString()).isEqualTo("Operation cannot be fulfilled on namespaces "
                + "\"tmp\": " + NamespaceFinalization.STILL_FINALIZING);

        // A plain update cannot drop the finalizer; only the finalize subresource can.
        JsonNode current = json(server.get("/api/v1/namespaces/tmp"));
        ((tools.jackson.databind.node.ObjectNode) current.get("spec")).putArray("finalizers");
        assertThat(json(server.put("/api/v1/namespaces/tmp", current.toString())).at("/spec/finalizers/0")
                .asString()).isEqualTo("kubernetes");
        assertThat(server.put("/api/v1/namespaces/tmp/finalize",
                "{\"metadata\":{\"name\":\"tmp\"},\"spec\":{\"finalizers\":[\"example.com/x\"]}}").statusCode())
                .isEqualTo(200);
        assertThat(server.get("/api/v1/namespaces/tmp").statusCode()).isEqualTo(200);
        assertThat(server.put("/api/v1/namespaces/tmp/finalize",
                "{\"metadata\":{\"name\":\"tmp\"},\"spec\":{\"finalizers\":[]}}").statusCode()).isEqualTo(200);
        assertThat(server.get("/api/v1/namespaces/tmp").statusCode()).isEqualTo(404);
    }

    @Test
    void namespaceWithoutFinalizersIsDeletedAtOnce() {
        server.post("/api/v1/namespaces", "{\"metadata\":{\"name\":\"bare\"},\"spec\":{\"finalizers\":[]}}");
        assertThat(server.delete("/api/v1/namespaces/bare").statusCode()).isEqualTo(200);
        assertThat(server.get("/api/v1/namespaces/bare").statusCode()).isEqualTo(404);
    }
}
