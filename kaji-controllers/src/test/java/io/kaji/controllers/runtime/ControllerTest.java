package io.kaji.controllers.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ControllerTest {

    @Test
    void virtualWorkersReconcileKeysConcurrentlyOnVirtualThreads() throws Exception {
        int workers = 6;
        CountDownLatch allInside = new CountDownLatch(workers);
        CountDownLatch done = new CountDownLatch(workers);
        Set<Boolean> virtual = ConcurrentHashMap.newKeySet();
        Reconciler r = key -> {
            virtual.add(Thread.currentThread().isVirtual());
            allInside.countDown();
            // Every reconcile waits for all the others: only as many concurrent workers as keys get through.
            if (!allInside.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not concurrent");
            }
            done.countDown();
            return Reconciler.Result.done();
        };
        Controller c = Controller.withVirtualWorkers("test", r, workers);
        try {
            c.start();
            for (int i = 0; i < workers; i++) {
                c.enqueue("ns/p" + i);
            }
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(virtual).containsExactly(true);
        } finally {
            c.close();
        }
    }

    @Test
    void platformWorkersStayPlatformThreads() throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        Set<Boolean> virtual = ConcurrentHashMap.newKeySet();
        Controller c = new Controller("test", key -> {
            virtual.add(Thread.currentThread().isVirtual());
            done.countDown();
            return Reconciler.Result.done();
        }, 1);
        try {
            c.start();
            c.enqueue("ns/p");
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(virtual).containsExactly(false);
        } finally {
            c.close();
        }
    }
}
