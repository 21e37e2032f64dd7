package io.kaji.scheduler.framework;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What plugins compute once per scheduling cycle and read again later in the same cycle (PreFilter results read
 * by Filter, PreScore results read by Score), plus the node snapshot the cycle runs against. One CycleState
 * belongs to one pod's attempt; the scheduling thread owns it, and the binding cycle reads it afterwards.
 * Values must be treated as immutable once written.
 */
public final class CycleState {

    /**
     * A typed slot; plugins keep their key as a constant. Each key has its own index into the state's array:
     * plugins read their state for every node of every cycle, and an array read is cheaper than any map.
     */
    public static final class Key<T> {
        private static final AtomicInteger NEXT = new AtomicInteger();

        private final String name;
        private final int index;

        public Key(String name) {
            this.name = name;
            this.index = NEXT.getAndIncrement();
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
    private Object[] values = new Object[16];
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
        if (key.index >= values.length) {
            values = Arrays.copyOf(values, Math.max(values.length * 2, key.index + 1));
        }
        values[key.index] = value;
    }

    /** The value written under {@code key}, or null. */
    @SuppressWarnings("unchecked")
    public <T> T read(Key<T> key) {
        Object[] v = values;
        return key.index < v.length ? (T) v[key.index] : null;
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
