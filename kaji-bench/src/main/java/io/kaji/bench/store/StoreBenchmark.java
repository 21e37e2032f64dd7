package io.kaji.bench.store;

import io.kaji.store.Event;
import io.kaji.store.RangeRequest;
import io.kaji.store.RangeResult;
import io.kaji.store.RevisionedStore;
import io.kaji.store.StoreException;
import io.kaji.store.Watch;
import io.kaji.store.WatchListener;
import io.kaji.store.WriteResult;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * The store load harness behind {@code kaji bench store}: the four figures the store issue asks for, measured
 * against one {@link RevisionedStore} through its public API (so durability costs are included).
 *
 * <ol>
 *   <li>sequential create latency (one client, p50/p99),</li>
 *   <li>concurrent durable writes per second with N writers (and their p99),</li>
 *   <li>range of 10,000 keys,</li>
 *   <li>watch fan-out: one writer, M watchers, events delivered per second.</li>
 * </ol>
 */
public final class StoreBenchmark {

    /** What to run; the defaults are the figures. */
    public record Settings(int sequentialCreates, int writers, int concurrentWrites, int rangeKeys, int rangeRepeats,
                           int watchers, int watchedWrites, int valueBytes) {
        public static Settings defaults() {
            return new Settings(2_000, 16, 40_000, 10_000, 20, 100, 2_000, 512);
        }
    }

    /** The measured figures. Times in microseconds unless named otherwise. */
    public record Result(String backend, long sequentialP50Micros, long sequentialP99Micros,
                         double concurrentWritesPerSecond, long concurrentP50Micros, long concurrentP99Micros,
                         double rangeMedianMillis, int rangeKeys, double watchEventsPerSecond, int watchers,
                         long watchEventsDelivered) {
    }

    private final Settings settings;
    private final PrintStream progress;

    public StoreBenchmark(Settings settings, PrintStream progress) {
        this.settings = settings;
        this.progress = progress;
    }

