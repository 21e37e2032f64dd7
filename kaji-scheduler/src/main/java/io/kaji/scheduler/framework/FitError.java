package io.kaji.scheduler.framework;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Why a pod fits no node, and the message Kubernetes prints for it in the FailedScheduling event and the
 * PodScheduled condition:
 * {@code 0/5 nodes are available: 2 Insufficient cpu, 3 node(s) had untolerated taint {k: v}. preemption: ...}.
 *
 * @param numAllNodes   nodes in the snapshot
 * @param nodeStatuses  the rejection of each node, by node name
 * @param preFilterMsg  a PreFilter rejection (then every node failed with it), or null
 * @param postFilterMsg what the PostFilter (preemption) said, or null
 */
public record FitError(int numAllNodes, Map<String, Status> nodeStatuses, String preFilterMsg, String postFilterMsg) {

    public FitError {
        nodeStatuses = Collections.unmodifiableMap(nodeStatuses);
    }

    /** Kubernetes' message when there is no node at all. */
    public static final String NO_NODES = "no nodes available to schedule pods";

    /** The plugins that rejected at least one node: the pod waits for events those plugins care about. */
    public Set<String> rejectingPlugins() {
        Set<String> plugins = new LinkedHashSet<>();
        for (Status s : nodeStatuses.values()) {
            if (s.plugin() != null) {
                plugins.add(s.plugin());
            }
        }
        return plugins;
    }

    /** The reasons with their node counts, sorted as strings the way Kubernetes sorts them. */
    public static List<String> histogram(Iterable<Status> statuses) {
        Map<String, Integer> counts = new TreeMap<>();
        for (Status s : statuses) {
            for (String r : s.reasons()) {
                counts.merge(r, 1, Integer::sum);
            }
        }
        List<String> lines = new ArrayList<>();
        counts.forEach((reason, n) -> lines.add(n + " " + reason));
        Collections.sort(lines);
        return lines;
    }

    /** The user-facing message. */
    public String message() {
        if (numAllNodes == 0) {
            return NO_NODES;
        }
        StringBuilder m = new StringBuilder("0/").append(numAllNodes).append(" nodes are available:");
        if (preFilterMsg != null && !preFilterMsg.isEmpty()) {
            m.append(' ').append(preFilterMsg).append('.');
        } else {
            List<String> reasons = histogram(nodeStatuses.values());
            if (!reasons.isEmpty()) {
                m.append(' ').append(String.join(", ", reasons)).append('.');
            }
        }
        if (postFilterMsg != null && !postFilterMsg.isEmpty()) {
            m.append(' ').append(postFilterMsg).append('.');
        }
        return m.toString();
    }
}
