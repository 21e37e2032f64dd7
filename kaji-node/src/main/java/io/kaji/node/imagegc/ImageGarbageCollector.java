package io.kaji.node.imagegc;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.kaji.controllers.runtime.EventRecorder;
import io.kaji.node.runtime.ContainerRuntime;
import io.kaji.node.runtime.ImageInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Image garbage collection, as the kubelet's image GC manager does it. The collector remembers per image when it
 * was first seen and when a container last used it ({@link ImageRecords}, from the runtime's ListImages and
 * ListContainers). When the image file system is at or above the high threshold it removes unused images, least
 * recently used first, skipping those younger than the minimum age, until it freed enough to bring usage below the
 * low threshold ({@link #garbageCollect()}); the eviction manager asks it to remove every unused image old enough
 * before it evicts pods for disk ({@link #deleteUnusedImages()}). Images in use by any container (running or
 * exited), images the runtime pins, and the protected images (the sandbox image) are never removed.
 *
 * <p>Warning events on the Node as the kubelet writes them: {@code FreeDiskSpaceFailed} when a collection found
 * too little to free, {@code ImageGCFailed} when periodic collection failed twice in a row,
 * {@code InvalidDiskCapacity} when the file system reports no capacity. All public methods block on the runtime and
 * are synchronized: one collection at a time.
 */
public final class ImageGarbageCollector implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ImageGarbageCollector.class);

    /**
     * What one collection did.
     *
     * @param usagePercent the image file system's usage when it started
     * @param bytesToFree  what it had to free to reach the low threshold (0 when under the high threshold;
     *                     {@link Long#MAX_VALUE} for {@link #deleteUnusedImages()})
     * @param bytesFreed   the sizes of the images removed
     * @param removed      the removed images (first tag, or id if untagged)
     * @param errors       removals that failed
     */
    public record Result(int usagePercent, long bytesToFree, long bytesFreed, List<String> removed,
                         List<String> errors) {

        /** Why this collection counts as failed (the kubelet's error text), or empty if it did not. */
        public Optional<String> failure() {
            if (!errors.isEmpty()) {
                return Optional.of("wanted to free " + bytesToFree + " bytes, but freed " + bytesFreed
                        + " bytes space with errors in image deletion: " + errors);
            }
            if (bytesToFree != Long.MAX_VALUE && bytesFreed < bytesToFree) {
                return Optional.of("Failed to garbage collect required amount of images. Attempted to free "
                        + bytesToFree + " bytes, but only found " + bytesFreed + " bytes eligible to free.");
            }
            return Optional.empty();
        }
    }

    private final String nodeName;
    private final ContainerRuntime runtime;
    private final ImageFilesystem filesystem;
    private final ImageGcPolicy policy;
    private final EventRecorder events;
    private final Clock clock;
    private final Node nodeRef;
    private final ImageRecords records;
    private final ScheduledExecutorService timer;
    private boolean previousFailed;

    /**
     * @param protectedImages image names never removed (the sandbox image; containerd 1.6 does not pin it)
     * @param events          where the Node's warning events go; null for none
     */
    public ImageGarbageCollector(String nodeName, ContainerRuntime runtime, ImageFilesystem filesystem,
                                 ImageGcPolicy policy, Set<String> protectedImages, EventRecorder events,
                                 Clock clock) {
        this.nodeName = nodeName;
        this.runtime = runtime;
        this.filesystem = filesystem;
        this.policy = policy;
        this.events = events;
        this.clock = clock;
        this.nodeRef = new NodeBuilder().withNewMetadata().withName(nodeName).endMetadata().build();
        this.records = new ImageRecords(protectedImages);
        this.timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("kaji-image-gc-" + nodeName).daemon(true).factory());
    }

    /**
     * Detects the images present now as seen in the unknown past, then collects at once and every period; returns
     * at once.
     */
    public void start() {
        timer.execute(() -> {
            try {
                detectImages(ImageRecords.UNKNOWN_PAST);
            } catch (RuntimeException e) {
                log.info("node {}: first image detection failed (retried at the next collection): {}", nodeName,
                        e.getMessage());
            }
        });
        timer.scheduleWithFixedDelay(this::periodic, 0, policy.period().toMillis(), TimeUnit.MILLISECONDS);
        log.info("node {}: image garbage collection started (high {}%, low {}%, minimum age {}, every {})",
                nodeName, policy.highThresholdPercent(), policy.lowThresholdPercent(), policy.minAge(),
                policy.period());
    }

    private void periodic() {
        String failure;
        try {
            failure = garbageCollect().failure().orElse(null);
        } catch (RuntimeException e) {
            failure = e.getMessage();
        }
        if (failure == null) {
            previousFailed = false;
            return;
        }
        if (previousFailed) {
            log.warn("node {}: image garbage collection failed multiple times in a row: {}", nodeName, failure);
            event("ImageGCFailed", failure);
        } else {
            log.warn("node {}: image garbage collection failed once: {}", nodeName, failure);
        }
        previousFailed = true;
    }

    /** Updates the image records from the runtime; {@code detectTime} dates images seen for the first time. */
    synchronized Set<String> detectImages(Instant detectTime) {
        List<ImageInfo> images = runtime.listImages();
        return records.update(images, runtime.listContainers(Map.of()), detectTime, clock.instant());
    }

    /**
     * One collection: when the image file system's usage is at or above the high threshold, removes unused images
     * until usage would be below the low threshold. Records {@code FreeDiskSpaceFailed} on the Node when that was
     * not possible.
     *
     * @throws RuntimeException when the runtime or the file system cannot be read (nothing was removed)
     */
    public synchronized Result garbageCollect() {
        Instant now = clock.instant();
        ImageFilesystem.Usage usage = filesystem.usage();
        if (usage.capacityBytes() <= 0) {
            event("InvalidDiskCapacity", "invalid capacity 0 on image filesystem");
            throw new IllegalStateException("invalid capacity 0 on image filesystem");
        }
        int percent = usage.usagePercent();
        if (percent < policy.highThresholdPercent()) {
            detectImages(now);
            log.debug("node {}: image file system {}% used, below the high threshold {}%", nodeName, percent,
                    policy.highThresholdPercent());
            return new Result(percent, 0, 0, List.of(), List.of());
        }
        long toFree = usage.bytesToReach(policy.lowThresholdPercent());
        log.info("node {}: image file system {}% used, at or over the high threshold {}%: freeing {} bytes to reach "
                + "the low threshold {}%", nodeName, percent, policy.highThresholdPercent(), toFree,
                policy.lowThresholdPercent());
        Result result = freeSpace(percent, toFree, now);
        result.failure().ifPresent(message -> {
            if (result.errors().isEmpty()) {
                event("FreeDiskSpaceFailed", message);
            }
        });
        return result;
    }

    /**
     * Removes every unused image older than the minimum age, whatever the usage: the node-level reclaim the
     * eviction manager runs before it evicts pods for disk pressure. Returns the bytes freed.
     */
    public synchronized long deleteUnusedImages() {
        Instant now = clock.instant();
        Result result = freeSpace(-1, Long.MAX_VALUE, now);
        result.failure().ifPresent(message -> log.warn("node {}: deleting unused images: {}", nodeName, message));
        return result.bytesFreed();
    }

    private Result freeSpace(int percent, long bytesToFree, Instant freeTime) {
        Set<String> inUse = detectImages(freeTime);
        long freed = 0;
        List<String> removed = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (ImageRecords.Entry image : records.inEvictionOrder()) {
            if (freed >= bytesToFree) {
                break;
            }
            String name = image.tags().isEmpty() ? image.id() : image.tags().getFirst();
            if (image.kept() || inUse.contains(image.id())) {
                log.debug("node {}: image {} is in use or protected, not collected", nodeName, name);
                continue;
            }
            Duration age = Duration.between(image.firstDetected(), freeTime);
            if (age.compareTo(policy.minAge()) < 0) {
                log.debug("node {}: image {} was first seen {} ago, less than the minimum age {}", nodeName, name,
                        age, policy.minAge());
                continue;
            }
            log.info("node {}: removing image {} ({}) to free {} bytes", nodeName, name, image.id(), image.size());
            try {
                runtime.removeImage(image.id());
            } catch (RuntimeException e) {
                errors.add(name + ": " + e.getMessage());
                continue;
            }
            records.forget(image.id());
            freed += image.size();
            removed.add(name);
        }
        if (!removed.isEmpty()) {
            log.info("node {}: image garbage collection freed {} bytes ({} image(s): {})", nodeName, freed,
                    removed.size(), removed);
        }
        return new Result(percent, bytesToFree, freed, List.copyOf(removed), List.copyOf(errors));
    }

    private void event(String reason, String message) {
        if (events != null) {
            events.warning(nodeRef, reason, message);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
