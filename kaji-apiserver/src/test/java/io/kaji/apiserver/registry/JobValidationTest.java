package io.kaji.apiserver.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.serialization.Json;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** Job and CronJob validation, with the field paths and messages Kubernetes' batch validation gives. */
class JobValidationTest {

    private static ObjectNode created(String kind, String spec) {
        ObjectNode o = Json.parseTrusted("""
                {"apiVersion":"batch/v1","kind":"%s","metadata":{"name":"once","namespace":"default","uid":"u-1"},
                 "spec":%s}""".formatted(kind, spec));
        Strategies.BATCH.prepareForCreate(o);
        return o;
    }

    private static List<String> createErrors(ObjectNode o) {
        List<StatusCause> causes = new ArrayList<>(Strategies.BATCH.validate(o));
        causes.addAll(Strategies.BATCH.validateCreate(o));
        return causes.stream().map(StatusCause::describe).toList();
    }

    private static final String CONTAINERS = "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]";

    @Test
    void aPlainJobIsValid() {
        assertThat(createErrors(created("Job", "{\"template\":{\"spec\":{\"restartPolicy\":\"Never\","
                + CONTAINERS + "}}}"))).isEmpty();
    }

    @Test
    void aJobWhoseTemplateWouldRestartForeverIsRefused() {
        assertThat(createErrors(created("Job", "{\"template\":{\"spec\":{" + CONTAINERS + "}}}"))).containsExactly(
                "spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\","
                        + " \"Never\"");
    }

    @Test
    void negativeCountsAndAnIndexedJobWithoutCompletionsAreRefused() {
        assertThat(createErrors(created("Job", "{\"parallelism\":-1,\"backoffLimit\":-2,\"activeDeadlineSeconds\":-3,"
                + "\"completionMode\":\"Indexed\",\"template\":{\"spec\":{\"restartPolicy\":\"OnFailure\","
                + CONTAINERS + "}}}"))).containsExactly(
                "spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
                "spec.activeDeadlineSeconds: Invalid value: -3: must be greater than or equal to 0",
                "spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0",
                "spec.completions: Required value: when completion mode is Indexed");
        assertThat(createErrors(created("Job", "{\"completionMode\":\"Sometimes\",\"template\":{\"spec\":{"
                + "\"restartPolicy\":\"Never\"," + CONTAINERS + "}}}"))).containsExactly(
                "spec.completionMode: Unsupported value: \"Sometimes\": supported values: \"NonIndexed\","
                        + " \"Indexed\"");
    }

    @Test
    void aSelectorOfTheUsersOwnNeedsManualSelectorAndGeneratedLabelsCannotBeForeign() {
        // As in Kubernetes: the user's selector gets the uid added, and then selects more than the generated one.
        ObjectNode own = created("Job", "{\"selector\":{\"matchLabels\":{\"app\":\"x\"}},\"template\":{"
                + "\"metadata\":{\"labels\":{\"app\":\"x\"}},\"spec\":{\"restartPolicy\":\"Never\"," + CONTAINERS
                + "}}}");
        assertThat(createErrors(own)).containsExactly("spec.selector: Invalid value: {\"matchLabels\":{\"app\":\"x\","
                + "\"batch.kubernetes.io/controller-uid\":\"u-1\"}}: `selector` not auto-generated");

        ObjectNode foreign = created("Job", "{\"template\":{\"metadata\":{\"labels\":{\"controller-uid\":\"other\"}},"
                + "\"spec\":{\"restartPolicy\":\"Never\"," + CONTAINERS + "}}}");
        assertThat(createErrors(foreign)).singleElement().asString()
                .startsWith("spec.template.metadata.labels[controller-uid]: Invalid value: ")
                .endsWith(": must be 'u-1'");
    }

    @Test
    void aManualSelectorMustStillMatchTheTemplateAndIsOtherwiseTheUsersBusiness() {
        ObjectNode manual = created("Job", "{\"manualSelector\":true,\"selector\":{\"matchExpressions\":[{\"key\":"
                + "\"app\",\"operator\":\"In\",\"values\":[\"x\",\"y\"]}]},\"template\":{\"metadata\":{\"labels\":"
                + "{\"app\":\"y\"}},\"spec\":{\"restartPolicy\":\"Never\"," + CONTAINERS + "}}}");
        assertThat(createErrors(manual)).isEmpty();

        ObjectNode mismatch = created("Job", "{\"manualSelector\":true,\"selector\":{\"matchLabels\":{\"app\":\"y\"}},"
                + "\"template\":{\"metadata\":{\"labels\":{\"app\":\"x\"}},\"spec\":{\"restartPolicy\":\"Never\","
                + CONTAINERS + "}}}");
        assertThat(createErrors(mismatch)).containsExactly("spec.template.metadata.labels: Invalid value:"
                + " \"map[string]string{\"app\":\"x\"}\": `selector` does not match template `labels`");

        ObjectNode none = created("Job", "{\"manualSelector\":true,\"template\":{\"spec\":{\"restartPolicy\":"
                + "\"Never\"," + CONTAINERS + "}}}");
        assertThat(createErrors(none)).containsExactly("spec.selector: Required value");
    }

