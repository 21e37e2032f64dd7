package io.kaji.scheduler.framework;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one scheduling profile runs: the plugins in order (each takes part in every extension point it
 * implements, Kubernetes' {@code multiPoint}), what single extension points change about that, their score
 * weights, their arguments, and the share of nodes to score. Immutable.
 *
 * @param schedulerName            pods with this {@code spec.schedulerName} use the profile
 * @param plugins                  the multiPoint plugins, in the order they run at each extension point
 * @param percentageOfNodesToScore 1–100, or 0 for Kubernetes' adaptive default
 * @param pluginArgs               arguments by plugin name
 * @param points                   per extension point ({@link #POINTS}), plugins disabled there and enabled there
 */
public record ProfileConfig(String schedulerName, List<Enabled> plugins, int percentageOfNodesToScore,
                            Map<String, PluginArgs> pluginArgs, Map<String, PointSet> points) {

    /** The extension points a configuration may name besides {@code multiPoint}, with Kubernetes' names. */
    public static final List<String> POINTS = List.of("preFilter", "filter", "postFilter", "preScore", "score",
            "reserve", "permit", "preBind", "bind");

    /** An enabled plugin and its score weight (ignored unless it scores). */
    public record Enabled(String name, int weight) {}

    /**
     * One extension point's plugin set: {@code disabled} leave that point only ({@code "*"}: every multiPoint
     * plugin), {@code enabled} run there first, in their order (for Score, with their weight).
     */
    public record PointSet(Set<String> disabled, List<Enabled> enabled) {
        public PointSet {
            disabled = Set.copyOf(disabled);
            enabled = List.copyOf(enabled);
        }

        static final PointSet NONE = new PointSet(Set.of(), List.of());
    }

    public ProfileConfig {
        plugins = List.copyOf(plugins);
        pluginArgs = Map.copyOf(pluginArgs);
        points = Map.copyOf(points);
        if (percentageOfNodesToScore < 0 || percentageOfNodesToScore > 100) {
            throw new IllegalArgumentException("percentageOfNodesToScore must be within 0 and 100, got "
                    + percentageOfNodesToScore);
        }
        for (String point : points.keySet()) {
            if (!POINTS.contains(point)) {
                throw new IllegalArgumentException("unknown extension point \"" + point + "\"; known: multiPoint, "
                        + String.join(", ", POINTS));
            }
        }
    }

    /** A profile of multiPoint plugins only. */
    public ProfileConfig(String schedulerName, List<Enabled> plugins, int percentageOfNodesToScore,
                         Map<String, PluginArgs> pluginArgs) {
        this(schedulerName, plugins, percentageOfNodesToScore, pluginArgs, Map.of());
    }

    /** The plugin set configured for {@code point} (empty when none was). */
    public PointSet point(String point) {
        return points.getOrDefault(point, PointSet.NONE);
    }

    /** This profile with {@code point}'s plugin set replaced (Kubernetes' per-extension-point configuration). */
    public ProfileConfig withPoint(String point, Set<String> disabled, List<Enabled> enabled) {
        Map<String, PointSet> all = new LinkedHashMap<>(points);
        all.put(point, new PointSet(disabled, enabled));
        return new ProfileConfig(schedulerName, plugins, percentageOfNodesToScore, pluginArgs, all);
    }

    /**
     * This profile with {@code disabled} plugins removed ({@code "*"} removes them all) and {@code enabled}
     * appended, or re-weighted where already present: Kubernetes' merge of a configured plugin set onto the
     * defaults.
     */
    public ProfileConfig merge(Set<String> disabled, List<Enabled> enabled) {
        Map<String, Enabled> merged = new LinkedHashMap<>();
        if (!disabled.contains("*")) {
            for (Enabled e : plugins) {
                if (!disabled.contains(e.name())) {
                    merged.put(e.name(), e);
                }
            }
        }
        for (Enabled e : enabled) {
            merged.put(e.name(), e);
        }
        return new ProfileConfig(schedulerName, new ArrayList<>(merged.values()), percentageOfNodesToScore, pluginArgs,
                points);
    }

    public ProfileConfig withSchedulerName(String name) {
        return new ProfileConfig(name, plugins, percentageOfNodesToScore, pluginArgs, points);
    }

    public ProfileConfig withPercentageOfNodesToScore(int percentage) {
        return new ProfileConfig(schedulerName, plugins, percentage, pluginArgs, points);
    }

    public ProfileConfig withPluginArgs(Map<String, PluginArgs> args) {
        Map<String, PluginArgs> all = new LinkedHashMap<>(pluginArgs);
        all.putAll(args);
        return new ProfileConfig(schedulerName, plugins, percentageOfNodesToScore, all, points);
    }
}
