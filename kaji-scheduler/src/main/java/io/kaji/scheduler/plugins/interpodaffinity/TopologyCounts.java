package io.kaji.scheduler.plugins.interpodaffinity;

import java.util.HashMap;
import java.util.Map;

/**
 * Matching-pod counts per topology domain ({@code topologyKey → value → count}), as Kubernetes'
 * {@code topologyToMatchedTermCount}. Nested maps rather than {@code "key=value"} strings, so the per-node Filter
 * allocates nothing, and a node is checked against the few keys counted rather than against all its labels.
 */
final class TopologyCounts {

    private final Map<String, Map<String, Integer>> byKey = new HashMap<>();

    void add(String key, String value) {
        byKey.computeIfAbsent(key, k -> new HashMap<>()).merge(value, 1, Integer::sum);
    }

    /** Pods counted in the domain {@code key=value}. */
    int get(String key, String value) {
        Map<String, Integer> values = byKey.get(key);
        return values == null ? 0 : values.getOrDefault(value, 0);
    }

    boolean isEmpty() {
        return byKey.isEmpty();
    }

    /** True when a node with {@code labels} lies in any counted domain. */
    boolean anyIn(Map<String, String> labels) {
        for (Map.Entry<String, Map<String, Integer>> e : byKey.entrySet()) {
            String v = labels.get(e.getKey());
            if (v != null && e.getValue().getOrDefault(v, 0) > 0) {
                return true;
            }
        }
        return false;
    }
}
