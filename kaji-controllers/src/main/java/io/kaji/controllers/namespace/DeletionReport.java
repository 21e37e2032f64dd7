package io.kaji.controllers.namespace;

import java.util.List;
import java.util.Map;

/**
 * What one pass of namespace content deletion found: the failures of each step and what is left. The input of
 * {@link DeletionConditions}. Counts are keyed by {@code resource.group} ({@code pods.} for the core group, as
 * Kubernetes prints a GroupResource) and by finalizer name.
 *
 * @param discoveryError     why some API groups could not be discovered, or null
 * @param groupVersionErrors group versions from discovery that could not be parsed
 * @param contentErrors      deletions or lists that failed, one message each
 * @param remaining          objects still present, by {@code resource.group}
 * @param finalizers         objects still present holding each finalizer
 * @param estimateSeconds    how long the remaining content is expected to take to go (0 when none remains)
 */
public record DeletionReport(String discoveryError, List<String> groupVersionErrors, List<String> contentErrors,
        Map<String, Integer> remaining, Map<String, Integer> finalizers, long estimateSeconds) {

    public DeletionReport {
        groupVersionErrors = List.copyOf(groupVersionErrors);
        contentErrors = List.copyOf(contentErrors);
        remaining = Map.copyOf(remaining);
        finalizers = Map.copyOf(finalizers);
    }

    /** True when the namespace may be finalized: nothing failed and nothing is left. */
    public boolean complete() {
        return discoveryError == null && groupVersionErrors.isEmpty() && contentErrors.isEmpty()
                && remaining.values().stream().allMatch(n -> n == 0) && estimateSeconds == 0;
    }
}
