package io.kaji.bench.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CpuBreakdownTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
            "kaji-scheduler, scheduling cycle",
            "kaji-scheduler-bind-3, scheduler binding and events",
            "kaji-events-default-scheduler, scheduler binding and events",
            "ForkJoinPool-1-worker-2, API server",
            "nioEventLoopGroup-3-1, API server",
            "kaji-sqlite-writer, API server",
            "kaji-store-watch, API server",
            "JdkHttpClientFactory-1727776231-pool-3-thread-4, 'clients (HTTP, JSON, informers)'",
            "ForkJoinPool.commonPool-worker-1, 'clients (HTTP, JSON, informers)'"})
    void threadsAreChargedToTheirRole(String thread, String role) {
        assertThat(CpuBreakdown.roleOf(thread)).isEqualTo(role);
    }

    @Test
    void aBusyThreadIsChargedToItsRoleWithinTheProcessTotal() throws Exception {
        CpuBreakdown cpu = CpuBreakdown.start();
        CountDownLatch burned = new CountDownLatch(1);
        CountDownLatch measured = new CountDownLatch(1);
        Thread busy = Thread.ofPlatform().name("kaji-scheduler").start(() -> {
            // Burn 100 ms of this thread's own CPU (not wall time: the machine may be busy), then stay alive
            // until measured (an ended thread's CPU can no longer be attributed to it).
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            long x = 0;
            while (mx.getCurrentThreadCpuTime() < 100_000_000L) {
                x += Long.numberOfTrailingZeros(x + System.nanoTime());
            }
            burned.countDown();
            try {
                measured.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Map<String, Double> roles;
        try {
            burned.await();
            roles = cpu.roles();
        } finally {
            measured.countDown();
            busy.join();
        }
        assertThat(roles.get(CpuBreakdown.SCHEDULING_CYCLE)).isGreaterThanOrEqualTo(0.1);
        // The process clock includes the thread's own: the roles cannot claim more than the process used.
        assertThat(roles.get("total")).isGreaterThanOrEqualTo(roles.get(CpuBreakdown.SCHEDULING_CYCLE) - 0.01);
    }
}
