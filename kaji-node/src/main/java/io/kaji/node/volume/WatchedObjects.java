package io.kaji.node.volume;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ConfigMaps or Secrets that the node's pods use in volumes, each kept by a watch of that one object, as the
 * kubelet's default {@code Watch} change-detection strategy keeps them: no request per volume refresh, only the
 * watch's events. A watch starts when a pod first uses the object and stops when the last pod using it is torn
 * down. Where the API server refuses the watch (a server that lets nodes only get these objects), the object is
 * not watched for {@link #REFUSED_RETRY} and callers read it themselves ({@link #get} answers empty). Thread-safe.
 *
 * @param <T> ConfigMap or Secret
 */
final class WatchedObjects<T extends HasMetadata> implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WatchedObjects.class);

    /** How long a watch may take to list its object before callers read it themselves. */
    static final Duration SYNC_WAIT = Duration.ofSeconds(10);
    /** How long an object whose watch was refused is read instead of watched. */
    static final Duration REFUSED_RETRY = Duration.ofMinutes(5);

    private record Key(String namespace, String name) {
    }

    private static final class Entry<T> {
        final SharedIndexInformer<T> informer;
        final Set<String> pods = ConcurrentHashMap.newKeySet();

        Entry(SharedIndexInformer<T> informer) {
            this.informer = informer;
        }
    }

    private final String resource;
    /** Starts nothing: makes the (not yet running) informer of one object, by namespace and name. */
    private final BiFunction<String, String, SharedIndexInformer<T>> informers;
    private final Clock clock;
    private final Map<Key, Entry<T>> watched = new ConcurrentHashMap<>();
    private final Map<Key, Instant> refused = new ConcurrentHashMap<>();

    WatchedObjects(String resource, BiFunction<String, String, SharedIndexInformer<T>> informers, Clock clock) {
        this.resource = resource;
        this.informers = informers;
        this.clock = clock;
    }

    /**
     * The object {@code namespace/name} as its watch has it, for pod {@code podUid}: present with the object, or
     * with null when it does not exist; empty when it is not watched (the watch was refused or did not list in
     * time) and the caller should read it itself.
     */
    Optional<Optional<T>> get(String podUid, String namespace, String name) {
        Key key = new Key(namespace, name);
        Instant refusedAt = refused.get(key);
        if (refusedAt != null) {
            if (Duration.between(refusedAt, clock.instant()).compareTo(REFUSED_RETRY) < 0) {
                return Optional.empty();
            }
            refused.remove(key);
        }
        Entry<T> entry;
        synchronized (this) {
            entry = watched.computeIfAbsent(key, k -> new Entry<>(informers.apply(namespace, name)));
            entry.pods.add(podUid);
        }
        SharedIndexInformer<T> informer = entry.informer;
        if (!informer.hasSynced()) {
            try {
                informer.start().toCompletableFuture().get(SYNC_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            } catch (IllegalStateException e) {
                // Stopped meanwhile: the last other pod using it went. Read it this once.
                return Optional.empty();
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                String why = cause instanceof KubernetesClientException k && k.getStatus() != null
                        && k.getStatus().getMessage() != null ? k.getStatus().getMessage() : String.valueOf(cause);
                log.info("{} {}/{}: not watched ({}); read on each volume refresh for {} min", resource, namespace,
                        name, why, REFUSED_RETRY.toMinutes());
                refused.put(key, clock.instant());
                stop(key, entry);
                return Optional.empty();
            }
        }
        return Optional.of(Optional.ofNullable(informer.getStore().getByKey(namespace + "/" + name)));
    }

    /** Pod {@code podUid} is gone: the watches no other pod uses stop. */
    void release(String podUid) {
        watched.forEach((key, entry) -> {
            synchronized (this) {
                if (entry.pods.remove(podUid) && entry.pods.isEmpty()) {
                    stop(key, entry);
                }
            }
        });
    }

    /** How many objects are watched now. */
    int size() {
        return watched.size();
    }

    private synchronized void stop(Key key, Entry<T> entry) {
        watched.remove(key, entry);
        try {
            entry.informer.close();
        } catch (RuntimeException e) {
            log.debug("{} {}/{}: closing its watch: {}", resource, key.namespace(), key.name(), e.toString());
        }
    }

    @Override
    public synchronized void close() {
        watched.forEach(this::stop);
    }
}
