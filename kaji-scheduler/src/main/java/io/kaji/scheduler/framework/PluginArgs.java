package io.kaji.scheduler.framework;

import java.util.Map;

/**
 * A plugin's arguments from the scheduler configuration ({@code pluginConfig[].args}), as parsed YAML values.
 * Immutable; missing arguments fall back to the defaults the plugin documents.
 */
public record PluginArgs(Map<String, Object> values) {

    public static final PluginArgs NONE = new PluginArgs(Map.of());

    public PluginArgs {
        values = Map.copyOf(values);
    }

    /** The argument {@code name} as a string, or {@code fallback}. */
    public String string(String name, String fallback) {
        Object v = values.get(name);
        return v == null ? fallback : v.toString();
    }

    /** The nested object {@code name} (a YAML mapping), or an empty one. */
    @SuppressWarnings("unchecked")
    public PluginArgs nested(String name) {
        Object v = values.get(name);
        return v instanceof Map<?, ?> m ? new PluginArgs((Map<String, Object>) m) : NONE;
    }

    /** The argument {@code name} as a list, or {@code null}. */
    public java.util.List<?> list(String name) {
        return values.get(name) instanceof java.util.List<?> l ? l : null;
    }
}
