package io.kaji.support.assess;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;

/**
 * The one seam between the assessment and the API: lists all objects of a kind. The production lister uses a
 * fabric8 client; tests substitute one that fails (403, 500, timeouts) to check how failures are reported.
 */
@FunctionalInterface
public interface ResourceLister {

    /** Every object of {@code kind} in all namespaces; throws {@code KubernetesClientException} on failure. */
    List<? extends HasMetadata> list(ResourceKind kind);

    /** The lister that asks {@code client}. */
    static ResourceLister of(KubernetesClient client) {
        return kind -> kind.list(client);
    }
}
