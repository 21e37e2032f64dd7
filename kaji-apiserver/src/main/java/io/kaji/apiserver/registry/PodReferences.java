package io.kaji.apiserver.registry;

import java.util.LinkedHashSet;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The Secrets or ConfigMaps a pod spec names, as Kubernetes' VisitPodSecretNames and VisitPodConfigmapNames find
 * them: image pull secrets (Secrets only), volumes and projected volume sources, and each container's
 * {@code envFrom} and {@code env} references. A reference without a name counts as {@code ""}.
 */
public final class PodReferences {

    private PodReferences() {
    }

    /** The Secrets ({@code secrets} true) or ConfigMaps the pod spec names, in the order met. */
    public static Set<String> names(JsonNode spec, boolean secrets) {
        Set<String> out = new LinkedHashSet<>();
        if (secrets) {
            spec.path("imagePullSecrets").forEach(ref -> out.add(ref.path("name").asString("")));
        }
        for (JsonNode v : spec.path("volumes")) {
            JsonNode source = v.get(secrets ? "secret" : "configMap");
            if (source != null) {
                out.add(source.path(secrets ? "secretName" : "name").asString(""));
            }
            for (JsonNode src : v.path("projected").path("sources")) {
                JsonNode projected = src.get(secrets ? "secret" : "configMap");
                if (projected != null) {
                    out.add(projected.path("name").asString(""));
                }
            }
        }
        for (String list : ContainerLists.ALL) {
            for (JsonNode c : spec.path(list)) {
                for (JsonNode from : c.path("envFrom")) {
                    JsonNode ref = from.get(secrets ? "secretRef" : "configMapRef");
                    if (ref != null) {
                        out.add(ref.path("name").asString(""));
                    }
                }
                for (JsonNode env : c.path("env")) {
                    JsonNode ref = env.path("valueFrom").get(secrets ? "secretKeyRef" : "configMapKeyRef");
                    if (ref != null) {
                        out.add(ref.path("name").asString(""));
                    }
                }
            }
        }
        return out;
    }
}
