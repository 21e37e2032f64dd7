package io.kaji.proxy;

import java.time.Duration;

/**
 * Network programming latency so far: from an EndpointSlice change (its {@code last-change-trigger-time}
 * annotation, or when the proxy saw the event) to the iptables-restore that put it in place returning.
 *
 * @param count how many changes were measured
 */
public record LatencySnapshot(long count, Duration p50, Duration p99, Duration max) {

    @Override
    public String toString() {
        return "count=" + count + " p50=" + p50.toMillis() + "ms p99=" + p99.toMillis() + "ms max=" + max.toMillis() + "ms";
    }
}
