package io.kaji.apiserver.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.registry.BuiltinResources;
import io.kaji.apiserver.registry.ResourceDefinition;
import io.kaji.apiserver.registry.ResourceRegistry;
import io.kaji.apiserver.serialization.Json;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Ownership bookkeeping of updates and applies, conflicts and removal, on apps/v1 Deployments. */
class FieldManagerTest {

    static final ResourceRegistry REGISTRY = BuiltinResources.registry(null);
    static final ResourceDefinition DEPLOYMENTS = REGISTRY.find("apps", "v1", "deployments").orElseThrow();
    static final ResourceDefinition CONFIGMAPS = REGISTRY.find("", "v1", "configmaps").orElseThrow();

    final FieldManager fields = new FieldManager(Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC));

    static ObjectNode json(String s) {
        return Json.parseTrusted(s.replace('\'', '"'));
    }

    static ObjectNode deployment(int replicas, String image) {
        return json("{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'web','namespace':'default',"
                + "'labels':{'app':'web'}},'spec':{'replicas':" + replicas + ",'selector':{'matchLabels':{'app':'web'}},"
                + "'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':[{'name':'c','image':'"
                + image + "'}]}}}}");
    }

    static List<JsonNode> entries(ObjectNode obj) {
        List<JsonNode> out = new ArrayList<>();
        Json.at(obj, "metadata.managedFields").forEach(out::add);
        return out;
    }

    static JsonNode entry(ObjectNode obj, String manager, String operation) {
        return entries(obj).stream().filter(e -> manager.equals(e.path("manager").asString())
                && operation.equals(e.path("operation").asString())).findFirst().orElse(null);
    }

    static boolean owns(ObjectNode obj, String manager, String operation, String... path) {
        JsonNode e = entry(obj, manager, operation);
        return e != null && FieldSet.fromFieldsV1(e.get("fieldsV1")).has(List.of(path));
    }

    ObjectNode created(String manager) {
        ObjectNode d = deployment(1, "nginx:1");
        fields.update(DEPLOYMENTS, null, d, manager, null);
        return d;
    }

    @Test
    void createRecordsAnUpdateEntryInKubernetesShape() {
        ObjectNode d = created("kubectl-create");
        JsonNode e = entries(d).get(0);
        assertThat(e.get("manager").asString()).isEqualTo("kubectl-create");
        assertThat(e.get("operation").asString()).isEqualTo("Update");
        assertThat(e.get("apiVersion").asString()).isEqualTo("apps/v1");
        assertThat(e.get("time").asString()).isEqualTo("2026-01-02T03:04:05Z");
        assertThat(e.get("fieldsType").asString()).isEqualTo("FieldsV1");
        assertThat(e.has("subresource")).isFalse();
        // As Kubernetes records it: structs a Go Deployment holds by value (spec.template, its metadata and spec)
        // and the containers list are not owned as such; maps, atomic values and list elements are.
        assertThat(e.get("fieldsV1")).isEqualTo(json("{'f:metadata':{'f:labels':{'.':{},'f:app':{}}},"
                + "'f:spec':{'f:replicas':{},'f:selector':{},'f:template':{'f:metadata':{"
                + "'f:labels':{'.':{},'f:app':{}}},'f:spec':{'f:containers':{"
                + "'k:{\\'name\\':\\'c\\'}':{'.':{},'f:image':{},'f:name':{}}}}}}}"));
    }

    @Test
    void theLastWriterOwnsAFieldAndANoOpUpdateChangesNothing() {
        ObjectNode live = created("creator");
        ObjectNode next = live.deepCopy();
        ((ObjectNode) next.get("spec")).put("replicas", 3);
        fields.update(DEPLOYMENTS, live, next, "scaler", null);
        assertThat(owns(next, "scaler", "Update", "f:spec", "f:replicas")).isTrue();
        assertThat(owns(next, "creator", "Update", "f:spec", "f:replicas")).isFalse();
        assertThat(owns(next, "creator", "Update", "f:spec", "f:selector")).isTrue();

        ObjectNode same = next.deepCopy();
        fields.update(DEPLOYMENTS, next, same, "someone", null);
        assertThat(same).isEqualTo(next);
    }

    @Test
    void aManagerWhoseFieldsAWriteDoesNotTouchKeepsItsEntryAsStored() {
        ObjectNode live = created("creator");
        ObjectNode scaled = live.deepCopy();
        ((ObjectNode) scaled.get("spec")).put("replicas", 3);
        fields.update(DEPLOYMENTS, live, scaled, "scaler", null);
        ObjectNode relabelled = scaled.deepCopy();
        ((ObjectNode) Json.at(relabelled, "metadata.labels")).put("tier", "web");
        JsonNode creatorsEntry = entry(scaled, "creator", "Update");

        fields.update(DEPLOYMENTS, scaled, relabelled, "labeller", null);

        // Neither decoded nor re-encoded: the stored object's entry goes into the new list as it is.
        assertThat(entry(relabelled, "creator", "Update")).isSameAs(creatorsEntry);
        assertThat(owns(relabelled, "labeller", "Update", "f:metadata", "f:labels", "f:tier")).isTrue();
        assertThat(owns(relabelled, "scaler", "Update", "f:spec", "f:replicas")).isTrue();
    }

    @Test
    void aPutWithoutManagedFieldsKeepsTheLiveOnesAndAClientMayClearThem() {
        ObjectNode live = created("creator");
        ObjectNode put = deployment(1, "nginx:2");
        fields.update(DEPLOYMENTS, live, put, "editor", null);
        assertThat(owns(put, "creator", "Update", "f:spec", "f:replicas")).isTrue();
        assertThat(owns(put, "editor", "Update", "f:spec", "f:template", "f:spec", "f:containers",
                "k:{\"name\":\"c\"}", "f:image")).isTrue();

        ObjectNode cleared = put.deepCopy();
        ((ObjectNode) cleared.get("metadata")).set("managedFields", Json.parseTrusted("{\"a\":[{}]}").get("a"));
        fields.update(DEPLOYMENTS, put, cleared, "clearer", null);
        assertThat(Json.at(cleared, "metadata.managedFields")).isNull();
    }

    @Test
    void applyConflictsWithAnotherManagersFieldAndForceTakesIt() {
        ObjectNode live = created("kubectl-client-side-apply");
        ObjectNode config = deployment(5, "nginx:1");
        assertThatThrownBy(() -> fields.apply(DEPLOYMENTS, live, config, "kubectl", null, false))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(409);
                    assertThat(e.reason()).isEqualTo("Conflict");
                    assertThat(e.getMessage()).isEqualTo("Apply failed with 1 conflict: conflict with "
                            + "\"kubectl-client-side-apply\" using apps/v1: .spec.replicas");
                    assertThat(e.details().causes()).singleElement().satisfies(c -> {
                        assertThat(c.reason()).isEqualTo("FieldManagerConflict");
                        assertThat(c.field()).isEqualTo(".spec.replicas");
                        assertThat(c.message()).isEqualTo("conflict with \"kubectl-client-side-apply\" using apps/v1");
                    });
                });
        ObjectNode forced = fields.apply(DEPLOYMENTS, live, config, "kubectl", null, true);
        assertThat(Json.longAt(forced, "spec.replicas", -1)).isEqualTo(5);
        assertThat(owns(forced, "kubectl", "Apply", "f:spec", "f:replicas")).isTrue();
        assertThat(owns(forced, "kubectl-client-side-apply", "Update", "f:spec", "f:replicas")).isFalse();
        // The same value is no conflict: both own it.
        assertThat(owns(forced, "kubectl-client-side-apply", "Update", "f:spec", "f:selector")).isTrue();
        assertThat(owns(forced, "kubectl", "Apply", "f:spec", "f:selector")).isTrue();
        assertThat(entries(forced).get(0).get("operation").asString()).isEqualTo("Apply");
    }

    @Test
    void kubectlMayTakeFieldsItsClientSideApplyAnnotationMatches() {
        ObjectNode live = created("kubectl-client-side-apply");
        ObjectNode annotated = live.deepCopy();
        ((ObjectNode) annotated.get("metadata")).putObject("annotations").put(FieldManager.LAST_APPLIED,
                Json.string(deployment(1, "nginx:1")));
        ObjectNode moved = fields.apply(DEPLOYMENTS, annotated, deployment(3, "nginx:1"), "kubectl", null, false);
        assertThat(Json.longAt(moved, "spec.replicas", -1)).isEqualTo(3);
        assertThat(owns(moved, "kubectl-client-side-apply", "Update", "f:spec", "f:replicas")).isFalse();
        // Only kubectl gets this, and only for fields the annotation and the live object agree on.
        assertThatThrownBy(() -> fields.apply(DEPLOYMENTS, annotated, deployment(3, "nginx:1"), "other", null, false))
                .hasMessageContaining(".spec.replicas");
        ObjectNode scaledSince = annotated.deepCopy();
        ((ObjectNode) scaledSince.get("spec")).put("replicas", 2);
        assertThatThrownBy(() -> fields.apply(DEPLOYMENTS, scaledSince, deployment(3, "nginx:1"), "kubectl", null,
                false)).hasMessageContaining(".spec.replicas");
    }

    @Test
    void theFirstApplyToAnUnmanagedObjectMeetsBeforeFirstApply() {
        ObjectNode unmanaged = deployment(1, "nginx:1");
        assertThatThrownBy(() -> fields.apply(DEPLOYMENTS, unmanaged, deployment(2, "nginx:1"), "ssa", null, false))
                .hasMessage("Apply failed with 1 conflict: conflict with \"before-first-apply\" using apps/v1: "
                        + ".spec.replicas");
        ObjectNode sameValues = fields.apply(DEPLOYMENTS, unmanaged, deployment(1, "nginx:1"), "ssa", null, false);
        assertThat(owns(sameValues, "before-first-apply", "Update", "f:spec", "f:replicas")).isTrue();
        assertThat(entry(sameValues, "before-first-apply", "Update").has("time")).isFalse();
    }

    @Test
    void atMostTenUpdateEntriesTheOldestMergeIntoAncientChanges() {
        ObjectNode cm = json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','namespace':'d'}}");
        fields.update(CONFIGMAPS, null, cm, "m00", null);
        ObjectNode live = cm;
        for (int i = 0; i < 12; i++) {
            ObjectNode next = live.deepCopy();
            Json.objectAt(next, "data").put("k" + i, "v");
            fields.update(CONFIGMAPS, live, next, "m%02d".formatted(i), null);
            live = next;
        }
        List<JsonNode> all = entries(live);
        assertThat(all).hasSize(10);
        // Same time everywhere (fixed clock): the oldest are the first by manager name, m00 to m02.
        assertThat(owns(live, "ancient-changes", "Update", "f:data", "f:k0")).isTrue();
        assertThat(owns(live, "ancient-changes", "Update", "f:data", "f:k2")).isTrue();
        assertThat(entry(live, "m02", "Update")).isNull();
        assertThat(owns(live, "m03", "Update", "f:data", "f:k3")).isTrue();
        assertThat(owns(live, "m11", "Update", "f:data", "f:k11")).isTrue();
    }

    @Test
    void severalConflictsAreListedPerManager() {
        ObjectNode live = created("creator");
        ObjectNode config = deployment(5, "nginx:9");
        assertThatThrownBy(() -> fields.apply(DEPLOYMENTS, live, config, "ssa", null, false))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("Apply failed with 2 conflicts: conflicts with \"creator\" "
                            + "using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name=\"c\"].image");
                    assertThat(e.details().causes()).hasSize(2);
                });
    }

    @Test
    void applyRemovesWhatTheManagerNoLongerAppliesUnlessSomeoneElseOwnsIt() {
        ObjectNode cm = json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c','namespace':'d'},"
                + "'data':{'a':'1','b':'2','c':'3'}}");
        ObjectNode first = fields.apply(CONFIGMAPS, null, cm, "tool", null, false);
        ObjectNode shared = first.deepCopy();
        ((ObjectNode) shared.get("data")).put("b", "20");
        fields.update(CONFIGMAPS, first, shared, "editor", null);

        ObjectNode second = fields.apply(CONFIGMAPS, shared,
                json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c'},'data':{'c':'3'}}"),
                "tool", null, false);
        assertThat(second.get("data")).isEqualTo(json("{'b':'20','c':'3'}"));
        assertThat(owns(second, "tool", "Apply", "f:data", "f:c")).isTrue();
        assertThat(owns(second, "tool", "Apply", "f:data", "f:a")).isFalse();

        ObjectNode none = fields.apply(CONFIGMAPS, second,
                json("{'apiVersion':'v1','kind':'ConfigMap','metadata':{'name':'c'}}"), "tool", null, false);
        assertThat(none.get("data")).isEqualTo(json("{'b':'20'}"));
        assertThat(entry(none, "tool", "Apply")).isNull();
    }

    @Test
    void applyOnMainResourceIgnoresStatusAndAppliedManagedFieldsAreRefused() {
        ObjectNode live = created("creator");
        ObjectNode config = deployment(1, "nginx:1");
        config.putObject("status").put("replicas", 7);
        ObjectNode out = fields.apply(DEPLOYMENTS, live, config, "ssa", null, false);
        assertThat(out.has("status")).isFalse();
        ObjectNode withManaged = deployment(1, "nginx:1");
        ((ObjectNode) withManaged.get("metadata")).putArray("managedFields");
        assertThatThrownBy(() -> fields.apply(DEPLOYMENTS, live, withManaged, "ssa", null, false))
                .hasMessage("metadata.managedFields must be nil");
    }

    @Test
    void statusWritesAreRecordedUnderTheirSubresource() {
        ObjectNode live = created("creator");
        ObjectNode next = live.deepCopy();
        next.putObject("status").put("readyReplicas", 1);
        fields.update(DEPLOYMENTS, live, next, "kube-controller-manager", "status");
        JsonNode e = entry(next, "kube-controller-manager", "Update");
        assertThat(e.get("subresource").asString()).isEqualTo("status");
        assertThat(e.get("fieldsV1")).isEqualTo(json("{'f:status':{'f:readyReplicas':{}}}"));
    }

    @Test
    void kubectlServerSideApplyKeepsAClientSideApplyAnnotationCurrent() {
        ObjectNode live = created("kubectl-client-side-apply");
        ((ObjectNode) live.get("metadata")).putObject("annotations").put(FieldManager.LAST_APPLIED, "{}");
        ObjectNode out = fields.apply(DEPLOYMENTS, live, deployment(1, "nginx:1"), "kubectl", null, false);
        String lastApplied = out.get("metadata").get("annotations").get(FieldManager.LAST_APPLIED).asString();
        assertThat(Json.parseTrusted(lastApplied)).isEqualTo(deployment(1, "nginx:1"));
    }

    @Test
    void managersDefaultToTheUserAgentAndApplyNeedsOne() {
        assertThat(FieldManager.managerOf(null, "kubectl/v1.32.4 (linux/amd64) kubernetes/abc")).isEqualTo("kubectl");
        assertThat(FieldManager.managerOf("", "fabric8-kubernetes-client/7.1.0")).isEqualTo("fabric8-kubernetes-client");
        assertThat(FieldManager.managerOf("mine", "kubectl/v1")).isEqualTo("mine");
        assertThatThrownBy(() -> FieldManager.managerOf("x".repeat(129), null))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(422));
        assertThatThrownBy(() -> FieldManager.requireApplyManager(null))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(422);
                    assertThat(e.getMessage()).isEqualTo("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: "
                            + "Required value: is required for apply patch");
                });
    }

    @Test
    void customResourcesWithoutSchemaMergeAsMapsWithAtomicLists() {
        ResourceDefinition untyped = new ResourceDefinition("example.com", "v1", "Widget", "widgets", "widget",
                List.of(), List.of(), true, ResourceDefinition.ALL_VERBS, java.util.Set.of(), null, "widgets",
                List.of(), java.util.Set.of(), CONFIGMAPS.strategy(), CONFIGMAPS.conversion());
        ObjectNode live = json("{'apiVersion':'example.com/v1','kind':'Widget','metadata':{'name':'w'},"
                + "'spec':{'size':1,'tags':['a','b'],'owner':{'team':'x'}}}");
        fields.update(untyped, null, live, "creator", null);
        ObjectNode out = fields.apply(untyped, live, json("{'apiVersion':'example.com/v1','kind':'Widget',"
                + "'metadata':{'name':'w'},'spec':{'tags':['c'],'owner':{'lead':'y'}}}"), "ssa", null, true);
        assertThat(out.get("spec")).isEqualTo(json("{'size':1,'tags':['c'],'owner':{'team':'x','lead':'y'}}"));
        assertThat(owns(out, "ssa", "Apply", "f:spec", "f:tags")).isTrue();
        assertThat(owns(out, "creator", "Update", "f:spec", "f:tags")).isFalse();
    }
}
