package io.kaji.controllers.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.WatchEvent;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ComponentSerializationTest {

    private static final String POD_REST = "\"metadata\":{\"name\":\"web-1\",\"namespace\":\"default\","
            + "\"labels\":{\"app\":\"web\"},\"resourceVersion\":\"42\"},"
            + "\"spec\":{\"nodeName\":\"node-a\",\"containers\":[{\"name\":\"c\",\"image\":\"busybox\","
            + "\"resources\":{\"requests\":{\"cpu\":\"100m\",\"memory\":\"500Mi\"}}}]},"
            + "\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"PodScheduled\",\"status\":\"True\"}]}";

    private static final KubernetesSerialization FABRIC8 = new KubernetesSerialization();
    private static final KubernetesSerialization ONE_PASS = new ComponentSerialization();

    static Stream<Arguments> events() {
        return Stream.of(
                Arguments.of("apiVersion and kind first (streamed)", Pod.class,
                        "{\"type\":\"MODIFIED\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\"," + POD_REST + "}}"),
                Arguments.of("kind before apiVersion (streamed)", Pod.class,
                        "{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\",\"apiVersion\":\"v1\"," + POD_REST + "}}"),
                Arguments.of("object before type (streamed)", Pod.class,
                        "{\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\"," + POD_REST + "},\"type\":\"DELETED\"}"),
                Arguments.of("metadata first (as fabric8)", Pod.class,
                        "{\"type\":\"ADDED\",\"object\":{" + POD_REST + ",\"apiVersion\":\"v1\",\"kind\":\"Pod\"}}"),
                Arguments.of("apiVersion, then other fields", Pod.class,
                        "{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"v1\"," + POD_REST + ",\"kind\":\"Pod\"}}"),
                Arguments.of("unknown field kept (streamed)", Pod.class,
                        "{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"extra\":{\"a\":[1,2]},"
                                + POD_REST + "}}"),
                Arguments.of("a node", Node.class,
                        "{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":"
                                + "\"n\",\"labels\":{\"kubernetes.io/hostname\":\"n\"}},\"spec\":{\"unschedulable\":true}}}"),
                Arguments.of("a kind fabric8 has no class for", GenericKubernetesResource.class,
                        "{\"type\":\"ADDED\",\"object\":{\"apiVersion\":\"example.com/v1\",\"kind\":\"Widget\","
                                + "\"metadata\":{\"name\":\"w\"},\"spec\":{\"size\":3}}}"),
                Arguments.of("an error event's Status", Status.class,
                        "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                                + "\"status\":\"Failure\",\"message\":\"too old resource version\",\"reason\":\"Expired\","
                                + "\"code\":410}}"),
                Arguments.of("apiVersion not a string (fabric8 gives no object)", null,
                        "{\"type\":\"ADDED\",\"object\":{\"apiVersion\":7,\"kind\":\"Widget\",\"metadata\":{\"name\":\"w\"}}}"),
                Arguments.of("an empty object", null, "{\"type\":\"BOOKMARK\",\"object\":{}}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("events")
    void decodesWhatFabric8DecodesToTheSameObject(String what, Class<?> type, String json) {
        WatchEvent expected = decodeOrError(FABRIC8, json);
        long fallbacks = ComponentSerialization.KindFirstDeserializer.FALLBACKS.sum();
        WatchEvent actual = decodeOrError(ONE_PASS, json);
        assertThat(actual).isEqualTo(expected);
        // Only objects that start with apiVersion and kind of a known class skip the tree.
        assertThat(ComponentSerialization.KindFirstDeserializer.FALLBACKS.sum() - fallbacks)
                .isEqualTo(what.endsWith("(streamed)") || what.equals("a node") ? 0 : 1);
        if (type != null) {
            assertThat(actual.getObject()).isInstanceOf(type);
        }
        if (actual.getObject() instanceof Pod pod) {
            assertThat(pod.getApiVersion()).isEqualTo("v1");
            assertThat(pod.getKind()).isEqualTo("Pod");
            assertThat(pod.getMetadata().getLabels()).containsEntry("app", "web");
            assertThat(pod.getSpec().getContainers().get(0).getResources().getRequests().get("cpu").toString())
                    .isEqualTo("100m");
            assertThat(pod.getStatus().getConditions()).hasSize(1);
        }
    }

    @Test
    void managedFieldsAreSkippedWhenDecodingEventsAndListsButStillWritten() {
        String managed = "\"managedFields\":[{\"manager\":\"kubectl\",\"operation\":\"Update\",\"apiVersion\":\"v1\","
                + "\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:spec\":{\"f:nodeName\":{}}}}],";
        String pod = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\"," + POD_REST.replace("\"metadata\":{",
                "\"metadata\":{" + managed) + "}";
        Pod withFields = FABRIC8.unmarshal(pod, Pod.class);
        assertThat(withFields.getMetadata().getManagedFields()).hasSize(1);

        WatchEvent event = ONE_PASS.unmarshal("{\"type\":\"MODIFIED\",\"object\":" + pod + "}", WatchEvent.class);
        Pod streamed = (Pod) event.getObject();
        assertThat(streamed.getMetadata().getManagedFields()).isNullOrEmpty();
        assertThat(streamed).isEqualTo(FABRIC8.unmarshal("{\"apiVersion\":\"v1\",\"kind\":\"Pod\"," + POD_REST + "}",
                Pod.class));

        PodList list = ONE_PASS.unmarshal("{\"apiVersion\":\"v1\",\"kind\":\"PodList\",\"metadata\":{},\"items\":["
                + pod + "]}", PodList.class);
        assertThat(list.getItems().get(0).getMetadata().getManagedFields()).isNullOrEmpty();
        assertThat(list.getItems().get(0).getMetadata().getName()).isEqualTo("web-1");

        Pod written = FABRIC8.unmarshal(pod, Pod.class);
        assertThat(ONE_PASS.asJson(written)).contains("\"managedFields\"", "\"manager\":\"kubectl\"");
    }

    /** The event, or one carrying the failure's class as its type (both decoders must fail alike). */
    private static WatchEvent decodeOrError(KubernetesSerialization s, String json) {
        try {
            return s.unmarshal(json, WatchEvent.class);
        } catch (RuntimeException e) {
            return new WatchEvent(null, e.getClass().getName());
        }
    }
}
