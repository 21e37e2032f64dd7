package io.kaji.controllers.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WorkQueueTest {

    private final AtomicLong nanos = new AtomicLong();
    private final RateLimiter limiter = new RateLimiter(Duration.ofMillis(5), Duration.ofSeconds(1000), 10, 100, nanos::get);

    @Test
    void aWaitingKeyIsQueuedOnce() throws Exception {
        try (WorkQueue q = new WorkQueue("t", limiter)) {
            q.add("ns/a");
            q.add("ns/a");
            q.add("ns/b");
            assertThat(q.length()).isEqualTo(2);
            assertThat(q.get()).contains("ns/a");
            assertThat(q.get()).contains("ns/b");
        }
    }

    @Test
    void aKeyAddedWhileProcessingIsHandedOutAgainOnlyAfterDone() throws Exception {
        try (WorkQueue q = new WorkQueue("t", limiter)) {
            q.add("ns/a");
            String key = q.get().orElseThrow();
            q.add("ns/a"); // changed while a worker has it
            assertThat(q.length()).isZero(); // not handed to a second worker
            q.done(key);
            assertThat(q.length()).isEqualTo(1);
            assertThat(q.get()).contains("ns/a");
        }
    }

    @Test
    void addAfterDelaysTheKey() throws Exception {
        try (WorkQueue q = new WorkQueue("t", limiter)) {
            q.addAfter("ns/a", Duration.ofMillis(200));
            assertThat(q.length()).isZero();
            await().atMost(Duration.ofSeconds(5)).until(() -> q.length() == 1);
        }
    }

    @Test
    void closeReleasesBlockedWorkers() throws Exception {
        WorkQueue q = new WorkQueue("t", limiter);
        var result = new java.util.concurrent.CompletableFuture<Boolean>();
        Thread t = Thread.ofPlatform().start(() -> {
            try {
                result.complete(q.get().isPresent());
            } catch (InterruptedException e) {
                result.completeExceptionally(e);
            }
        });
        Thread.onSpinWait();
        q.close();
        assertThat(result.get(5, java.util.concurrent.TimeUnit.SECONDS)).isFalse();
        t.join();
    }

    @Test
    void rateLimitedBackOffDoublesPerFailureAndForgetResetsIt() {
        assertThat(limiter.when("k")).isEqualTo(Duration.ofMillis(5));
        assertThat(limiter.when("k")).isEqualTo(Duration.ofMillis(10));
        assertThat(limiter.when("k")).isEqualTo(Duration.ofMillis(20));
        assertThat(limiter.failures("k")).isEqualTo(3);
        assertThat(limiter.when("other")).isEqualTo(Duration.ofMillis(5));
        limiter.forget("k");
        assertThat(limiter.when("k")).isEqualTo(Duration.ofMillis(5));
    }

    @Test
    void backOffIsCappedAtTheMaximum() {
        for (int i = 0; i < 100; i++) {
            limiter.when("k");
        }
        assertThat(limiter.when("k")).isEqualTo(Duration.ofSeconds(1000));
    }

    @Test
    void theOverallBucketThrottlesBurstsOfFailures() {
        // 100 tokens of burst, refilled at 10/s; the clock does not move, so the 101st failure waits 100 ms.
        for (int i = 0; i < 100; i++) {
            assertThat(limiter.when("k" + i)).isEqualTo(Duration.ofMillis(5));
        }
        assertThat(limiter.when("k100")).isEqualTo(Duration.ofMillis(100));
        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(limiter.when("k101")).isEqualTo(Duration.ofMillis(5));
    }
}
