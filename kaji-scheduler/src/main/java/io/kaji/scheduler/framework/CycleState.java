package io.kaji.scheduler.framework;

import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * What plugins compute once per scheduling cycle and read again later in the same cycle (PreFilter results read
 * by Filter, PreScore results read by Score), plus the node snapshot the cycle runs against. One CycleState
 * belongs to one pod's attempt; the scheduling thread owns it, and the binding cycle reads it afterwards.
 * Values must be treated as immutable once written.
 */
public final class CycleState {

    /**
     * A typed slot; plugins keep their key as a constant. Keys compare by identity: plugins read their state for
     * every node of every cycle, and an identity lookup is the cheapest there is.
     */
    public static final class Key<T> {
        private final String name;

        public Key(String name) {
            this.name = name;
        }

        public String name() {
            return name;
        }

        @Override
        public String toString() {
            return "Key[" + name + "]";
        }
    }

    private final Snapshot snapshot;
    private final Map<Key<?>, Object> values = new IdentityHashMap<>();
    private final Set<String> skipFilter = new HashSet<>();
    private final Set<String> skipScore = new HashSet<>();

    public CycleState(Snapshot snapshot) {
        this.snapshot = snapshot;
    }

    /** The nodes (with their pods) this cycle schedules against. */
    public Snapshot snapshot() {
        return snapshot;
    }

    public <T> void write(Key<T> key, T value) {
        values.put(key, value);
    }

    /** The value written under {@code key}, or null. */
    @SuppressWarnings("unchecked")
    public <T> T read(Key<T> key) {
        return (T) values.get(key);
    }

    /** Plugins whose PreFilter returned Skip: their Filter is not called in this cycle. */
    public Set<String> skipFilterPlugins() {
        return skipFilter;
    }

    /** Plugins whose PreScore returned Skip: their Score is not called in this cycle. */
    public Set<String> skipScorePlugins() {
        return skipScore;
    }
}
