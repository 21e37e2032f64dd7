package io.kaji.apiserver.registry;

import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.serialization.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A pod's AppArmor profiles in their two forms, as Kubernetes keeps them in step: the {@code appArmorProfile} fields
 * (pod and container {@code securityContext}, since v1.30) and the deprecated per-container annotations
 * {@code container.apparmor.security.beta.kubernetes.io/<container>} ({@code runtime/default}, {@code unconfined},
 * {@code localhost/<profile>}), which older tools and nodes still read and write.
 *
 * <ul>
 *   <li>On create ({@link #sync}), a container with a profile (its own or the pod's) and no annotation gets the
 *   annotation; a container with an annotation and no field of its own gets the field, unless it equals the pod's
 *   (the registry's applyAppArmorVersionSkew).</li>
 *   <li>Annotations must name a container of the pod and a profile in one of the three forms
 *   ({@link #validateAnnotations}, for pods and pod templates).</li>
 *   <li>On create, an annotation and a field given both must agree ({@link #validateMatch}).</li>
 *   <li>On update, AppArmor annotations may not be added, changed or removed ({@link #validateAnnotationUpdate}).</li>
 * </ul>
 */
final class PodAppArmor {

    static final String ANNOTATION = "container.apparmor.security.beta.kubernetes.io/";
    private static final String RUNTIME_DEFAULT = "runtime/default";
    private static final String UNCONFINED = "unconfined";
    private static final String LOCALHOST = "localhost/";

    private PodAppArmor() {
    }

    /** Fills in the annotation or the field each container lacks (on create). */
    static void sync(ObjectNode pod) {
        JsonNode spec = pod.path("spec");
        JsonNode podProfile = spec.path("securityContext").get("appArmorProfile");
        podProfile = podProfile != null && podProfile.isObject() ? podProfile : null;
        for (String list : ContainerLists.ALL) {
            for (JsonNode c : spec.path(list)) {
                if (!(c instanceof ObjectNode container)) {
                    continue;
                }
                String key = ANNOTATION + container.path("name").asString("");
                JsonNode annotations = pod.path("metadata").path("annotations");
                JsonNode annotation = annotations.get(key);
                JsonNode own = container.path("securityContext").get("appArmorProfile");
                own = own != null && own.isObject() ? own : null;
                if (annotation == null || !annotation.isString()) {
                    JsonNode profile = own != null ? own : podProfile;
                    String value = profile == null ? "" : annotationFor(profile);
                    if (!value.isEmpty()) {
                        Json.objectAt(Json.metadata(pod), "annotations").put(key, value);
                    }
                } else if (own == null) {
                    ObjectNode field = fieldFor(annotation.asString(""));
                    if (field != null && !field.equals(podProfile)) {
                        Json.objectAt(container, "securityContext").set("appArmorProfile", field);
                    }
                }
            }
        }
    }

    /**
     * The pod's (or template's) AppArmor annotations at {@code at} ({@code metadata.annotations}): each names a
     * container of {@code spec} and a profile in a form the nodes read.
     */
    static void validateAnnotations(JsonNode metadata, JsonNode spec, String at, List<StatusCause> causes) {
        List<String> names = new ArrayList<>();
        for (String list : ContainerLists.ALL) {
            spec.path(list).forEach(c -> names.add(c.path("name").asString("")));
        }
        for (Map.Entry<String, JsonNode> a : metadata.path("annotations").properties()) {
            if (!a.getKey().startsWith(ANNOTATION)) {
                continue;
            }
            String field = at + "[" + a.getKey() + "]";
            String container = a.getKey().substring(ANNOTATION.length());
            if (!names.contains(container)) {
                causes.add(StatusCause.invalid(field, container, "container not found"));
            }
            String value = a.getValue().asString("");
            if (!value.isEmpty() && !value.equals(RUNTIME_DEFAULT) && !value.equals(UNCONFINED)
                    && !value.startsWith(LOCALHOST)) {
                causes.add(StatusCause.invalid(field, value, "invalid AppArmor profile name: \"" + value + "\""));
            }
        }
    }

    /** On create: where a container has both, its annotation and its effective field name the same profile. */
    static void validateMatch(JsonNode pod, String specPath, List<StatusCause> causes) {
        JsonNode spec = pod.path("spec");
        JsonNode annotations = pod.path("metadata").path("annotations");
        JsonNode podProfile = spec.path("securityContext").get("appArmorProfile");
        for (String list : ContainerLists.ALL) {
            JsonNode containers = spec.path(list);
            for (int i = 0; i < containers.size(); i++) {
                JsonNode c = containers.get(i);
                JsonNode profile = c.path("securityContext").get("appArmorProfile");
                profile = profile != null && profile.isObject() ? profile : podProfile;
                JsonNode annotation = annotations.get(ANNOTATION + c.path("name").asString(""));
                if (profile == null || !profile.isObject() || annotation == null || !annotation.isString()) {
                    continue;
                }
                String at = specPath + "." + list + "[" + i + "].securityContext.appArmorProfile";
                String value = annotation.asString("");
                String type = profile.path("type").asString("");
                boolean typeMatches = switch (type) {
                    case "Unconfined" -> value.equals(UNCONFINED);
                    case "RuntimeDefault" -> value.equals(RUNTIME_DEFAULT);
                    case "Localhost" -> value.startsWith(LOCALHOST);
                    default -> true;
                };
                if (!typeMatches) {
                    causes.add(StatusCause.forbidden(at + ".type", "apparmor type in annotation and field must match"));
                } else if (type.equals("Localhost") && !Objects.equals(value.substring(LOCALHOST.length()),
                        profile.path("localhostProfile").asString(null))) {
                    causes.add(StatusCause.forbidden(at + ".localhostProfile",
                            "apparmor profile in annotation and field must match"));
                }
            }
        }
    }

    /** On update: the AppArmor annotations are as they were. */
    static void validateAnnotationUpdate(JsonNode pod, JsonNode old, List<StatusCause> causes) {
        JsonNode now = pod.path("metadata").path("annotations");
        JsonNode before = old.path("metadata").path("annotations");
        for (Map.Entry<String, JsonNode> a : before.properties()) {
            if (a.getKey().startsWith(ANNOTATION) && !a.getValue().equals(now.get(a.getKey()))) {
                causes.add(StatusCause.forbidden("metadata.annotations[" + a.getKey() + "]",
                        "may not remove or update AppArmor annotations"));
            }
        }
        for (Map.Entry<String, JsonNode> a : now.properties()) {
            if (a.getKey().startsWith(ANNOTATION) && !before.has(a.getKey())) {
                causes.add(StatusCause.forbidden("metadata.annotations[" + a.getKey() + "]",
                        "may not add AppArmor annotations"));
            }
        }
    }

    /** The annotation value for a profile field; "" for one that has none (Localhost without a name). */
    private static String annotationFor(JsonNode profile) {
        return switch (profile.path("type").asString("")) {
            case "Unconfined" -> UNCONFINED;
            case "RuntimeDefault" -> RUNTIME_DEFAULT;
            case "Localhost" -> profile.path("localhostProfile").isString()
                    ? LOCALHOST + profile.get("localhostProfile").asString() : "";
            default -> "";
        };
    }

    /** The field for an annotation value, or null for a value that makes no valid field. */
    private static ObjectNode fieldFor(String value) {
        ObjectNode field = Json.MAPPER.createObjectNode();
        if (value.equals(RUNTIME_DEFAULT)) {
            field.put("type", "RuntimeDefault");
        } else if (value.equals(UNCONFINED)) {
            field.put("type", "Unconfined");
        } else if (value.startsWith(LOCALHOST) && !value.substring(LOCALHOST.length()).isBlank()
                && value.substring(LOCALHOST.length()).strip().equals(value.substring(LOCALHOST.length()))) {
            field.put("type", "Localhost");
            field.put("localhostProfile", value.substring(LOCALHOST.length()));
        } else {
            return null;
        }
        return field;
    }
}
