package io.kaji.apiserver.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.serialization.Json;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** The Job registry's defaults and generated selector, as Kubernetes' Job strategy applies them on create. */
class JobDefaultsTest {

    private static ObjectNode job(String spec) {
        return Json.parseTrusted("""
                {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"once","namespace":"default","uid":"u-1"},
                 "spec":%s}""".formatted(spec));
    }

    @Test
    void aJobGetsTheApiDefaultsAndASelectorOfItsUid() {
        ObjectNode o = job("""
                {"template":{"metadata":{"labels":{"app":"x"}},"spec":{"restartPolicy":"Never",
                 "containers":[{"name":"c","image":"busybox"}]}}}""");
        Strategies.BATCH.prepareForCreate(o);
        assertThat(Json.at(o, "spec.completions").asInt()).isEqualTo(1);
        assertThat(Json.at(o, "spec.parallelism").asInt()).isEqualTo(1);
        assertThat(Json.at(o, "spec.backoffLimit").asInt()).isEqualTo(6);
        assertThat(Json.at(o, "spec.completionMode").asString()).isEqualTo("NonIndexed");
        assertThat(Json.at(o, "spec.suspend").asBoolean()).isFalse();
        assertThat(Json.at(o, "spec.podReplacementPolicy").asString()).isEqualTo("TerminatingOrFailed");
        assertThat(Json.at(o, "spec.selector").toString())
                .isEqualTo("{\"matchLabels\":{\"batch.kubernetes.io/controller-uid\":\"u-1\"}}");
        var labels = Json.at(o, "spec.template.metadata.labels");
        assertThat(labels.get("app").asString()).isEqualTo("x");
        assertThat(labels.get("job-name").asString()).isEqualTo("once");
        assertThat(labels.get("batch.kubernetes.io/job-name").asString()).isEqualTo("once");
        assertThat(labels.get("controller-uid").asString()).isEqualTo("u-1");
        assertThat(labels.get("batch.kubernetes.io/controller-uid").asString()).isEqualTo("u-1");
    }

    @Test
    void aManualSelectorAndSetFieldsAreKept() {
        ObjectNode o = job("""
                {"manualSelector":true,"parallelism":3,"backoffLimit":0,
                 "selector":{"matchLabels":{"app":"x"}},
                 "template":{"metadata":{"labels":{"app":"x"}},"spec":{"restartPolicy":"Never",
                 "containers":[{"name":"c","image":"busybox"}]}}}""");
        Strategies.BATCH.prepareForCreate(o);
        assertThat(Json.at(o, "spec.selector").toString()).isEqualTo("{\"matchLabels\":{\"app\":\"x\"}}");
        assertThat(Json.at(o, "spec.template.metadata.labels").toString()).isEqualTo("{\"app\":\"x\"}");
        assertThat(Json.at(o, "spec.parallelism").asInt()).isEqualTo(3);
        assertThat(o.path("spec").has("completions")).as("parallelism alone leaves completions unset").isFalse();
        assertThat(Json.at(o, "spec.backoffLimit").asInt()).isZero();
    }

    @Test
    void aCronJobsJobTemplateIsLeftToTheJobItCreates() {
        ObjectNode o = Json.parseTrusted("""
                {"apiVersion":"batch/v1","kind":"CronJob","metadata":{"name":"c","uid":"u-2"},
                 "spec":{"schedule":"* * * * *","jobTemplate":{"spec":{"template":{"spec":{
                 "restartPolicy":"Never","containers":[{"name":"c","image":"busybox"}]}}}}}}""");
        Strategies.BATCH.prepareForCreate(o);
        assertThat(o.path("spec").path("jobTemplate").path("spec").has("selector")).isFalse();
        assertThat(o.path("spec").has("selector")).isFalse();
    }
}
