package io.kaji.apiserver.registry;

import static io.kaji.apiserver.registry.PodStrategyFixture.created;
import static io.kaji.apiserver.registry.PodStrategyFixture.createErrors;
import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.serialization.Json;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

/** AppArmor profiles as fields and as deprecated annotations: kept in step on create, validated, frozen on update. */
class PodAppArmorTest {

    private static final String KEY = PodAppArmor.ANNOTATION;


    @Test
    void fieldsGetAnnotationsAndAnnotationsGetFieldsOnCreate() {
        ObjectNode pod = created("{\"name\":\"web\",\"annotations\":{\"" + KEY
                + "legacy\":\"localhost/k8s-legacy\",\"" + KEY + "same\":\"runtime/default\"}}", """
                {"securityContext":{"appArmorProfile":{"type":"RuntimeDefault"}},
                 "containers":[{"name":"app","image":"i"},
                  {"name":"own","image":"i","securityContext":{"appArmorProfile":{"type":"Localhost",
                   "localhostProfile":"k8s-own"}}},
                  {"name":"legacy","image":"i"},{"name":"same","image":"i"}]}""");
        var annotations = pod.path("metadata").path("annotations");
        assertThat(annotations.path(KEY + "app").asString()).as("from the pod's field").isEqualTo("runtime/default");
        assertThat(annotations.path(KEY + "own").asString()).isEqualTo("localhost/k8s-own");
        var containers = pod.path("spec").path("containers");
        assertThat(containers.get(2).path("securityContext").path("appArmorProfile").path("localhostProfile")
                .asString()).as("from the annotation").isEqualTo("k8s-legacy");
        assertThat(containers.get(3).path("securityContext").has("appArmorProfile"))
                .as("the annotation says what the pod's field says: no field of its own").isFalse();
        assertThat(createErrors(pod)).isEmpty();
    }

    @Test
    void annotationsMustNameAContainerAndAProfile() {
        ObjectNode pod = created("{\"name\":\"web\",\"annotations\":{\"" + KEY + "ghost\":\"runtime/default\","
                + "\"" + KEY + "app\":\"docker-default\"}}", "{\"containers\":[{\"name\":\"app\",\"image\":\"i\"}]}");
        assertThat(createErrors(pod)).containsExactlyInAnyOrder(
                "metadata.annotations[" + KEY + "ghost]: Invalid value: \"ghost\": container not found",
                "metadata.annotations[" + KEY + "app]: Invalid value: \"docker-default\": invalid AppArmor profile"
                        + " name: \"docker-default\"");
    }

    @Test
    void anAnnotationAndAFieldGivenBothMustAgree() {
        ObjectNode pod = created("{\"name\":\"web\",\"annotations\":{\"" + KEY + "a\":\"unconfined\",\"" + KEY
                + "b\":\"localhost/one\"}}", """
                {"containers":[{"name":"a","image":"i","securityContext":{"appArmorProfile":{"type":"RuntimeDefault"}}},
                  {"name":"b","image":"i","securityContext":{"appArmorProfile":{"type":"Localhost",
                   "localhostProfile":"two"}}}]}""");
        assertThat(createErrors(pod)).containsExactly(
                "spec.containers[0].securityContext.appArmorProfile.type: Forbidden: apparmor type in annotation and"
                        + " field must match",
                "spec.containers[1].securityContext.appArmorProfile.localhostProfile: Forbidden: apparmor profile in"
                        + " annotation and field must match");
    }

    @Test
    void theProfileFieldsAreValidated() {
        assertThat(PodSpecDefaults.validate(Json.parseTrusted("""
                {"securityContext":{"appArmorProfile":{"type":"Localhost"}},
                 "containers":[{"name":"a","image":"i","securityContext":{"appArmorProfile":{"type":"Unconfined",
                   "localhostProfile":"x"}}},
                  {"name":"b","image":"i","securityContext":{"appArmorProfile":{"type":"Localhost",
                   "localhostProfile":" padded"}}},
                  {"name":"c","image":"i","securityContext":{"appArmorProfile":{"type":"Complain"}}},
                  {"name":"d","image":"i","securityContext":{"appArmorProfile":{}}}]}"""), "spec").stream()
                .map(StatusCause::describe).toList()).containsExactly(
                "spec.securityContext.appArmorProfile.localhostProfile: Required value: must be set when AppArmor"
                        + " type is Localhost",
                "spec.containers[0].securityContext.appArmorProfile.localhostProfile: Invalid value: \"x\": can only"
                        + " be set when AppArmor type is Localhost",
                "spec.containers[1].securityContext.appArmorProfile.localhostProfile: Invalid value: \" padded\":"
                        + " must not be padded with whitespace",
                "spec.containers[2].securityContext.appArmorProfile.type: Unsupported value: \"Complain\": supported"
                        + " values: \"Localhost\", \"RuntimeDefault\", \"Unconfined\"",
                "spec.containers[3].securityContext.appArmorProfile.type: Required value: type is required when"
                        + " appArmorProfile is set");
    }

    @Test
    void annotationsMayNotBeAddedChangedOrRemovedLater() {
        ObjectNode old = created("{\"name\":\"web\",\"annotations\":{\"" + KEY + "a\":\"runtime/default\"}}",
                "{\"containers\":[{\"name\":\"a\",\"image\":\"i\"},{\"name\":\"b\",\"image\":\"i\"}]}");
        ObjectNode next = old.deepCopy();
        ObjectNode annotations = (ObjectNode) next.path("metadata").path("annotations");
        annotations.put(KEY + "a", "unconfined");
        annotations.put(KEY + "b", "runtime/default");
        annotations.put("team", "web");
        assertThat(Strategies.POD.validateUpdate(next, old).stream().map(StatusCause::describe).toList())
                .containsExactly(
                        "metadata.annotations[" + KEY + "a]: Forbidden: may not remove or update AppArmor annotations",
                        "metadata.annotations[" + KEY + "b]: Forbidden: may not add AppArmor annotations");
        ObjectNode other = old.deepCopy();
        ((ObjectNode) other.path("metadata").path("annotations")).put("team", "web");
        assertThat(Strategies.POD.validateUpdate(other, old)).as("other annotations change freely").isEmpty();
    }

    @Test
    void userNamespacesRuleOutHostNamespacesAndUnmaskedNeedsOne() {
        assertThat(PodSpecDefaults.validate(Json.parseTrusted("""
                {"hostUsers":false,"hostNetwork":true,"hostPID":true,
                 "containers":[{"name":"a","image":"i","securityContext":{"procMount":"Unmasked"}}]}"""), "spec")
                .stream().map(StatusCause::describe).toList()).containsExactly(
                "spec.hostNetwork: Forbidden: when `pod.Spec.HostUsers` is false",
                "spec.hostPID: Forbidden: when `pod.Spec.HostUsers` is false");
        assertThat(PodSpecDefaults.validate(Json.parseTrusted("""
                {"containers":[{"name":"a","image":"i","securityContext":{"procMount":"Unmasked"}},
                  {"name":"b","image":"i","securityContext":{"procMount":"Hidden"}}]}"""), "spec")
                .stream().map(StatusCause::describe).toList()).containsExactly(
                "spec.containers[0].securityContext.procMount: Invalid value: \"Unmasked\": `hostUsers` must be false"
                        + " to use `Unmasked`",
                "spec.containers[1].securityContext.procMount: Unsupported value: \"Hidden\": supported values:"
                        + " \"Default\", \"Unmasked\"");
    }
}
