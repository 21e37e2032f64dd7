package io.kaji.node.imagegc;

import io.kaji.node.runtime.ContainerInfo;
import io.kaji.node.runtime.ImageInfo;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the collector remembers per image id, as the kubelet's image GC manager does: when it was first seen, when
 * a container last used it, its size, and whether it may never be removed. Not thread-safe: the collector guards it.
 */
final class ImageRecords {

    /**
     * One image.
     *
     * @param firstDetected when the collector first saw it ({@link #UNKNOWN_PAST} for images present at start-up)
     * @param lastUsed      when a container last used it ({@link #UNKNOWN_PAST} if never seen in use)
     * @param kept          pinned by the runtime or protected by name (the sandbox image): never removed
     */
    record Entry(String id, List<String> tags, long size, Instant firstDetected, Instant lastUsed, boolean kept) {
    }

    /**
     * The first detection after start-up dates images into the unknown past, as the kubelet does: an image found
     * when the agent starts has been there for an unknown time, so the minimum age does not shield it.
     */
    static final Instant UNKNOWN_PAST = Instant.EPOCH;

    /**
     * Least recently used first; ties broken by first detection (the kubelet's byLastUsedAndDetected), then by id
     * so that the order does not depend on a map's.
     */
    static final Comparator<Entry> EVICTION_ORDER = Comparator.comparing(Entry::lastUsed)
            .thenComparing(Entry::firstDetected).thenComparing(Entry::id);

    private final Map<String, Entry> byId = new HashMap<>();
    private final Set<String> protectedNames;

    /** @param protectedNames image names that are never removed (the sandbox image) */
    ImageRecords(Set<String> protectedNames) {
        this.protectedNames = Set.copyOf(protectedNames);
    }

    /**
     * Updates the records from one listing: new images are first detected at {@code detectTime}, images used by any
     * container (running or not, as the kubelet counts them) are last used {@code now}, images gone are forgotten.
     *
     * @return the ids of the images in use now
     */
    Set<String> update(List<ImageInfo> images, List<ContainerInfo> containers, Instant detectTime, Instant now) {
        Set<String> usedRefs = new HashSet<>();
        Set<String> usedNames = new HashSet<>();
        for (ContainerInfo c : containers) {
            if (c.imageRef() != null && !c.imageRef().isEmpty()) {
                usedRefs.add(c.imageRef());
            }
            if (c.image() != null && !c.image().isEmpty()) {
                usedNames.add(c.image());
            }
        }
        Set<String> present = new HashSet<>();
        Set<String> inUse = new HashSet<>();
        for (ImageInfo image : images) {
            present.add(image.id());
            Entry old = byId.get(image.id());
            boolean used = usedRefs.contains(image.id()) || usedNames.contains(image.id())
                    || image.tags().stream().anyMatch(usedNames::contains)
                    || image.digests().stream().anyMatch(usedNames::contains);
            if (used) {
                inUse.add(image.id());
            }
            boolean kept = image.pinned() || image.tags().stream().anyMatch(protectedNames::contains);
            Instant first = old == null ? detectTime : old.firstDetected();
            Instant last = used ? now : old == null ? UNKNOWN_PAST : old.lastUsed();
            byId.put(image.id(), new Entry(image.id(), List.copyOf(image.tags()), image.sizeBytes(), first, last,
                    kept));
        }
        byId.keySet().retainAll(present);
        return inUse;
    }

    /** Every image, least recently used first. */
    List<Entry> inEvictionOrder() {
        return byId.values().stream().sorted(EVICTION_ORDER).toList();
    }

    void forget(String id) {
        byId.remove(id);
    }

    /** The record of an image id, or null. */
    Entry get(String id) {
        return byId.get(id);
    }
}
