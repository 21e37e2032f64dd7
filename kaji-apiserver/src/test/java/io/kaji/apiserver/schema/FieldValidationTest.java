package io.kaji.apiserver.schema;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ReplicationController;
import io.kaji.apiserver.serialization.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class FieldValidationTest {

    static ObjectNode object(String json) {
        return Json.parseTrusted(json.replace('\'', '"'));
    }

    @Test
    void reportsAndDropsUnknownFieldsWithKubernetesPaths() {
        ObjectNode pod = object("{'metadata':{'name':'p','bogus':1},'spec':{'containers':[{'name':'c','imagex':'i'}]},"
                + "'extra':true}");
        List<String> unknown = FieldValidation.dropUnknown(pod, io.fabric8.kubernetes.api.model.Pod.class);
        assertThat(unknown).containsExactly("metadata.bogus", "spec.containers[0].imagex", "extra");
        assertThat(pod.toString()).isEqualTo("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[{\"name\":\"c\"}]}}");
    }

    /** Regression: the first concurrent uses of a kind once saw a half-built shape and dropped every field. */
    @Test
    void concurrentFirstUseSeesCompleteShapes() throws Exception {
        int threads = 32;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<String>>> results = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return FieldValidation.dropUnknown(object("{'metadata':{'name':'rc','labels':{'a':'b'}},"
                            + "'spec':{'replicas':1,'template':{'spec':{'containers':[{'name':'c','image':'i'}]}}}}"),
                            ReplicationController.class);
                }));
            }
            go.countDown();
            for (Future<List<String>> r : results) {
                assertThat(r.get()).isEmpty();
            }
        }
    }

    /** Bodies whose every value has its declared type are proven, and binding them to the model indeed succeeds. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
            "{'metadata':{'name':'p','labels':{'a':'b'},'annotations':{'x':'y'}},'spec':{'containers':[{'name':'c',"
                    + "'image':'i','ports':[{'containerPort':80,'name':'http'}],'resources':{'requests':{'cpu':'100m',"
                    + "'memory':'128Mi'},'limits':{'cpu':1}},'readinessProbe':{'httpGet':{'path':'/','port':'http'}},"
                    + "'securityContext':{'runAsNonRoot':true,'runAsUser':10001}}],'terminationGracePeriodSeconds':30}}",
            "{'spec':{'containers':[{'name':'c','livenessProbe':{'tcpSocket':{'port':8080}}}]}}"})
    void provesWellTypedBodies(String json) {
        ObjectNode pod = object(json);
        assertThat(FieldValidation.check(pod, io.fabric8.kubernetes.api.model.Pod.class).typesProven()).isTrue();
        Json.MAPPER.treeToValue(pod, io.fabric8.kubernetes.api.model.Pod.class);
    }

    /**
     * A value of another type than declared is never proven (the caller then binds the model, which rejects it or
     * coerces it as Kubernetes' decoding would); neither are free-form values or values with their own deserializer.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {
            "{'spec':{'containers':[{'name':1}]}}",
            "{'spec':{'containers':{'name':'c'}}}",
            "{'spec':{'containers':['c']}}",
            "{'spec':{'terminationGracePeriodSeconds':'30'}}",
            "{'spec':{'terminationGracePeriodSeconds':1.5}}",
            "{'spec':{'containers':[{'name':'c','ports':[{'containerPort':4294967296}]}]}}",
            "{'spec':{'hostNetwork':'true'}}",
            "{'metadata':{'labels':{'a':1}}}",
            "{'metadata':{'labels':['a']}}",
            "{'spec':{'containers':[{'name':'c','resources':{'limits':{'cpu':{'amount':'1'}}}}]}}",
            "{'spec':{'containers':[{'name':'c','resources':{'limits':{'cpu':true}}}]}}",
            "{'spec':{'containers':[{'name':'c','livenessProbe':{'tcpSocket':{'port':true}}}]}}",
            "{'spec':{'containers':[null]}}"})
    void doesNotProveOtherTypes(String json) {
        ObjectNode pod = object(json);
        assertThat(FieldValidation.check(pod, io.fabric8.kubernetes.api.model.Pod.class).typesProven()).isFalse();
    }

    @Test
    void wrongTypesStillFailTheModelBinding() {
        for (String json : List.of("{'spec':{'containers':[{'name':'c','ports':[{'containerPort':'http'}]}]}}",
                "{'spec':{'containers':{'name':'c'}}}", "{'spec':{'hostNetwork':[1]}}")) {
            ObjectNode pod = object(json);
            assertThat(FieldValidation.check(pod, io.fabric8.kubernetes.api.model.Pod.class).typesProven()).isFalse();
            org.assertj.core.api.Assertions.assertThatThrownBy(
                    () -> Json.MAPPER.treeToValue(pod, io.fabric8.kubernetes.api.model.Pod.class))
                    .as(json).isInstanceOf(tools.jackson.core.JacksonException.class);
        }
    }

    @Test
    void eventsWithMicroTimeAreNotProven() {
        ObjectNode event = object("{'metadata':{'name':'e'},'eventTime':'2026-01-01T00:00:00.000000Z'}");
        assertThat(FieldValidation.check(event, io.fabric8.kubernetes.api.model.events.v1.Event.class).typesProven())
                .isFalse();
    }
}
