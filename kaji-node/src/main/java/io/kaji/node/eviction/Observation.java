package io.kaji.node.eviction;

/**
 * One measurement of a signal: how much is available and the total it is out of (bytes or a count).
 *
 * @param available what is left (may be negative if usage exceeds capacity)
 * @param capacity  the total, for percentage thresholds
 */
public record Observation(long available, long capacity) {
}
