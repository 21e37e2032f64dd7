package io.kaji.scheduler.config;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.kaji.scheduler.framework.PluginArgs;
import io.kaji.scheduler.framework.Profile;
import io.kaji.scheduler.framework.Status;
import io.kaji.scheduler.framework.ProfileConfig;
import io.kaji.scheduler.plugins.InTreePlugins;
import io.kaji.scheduler.plugins.defaultpreemption.Evictor;
import io.kaji.scheduler.plugins.podtopologyspread.OwnerSelectors;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a {@code KubeSchedulerConfiguration} ({@code kubescheduler.config.k8s.io/v1}) into profiles. Supported:
 * {@code percentageOfNodesToScore} (global and per profile), several {@code profiles} told apart by
 * {@code schedulerName}, {@code plugins.multiPoint.enabled/disabled} (with weights; {@code "*"} disables every
 * default), the same per extension point ({@code plugins.filter.disabled}, {@code plugins.score.enabled} with
 * weights, …: a plugin disabled at one point keeps the others), and {@code pluginConfig[].args}. Extension points
 * Kaji does not run ({@code queueSort}, {@code preEnqueue}, {@code postBind}, …) are refused by name.
 */
public final class SchedulerConfiguration {

    private SchedulerConfiguration() {
    }

    /** Parses YAML or JSON text; errors name the field at fault. */
    @SuppressWarnings("unchecked")
    public static List<ProfileConfig> parse(String text) {
        Object parsed = new KubernetesSerialization().unmarshal(text, Map.class);
        if (!(parsed instanceof Map<?, ?> root)) {
            throw new IllegalArgumentException("scheduler configuration: expected a KubeSchedulerConfiguration object");
        }
        Object kind = root.get("kind");
        if (kind != null && !"KubeSchedulerConfiguration".equals(kind)) {
            throw new IllegalArgumentException("scheduler configuration: kind is " + kind
                    + ", expected KubeSchedulerConfiguration");
        }
        int globalPercentage = intValue(root.get("percentageOfNodesToScore"), 0, "percentageOfNodesToScore");
        List<ProfileConfig> profiles = new ArrayList<>();
        Object list = root.get("profiles");
        if (list == null) {
            profiles.add(InTreePlugins.defaultProfile().withPercentageOfNodesToScore(globalPercentage));
            return profiles;
        }
        if (!(list instanceof List<?> items)) {
            throw new IllegalArgumentException("scheduler configuration: profiles must be a list");
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < items.size(); i++) {
            if (!(items.get(i) instanceof Map<?, ?> p)) {
                throw new IllegalArgumentException("scheduler configuration: profiles[" + i + "] must be an object");
            }
            ProfileConfig pc = profile((Map<String, Object>) p, "profiles[" + i + "]", globalPercentage);
            if (!names.add(pc.schedulerName())) {
                throw new IllegalArgumentException("scheduler configuration: two profiles for schedulerName "
                        + pc.schedulerName());
            }
            checkBuilds(pc, "profiles[" + i + "]");
            profiles.add(pc);
        }
        return profiles;
    }

    /**
     * Builds the profile once against the in-tree plugins (bindings and evictions going nowhere), so that an unknown
     * plugin or invalid plugin arguments are reported now, naming the profile, and not when the scheduler starts
     * leading.
     */
    private static void checkBuilds(ProfileConfig pc, String path) {
        var deps = new InTreePlugins.Dependencies((pod, node) -> Status.error("not bound: configuration check"),
                Evictor.NONE, OwnerSelectors.NONE);
        try {
            new Profile(pc, InTreePlugins.registry(deps));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("scheduler configuration: " + path + " (schedulerName "
                    + pc.schedulerName() + "): " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static ProfileConfig profile(Map<String, Object> p, String path, int globalPercentage) {
        ProfileConfig pc = InTreePlugins.defaultProfile();
        Object name = p.get("schedulerName");
        if (name != null) {
            pc = pc.withSchedulerName(name.toString());
        }
        int percentage = intValue(p.get("percentageOfNodesToScore"), globalPercentage, path + ".percentageOfNodesToScore");
        pc = pc.withPercentageOfNodesToScore(percentage);
        if (p.get("plugins") instanceof Map<?, ?> plugins) {
            for (Map.Entry<?, ?> e : plugins.entrySet()) {
                String point = e.getKey().toString();
                String at = path + ".plugins." + point;
                if (!(e.getValue() instanceof Map<?, ?> set)) {
                    continue;
                }
                if ("multiPoint".equals(point)) {
                    pc = pc.merge(disabled(set, at), enabled(set, at));
                } else if (ProfileConfig.POINTS.contains(point)) {
                    pc = pc.withPoint(point, disabled(set, at), enabled(set, at));
                } else {
                    throw new IllegalArgumentException("scheduler configuration: " + at + " is not an extension "
                            + "point Kaji runs; use multiPoint or one of " + String.join(", ", ProfileConfig.POINTS));
                }
            }
        }
        if (p.get("pluginConfig") instanceof List<?> configs) {
            Map<String, PluginArgs> args = new LinkedHashMap<>();
            for (Object o : configs) {
                if (o instanceof Map<?, ?> c && c.get("name") != null) {
                    Object a = c.get("args");
                    args.put(c.get("name").toString(), a instanceof Map<?, ?> m
                            ? new PluginArgs((Map<String, Object>) m) : PluginArgs.NONE);
                }
            }
            pc = pc.withPluginArgs(args);
        }
        return pc;
    }

    private static Set<String> disabled(Map<?, ?> set, String at) {
        Set<String> names = new HashSet<>();
        if (set.get("disabled") instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Map<?, ?> m && m.get("name") != null) {
                    names.add(m.get("name").toString());
                } else {
                    throw new IllegalArgumentException("scheduler configuration: " + at + ".disabled entries need a name");
                }
            }
        }
        return names;
    }

    private static List<ProfileConfig.Enabled> enabled(Map<?, ?> set, String at) {
        List<ProfileConfig.Enabled> list = new ArrayList<>();
        if (set.get("enabled") instanceof List<?> l) {
            for (Object o : l) {
                if (o instanceof Map<?, ?> m && m.get("name") != null) {
                    list.add(new ProfileConfig.Enabled(m.get("name").toString(),
                            intValue(m.get("weight"), 1, at + ".enabled[" + m.get("name") + "].weight")));
                } else {
                    throw new IllegalArgumentException("scheduler configuration: " + at + ".enabled entries need a name");
                }
            }
        }
        return list;
    }

    private static int intValue(Object v, int fallback, String field) {
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.toString());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("scheduler configuration: " + field + " must be a number, got " + v);
        }
    }
}