    @Test
    void anUpdateIsNotHeldToTheGeneratedLabelsButGetsTheDefaultsAgain() {
        ObjectNode old = created("Job", "{\"template\":{\"spec\":{\"restartPolicy\":\"Never\"," + CONTAINERS + "}}}");
        ObjectNode put = old.deepCopy();
        ((ObjectNode) put.get("spec")).remove("backoffLimit");
        ((ObjectNode) Json.at(put, "spec.template.metadata.labels")).remove("job-name");
        Strategies.BATCH.prepareForUpdate(put, old);
        assertThat(Strategies.BATCH.validate(put)).isEmpty();
        assertThat(Json.at(put, "spec.backoffLimit").asInt()).isEqualTo(6);
    }

    @Test
    void aCronJobGetsItsDefaultsAndItsJobTemplateTheJobRules() {
        ObjectNode ok = created("CronJob", "{\"schedule\":\"*/5 * * * *\",\"jobTemplate\":{\"spec\":{\"template\":{"
                + "\"spec\":{\"restartPolicy\":\"OnFailure\"," + CONTAINERS + "}}}}}");
        assertThat(createErrors(ok)).isEmpty();
        assertThat(Json.at(ok, "spec.concurrencyPolicy").asString()).isEqualTo("Allow");
        assertThat(Json.at(ok, "spec.successfulJobsHistoryLimit").asInt()).isEqualTo(3);
        assertThat(Json.at(ok, "spec.failedJobsHistoryLimit").asInt()).isEqualTo(1);
        assertThat(Json.at(ok, "spec.suspend").asBoolean()).isFalse();

        ObjectNode bad = created("CronJob", "{\"concurrencyPolicy\":\"Sometimes\",\"startingDeadlineSeconds\":-1,"
                + "\"jobTemplate\":{\"spec\":{\"manualSelector\":true,\"selector\":{\"matchLabels\":{\"a\":\"b\"}},"
                + "\"template\":{\"metadata\":{\"labels\":{\"a\":\"b\"}},\"spec\":{" + CONTAINERS + "}}}}}");
        assertThat(createErrors(bad)).containsExactly(
                "spec.schedule: Required value",
                "spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0",
                "spec.concurrencyPolicy: Unsupported value: \"Sometimes\": supported values: \"Allow\", \"Forbid\","
                        + " \"Replace\"",
                "spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values:"
                        + " \"OnFailure\", \"Never\"",
                "spec.jobTemplate.spec.selector: Invalid value: {\"matchLabels\":{\"a\":\"b\"}}:"
                        + " `selector` will be auto-generated",
                "spec.jobTemplate.spec.manualSelector: Unsupported value: true: supported values: \"nil\","
                        + " \"false\"");
    }

    @Test
    void aJobTemplatesAppArmorAnnotationsMustNameAContainerAndAProfile() {
        String key = "container.apparmor.security.beta.kubernetes.io/";
        String template = "{\"metadata\":{\"annotations\":{\"" + key + "ghost\":\"runtime/default\",\"" + key
                + "c\":\"docker-default\"}},\"spec\":{\"restartPolicy\":\"Never\"," + CONTAINERS + "}}";
        assertThat(createErrors(created("Job", "{\"template\":" + template + "}"))).containsExactly(
                "spec.template.metadata.annotations[" + key + "ghost]: Invalid value: \"ghost\": container not found",
                "spec.template.metadata.annotations[" + key + "c]: Invalid value: \"docker-default\": invalid"
                        + " AppArmor profile name: \"docker-default\"");
        assertThat(createErrors(created("CronJob", "{\"schedule\":\"@daily\",\"jobTemplate\":{\"spec\":{"
                + "\"template\":" + template + "}}}"))).containsExactly(
                "spec.jobTemplate.spec.template.metadata.annotations[" + key + "ghost]: Invalid value: \"ghost\":"
                        + " container not found",
                "spec.jobTemplate.spec.template.metadata.annotations[" + key + "c]: Invalid value:"
                        + " \"docker-default\": invalid AppArmor profile name: \"docker-default\"");
    }
}
