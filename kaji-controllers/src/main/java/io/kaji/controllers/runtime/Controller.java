package io.kaji.controllers.runtime;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link Reconciler} over a {@link WorkQueue} with a number of worker threads. Event handlers only
 * enqueue keys ({@link #enqueue}); workers pop a key, reconcile it, and put it back with back-off on failure.
 */
public final class Controller implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Controller.class);

    /** After this many consecutive failures of one key, each further failure is logged at WARN. */
    private static final int WARN_AFTER_FAILURES = 5;

    private final String name;
    private final Reconciler reconciler;
    private final WorkQueue queue;
    private final int workers;
    private final List<Thread> threads = new ArrayList<>();
    private final boolean virtualWorkers;

    public Controller(String name, Reconciler reconciler, int workers) {
        this(name, reconciler, workers, new WorkQueue(name, RateLimiter.defaults()));
    }

    public Controller(String name, Reconciler reconciler, int workers, WorkQueue queue) {
        this(name, reconciler, workers, queue, false);
    }

    private Controller(String name, Reconciler reconciler, int workers, WorkQueue queue, boolean virtualWorkers) {
        this.name = name;
        this.reconciler = reconciler;
        this.workers = workers;
        this.queue = queue;
        this.virtualWorkers = virtualWorkers;
    }

    /**
     * A controller whose workers are virtual threads: for reconcilers that mostly wait on blocking calls (a
     * container runtime, the API), where many concurrent workers are worth having and platform threads (a stack
     * and a kernel thread each) are not.
     */
    public static Controller withVirtualWorkers(String name, Reconciler reconciler, int workers) {
        return new Controller(name, reconciler, workers, new WorkQueue(name, RateLimiter.defaults()), true);
    }

    public String name() {
        return name;
    }

    public WorkQueue queue() {
        return queue;
    }

    /** Asks for {@code key} to be reconciled. */
    public void enqueue(String key) {
        queue.add(key);
    }

    /** Starts the workers. */
    public synchronized void start() {
        for (int i = 0; i < workers; i++) {
            Thread.Builder builder = virtualWorkers ? Thread.ofVirtual() : Thread.ofPlatform().daemon(true);
            threads.add(builder.name("kaji-" + name + "-" + i).start(this::work));
        }
        log.info("controller {} started with {} {}worker(s)", name, workers, virtualWorkers ? "virtual " : "");
    }

    private void work() {
        while (true) {
            String key;
            try {
                var next = queue.get();
                if (next.isEmpty()) {
                    return;
                }
                key = next.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                Reconciler.Result result = reconciler.reconcile(key);
                queue.forget(key);
                if (result.requeueAfter() != null) {
                    queue.addAfter(key, result.requeueAfter());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (namespaceTerminating(e)) {
                    // As Kubernetes' controllers: nothing may be created in a namespace being deleted, and the
                    // namespace controller is removing what is there; retrying would only repeat the refusal.
                    log.debug("{}: {}: its namespace is being deleted; not retrying", name, key);
                    queue.forget(key);
                    continue;
                }
                int failures = queue.failures(key) + 1;
                if (failures >= WARN_AFTER_FAILURES) {
                    log.warn("{}: reconcile {} failed ({} times in a row): {}", name, key, failures, e.toString());
                } else {
                    log.info("{}: reconcile {} failed, retrying: {}", name, key, e.toString());
                }
                log.debug("{}: reconcile {} failure", name, key, e);
                queue.addRateLimited(key);
            } finally {
                queue.done(key);
            }
        }
    }

    /** The API refused a create because the namespace is terminating (Status cause {@code NamespaceTerminating}). */
    static boolean namespaceTerminating(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof io.fabric8.kubernetes.client.KubernetesClientException k && k.getStatus() != null
                    && k.getStatus().getDetails() != null && k.getStatus().getDetails().getCauses() != null
                    && k.getStatus().getDetails().getCauses().stream()
                    .anyMatch(c -> "NamespaceTerminating".equals(c.getReason()))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized void close() {
        queue.close();
        for (Thread t : threads) {
            t.interrupt();
        }
        threads.clear();
    }
}
