package io.kaji.node.imagegc;

import io.kaji.node.runtime.ContainerInfo;
import io.kaji.node.runtime.ContainerRuntime;
import io.kaji.node.runtime.ContainerState;
import io.kaji.node.runtime.ImageInfo;
import io.kaji.node.runtime.RuntimeCallException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The image side of a runtime for the collector's tests: images and containers held in memory, a file system whose
 * available bytes grow by an image's size when it is removed, and removals that can be made to fail. Every other
 * runtime call throws.
 */
final class FakeImageRuntime {

    static final long CAPACITY = 1000;

    final Map<String, ImageInfo> images = new LinkedHashMap<>();
    final List<ContainerInfo> containers = new ArrayList<>();
    final List<String> removed = new ArrayList<>();
    Set<String> failing = Set.of();
    long available;

    /** Adds an image of {@code size} bytes tagged {@code tag} with id {@code sha256:<tag>}. */
    void image(String tag, long size) {
        images.put("sha256:" + tag, new ImageInfo("sha256:" + tag, List.of(tag), List.of(), size));
    }

    void pinned(String tag, long size) {
        images.put("sha256:" + tag, new ImageInfo("sha256:" + tag, List.of(tag), List.of(), size, true));
    }

    /** A container of image {@code tag} in {@code state}, referring to it by id as containerd does. */
    ContainerInfo container(String tag, ContainerState state) {
        ContainerInfo c = new ContainerInfo("c-" + containers.size(), "sb", "app", 0, tag, "sha256:" + tag, state,
                Instant.EPOCH, Map.of());
        containers.add(c);
        return c;
    }

    ImageFilesystem filesystem() {
        return () -> new ImageFilesystem.Usage(CAPACITY, available);
    }

    ContainerRuntime runtime() {
        return (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ContainerRuntime.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "listImages" -> List.copyOf(images.values());
                    case "listContainers" -> List.copyOf(containers);
                    case "removeImage" -> {
                        String id = (String) args[0];
                        if (failing.contains(id)) {
                            throw new RuntimeCallException("remove image " + id, "UNKNOWN", "disk on fire", null);
                        }
                        ImageInfo gone = images.remove(id);
                        if (gone != null) {
                            available += gone.sizeBytes();
                            removed.add(gone.tags().getFirst());
                        }
                        yield null;
                    }
                    case "toString" -> "FakeImageRuntime";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
