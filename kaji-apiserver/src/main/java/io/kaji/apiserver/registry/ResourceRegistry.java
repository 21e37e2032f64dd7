package io.kaji.apiserver.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The served resources, looked up by URL coordinates. Built once at start-up; registration is thread-safe so
 * that custom resources can join at run time later. Iteration order is registration order, which is the order
 * discovery lists groups and resources in.
 */
public final class ResourceRegistry {

    private final List<ResourceDefinition> definitions = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong generation = new java.util.concurrent.atomic.AtomicLong();

    public synchronized ResourceRegistry register(ResourceDefinition def) {
        if (find(def.group(), def.version(), def.plural()).isPresent()) {
            throw new IllegalArgumentException("resource " + def + " is already registered");
        }
        definitions.add(def);
        generation.incrementAndGet();
        return this;
    }

    /** Stops serving {@code def} (a custom resource whose definition went away); false if it was not registered. */
    public synchronized boolean unregister(ResourceDefinition def) {
        boolean removed = definitions.remove(def);
        if (removed) {
            generation.incrementAndGet();
        }
        return removed;
    }

    /** Counts registrations and removals, so that documents built from the registry know when to rebuild. */
    public long generation() {
        return generation.get();
    }

    /** Every definition, in registration order. */
    public List<ResourceDefinition> all() {
        return List.copyOf(definitions);
    }

    public Optional<ResourceDefinition> find(String group, String version, String plural) {
        for (ResourceDefinition d : definitions) {
            if (d.group().equals(group) && d.version().equals(version) && d.plural().equals(plural)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** The definition serving {@code kind} in {@code apiVersion} ("v1", "apps/v1"). */
    public Optional<ResourceDefinition> findByKind(String apiVersion, String kind) {
        for (ResourceDefinition d : definitions) {
            if (d.apiVersion().equals(apiVersion) && d.kind().equals(kind)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /** Groups (core as "") mapped to their versions, preferred version first, in registration order. */
    public Map<String, List<String>> groupVersions() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (ResourceDefinition d : definitions) {
            List<String> versions = out.computeIfAbsent(d.group(), g -> new ArrayList<>());
            if (!versions.contains(d.version())) {
                versions.add(d.version());
            }
        }
        return out;
    }

    /** The resources of one group-version, in registration order. */
    public List<ResourceDefinition> resources(String group, String version) {
        List<ResourceDefinition> out = new ArrayList<>();
        for (ResourceDefinition d : definitions) {
            if (d.group().equals(group) && d.version().equals(version)) {
                out.add(d);
            }
        }
        return out;
    }
}
