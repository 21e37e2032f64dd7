package io.kaji.node.runtime;

import java.time.Instant;
import java.util.Map;

/**
 * A container as {@link ContainerRuntime#listContainers} reports it.
 *
 * @param image    the image as the container was created with it (a name)
 * @param imageRef the image id the runtime resolved it to ({@code sha256:...}); "" if the runtime did not say
 */
public record ContainerInfo(String id, String sandboxId, String name, int attempt, String image, String imageRef,
                            ContainerState state, Instant createdAt, Map<String, String> labels) {
}
