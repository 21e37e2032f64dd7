package io.kaji.scheduler.framework;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one scheduling profile runs: the plugins in order (each takes part in every extension point it
 * implements, like Kubernetes' {@code multiPoint}), their score weights, their arguments, and the share of nodes
 * to score. Immutable.
 *
 * @param schedulerName            pods with this {@code spec.schedulerName} use the profile
 * @param plugins                  enabled plugins, in the order they run at each extension point
 * @param percentageOfNodesToScore 1–100, or 0 for Kubernetes' adaptive default
 * @param pluginArgs               arguments by plugin name
 */
public record ProfileConfig(String schedulerName, List<Enabled> plugins, int percentageOfNodesToScore,
                            Map<String, PluginArgs> pluginArgs) {

    /** An enabled plugin and its score weight (ignored unless it scores). */
    public record Enabled(String name, int weight) {}

    public ProfileConfig {
        plugins = List.copyOf(plugins);
        pluginArgs = Map.copyOf(pluginArgs);
        if (percentageOfNodesToScore < 0 || percentageOfNodesToScore > 100) {
            throw new IllegalArgumentException("percentageOfNodesToScore must be within 0 and 100, got "
                    + percentageOfNodesToScore);
        }
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
        return new ProfileConfig(schedulerName, new ArrayList<>(merged.values()), percentageOfNodesToScore, pluginArgs);
    }

    public ProfileConfig withSchedulerName(String name) {
        return new ProfileConfig(name, plugins, percentageOfNodesToScore, pluginArgs);
    }

    public ProfileConfig withPercentageOfNodesToScore(int percentage) {
        return new ProfileConfig(schedulerName, plugins, percentage, pluginArgs);
    }

    public ProfileConfig withPluginArgs(Map<String, PluginArgs> args) {
        Map<String, PluginArgs> all = new LinkedHashMap<>(pluginArgs);
        all.putAll(args);
        return new ProfileConfig(schedulerName, plugins, percentageOfNodesToScore, all);
    }
}
