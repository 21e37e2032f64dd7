package io.kaji.node.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class StartGateTest {

    @Test
    void neverMoreCallsInFlightThanPermits() throws Exception {
        StartGate gate = new StartGate(3);
        AtomicInteger now = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                boolean container = i % 2 == 0;
                calls.add(pool.submit(() -> {
                    Supplier<Integer> call = () -> {
                        most.accumulateAndGet(now.incrementAndGet(), Math::max);
                        try {
                            Thread.sleep(5);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        now.decrementAndGet();
                        return 1;
                    };
                    return container ? gate.container(call) : gate.sandbox(call);
                }));
            }
            int done = 0;
            for (Future<Integer> f : calls) {
                done += f.get();
            }
            assertThat(done).isEqualTo(40);
        }
        assertThat(most.get()).isEqualTo(3);
        assertThat(gate.inFlight()).isZero();
    }

    @Test
    void waitingContainersGoBeforeWaitingSandboxes() throws Exception {
        StartGate gate = new StartGate(1);
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> order = new CopyOnWriteArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> holder = pool.submit(() -> gate.sandbox(() -> {
                holding.countDown();
                awaitLatch(release);
                return null;
            }));
            holding.await();
            Future<?> sandbox = pool.submit(() -> gate.sandbox(() -> order.add("sandbox")));
            await().atMost(Duration.ofSeconds(5)).until(() -> gate.waiting() == 1);
            Future<?> container = pool.submit(() -> gate.container(() -> order.add("container")));
            await().atMost(Duration.ofSeconds(5)).until(() -> gate.waiting() == 2);
            assertThat(order).isEmpty();
            release.countDown();
            holder.get();
            sandbox.get();
            container.get();
        }
        assertThat(order).containsExactly("container", "sandbox");
    }

    @Test
    void aFailingCallGivesItsPermitBack() {
        StartGate gate = new StartGate(1);
        assertThatThrownBy(() -> gate.container(() -> {
            throw new IllegalStateException("runc failed");
        })).hasMessage("runc failed");
        assertThat(gate.inFlight()).isZero();
        assertThat(gate.sandbox(() -> "next")).isEqualTo("next");
    }

    @Test
    void needsAPermit() {
        assertThatThrownBy(() -> new StartGate(0)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
