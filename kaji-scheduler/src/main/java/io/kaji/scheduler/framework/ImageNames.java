package io.kaji.scheduler.framework;

import io.fabric8.kubernetes.api.model.ContainerImage;
import io.fabric8.kubernetes.api.model.Node;
import java.util.HashMap;
import java.util.Map;

/**
 * Image references in one spelling, so that a pod's {@code nginx} and a node's {@code docker.io/library/nginx:latest}
 * are recognized as the same image: the default registry {@code docker.io} and its {@code library/} namespace are
 * made explicit and a missing tag becomes {@code :latest} (a digest is kept as is). Kubernetes' ImageLocality only
 * adds the tag and lists the registry mismatch as a known gap; Kaji closes it.
 */
public final class ImageNames {

    private ImageNames() {
    }

    /** The canonical spelling of an image reference. */
    public static String normalize(String image) {
        String ref = image.trim();
        String digest = "";
        int at = ref.indexOf('@');
        if (at >= 0) {
            digest = ref.substring(at);
            ref = ref.substring(0, at);
        }
        int slash = ref.indexOf('/');
        String first = slash < 0 ? "" : ref.substring(0, slash);
        boolean hasRegistry = slash >= 0 && (first.contains(".") || first.contains(":") || first.equals("localhost"));
        if (!hasRegistry) {
            ref = "docker.io/" + (slash < 0 ? "library/" : "") + ref;
        } else if (first.equals("docker.io") && ref.indexOf('/', slash + 1) < 0) {
            ref = "docker.io/library/" + ref.substring(slash + 1);
        }
        if (digest.isEmpty() && ref.lastIndexOf(':') <= ref.lastIndexOf('/')) {
            ref = ref + ":latest";
        }
        return ref + digest;
    }

    /** Every name of every image in {@code node.status.images}, normalized, to the image's size in bytes. */
    static Map<String, Long> sizes(Node node) {
        if (node.getStatus() == null || node.getStatus().getImages() == null
                || node.getStatus().getImages().isEmpty()) {
            return Map.of();
        }
        Map<String, Long> sizes = new HashMap<>();
        for (ContainerImage image : node.getStatus().getImages()) {
            if (image.getNames() == null) {
                continue;
            }
            long size = image.getSizeBytes() == null ? 0 : image.getSizeBytes();
            for (String name : image.getNames()) {
                sizes.put(normalize(name), size);
            }
        }
        return Map.copyOf(sizes);
    }
}