    public Result run(String backend, Supplier<RevisionedStore> storeFactory) throws Exception {
        try (RevisionedStore store = storeFactory.get()) {
            String run = "/registry/bench-" + Long.toHexString(System.nanoTime()) + "/";
            byte[] value = new byte[settings.valueBytes()];
            java.util.Arrays.fill(value, (byte) 'x');

            progress.printf("[%s] sequential creates: %d ...%n", backend, settings.sequentialCreates());
            Histogram seq = new Histogram(60_000_000L, 3);
            for (int i = 0; i < 200; i++) { // warm-up
                expectWritten(store.create(run + "warm/k" + i, value));
            }
            for (int i = 0; i < settings.sequentialCreates(); i++) {
                long t0 = System.nanoTime();
                expectWritten(store.create(run + "seq/k" + i, value));
                seq.recordValue((System.nanoTime() - t0) / 1000);
            }

            progress.printf("[%s] concurrent writes: %d writers, %d creates ...%n", backend, settings.writers(),
                    settings.concurrentWrites());
            Histogram conc = new Histogram(60_000_000L, 3);
            ExecutorService pool = Executors.newFixedThreadPool(settings.writers());
            int perWriter = settings.concurrentWrites() / settings.writers();
            long c0 = System.nanoTime();
            List<Future<Histogram>> futures = new ArrayList<>();
            for (int w = 0; w < settings.writers(); w++) {
                int writer = w;
                futures.add(pool.submit(() -> {
                    Histogram h = new Histogram(60_000_000L, 3);
                    for (int i = 0; i < perWriter; i++) {
                        long t0 = System.nanoTime();
                        expectWritten(store.create(run + "conc/w" + writer + "-" + i, value));
                        h.recordValue((System.nanoTime() - t0) / 1000);
                    }
                    return h;
                }));
            }
            for (Future<Histogram> f : futures) {
                conc.add(f.get());
            }
            double concSeconds = (System.nanoTime() - c0) / 1e9;
            pool.shutdown();
            double writesPerSecond = perWriter * settings.writers() / concSeconds;

            progress.printf("[%s] range of %d keys x %d ...%n", backend, settings.rangeKeys(), settings.rangeRepeats());
            String rangePrefix = run + "range/";
            List<Future<?>> loads = new ArrayList<>();
            ExecutorService loaders = Executors.newFixedThreadPool(16);
            for (int w = 0; w < 16; w++) {
                int writer = w;
                loads.add(loaders.submit(() -> {
                    for (int i = writer; i < settings.rangeKeys(); i += 16) {
                        expectWritten(store.create(rangePrefix + "k%06d".formatted(i), value));
                    }
                    return null;
                }));
            }
            for (Future<?> f : loads) {
                f.get();
            }
            loaders.shutdown();
            double[] rangeMillis = new double[settings.rangeRepeats()];
            for (int i = 0; i < settings.rangeRepeats(); i++) {
                long t0 = System.nanoTime();
                RangeResult r = store.range(RangeRequest.prefix(rangePrefix));
                rangeMillis[i] = (System.nanoTime() - t0) / 1e6;
                if (r.kvs().size() != settings.rangeKeys()) {
                    throw new IllegalStateException("range returned " + r.kvs().size() + " keys, expected "
                            + settings.rangeKeys());
                }
            }
            java.util.Arrays.sort(rangeMillis);
            double rangeMedian = rangeMillis[rangeMillis.length / 2];

            progress.printf("[%s] watch fan-out: %d watchers, %d writes ...%n", backend, settings.watchers(),
                    settings.watchedWrites());
            String watchPrefix = run + "watch/";
            long expected = (long) settings.watchers() * settings.watchedWrites();
            AtomicLong delivered = new AtomicLong();
            CountDownLatch done = new CountDownLatch(settings.watchers());
            List<Watch> watches = new ArrayList<>();
            long from = store.currentRevision();
            for (int i = 0; i < settings.watchers(); i++) {
                watches.add(store.watch(watchPrefix, from, new WatchListener() {
                    long mine;

                    @Override
                    public void onEvents(List<Event> events) {
                        mine += events.size();
                        delivered.addAndGet(events.size());
                        if (mine == settings.watchedWrites()) {
                            done.countDown();
                        }
                    }

                    @Override
                    public void onError(StoreException error) {
                        progress.println("watch failed: " + error.getMessage());
                    }
                }));
            }
            long w0 = System.nanoTime();
            for (int i = 0; i < settings.watchedWrites(); i++) {
                expectWritten(store.create(watchPrefix + "k" + i, value));
            }
            boolean complete = done.await(120, TimeUnit.SECONDS);
            double watchSeconds = (System.nanoTime() - w0) / 1e9;
            watches.forEach(Watch::close);
            if (!complete) {
                throw new IllegalStateException("watchers received " + delivered.get() + " of " + expected + " events");
            }

            return new Result(backend, seq.getValueAtPercentile(50), seq.getValueAtPercentile(99), writesPerSecond,
                    conc.getValueAtPercentile(50), conc.getValueAtPercentile(99), rangeMedian, settings.rangeKeys(),
                    delivered.get() / watchSeconds, settings.watchers(), delivered.get());
        }
    }

    private static void expectWritten(WriteResult r) {
        if (!r.succeeded()) {
            throw new IllegalStateException("benchmark write refused: " + r);
        }
    }

    /** The figures as a small table, in the form docs/benchmarks.md records them. */
    public static String format(Result r, Settings s) {
        return String.join("\n",
                "backend: " + r.backend(),
                "  sequential create (1 client, %d ops):   p50 %.2f ms   p99 %.2f ms".formatted(
                        s.sequentialCreates(), r.sequentialP50Micros() / 1000.0, r.sequentialP99Micros() / 1000.0),
                "  concurrent creates (%d writers, %d ops): %,.0f writes/s   p50 %.2f ms   p99 %.2f ms".formatted(
                        s.writers(), s.concurrentWrites(), r.concurrentWritesPerSecond(),
                        r.concurrentP50Micros() / 1000.0, r.concurrentP99Micros() / 1000.0),
                "  range of %,d keys:                      median %.1f ms".formatted(r.rangeKeys(), r.rangeMedianMillis()),
                "  watch fan-out (1 writer, %d watchers):  %,.0f events/s delivered (%,d events)".formatted(
                        r.watchers(), r.watchEventsPerSecond(), r.watchEventsDelivered()));
    }
}
