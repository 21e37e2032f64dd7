package io.kaji.apiserver.patch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kaji.apiserver.errors.ApiException;
import io.kaji.apiserver.serialization.Json;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class PatchTest {

    static JsonNode j(String s) {
        return Json.MAPPER.readTree(s.replace('\'', '"'));
    }

    @Test
    void mergePatchDeletesWithNullAndReplacesLists() {
        JsonNode out = MergePatch.apply(j("{'a':{'b':1,'c':2},'l':[1,2]}"), j("{'a':{'b':null,'d':3},'l':[3]}"));
        assertThat(out).isEqualTo(j("{'a':{'c':2,'d':3},'l':[3]}"));
    }

    @Test
    void jsonPatchOperations() {
        JsonNode doc = j("{'spec':{'template':{'x':1},'list':[1,2,3]}}");
        JsonNode out = JsonPatch.apply(doc, j("[{'op':'replace','path':'/spec/template','value':{'y':2}},"
                + "{'op':'add','path':'/spec/list/1','value':9},{'op':'remove','path':'/spec/list/0'},"
                + "{'op':'add','path':'/spec/list/-','value':7},{'op':'test','path':'/spec/template/y','value':2},"
                + "{'op':'copy','from':'/spec/template','path':'/copy'},{'op':'move','from':'/copy','path':'/moved'}]"));
        assertThat(out).isEqualTo(j("{'spec':{'template':{'y':2},'list':[9,2,3,7]},'moved':{'y':2}}"));
        assertThat(doc).as("input untouched").isEqualTo(j("{'spec':{'template':{'x':1},'list':[1,2,3]}}"));
        assertThatThrownBy(() -> JsonPatch.apply(doc, j("[{'op':'test','path':'/spec/list/0','value':5}]")))
                .isInstanceOf(ApiException.class).hasMessageContaining("testing value /spec/list/0 failed");
    }

    @Test
    void strategicMergeMergesContainersByNameAndEnvByName() {
        JsonNode live = j("{'spec':{'template':{'spec':{'containers':[{'name':'a','image':'a:1','env':[{'name':'X',"
                + "'value':'1'},{'name':'Y','value':'2'}],'ports':[{'containerPort':80,'protocol':'TCP'}]},"
                + "{'name':'b','image':'b:1'}]}}}}");
        JsonNode patch = j("{'spec':{'template':{'spec':{'$setElementOrder/containers':[{'name':'a'},{'name':'b'}],"
                + "'containers':[{'$setElementOrder/env':[{'name':'X'},{'name':'Y'}],'env':[{'name':'X','value':'9'}],"
                + "'image':'a:2','name':'a','ports':[{'containerPort':80,'name':'http'}]}]}}}}");
        JsonNode out = StrategicMergePatch.apply(live, patch);
        assertThat(out).isEqualTo(j("{'spec':{'template':{'spec':{'containers':[{'name':'a','image':'a:2','env':"
                + "[{'name':'X','value':'9'},{'name':'Y','value':'2'}],'ports':[{'containerPort':80,'protocol':'TCP',"
                + "'name':'http'}]},{'name':'b','image':'b:1'}]}}}}"));
    }

    @Test
    void strategicMergeDirectives() {
        JsonNode live = j("{'metadata':{'finalizers':['a','b']},'spec':{'containers':[{'name':'a'},{'name':'b'}],"
                + "'strategy':{'type':'RollingUpdate','rollingUpdate':{'maxSurge':1}},'args':['x','y']}}");
        JsonNode patch = j("{'metadata':{'$deleteFromPrimitiveList/finalizers':['a'],'finalizers':['c']},"
                + "'spec':{'containers':[{'name':'b','$patch':'delete'}],"
                + "'strategy':{'$retainKeys':['type'],'type':'Recreate'},'args':['z']}}");
        JsonNode out = StrategicMergePatch.apply(live, patch);
        assertThat(out).isEqualTo(j("{'metadata':{'finalizers':['b','c']},'spec':{'containers':[{'name':'a'}],"
                + "'strategy':{'type':'Recreate'},'args':['z']}}"));
        JsonNode replaced = StrategicMergePatch.apply(live, j("{'spec':{'$patch':'replace','args':['q']}}"));
        assertThat(replaced.get("spec")).isEqualTo(j("{'args':['q']}"));
    }

    @Test
    void serviceAndContainerPortsUseTheirOwnMergeKeys() {
        assertThat(MergeKeys.mergeKey("ports", true)).isEqualTo("containerPort");
        assertThat(MergeKeys.mergeKey("ports", false)).isEqualTo("port");
        JsonNode out = StrategicMergePatch.apply(j("{'spec':{'ports':[{'port':80,'name':'a'},{'port':443}]}}"),
                j("{'spec':{'ports':[{'port':80,'name':'http'}]}}"));
        assertThat(out).isEqualTo(j("{'spec':{'ports':[{'port':80,'name':'http'},{'port':443}]}}"));
    }
}
