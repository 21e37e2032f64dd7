package io.kaji.apiserver.registry;

import io.kaji.apiserver.errors.StatusCause;
import io.kaji.apiserver.serialization.Json;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * What may change in a pod after it was created, as Kubernetes' ValidatePodUpdate and the ephemeral-containers
 * subresource allow it. Through the pod itself: container and init-container images, {@code activeDeadlineSeconds},
 * additions to the tolerations and {@code terminationGracePeriodSeconds}; the node runs the rest as it was created.
 * Through {@code pods/ephemeralcontainers} ({@code kubectl debug}): new ephemeral containers, never changed or removed
 * once added, without ports, probes, lifecycle hooks or resources, and targeting a container of the pod if they
 * name one.
 */
public final class PodUpdates {

    static final String MESSAGE = "pod updates may not change fields other than `spec.containers[*].image`,"
            + "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
            + "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
            + "previously negative)";

    /** Fields an ephemeral container may not have. */
    private static final List<String> NOT_FOR_EPHEMERAL = List.of("ports", "livenessProbe", "readinessProbe",
            "startupProbe", "lifecycle", "resources");

    private PodUpdates() {
    }

    /**
     * An update of the pod itself leaves its ephemeral containers as they were (they change only through the
     * subresource), as Kubernetes' PrepareForUpdate does.
     */
    static void keepEphemeralContainers(ObjectNode pod, ObjectNode old) {
        ObjectNode spec = Json.objectAt(pod, "spec");
        JsonNode before = old.path("spec").get("ephemeralContainers");
        if (before == null) {
            spec.remove("ephemeralContainers");
        } else {
            spec.set("ephemeralContainers", before.deepCopy());
        }
    }

    /** The pod's spec changed only where Kubernetes allows it; otherwise one Forbidden cause naming what changed. */
    static List<StatusCause> validateSpecUpdate(ObjectNode pod, ObjectNode old) {
        ObjectNode now = pod.path("spec").isObject() ? ((ObjectNode) pod.get("spec")).deepCopy() : Json.MAPPER
                .createObjectNode();
        JsonNode before = old.path("spec");
        for (String list : ContainerLists.REGULAR_AND_INIT) {
            JsonNode was = before.path(list);
            JsonNode is = now.get(list);
            if (is != null && is.isArray() && was.isArray() && is.size() == was.size()) {
                for (int i = 0; i < is.size(); i++) {
                    if (is.get(i) instanceof ObjectNode c && was.get(i).has("image")) {
                        c.set("image", was.get(i).get("image"));
                    }
                }
            }
        }
        for (String field : List.of("activeDeadlineSeconds", "terminationGracePeriodSeconds")) {
            copy(before, now, field);
        }
        if (toleratesAtLeast(now.path("tolerations"), before.path("tolerations"))) {
            copy(before, now, "tolerations");
        }
        // Scheduling gates may only be removed (PodSchedulingGates refuses additions with its own message).
        copy(before, now, "schedulingGates");
        if (now.equals(before)) {
            return List.of();
        }
        List<String> changed = new ArrayList<>();
        Set<String> names = new HashSet<>();
        now.propertyNames().forEach(names::add);
        before.propertyNames().forEach(names::add);
        names.stream().sorted().filter(n -> !java.util.Objects.equals(now.get(n), before.get(n)))
                .forEach(n -> changed.add("spec." + n));
        return List.of(StatusCause.forbidden("spec", MESSAGE + " (changed: " + String.join(", ", changed) + ")"));
    }

    /** Whether every toleration of {@code before} is still in {@code now} (only additions). */
    private static boolean toleratesAtLeast(JsonNode now, JsonNode before) {
        List<JsonNode> left = new ArrayList<>();
        now.forEach(left::add);
        for (JsonNode t : before) {
            if (!left.remove(t)) {
                return false;
            }
        }
        return true;
    }

    private static void copy(JsonNode from, ObjectNode to, String field) {
        JsonNode v = from.get(field);
        if (v == null) {
            to.remove(field);
        } else {
            to.set(field, v.deepCopy());
        }
    }

    /**
     * The pod an update through {@code pods/ephemeralcontainers} makes: the current pod with the desired spec's
     * ephemeral containers, the new ones given the container defaults. The causes are refusals.
     */
    public static ObjectNode withEphemeralContainers(ObjectNode current, ObjectNode desired, List<StatusCause> causes) {
        ObjectNode next = current.deepCopy();
        JsonNode wanted = desired.path("spec").path("ephemeralContainers");
        JsonNode had = current.path("spec").path("ephemeralContainers");
        Map<String, JsonNode> before = new HashMap<>();
        had.forEach(c -> before.put(c.path("name").asString(""), c));
        Set<String> names = new HashSet<>();
        for (String list : ContainerLists.REGULAR_AND_INIT) {
            current.path("spec").path(list).forEach(c -> names.add(c.path("name").asString("")));
        }
        Set<String> targets = new HashSet<>(names);
        ArrayNode out = Json.MAPPER.createArrayNode();
        Set<String> kept = new HashSet<>();
        for (int i = 0; i < wanted.size(); i++) {
            JsonNode c = wanted.get(i);
            String at = "spec.ephemeralContainers[" + i + "]";
            String name = c.path("name").asString("");
            JsonNode old = before.get(name);
            if (old != null) {
                ObjectNode defaulted = c.isObject() ? (ObjectNode) c.deepCopy() : Json.MAPPER.createObjectNode();
                PodSpecDefaults.defaultContainer(defaulted);
                if (!defaulted.equals(old)) {
                    causes.add(StatusCause.forbidden(at, "existing ephemeral containers \"" + name
                            + "\" may not be changed"));
                }
                kept.add(name);
                out.add(old.deepCopy());
                continue;
            }
            if (name.isEmpty()) {
                causes.add(StatusCause.required(at + ".name", ""));
            } else if (!NameValidation.isDns1123Label(name)) {
                causes.add(StatusCause.invalid(at + ".name", name, NameValidation.DNS1123_LABEL_MESSAGE));
            } else if (!names.add(name)) {
                causes.add(new StatusCause("FieldValueDuplicate", "Duplicate value: \"" + name + "\"", at + ".name"));
            }
            if (c.path("image").asString("").isBlank()) {
                causes.add(StatusCause.required(at + ".image", ""));
            }
            for (String field : NOT_FOR_EPHEMERAL) {
                JsonNode v = c.get(field);
                if (v != null && !v.isNull() && !(v.isContainer() && v.isEmpty())) {
                    causes.add(StatusCause.forbidden(at + "." + field, "cannot be set for an Ephemeral Container"));
                }
            }
            String target = c.path("targetContainerName").asString("");
            if (!target.isEmpty() && !targets.contains(target)) {
                causes.add(new StatusCause("FieldValueNotFound", "Not found: \"" + target + "\"",
                        at + ".targetContainerName"));
            }
            ObjectNode added = c.isObject() ? (ObjectNode) c.deepCopy() : Json.MAPPER.createObjectNode();
            PodSpecDefaults.defaultContainer(added);
            out.add(added);
        }
        for (String name : before.keySet()) {
            if (!kept.contains(name)) {
                causes.add(StatusCause.forbidden("spec.ephemeralContainers", "existing ephemeral containers \""
                        + name + "\" may not be removed"));
            }
        }
        Json.objectAt(next, "spec").set("ephemeralContainers", out);
        return next;
    }
}
