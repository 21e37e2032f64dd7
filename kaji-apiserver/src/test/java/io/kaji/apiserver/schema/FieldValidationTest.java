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
}
