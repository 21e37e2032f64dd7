package io.kaji.node.eviction;

import io.kaji.node.stats.FsUsage;
import java.util.Map;

/** Where the eviction manager's observations come from: the host ({@link HostSignals}) or a test's figures. */
@FunctionalInterface
public interface SignalSource {

    /**
     * Measures every signal it can now. A signal it cannot read is left out (its thresholds then count as not
     * met). Blocking; called from the eviction manager's thread.
     */
    Map<Signal, Observation> observe();

    /**
     * Whether the image file system (containerd's root: writable layers) is the node file system (logs, volumes),
     * which decides what disk pressure ranks pods by, as in the kubelet. True unless known otherwise.
     */
    default boolean imageFsIsNodeFs() {
        return true;
    }

    /** The node file system's figures (the agent's data directory), or null where not measured. */
    default FsUsage nodeFs() {
        return null;
    }

    /** The image file system's figures (containerd's root), or null where not measured. */
    default FsUsage imageFs() {
        return null;
    }
}
