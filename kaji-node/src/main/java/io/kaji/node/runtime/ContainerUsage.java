package io.kaji.node.runtime;

import java.time.Instant;
import java.util.Map;

/**
 * A container's resource usage as the runtime samples it, the source of {@code kubectl top} and of eviction
 * decisions.
 *
 * @param cpuUsageCoreNanos  cumulative CPU time in nanoseconds
 * @param memoryWorkingSetBytes memory in use that cannot be reclaimed easily (what limits and eviction look at)
 * @param writableLayerBytes bytes in the container's writable layer
 */
public record ContainerUsage(String id, String name, Instant time, long cpuUsageCoreNanos,
                             long memoryWorkingSetBytes, long writableLayerBytes, Map<String, String> labels) {
}
