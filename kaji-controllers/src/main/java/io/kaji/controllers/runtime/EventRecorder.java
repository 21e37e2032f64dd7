package io.kaji.controllers.runtime;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes core/v1 Events the way Kubernetes components do, so that {@code kubectl describe} and
 * {@code kubectl get events} tell what the controllers did. An event identical to a recent one (same object,
 * type, reason and message within 10 minutes) increments its {@code count} instead of adding a new object, as
 * client-go's event correlator does. Recording is asynchronous, as client-go's broadcaster is: callers never wait
 * for the API server, and when more than 1,000 events are waiting, new ones are dropped (and counted) rather than
 * slowing the controllers down. Failures to record are logged, never thrown: events are best effort.
 *
 * <p>Thread-safe.
 */
public final class EventRecorder implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
    private static final Duration AGGREGATION_WINDOW = Duration.ofMinutes(10);
    private static final int REMEMBERED = 4096;

    public static final String NORMAL = "Normal";
    public static final String WARNING = "Warning";

    private record Seen(String namespace, String name, int count, Instant first, Instant last) {}

    private final KubernetesClient client;
    private final String component;
    private final Clock clock;
    private final Map<String, Seen> recent = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Seen> eldest) {
            return size() > REMEMBERED;
        }
    };

    private final java.util.concurrent.ThreadPoolExecutor writer;
    private final java.util.concurrent.atomic.AtomicLong dropped = new java.util.concurrent.atomic.AtomicLong();

    public EventRecorder(KubernetesClient client, String component, Clock clock) {
        this.client = client;
        this.component = component;
        this.clock = clock;
        this.writer = new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, java.util.concurrent.TimeUnit.SECONDS,
                new java.util.concurrent.ArrayBlockingQueue<>(1000),
                Thread.ofPlatform().name("kaji-events-" + component).daemon(true).factory(),
                (task, pool) -> {
                    if (dropped.incrementAndGet() % 1000 == 1) {
                        log.warn("{}: event queue full; dropping events ({} so far)", component, dropped.get());
                    }
                });
    }

    /** Stops recording; events still queued are written first (for at most a few seconds). */
    @Override
    public void close() {
        writer.shutdown();
        try {
            writer.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Events dropped because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    public void normal(HasMetadata object, String reason, String message) {
        record(object, NORMAL, reason, message);
    }

    public void warning(HasMetadata object, String reason, String message) {
        record(object, WARNING, reason, message);
    }

    public void record(HasMetadata object, String type, String reason, String message) {
        record(object, null, type, reason, message);
    }

    /**
     * An event about a part of {@code object}: {@code fieldPath} is the involved object's {@code fieldPath}, as the
     * kubelet names a pod's container ({@code spec.containers{app}}); null for the whole object.
     */
    public void record(HasMetadata object, String fieldPath, String type, String reason, String message) {
        Instant now = clock.instant();
        writer.execute(() -> write(object, fieldPath, type, reason, message, now));
    }

    private void write(HasMetadata object, String fieldPath, String type, String reason, String message,
            Instant now) {
        String namespace = object.getMetadata().getNamespace() == null ? "default" : object.getMetadata().getNamespace();
        String identity = object.getMetadata().getUid() + "|" + fieldPath + "|" + type + "|" + reason + "|"
                + message;
        String ts = DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
        try {
            Seen seen;
            synchronized (recent) {
                seen = recent.get(identity);
            }
            if (seen != null && Duration.between(seen.last(), now).compareTo(AGGREGATION_WINDOW) < 0) {
                int count = seen.count() + 1;
                client.v1().events().inNamespace(seen.namespace()).withName(seen.name()).edit(e -> {
                    e.setCount(count);
                    e.setLastTimestamp(ts);
                    return e;
                });
                synchronized (recent) {
                    recent.put(identity, new Seen(seen.namespace(), seen.name(), count, seen.first(), now));
                }
                return;
            }
            String name = object.getMetadata().getName() + "." + Long.toHexString(now.toEpochMilli() * 1_000_000L
                    + System.nanoTime() % 1_000_000L);
            Event event = new EventBuilder()
                    .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder()
                            .withApiVersion(object.getApiVersion())
                            .withKind(object.getKind())
                            .withNamespace(object.getMetadata().getNamespace())
                            .withName(object.getMetadata().getName())
                            .withUid(object.getMetadata().getUid())
                            .withResourceVersion(object.getMetadata().getResourceVersion())
                            .withFieldPath(fieldPath)
                            .build())
                    .withType(type)
                    .withReason(reason)
                    .withMessage(message)
                    .withCount(1)
                    .withFirstTimestamp(ts)
                    .withLastTimestamp(ts)
                    .withNewSource().withComponent(component).endSource()
                    .withReportingComponent(component)
                    .build();
            client.v1().events().inNamespace(namespace).resource(event).create();
            synchronized (recent) {
                recent.put(identity, new Seen(namespace, name, 1, now, now));
            }
        } catch (RuntimeException e) {
            // Best effort: an API error, or a client closed while events were still queued at shutdown.
            log.debug("{}: could not record event {} for {}/{}: {}", component, reason, namespace,
                    object.getMetadata().getName(), e.getMessage());
        }
    }
}
