package io.kaji.scheduler.plugins.noderesources;

import io.kaji.scheduler.framework.NodeInfo;
import io.kaji.scheduler.framework.PluginArgs;
import io.kaji.scheduler.framework.Resources;
import io.kaji.scheduler.framework.ScorePlugin;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How {@link NodeResourcesFit} ranks nodes that fit, from {@code NodeResourcesFitArgs.scoringStrategy}:
 * {@code LeastAllocated} (the default: spread load, prefer the emptiest node), {@code MostAllocated} (bin-pack,
 * prefer the fullest) or {@code RequestedToCapacityRatio} (a piecewise-linear {@code shape} from utilization in
 * percent to a score 0–10), over weighted resources (default cpu and memory, weight 1 each).
 */
public record ScoringStrategy(Type type, List<WeightedResource> resources, List<ShapePoint> shape) {

    public enum Type { LeastAllocated, MostAllocated, RequestedToCapacityRatio }

    public record WeightedResource(String name, long weight) {}

    /** One point of a RequestedToCapacityRatio shape: utilization 0–100 (%), score 0–10. */
    public record ShapePoint(long utilization, long score) {}

    /** The highest score a shape point may have (Kubernetes' {@code MaxCustomPriorityScore}). */
    public static final long MAX_SHAPE_SCORE = 10;

    public static final ScoringStrategy DEFAULT = new ScoringStrategy(Type.LeastAllocated,
            List.of(new WeightedResource(Resources.CPU, 1), new WeightedResource(Resources.MEMORY, 1)));

    public ScoringStrategy(Type type, List<WeightedResource> resources) {
        this(type, resources, List.of());
    }

    public ScoringStrategy {
        resources = List.copyOf(resources);
        shape = List.copyOf(shape);
        if (type == Type.RequestedToCapacityRatio) {
            validateShape(shape);
        }
    }

    /** Kubernetes' rules: at least one point, utilization 0–100 strictly increasing, score 0–10. */
    private static void validateShape(List<ShapePoint> shape) {
        if (shape.isEmpty()) {
            throw new IllegalArgumentException(
                    "NodeResourcesFit: scoringStrategy.requestedToCapacityRatio.shape: Required value: at least one point");
        }
        for (int i = 0; i < shape.size(); i++) {
            ShapePoint p = shape.get(i);
            String at = "NodeResourcesFit: scoringStrategy.requestedToCapacityRatio.shape[" + i + "]";
            if (p.utilization() < 0 || p.utilization() > 100) {
                throw new IllegalArgumentException(at + ".utilization: Invalid value: " + p.utilization()
                        + ": not in valid range [0, 100]");
            }
            if (p.score() < 0 || p.score() > MAX_SHAPE_SCORE) {
                throw new IllegalArgumentException(at + ".score: Invalid value: " + p.score()
                        + ": not in valid range [0, " + MAX_SHAPE_SCORE + "]");
            }
            if (i > 0 && p.utilization() <= shape.get(i - 1).utilization()) {
                throw new IllegalArgumentException(at + ".utilization: Invalid value: " + p.utilization()
                        + ": utilization values must be sorted in increasing order");
            }
        }
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
                    + " is not supported (LeastAllocated, MostAllocated, RequestedToCapacityRatio)");
        }
        List<ShapePoint> shape = new ArrayList<>();
        List<?> points = s.nested("requestedToCapacityRatio").list("shape");
        if (points != null) {
            for (Object o : points) {
                if (o instanceof Map<?, ?> m) {
                    shape.add(new ShapePoint(number(m.get("utilization")), number(m.get("score"))));
                }
            }
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
        return new ScoringStrategy(t, resources.isEmpty() ? DEFAULT.resources() : resources, shape);
    }

    private static long number(Object o) {
        if (o == null) {
            return 0;
        }
        try {
            return Long.parseLong(o.toString());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("NodeResourcesFit: requestedToCapacityRatio.shape: " + o
                    + " is not an integer");
        }
    }

    /**
     * The weighted mean over the resources of each resource's score: for LeastAllocated
     * {@code (allocatable - requested) * 100 / allocatable}, for MostAllocated {@code requested * 100 / allocatable}
     * (capped at 100), for RequestedToCapacityRatio the shape at {@code requested * 100 / allocatable} scaled to
     * 0–100 (resources scoring 0 then do not count, as in Kubernetes), where requested is the node's pods' non-zero
     * requests plus the incoming pod's ({@code podRequested}). Resources the node does not offer are skipped. The
     * standard resources are read from the NodeInfo's own fields and nothing is allocated: Score runs for hundreds
     * of nodes a cycle.
     */
    long score(NodeInfo node, Resources podRequested) {
        long total = 0;
        long weights = 0;
        for (WeightedResource r : resources) {
            int i = Resources.standardIndex(r.name());
            long capacity = i >= 0 ? node.allocatable(i) : node.allocatable().get(r.name());
            if (capacity == 0) {
                continue;
            }
            long requested = (i >= 0 ? node.nonZeroRequested(i) : node.nonZeroRequested().get(r.name()))
                    + podRequested.get(r.name());
            long score = resourceScore(capacity, requested);
            if (score == 0 && type == Type.RequestedToCapacityRatio) {
                continue;
            }
            total += score * r.weight();
            weights += r.weight();
        }
        return average(total, weights);
    }

    /** One resource's score on a node that offers {@code capacity} (> 0) of it. */
    private long resourceScore(long capacity, long requested) {
        return switch (type) {
            case LeastAllocated -> requested > capacity ? 0 : (capacity - requested) * ScorePlugin.MAX_SCORE / capacity;
            case MostAllocated -> requested > capacity ? ScorePlugin.MAX_SCORE : requested * ScorePlugin.MAX_SCORE / capacity;
            case RequestedToCapacityRatio -> shapeAt(Math.min(100, requested * 100 / capacity));
        };
    }

    private long average(long total, long weights) {
        if (weights == 0) {
            return 0;
        }
        return type == Type.RequestedToCapacityRatio ? Math.round((double) total / weights) : total / weights;
    }

    /**
     * The shape's score at {@code utilization}, with the points' 0–10 scores scaled to 0–100 first (as Kubernetes
     * does): flat before the first and after the last point, linear between.
     */
    long shapeAt(long utilization) {
        long scale = ScorePlugin.MAX_SCORE / MAX_SHAPE_SCORE;
        ShapePoint first = shape.get(0);
        if (utilization <= first.utilization()) {
            return first.score() * scale;
        }
        for (int i = 1; i < shape.size(); i++) {
            ShapePoint a = shape.get(i - 1);
            ShapePoint b = shape.get(i);
            if (utilization <= b.utilization()) {
                return a.score() * scale + (b.score() - a.score()) * scale * (utilization - a.utilization())
                        / (b.utilization() - a.utilization());
            }
        }
        return shape.get(shape.size() - 1).score() * scale;
    }
}
