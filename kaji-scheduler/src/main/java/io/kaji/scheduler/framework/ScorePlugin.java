package io.kaji.scheduler.framework;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * Ranks the nodes that passed the filters. After scoring every node, {@link #normalize} brings the raw scores
 * into {@code [0, MAX_SCORE]}; the framework then multiplies by the plugin's weight and sums over plugins.
 */
public interface ScorePlugin extends Plugin {

    long MAX_SCORE = 100;

    /** The raw score of {@code node}; called concurrently for different nodes. */
    long score(CycleState state, Pod pod, NodeInfo node);

    /**
     * Rewrites {@code scores} (aligned with {@code nodes}) into {@code [0, MAX_SCORE]}; the default leaves the
     * raw scores, for plugins that already score in range.
     */
    default void normalize(CycleState state, Pod pod, List<NodeInfo> nodes, long[] scores) {
    }

    /**
     * Kubernetes' {@code DefaultNormalizeScore}: scales so the highest score becomes {@code MAX_SCORE}
     * ({@code reverse} flips it so the lowest raw score ranks best).
     */
    static void normalizeToMax(long[] scores, boolean reverse) {
        long max = 0;
        for (long s : scores) {
            max = Math.max(max, s);
        }
        for (int i = 0; i < scores.length; i++) {
            if (max == 0) {
                scores[i] = reverse ? MAX_SCORE : 0;
            } else {
                long s = MAX_SCORE * scores[i] / max;
                scores[i] = reverse ? MAX_SCORE - s : s;
            }
        }
    }
}
