package io.kaji.node.runtime;

import java.time.Instant;
import java.util.Map;

/**
 * A container's resource usage as the runtime samples it, the source of {@code kubectl top}, of eviction decisions
 * and of the node's cAdvisor metrics.
 *
 * @param cpuUsageCoreNanos     cumulative CPU time in nanoseconds
 * @param memoryWorkingSetBytes memory in use that cannot be reclaimed easily (what limits and eviction look at)
 * @param writableLayerBytes    bytes in the container's writable layer
 * @param memoryUsageBytes      all memory charged to the container, page cache included (0: not reported)
 * @param memoryRssBytes        anonymous memory and swap cache (0: not reported)
 */
public record ContainerUsage(String id, String name, Instant time, long cpuUsageCoreNanos,
                             long memoryWorkingSetBytes, long writableLayerBytes, Map<String, String> labels,
                             long memoryUsageBytes, long memoryRssBytes) {

    /** Usage without the memory breakdown. */
    public ContainerUsage(String id, String name, Instant time, long cpuUsageCoreNanos, long memoryWorkingSetBytes,
                          long writableLayerBytes, Map<String, String> labels) {
        this(id, name, time, cpuUsageCoreNanos, memoryWorkingSetBytes, writableLayerBytes, labels, 0, 0);
    }
}
