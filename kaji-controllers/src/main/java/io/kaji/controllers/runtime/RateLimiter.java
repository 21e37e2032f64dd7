package io.kaji.controllers.runtime;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How long a failed key waits before it is tried again: the larger of a per-item exponential back-off
 * ({@code base * 2^failures}, capped) and an overall token bucket shared by all keys, as client-go's default
 * controller rate limiter does (5 ms doubling to 1000 s; 10 per second with a burst of 100).
 *
 * <p>Thread-safe.
 */
public final class RateLimiter {

    private final Duration base;
    private final Duration max;
    private final double tokensPerSecond;
    private final int burst;
    private final ConcurrentHashMap<String, Integer> failures = new ConcurrentHashMap<>();
    private final Object bucketLock = new Object();
    private double tokens;
    private long lastRefillNanos;
    private final java.util.function.LongSupplier nanoTime;

    public RateLimiter(Duration base, Duration max, double tokensPerSecond, int burst,
                       java.util.function.LongSupplier nanoTime) {
        this.base = base;
        this.max = max;
        this.tokensPerSecond = tokensPerSecond;
        this.burst = burst;
        this.nanoTime = nanoTime;
        this.tokens = burst;
        this.lastRefillNanos = nanoTime.getAsLong();
    }

    /** client-go's defaults. */
    public static RateLimiter defaults() {
        return new RateLimiter(Duration.ofMillis(5), Duration.ofSeconds(1000), 10, 100, System::nanoTime);
    }

    /** Records one more failure of {@code key} and returns how long it should wait. */
    public Duration when(String key) {
        int n = failures.merge(key, 1, Integer::sum) - 1;
        Duration backoff = n >= 62 ? max : base.multipliedBy(1L << Math.min(n, 40));
        if (backoff.compareTo(max) > 0 || backoff.isNegative()) {
            backoff = max;
        }
        Duration bucket = reserveToken();
        return backoff.compareTo(bucket) >= 0 ? backoff : bucket;
    }

    /** Forgets the failures of {@code key}: its next failure starts the back-off again. */
    public void forget(String key) {
        failures.remove(key);
    }

    /** How many times {@code key} has failed since it was last forgotten. */
    public int failures(String key) {
        return failures.getOrDefault(key, 0);
    }

    private Duration reserveToken() {
        synchronized (bucketLock) {
            long now = nanoTime.getAsLong();
            tokens = Math.min(burst, tokens + (now - lastRefillNanos) / 1e9 * tokensPerSecond);
            lastRefillNanos = now;
            tokens -= 1;
            if (tokens >= 0) {
                return Duration.ZERO;
            }
            return Duration.ofNanos((long) (-tokens / tokensPerSecond * 1e9));
        }
    }
}
