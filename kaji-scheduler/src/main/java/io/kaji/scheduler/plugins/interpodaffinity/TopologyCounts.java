package io.kaji.scheduler.plugins.interpodaffinity;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Matching-pod counts per topology domain ({@code topologyKey → value → count}), as Kubernetes'
 * {@code topologyToMatchedTermCount}, assembled from the {@link io.kaji.scheduler.framework.TopologyIndex}'s
 * per-term counts without copying them: each topology key holds the read-only count maps of the terms that use
 * it, and a lookup sums them. So PreFilter costs the number of terms, not the number of domains, and the per-node
 * Filter allocates nothing. Valid as long as the maps it wraps (one scheduling cycle).
 */
final class TopologyCounts {

    private final Map<String, List<Map<String, ? extends Number>>> byKey = new HashMap<>(4);

    /** Adds the counts {@code byValue} (values of {@code key} → count) of one term. */
    void add(String key, Map<String, ? extends Number> byValue) {
        if (!byValue.isEmpty()) {
            byKey.computeIfAbsent(key, k -> new ArrayList<>(2)).add(byValue);
        }
    }

    /** Pods counted in the domain {@code key=value}. */
    long get(String key, String value) {
        List<Map<String, ? extends Number>> maps = byKey.get(key);
        if (maps == null) {
            return 0;
        }
        long n = 0;
        for (Map<String, ? extends Number> m : maps) {
            Number c = m.get(value);
            if (c != null) {
                n += c.longValue();
            }
        }
        return n;
    }

    boolean isEmpty() {
        return byKey.isEmpty();
    }

    /** True when a node with {@code labels} lies in any counted domain. */
    boolean anyIn(Map<String, String> labels) {
        for (String key : byKey.keySet()) {
            String v = labels.get(key);
            if (v != null && get(key, v) > 0) {
                return true;
            }
        }
        return false;
    }
}
