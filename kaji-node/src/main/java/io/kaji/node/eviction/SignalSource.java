package io.kaji.node.eviction;

import java.util.Map;

/** Where the eviction manager's observations come from: the host ({@link HostSignals}) or a test's figures. */
@FunctionalInterface
public interface SignalSource {

    /**
     * Measures every signal it can now. A signal it cannot read is left out (its thresholds then count as not
     * met). Blocking; called from the eviction manager's thread.
     */
    Map<Signal, Observation> observe();
}
