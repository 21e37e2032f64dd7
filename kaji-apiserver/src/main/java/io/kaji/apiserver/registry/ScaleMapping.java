package io.kaji.apiserver.registry;

/**
 * Where a resource keeps what its autoscaling/v1 {@code Scale} shows, as a CustomResourceDefinition's
 * {@code subresources.scale} says: paths like {@code .spec.replicas} (dots only, no array indexes).
 *
 * @param specReplicasPath   desired replicas, read and written through the Scale's {@code spec.replicas}
 * @param statusReplicasPath observed replicas ({@code status.replicas}); 0 when absent
 * @param labelSelectorPath  a label selector in string form ({@code status.selector}), or null for none
 */
public record ScaleMapping(String specReplicasPath, String statusReplicasPath, String labelSelectorPath) {

    /** The path's field names: {@code .spec.replicas} gives [spec, replicas]. */
    public static String[] segments(String path) {
        String p = path.startsWith(".") ? path.substring(1) : path;
        return p.isEmpty() ? new String[0] : p.split("\\.");
    }
}
