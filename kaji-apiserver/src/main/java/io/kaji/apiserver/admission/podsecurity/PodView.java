package io.kaji.apiserver.admission.podsecurity;

import io.kaji.apiserver.registry.ContainerLists;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.MissingNode;

/**
 * The parts of a pod (or a workload's pod template) the checks read: its metadata and spec as JSON. Missing
 * fields read as {@link MissingNode}, so checks never see null.
 */
public record PodView(JsonNode metadata, JsonNode spec) {

    public PodView {
        metadata = metadata == null ? MissingNode.getInstance() : metadata;
        spec = spec == null ? MissingNode.getInstance() : spec;
    }

    /** Init containers, containers and ephemeral containers, in that order (as Kubernetes visits them). */
    List<JsonNode> containers() {
        List<JsonNode> out = new ArrayList<>();
        for (String field : ContainerLists.ALL) {
            for (JsonNode c : spec.path(field)) {
                if (c.isObject()) {
                    out.add(c);
                }
            }
        }
        return out;
    }

    static String name(JsonNode container) {
        return container.path("name").asString("");
    }

    /** The pod-level securityContext. */
    JsonNode podSecurity() {
        return spec.path("securityContext");
    }

    Map<String, String> annotations() {
        Map<String, String> out = new TreeMap<>();
        metadata.path("annotations").properties().forEach(e -> out.put(e.getKey(), e.getValue().asString("")));
        return out;
    }

    boolean windows() {
        return "windows".equals(spec.path("os").path("name").asString(""));
    }

    /** {@code hostUsers: false}: the pod runs in a user namespace, which relaxes some controls from v1.35. */
    boolean userNamespace() {
        JsonNode hostUsers = spec.path("hostUsers");
        return hostUsers.isBoolean() && !hostUsers.booleanValue();
    }

    static boolean isTrue(JsonNode node) {
        return node.isBoolean() && node.booleanValue();
    }

    static boolean isFalse(JsonNode node) {
        return node.isBoolean() && !node.booleanValue();
    }
}
