package io.kaji.node.stats;

import io.kaji.node.runtime.ContainerRuntime;
import io.kaji.node.runtime.RuntimeCallException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network counters of pods, read from {@code /proc/<pid>/net/dev} of each sandbox's process (whose network
 * namespace is the pod's), its pid asked of the runtime once per sandbox. Pods on the host's network have none:
 * their figures would be the host's. Thread-safe.
 */
public final class PodNetworks {

    private static final Logger log = LoggerFactory.getLogger(PodNetworks.class);

    private final ContainerRuntime runtime;
    private final Path proc;
    /** Sandbox id to the pid of its process; a sandbox's pid does not change while it lives. */
    private final Map<String, Optional<Integer>> pids = new ConcurrentHashMap<>();

    public PodNetworks(ContainerRuntime runtime) {
        this(runtime, Path.of("/proc"));
    }

    PodNetworks(ContainerRuntime runtime, Path proc) {
        this.runtime = runtime;
        this.proc = proc;
    }

    /**
     * The sandbox's interfaces other than {@code lo}, each as received bytes, packets, errors, drops, then
     * transmitted bytes, packets, errors, drops; none for a sandbox on the host's network, gone or unknown.
     */
    public Map<String, long[]> interfaces(String sandboxId) {
        Optional<Integer> pid = pids.computeIfAbsent(sandboxId, this::pidOf);
        if (pid.isEmpty() || sharesHostNetwork(pid.get())) {
            return Map.of();
        }
        return netDev(proc.resolve(pid.get() + "/net/dev"));
    }

    /** Forgets the sandboxes not in {@code live}. */
    public void retain(Set<String> live) {
        pids.keySet().retainAll(live);
    }

    private Optional<Integer> pidOf(String sandboxId) {
        try {
            return runtime.sandboxPid(sandboxId);
        } catch (RuntimeCallException e) {
            log.debug("no pid for sandbox {}: {}", sandboxId, e.getMessage());
            return Optional.empty();
        }
    }

    /** Whether the process is in the network namespace of pid 1 (a hostNetwork pod). */
    private boolean sharesHostNetwork(int pid) {
        try {
            return Files.readSymbolicLink(proc.resolve(pid + "/ns/net"))
                    .equals(Files.readSymbolicLink(proc.resolve("1/ns/net")));
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /**
     * {@code /proc/<pid>/net/dev}'s interfaces other than {@code lo}: received bytes, packets, errors, drops, then
     * transmitted bytes, packets, errors, drops. An unreadable file (the process is gone) has none.
     */
    static Map<String, long[]> netDev(Path file) {
        Map<String, long[]> out = new LinkedHashMap<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            return out;
        }
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String iface = line.substring(0, colon).trim();
            String[] f = line.substring(colon + 1).trim().split("\\s+");
            if (iface.equals("lo") || f.length < 12) {
                continue;
            }
            try {
                out.put(iface, new long[] {Long.parseLong(f[0]), Long.parseLong(f[1]), Long.parseLong(f[2]),
                    Long.parseLong(f[3]), Long.parseLong(f[8]), Long.parseLong(f[9]), Long.parseLong(f[10]),
                    Long.parseLong(f[11])});
            } catch (NumberFormatException e) {
                // a line of another shape: not an interface
            }
        }
        return out;
    }

}
