package io.kaji.node.probe;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Runs tasks after a delay: the probe workers' one timer. Tasks must be short (they only decide and hand the
 * probe itself to an executor). Tests use a manual implementation driven with a fake clock.
 */
public interface ProbeTimer extends AutoCloseable {

    /** A scheduled task that can be called off. */
    interface Scheduled {
        void cancel();
    }

    Scheduled schedule(Duration delay, Runnable task);

    @Override
    void close();

    /** One daemon platform thread for every probe of the node. */
    static ProbeTimer singleThread(String name) {
        ScheduledThreadPoolExecutor e = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().name(name).daemon(true).factory());
        e.setRemoveOnCancelPolicy(true);
        return new ProbeTimer() {
            @Override
            public Scheduled schedule(Duration delay, Runnable task) {
                ScheduledFuture<?> f = e.schedule(task, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
                return () -> f.cancel(false);
            }

            @Override
            public void close() {
                e.shutdownNow();
            }
        };
    }
}
