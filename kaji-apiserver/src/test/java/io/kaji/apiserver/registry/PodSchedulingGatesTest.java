package io.kaji.apiserver.registry;

import static io.kaji.apiserver.registry.PodStrategyFixture.created;
import static io.kaji.apiserver.registry.PodStrategyFixture.createErrors;
import static io.kaji.apiserver.registry.PodStrategyFixture.updateErrors;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** Scheduling gates: the SchedulingGated condition on create, valid names, no node yet, only removals later. */
class PodSchedulingGatesTest {


    private static final String GATED = "{\"schedulingGates\":[{\"name\":\"example.com/quota\"},{\"name\":\"ready\"}],"
            + "\"containers\":[{\"name\":\"app\",\"image\":\"i\"}]}";

    @Test
    void aGatedPodStartsWithTheSchedulingGatedCondition() {
        ObjectNode pod = created(GATED);
        assertThat(createErrors(pod)).isEmpty();
        var condition = pod.path("status").path("conditions").get(0);
        assertThat(condition.path("type").asString()).isEqualTo("PodScheduled");
        assertThat(condition.path("status").asString()).isEqualTo("False");
        assertThat(condition.path("reason").asString()).isEqualTo("SchedulingGated");
        assertThat(condition.path("message").asString())
                .isEqualTo("Scheduling is blocked due to non-empty scheduling gates");
        assertThat(created("{\"containers\":[{\"name\":\"app\",\"image\":\"i\"}]}").path("status").has("conditions"))
                .isFalse();
    }

    @Test
    void gatesAreQualifiedNamesListedOnceAndAGatedPodHasNoNodeYet() {
        assertThat(createErrors(created("""
                {"nodeName":"n1","schedulingGates":[{"name":"a"},{"name":"a"},{"name":"Bad_/x"},{"name":"-x"}],
                 "containers":[{"name":"app","image":"i"}]}"""))).containsExactly(
                "spec.schedulingGates[1]: Duplicate value: \"a\"",
                "spec.schedulingGates[2]: Invalid value: \"Bad_/x\": prefix part " + NameValidation
                        .DNS1123_SUBDOMAIN_MESSAGE,
                "spec.schedulingGates[3]: Invalid value: \"-x\": name part must consist of alphanumeric characters,"
                        + " '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or"
                        + " 'my.name',  or '123-abc', regex used for validation is"
                        + " '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
                "spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared");
    }

    @Test
    void gatesMayBeRemovedButNotAdded() {
        ObjectNode old = created(GATED);
        ObjectNode fewer = old.deepCopy();
        ((tools.jackson.databind.node.ArrayNode) fewer.path("spec").path("schedulingGates")).remove(0);
        assertThat(updateErrors(old, fewer)).isEmpty();
        ObjectNode none = old.deepCopy();
        ((ObjectNode) none.get("spec")).remove("schedulingGates");
        assertThat(updateErrors(old, none)).isEmpty();
        ObjectNode more = old.deepCopy();
        ((tools.jackson.databind.node.ArrayNode) more.path("spec").path("schedulingGates")).addObject()
                .put("name", "late");
        assertThat(updateErrors(old, more)).containsExactly(
                "spec.schedulingGates[2].name: Forbidden: only deletion is allowed, but found new scheduling gate"
                        + " 'late'");
    }
}
