package io.kaji.apiserver.patch;

import java.util.Map;
import java.util.Set;

/**
 * The patch strategies of Kubernetes' built-in list fields (their {@code patchMergeKey}/{@code patchStrategy} Go
 * struct tags), which strategic merge patch needs to merge lists element by element instead of replacing them.
 */
public final class MergeKeys {

    /** Lists of objects merged by a key field, by list field name. */
    private static final Map<String, String> BY_FIELD = Map.ofEntries(
            Map.entry("containers", "name"),
            Map.entry("initContainers", "name"),
            Map.entry("ephemeralContainers", "name"),
            Map.entry("env", "name"),
            Map.entry("volumes", "name"),
            Map.entry("volumeMounts", "mountPath"),
            Map.entry("volumeDevices", "devicePath"),
            Map.entry("imagePullSecrets", "name"),
            Map.entry("hostAliases", "ip"),
            Map.entry("topologySpreadConstraints", "topologyKey"),
            Map.entry("resourceClaims", "name"),
            Map.entry("schedulingGates", "name"),
            Map.entry("conditions", "type"),
            Map.entry("ownerReferences", "uid"),
            Map.entry("addresses", "type"),
            Map.entry("secrets", "name"),
            Map.entry("podIPs", "ip"),
            Map.entry("hostIPs", "ip"));

    /** Lists of scalars merged as sets. */
    private static final Set<String> PRIMITIVE_MERGE = Set.of("finalizers");

    private MergeKeys() {
    }

    /**
     * The merge key of list {@code field}, or null when the list is replaced as a whole.
     *
     * @param inContainer true when the list belongs to a container (then {@code ports} merge by containerPort)
     */
    public static String mergeKey(String field, boolean inContainer) {
        if (field.equals("ports")) {
            return inContainer ? "containerPort" : "port";
        }
        return BY_FIELD.get(field);
    }

    /** True for lists of scalars that merge as sets ({@code finalizers}). */
    public static boolean mergesPrimitives(String field) {
        return PRIMITIVE_MERGE.contains(field);
    }
}
