package io.kaji.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The garbage collector's stop-the-world pauses during a measured part of a benchmark: how many, how long in all,
 * the longest, and how many collected the old generation too. Throughput and tail latency on two cores depend on
 * the collector as much as on the code (G1's write barriers and concurrent threads cost the application CPU;
 * Serial pauses leave one core idle; Parallel's full collections stop everything for as long as the live heap
 * takes to mark), so a benchmark names the collector and its pauses next to its figures.
 *
 * <p>Counted from the JVM's garbage-collection notifications. Collectors' concurrent cycles ("G1 Concurrent GC",
 * ZGC's and Shenandoah's cycles) run beside the application and are not pauses; they are left out.
 */
public final class GcPauses implements AutoCloseable {

    /** What was paused between {@link #start()} and {@link #summary()}. */
    public record Summary(String collectors, long pauses, long totalMillis, long maxMillis, long majorPauses) {

        /** One line for a benchmark's output, e.g. "GC (PS Scavenge, PS MarkSweep): 41 pauses, 0.8 s, …". */
        public String describe() {
            return String.format("GC (%s): %d pause(s), %.2f s in all, longest %d ms, %d of the old generation",
                    collectors, pauses, totalMillis / 1000.0, maxMillis, majorPauses);
        }
    }

    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final Set<String> collectors = new LinkedHashSet<>();
    private final AtomicLong pauses = new AtomicLong();
    private final AtomicLong totalMillis = new AtomicLong();
    private final AtomicLong maxMillis = new AtomicLong();
    private final AtomicLong majorPauses = new AtomicLong();
    private final NotificationListener listener = this::onNotification;

    private GcPauses() {
        for (GarbageCollectorMXBean bean : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (isConcurrentCycle(bean.getName())) {
                continue;
            }
            collectors.add(bean.getName());
            if (bean instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(listener, null, null);
                emitters.add(emitter);
            }
        }
    }

    /** Starts counting pauses now. */
    public static GcPauses start() {
        return new GcPauses();
    }

    /** Whether a collector bean of this name reports concurrent cycles rather than pauses. */
    static boolean isConcurrentCycle(String collectorName) {
        return collectorName.contains("Concurrent") || collectorName.contains("Cycles");
    }

    /** Whether a collection with this action collected the old generation (the JVM's wording). */
    static boolean isMajor(String gcAction) {
        return gcAction != null && gcAction.contains("major");
    }

    /** Counts one pause of {@code millis} (package-private for tests). */
    void record(long millis, String gcAction) {
        pauses.incrementAndGet();
        totalMillis.addAndGet(millis);
        maxMillis.accumulateAndGet(millis, Math::max);
        if (isMajor(gcAction)) {
            majorPauses.incrementAndGet();
        }
    }

    private void onNotification(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
        if (isConcurrentCycle(info.getGcName())) {
            return;
        }
        record(info.getGcInfo().getDuration(), info.getGcAction());
    }

    /** The pauses so far. Notifications arrive shortly after each collection, so call this after the work ended. */
    public Summary summary() {
        return new Summary(String.join(", ", collectors), pauses.get(), totalMillis.get(), maxMillis.get(),
                majorPauses.get());
    }

    /** Stops counting. */
    @Override
    public void close() {
        for (NotificationEmitter e : emitters) {
            try {
                e.removeNotificationListener(listener);
            } catch (ListenerNotFoundException ignored) {
                // already removed
            }
        }
        emitters.clear();
    }
}
