package io.kaji.scheduler.plugins.noderesources;

import io.kaji.scheduler.framework.PluginArgs;
import io.kaji.scheduler.framework.Resources;
import io.kaji.scheduler.framework.ScorePlugin;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How {@link NodeResourcesFit} ranks nodes that fit, from {@code NodeResourcesFitArgs.scoringStrategy}:
 * {@code LeastAllocated} (the default: spread load, prefer the emptiest node) or {@code MostAllocated} (bin-pack,
 * prefer the fullest), over weighted resources (default cpu and memory, weight 1 each).
 */
public record ScoringStrategy(Type type, List<WeightedResource> resources) {

    public enum Type { LeastAllocated, MostAllocated }

    public record WeightedResource(String name, long weight) {}

    public static final ScoringStrategy DEFAULT = new ScoringStrategy(Type.LeastAllocated,
            List.of(new WeightedResource(Resources.CPU, 1), new WeightedResource(Resources.MEMORY, 1)));

    public ScoringStrategy {
        resources = List.copyOf(resources);
    }

    /** Parses {@code scoringStrategy: {type: MostAllocated, resources: [{name: cpu, weight: 1}]}}. */
    static ScoringStrategy from(PluginArgs args) {
        PluginArgs s = args.nested("scoringStrategy");
        String type = s.string("type", Type.LeastAllocated.name());
        Type t;
        try {
            t = Type.valueOf(type);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("NodeResourcesFit: scoringStrategy.type " + type
                    + " is not supported (LeastAllocated, MostAllocated)");
        }
        List<WeightedResource> resources = new ArrayList<>();
        List<?> list = s.list("resources");
        if (list != null) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m && m.get("name") != null) {
                    Object w = m.get("weight");
                    resources.add(new WeightedResource(m.get("name").toString(),
                            w == null ? 1 : Long.parseLong(w.toString())));
                }
            }
        }
        return new ScoringStrategy(t, resources.isEmpty() ? DEFAULT.resources() : resources);
    }

    /**
     * The weighted mean over the resources of each resource's score: for LeastAllocated
     * {@code (allocatable - requested) * 100 / allocatable}, for MostAllocated {@code requested * 100 / allocatable}
     * (capped at 100), where requested includes the incoming pod. Resources the node does not offer are skipped.
     */
    long score(Resources allocatable, Resources requestedWithPod) {
        long total = 0;
        long weights = 0;
        for (WeightedResource r : resources) {
            long capacity = allocatable.get(r.name());
            if (capacity == 0) {
                continue;
            }
            long requested = requestedWithPod.get(r.name());
            long s = switch (type) {
                case LeastAllocated -> requested > capacity ? 0 : (capacity - requested) * ScorePlugin.MAX_SCORE / capacity;
                case MostAllocated -> requested > capacity ? ScorePlugin.MAX_SCORE : requested * ScorePlugin.MAX_SCORE / capacity;
            };
            total += s * r.weight();
            weights += r.weight();
        }
        return weights == 0 ? 0 : total / weights;
    }
}
