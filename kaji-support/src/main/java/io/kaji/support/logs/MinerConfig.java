package io.kaji.support.logs;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * The settings of a {@link LogMiner}. Immutable. {@link #defaults()} is the one configuration used for
 * every log source (and the one the Loghub evaluation measures).
 *
 * @param prefixDepth how many leading tokens route a message down the prefix tree (after its token
 *     count); deeper trees separate more, shallower ones generalise more
 * @param similarityThreshold the least share of a template's constant positions that a message must
 *     reproduce to join its cluster, in (0, 1] (see {@link LogMiner} for what counts)
 * @param maxChildren the most children of one tree node; once reached, further tokens go to the wildcard
 *     child, which bounds the tree's width
 * @param maxClusters the most clusters kept; beyond it the least recently matched cluster is evicted (LRU)
 * @param mergeVariableLength whether clusters whose templates are equal once runs of wildcards are
 *     collapsed are merged (a parameter that spans a varying number of tokens)
 * @param maskRules the masking rules applied before clustering
 */
public record MinerConfig(
        int prefixDepth,
        double similarityThreshold,
        int maxChildren,
        int maxClusters,
        boolean mergeVariableLength,
        Set<MaskRule> maskRules) {

    public MinerConfig {
        if (prefixDepth < 0 || prefixDepth > 16) {
            throw new IllegalArgumentException("prefixDepth must be in [0, 16]: " + prefixDepth);
        }
        if (!(similarityThreshold > 0 && similarityThreshold <= 1)) {
            throw new IllegalArgumentException("similarityThreshold must be in (0, 1]: " + similarityThreshold);
        }
        if (maxChildren < 2) {
            throw new IllegalArgumentException("maxChildren must be >= 2: " + maxChildren);
        }
        if (maxClusters < 1) {
            throw new IllegalArgumentException("maxClusters must be >= 1: " + maxClusters);
        }
        Objects.requireNonNull(maskRules, "maskRules");
        maskRules = maskRules.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(maskRules));
    }

    /**
     * The default configuration: every mask rule except {@link MaskRule#QUOTED} (quoted text is often a
     * constant, and quoting a request line would hide its method), a prefix depth of 2, a similarity
     * threshold of 0.7, 100 children per node, 50,000 clusters, variable-length merging on. These are
     * the settings measured in docs/logs.md.
     */
    public static MinerConfig defaults() {
        EnumSet<MaskRule> rules = EnumSet.allOf(MaskRule.class);
        rules.remove(MaskRule.QUOTED);
        return new MinerConfig(2, 0.7, 100, 50_000, true, rules);
    }

    public MinerConfig withPrefixDepth(int value) {
        return new MinerConfig(value, similarityThreshold, maxChildren, maxClusters, mergeVariableLength, maskRules);
    }

    public MinerConfig withSimilarityThreshold(double value) {
        return new MinerConfig(prefixDepth, value, maxChildren, maxClusters, mergeVariableLength, maskRules);
    }

    public MinerConfig withMaxChildren(int value) {
        return new MinerConfig(prefixDepth, similarityThreshold, value, maxClusters, mergeVariableLength, maskRules);
    }

    public MinerConfig withMaxClusters(int value) {
        return new MinerConfig(prefixDepth, similarityThreshold, maxChildren, value, mergeVariableLength, maskRules);
    }

    public MinerConfig withMergeVariableLength(boolean value) {
        return new MinerConfig(prefixDepth, similarityThreshold, maxChildren, maxClusters, value, maskRules);
    }

    public MinerConfig withMaskRules(Set<MaskRule> value) {
        return new MinerConfig(prefixDepth, similarityThreshold, maxChildren, maxClusters, mergeVariableLength, value);
    }
}
