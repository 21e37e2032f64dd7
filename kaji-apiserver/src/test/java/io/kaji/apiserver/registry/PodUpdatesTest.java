package io.kaji.apiserver.registry;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.serialization.Json;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** What an update may change in a pod, through the pod and through pods/ephemeralcontainers. */
class PodUpdatesTest {

    private static ObjectNode pod(String spec) {
        return PodStrategyFixture.created(spec);
    }

    private static List<String> update(ObjectNode old, ObjectNode next) {
        return PodStrategyFixture.updateErrors(old, next);
    }

    private static final String BASE = "{\"containers\":[{\"name\":\"app\",\"image\":\"web:1\",\"command\":[\"run\"]}],"
            + "\"tolerations\":[{\"key\":\"a\",\"operator\":\"Exists\"}]}";

    @Test
    void imagesDeadlineGraceAndNewTolerationsMayChange() {
        ObjectNode old = pod(BASE);
        ObjectNode next = pod("{\"containers\":[{\"name\":\"app\",\"image\":\"web:2\",\"command\":[\"run\"]}],"
                + "\"tolerations\":[{\"key\":\"a\",\"operator\":\"Exists\"},{\"key\":\"b\",\"operator\":\"Exists\"}],"
                + "\"activeDeadlineSeconds\":60}");
        assertThat(update(old, next)).isEmpty();
        ObjectNode unchangedWithoutDefaults = Json.parseTrusted("{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
                + "\"metadata\":{\"name\":\"web\"},\"spec\":" + BASE + "}");
        assertThat(update(old, unchangedWithoutDefaults)).as("the defaults are applied again").isEmpty();
    }

    @Test
    void anythingElseIsForbiddenNamingWhatChanged() {
        ObjectNode old = pod(BASE);
        ObjectNode next = pod("{\"containers\":[{\"name\":\"app\",\"image\":\"web:1\",\"command\":[\"other\"]}],"
                + "\"nodeName\":\"n1\"}");
        assertThat(update(old, next)).containsExactly("spec: Forbidden: " + PodUpdates.MESSAGE
                + " (changed: spec.containers, spec.nodeName, spec.tolerations)");
    }

    @Test
    void ephemeralContainersAreAddedThroughTheSubresourceOnly() {
        ObjectNode old = pod(BASE);
        ObjectNode viaPod = pod(BASE);
        Json.objectAt(viaPod, "spec").set("ephemeralContainers", array(
                "[{\"name\":\"debug\",\"image\":\"busybox:1\"}]"));
        assertThat(update(old, viaPod)).isEmpty();
        assertThat(viaPod.path("spec").has("ephemeralContainers")).as("dropped from a pod update").isFalse();

        List<StatusCause> causes = new ArrayList<>();
        ObjectNode desired = old.deepCopy();
        Json.objectAt(desired, "spec").set("ephemeralContainers", array(
                "[{\"name\":\"debug\",\"image\":\"busybox:1\",\"stdin\":true,\"targetContainerName\":\"app\"}]"));
        ObjectNode added = PodUpdates.withEphemeralContainers(old, desired, causes);
        assertThat(causes).isEmpty();
        assertThat(added.path("spec").path("ephemeralContainers").get(0).path("terminationMessagePolicy")
                .asString("")).isEqualTo("File");
        assertThat(added.path("spec").path("containers")).isEqualTo(old.path("spec").path("containers"));

        ObjectNode bad = added.deepCopy();
        Json.objectAt(bad, "spec").set("ephemeralContainers", array(
                "[{\"name\":\"app\",\"image\":\"busybox:1\",\"ports\":[{\"containerPort\":80}]},"
                        + "{\"name\":\"x\",\"image\":\"\",\"targetContainerName\":\"nope\"}]"));
        List<StatusCause> refused = new ArrayList<>();
        PodUpdates.withEphemeralContainers(added, bad, refused);
        assertThat(refused.stream().map(StatusCause::describe)).containsExactly(
                "spec.ephemeralContainers[0].name: Duplicate value: \"app\"",
                "spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container",
                "spec.ephemeralContainers[1].image: Required value",
                "spec.ephemeralContainers[1].targetContainerName: Not found: \"nope\"",
                "spec.ephemeralContainers: Forbidden: existing ephemeral containers \"debug\" may not be removed");
    }

    private static tools.jackson.databind.JsonNode array(String json) {
        return Json.parseTrusted("{\"a\":" + json + "}").get("a");
    }
}
