package io.kaji.apiserver.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.serialization.Json;
import java.util.ArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/** Field sets, comparisons and merges over the built-in schemas and untyped objects, table-driven. */
class FieldWalksTest {

    static JsonNode json(String s) {
        return Json.parseTrusted(s.replace('\'', '"'));
    }

    static Stream<Arguments> fieldSets() {
        return Stream.of(
                Arguments.of("struct fields are paths only at their leaves; map entries are members",
                        Deployment.class, "{'metadata':{'labels':{'app':'web'}},'spec':{'replicas':2}}",
                        "{'f:metadata':{'f:labels':{'f:app':{}}},'f:spec':{'f:replicas':{}}}"),
                Arguments.of("containers are keyed by name, their ports by containerPort and protocol (TCP default)",
                        Pod.class, "{'spec':{'containers':[{'name':'c','image':'i','ports':[{'containerPort':80}]}]}}",
                        "{'f:spec':{'f:containers':{'k:{\\'name\\':\\'c\\'}':{'.':{},'f:image':{},'f:name':{},"
                                + "'f:ports':{'k:{\\'containerPort\\':80,\\'protocol\\':\\'TCP\\'}':{'.':{},"
                                + "'f:containerPort':{}}}}}}}"),
                Arguments.of("service ports are keyed by port and protocol",
                        Service.class, "{'spec':{'ports':[{'port':443,'protocol':'UDP','name':'x'}]}}",
                        "{'f:spec':{'f:ports':{'k:{\\'port\\':443,\\'protocol\\':\\'UDP\\'}':{'.':{},'f:name':{},"
                                + "'f:port':{},'f:protocol':{}}}}}"),
                Arguments.of("finalizers are a set", ConfigMap.class, "{'metadata':{'finalizers':['a','b']}}",
                        "{'f:metadata':{'f:finalizers':{'v:\\'a\\'':{},'v:\\'b\\'':{}}}}"),
                Arguments.of("tolerations and args are atomic, the selector is an atomic struct", Pod.class,
                        "{'spec':{'tolerations':[{'key':'k'}],'containers':[{'name':'c','args':['a']}],"
                                + "'nodeSelector':{'a':'b'}}}",
                        "{'f:spec':{'f:containers':{'k:{\\'name\\':\\'c\\'}':{'.':{},'f:args':{},'f:name':{}}},"
                                + "'f:nodeSelector':{},'f:tolerations':{}}}"),
                Arguments.of("an empty struct is a leaf", Pod.class, "{'spec':{'securityContext':{}}}",
                        "{'f:spec':{'f:securityContext':{}}}"),
                Arguments.of("untyped: objects are granular maps whose entries are members, lists atomic", null,
                        "{'spec':{'size':{'min':1},'items':[1,2]}}",
                        "{'f:spec':{'.':{},'f:items':{},'f:size':{'.':{},'f:min':{}}}}"),
                Arguments.of("configmap data is a granular map", ConfigMap.class, "{'data':{'a':'1'}}",
                        "{'f:data':{'f:a':{}}}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fieldSets")
    void fieldSet(String name, Class<?> model, String value, String expected) {
        FieldSet set = FieldWalks.toFieldSet(json(value), FieldType.of(model), null);
        assertThat(set.toFieldsV1()).isEqualTo(json(expected));
    }

    static Stream<Arguments> comparisons() {
        return Stream.of(
                Arguments.of("changed leaf", Deployment.class, "{'spec':{'replicas':1}}", "{'spec':{'replicas':3}}",
                        "{}", "{'f:spec':{'f:replicas':{}}}", "{}"),
                Arguments.of("added map marks the map itself", Deployment.class, "{'metadata':{}}",
                        "{'metadata':{'labels':{'a':'b'}}}",
                        "{'f:metadata':{'f:labels':{'.':{},'f:a':{}}}}", "{}", "{}"),
                Arguments.of("removed container element", Pod.class,
                        "{'spec':{'containers':[{'name':'a','image':'x'},{'name':'b','image':'y'}]}}",
                        "{'spec':{'containers':[{'name':'a','image':'x'}]}}", "{}", "{}",
                        "{'f:spec':{'f:containers':{'k:{\\'name\\':\\'b\\'}':{'.':{},'f:image':{},'f:name':{}}}}}"),
                Arguments.of("int and long of the same value are the same", Deployment.class,
                        "{'spec':{'replicas':2}}", "{'spec':{'replicas':2}}", "{}", "{}", "{}"),
                Arguments.of("reordered keyed list is not a change", Pod.class,
                        "{'spec':{'containers':[{'name':'a'},{'name':'b'}]}}",
                        "{'spec':{'containers':[{'name':'b'},{'name':'a'}]}}", "{}", "{}", "{}"),
                Arguments.of("atomic list compared as a whole", Pod.class,
                        "{'spec':{'tolerations':[{'key':'a'}]}}", "{'spec':{'tolerations':[{'key':'b'}]}}",
                        "{}", "{'f:spec':{'f:tolerations':{}}}", "{}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("comparisons")
    void compare(String name, Class<?> model, String before, String after, String added, String modified,
            String removed) {
        FieldWalks.Comparison c = FieldWalks.compare(json(before), json(after), FieldType.of(model), null);
        assertThat(c.added().toFieldsV1()).as("added").isEqualTo(json(added));
        assertThat(c.modified().toFieldsV1()).as("modified").isEqualTo(json(modified));
        assertThat(c.removed().toFieldsV1()).as("removed").isEqualTo(json(removed));
    }

    static Stream<Arguments> merges() {
        return Stream.of(
                Arguments.of("containers merge by name, keeping the live ones", Pod.class,
                        "{'spec':{'containers':[{'name':'a','image':'x','tty':true},{'name':'b','image':'y'}]}}",
                        "{'spec':{'containers':[{'name':'a','image':'z'}]}}",
                        "{'spec':{'containers':[{'name':'a','image':'z','tty':true},{'name':'b','image':'y'}]}}"),
                Arguments.of("new elements go where the configuration puts them", Pod.class,
                        "{'spec':{'containers':[{'name':'a'},{'name':'c'}]}}",
                        "{'spec':{'containers':[{'name':'a'},{'name':'b'},{'name':'c'}]}}",
                        "{'spec':{'containers':[{'name':'a'},{'name':'b'},{'name':'c'}]}}"),
                Arguments.of("atomic lists are replaced", Pod.class,
                        "{'spec':{'tolerations':[{'key':'a'},{'key':'b'}]}}",
                        "{'spec':{'tolerations':[{'key':'c'}]}}",
                        "{'spec':{'tolerations':[{'key':'c'}]}}"),
                Arguments.of("sets merge", ConfigMap.class, "{'metadata':{'finalizers':['a']}}",
                        "{'metadata':{'finalizers':['b']}}", "{'metadata':{'finalizers':['a','b']}}"),
                Arguments.of("untyped maps merge, untyped lists are replaced", null,
                        "{'spec':{'a':1,'list':[1,2],'m':{'x':1}}}", "{'spec':{'list':[3],'m':{'y':2}}}",
                        "{'spec':{'a':1,'list':[3],'m':{'x':1,'y':2}}}"),
                Arguments.of("an atomic map is replaced", Pod.class, "{'spec':{'nodeSelector':{'a':'1'}}}",
                        "{'spec':{'nodeSelector':{'b':'2'}}}", "{'spec':{'nodeSelector':{'b':'2'}}}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("merges")
    void merge(String name, Class<?> model, String live, String config, String expected) {
        JsonNode merged = FieldWalks.merge(json(live), json(config), FieldType.of(model), new ArrayList<>());
        assertThat(merged).isEqualTo(json(expected));
    }

    @Test
    void duplicateOrKeylessElementsInAnAppliedListAreRejected() {
        FieldType pod = FieldType.of(Pod.class);
        assertThatThrownBy(() -> FieldWalks.merge(json("{'spec':{}}"),
                json("{'spec':{'containers':[{'name':'a'},{'name':'a'}]}}"), pod, new ArrayList<>()))
                .isInstanceOf(ApiException.class)
                .hasMessageContaining(".spec.containers: duplicate entries for key [name=\"a\"]");
        assertThatThrownBy(() -> FieldWalks.merge(json("{'spec':{}}"),
                json("{'spec':{'containers':[{'image':'x'}]}}"), pod, new ArrayList<>()))
                .isInstanceOf(ApiException.class)
                .hasMessageContaining("omits key field \"name\"");
    }

    @Test
    void keylessElementsInALiveObjectAreComparedAsAWhole() {
        FieldWalks.Comparison c = FieldWalks.compare(json("{'spec':{'containers':[{'image':'x'}]}}"),
                json("{'spec':{'containers':[{'image':'y'}]}}"), FieldType.of(Pod.class), null);
        assertThat(c.modified().toFieldsV1()).isEqualTo(json("{'f:spec':{'f:containers':{}}}"));
    }

    @Test
    void pruneRemovesOnlyUnownedFieldsAndDropsEmptiedMaps() {
        JsonNode obj = json("{'metadata':{'labels':{'a':'1','b':'2'}},'data':{'x':'1'}}");
        FieldSet toRemove = new FieldSet().insert("f:metadata", "f:labels", "f:a")
                .insert("f:metadata", "f:labels", "f:b").insert("f:data", "f:x");
        FieldSet owned = new FieldSet().insert("f:metadata", "f:labels", "f:b");
        FieldWalks.prune(obj, FieldType.of(ConfigMap.class), toRemove, owned);
        assertThat(obj).isEqualTo(json("{'metadata':{'labels':{'b':'2'}}}"));
    }

    @Test
    void pruneKeepsANamedFieldWhoseContentSomeoneOwns() {
        JsonNode obj = json("{'data':{'a':'1','b':'2'},'metadata':{'labels':{'x':{'y':'1'}}}}");
        FieldSet toRemove = new FieldSet().insert("f:data").insert("f:metadata", "f:labels", "f:x");
        FieldSet owned = new FieldSet().insert("f:data", "f:a").insert("f:metadata", "f:labels", "f:x", "f:y");
        FieldWalks.prune(obj, FieldType.of(ConfigMap.class), toRemove, owned);
        // data is a named field with owned content: kept whole; the label entry x is not a named field: removed.
        assertThat(obj).isEqualTo(json("{'data':{'a':'1','b':'2'}}"));
    }

    @Test
    void pathsRenderInStructuredMergeDiffSyntax() {
        assertThat(PathElements.render(java.util.List.of("f:spec", "f:ports",
                "k:{\"port\":80,\"protocol\":\"TCP\"}", "f:name"))).isEqualTo(".spec.ports[port=80,protocol=\"TCP\"].name");
        assertThat(PathElements.render(java.util.List.of("f:metadata", "f:finalizers", "v:\"x\"")))
                .isEqualTo(".metadata.finalizers[=\"x\"]");
    }
}
