package io.kaji.node.runtime;

import java.time.Instant;
import java.util.Map;

/** A container as {@link ContainerRuntime#listContainers} reports it. */
public record ContainerInfo(String id, String sandboxId, String name, int attempt, String image,
                            ContainerState state, Instant createdAt, Map<String, String> labels) {
}
