package io.kaji.node.containergc;

import io.kaji.node.runtime.ContainerInfo;
import io.kaji.node.runtime.ContainerRuntime;
import io.kaji.node.runtime.ContainerState;
import io.kaji.node.runtime.KajiLabels;
import io.kaji.node.runtime.PodRef;
import io.kaji.node.runtime.RuntimeCallException;
import io.kaji.node.runtime.SandboxInfo;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sandboxes and containers held in memory for the collector's tests, with the CRI's semantics where the collector
 * relies on them: removing a sandbox removes its containers, stopping one makes it not ready. Calls are recorded
 * ({@link #calls}); ids in {@link #failing} fail to be removed. Every other runtime call throws.
 */
final class FakeRuntime {

    final Map<String, SandboxInfo> sandboxes = new LinkedHashMap<>();
    final Map<String, ContainerInfo> containers = new LinkedHashMap<>();
    final List<String> calls = new ArrayList<>();
    Set<String> failing = Set.of();
    /** Runs once, before the first container listing answers (a pod worker at work meanwhile). */
    Runnable beforeFirstListing = () -> { };

    SandboxInfo sandbox(String id, PodRef pod, int attempt, boolean ready, long createdSecond) {
        SandboxInfo s = new SandboxInfo(id, pod, attempt, ready, Instant.ofEpochSecond(createdSecond), "",
                KajiLabels.forPod(pod));
        sandboxes.put(id, s);
        return s;
    }

    ContainerInfo container(String id, String sandboxId, String name, int attempt, ContainerState state,
                            long createdSecond) {
        PodRef pod = sandboxes.get(sandboxId).pod();
        ContainerInfo c = new ContainerInfo(id, sandboxId, name, attempt, "busybox", "sha256:b", state,
                Instant.ofEpochSecond(createdSecond), KajiLabels.forContainer(pod, name));
        containers.put(id, c);
        return c;
    }

    /** A container some other CRI client made: no Kaji labels. */
    ContainerInfo foreign(String id, long createdSecond) {
        ContainerInfo c = new ContainerInfo(id, "other-sandbox", "x", 0, "busybox", "", ContainerState.EXITED,
                Instant.ofEpochSecond(createdSecond), Map.of());
        containers.put(id, c);
        return c;
    }

    /** The removals, in order: {@code container <id>} and {@code sandbox <id>}. */
    List<String> removals() {
        return calls.stream().filter(c -> c.startsWith("remove ")).map(c -> c.substring(7)).toList();
    }

    ContainerRuntime runtime() {
        return (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {ContainerRuntime.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "listContainers" -> {
                        Runnable hook = beforeFirstListing;
                        beforeFirstListing = () -> { };
                        hook.run();
                        yield matching(containers.values(), (Map<?, ?>) args[0]);
                    }
                    case "listSandboxes" -> matching(sandboxes.values(), (Map<?, ?>) args[0]);
                    case "removeContainer" -> {
                        String id = (String) args[0];
                        calls.add("remove container " + id);
                        fail(id);
                        containers.remove(id);
                        yield null;
                    }
                    case "stopContainer" -> {
                        String id = (String) args[0];
                        calls.add("stop container " + id);
                        containers.computeIfPresent(id, (k, c) -> new ContainerInfo(c.id(), c.sandboxId(), c.name(),
                                c.attempt(), c.image(), c.imageRef(), ContainerState.EXITED, c.createdAt(),
                                c.labels()));
                        yield null;
                    }
                    case "stopSandbox" -> {
                        String id = (String) args[0];
                        calls.add("stop sandbox " + id);
                        sandboxes.computeIfPresent(id, (k, s) -> new SandboxInfo(s.id(), s.pod(), s.attempt(),
                                false, s.createdAt(), s.ip(), s.labels()));
                        yield null;
                    }
                    case "removeSandbox" -> {
                        String id = (String) args[0];
                        calls.add("remove sandbox " + id);
                        fail(id);
                        sandboxes.remove(id);
                        containers.values().removeIf(c -> c.sandboxId().equals(id));
                        yield null;
                    }
                    case "toString" -> "FakeRuntime";
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private void fail(String id) {
        if (failing.contains(id)) {
            throw new RuntimeCallException("remove " + id, "UNKNOWN", "device busy", null);
        }
    }

    private static <T> List<T> matching(java.util.Collection<T> all, Map<?, ?> selector) {
        return all.stream().filter(o -> {
            Map<String, String> labels = o instanceof ContainerInfo c ? c.labels() : ((SandboxInfo) o).labels();
            return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
        }).toList();
    }
}
