package io.kaji.scheduler.framework;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The plugins a scheduler can enable, by name: one explicit table built at start-up (no self-registration).
 * Not thread-safe while being built; read-only afterwards.
 */
public final class Registry {

    /** Makes a plugin instance for one profile. */
    @FunctionalInterface
    public interface Factory {
        Plugin create(PluginArgs args, Handle handle);
    }

    private final Map<String, Factory> factories = new LinkedHashMap<>();

    /** Adds {@code name}; a name registered twice is a programming error. */
    public Registry register(String name, Factory factory) {
        if (factories.putIfAbsent(name, factory) != null) {
            throw new IllegalArgumentException("plugin " + name + " is registered twice");
        }
        return this;
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(factories.keySet());
    }

    /** Creates {@code name} with {@code args}; an unknown name is a configuration error. */
    public Plugin create(String name, PluginArgs args, Handle handle) {
        Factory f = factories.get(name);
        if (f == null) {
            throw new IllegalArgumentException("unknown scheduler plugin \"" + name + "\" (known: "
                    + String.join(", ", factories.keySet()) + ")");
        }
        Plugin p = f.create(args, handle);
        if (!p.name().equals(name)) {
            throw new IllegalStateException("plugin registered as " + name + " calls itself " + p.name());
        }
        return p;
    }
}
