package io.kaji.controllers.runtime;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Informers that never give up. fabric8's informers stop for good when a list or watch fails in certain ways
 * (e.g. a list timing out while the API server is still warming up); client-go's reflectors instead retry with
 * back-off for as long as they run, and so must Kaji's components: a slow API server is no reason for a
 * controller manager to stop managing.
 */
public final class Informers {

    private static final Logger log = LoggerFactory.getLogger(Informers.class);

    private Informers() {
    }

    /** Makes {@code informer} retry (with fabric8's back-off) after every list/watch failure. Call before start. */
    public static <T> SharedIndexInformer<T> retrying(SharedIndexInformer<T> informer) {
        informer.exceptionHandler((started, t) -> {
            log.warn("informer for {} failed ({}); retrying", informer.getApiTypeClass().getSimpleName(),
                    t.toString());
            return true;
        });
        return informer;
    }

    /** Like {@code resource.inform(handler, resync)}, but retrying after failures; started and synced. */
    public static <T> SharedIndexInformer<T> inform(Informable<T> resource, ResourceEventHandler<? super T> handler,
                                                    long resyncMillis) {
        return run(retrying(resource.runnableInformer(resyncMillis)), handler);
    }

    /**
     * Makes {@code informer} cache its objects without {@code metadata.managedFields} (its handlers get them so
     * too), for components that never read them: the node agent and its network services, which keep every Pod,
     * Service and EndpointSlice they watch. Call before start; returns {@code informer}.
     */
    public static <T extends HasMetadata> SharedIndexInformer<T> withoutManagedFields(SharedIndexInformer<T> informer) {
        informer.itemStore(new ManagedFieldsFreeStore<>());
        return informer;
    }

    /** Like {@link #inform}, caching the objects {@link #withoutManagedFields without managedFields}. */
    public static <T extends HasMetadata> SharedIndexInformer<T> informWithoutManagedFields(Informable<T> resource,
            ResourceEventHandler<? super T> handler, long resyncMillis) {
        return run(withoutManagedFields(retrying(resource.runnableInformer(resyncMillis))), handler);
    }

    /** Adds {@code handler} to {@code inf}, starts it and waits for its first list. */
    private static <T> SharedIndexInformer<T> run(SharedIndexInformer<T> inf, ResourceEventHandler<? super T> handler) {
        inf.addEventHandler(handler);
        inf.run();
        return inf;
    }
}
