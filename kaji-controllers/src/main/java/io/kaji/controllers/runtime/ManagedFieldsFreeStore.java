package io.kaji.controllers.runtime;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * An informer's item store that drops {@code metadata.managedFields} from every object before it is cached, as
 * client-go's {@code cache.TransformStripManagedFields} does for the informers of components that never read them.
 * The field manager's record (one entry per writer, each a tree of the fields it set) is often as large as the rest
 * of a Pod; an informer that caches every Pod of the cluster holds it for each.
 *
 * <p>The object is changed in place: fabric8 hands the very object it caches to the event handlers, so they see it
 * without managedFields too, and nothing else holds it yet (it was just decoded from a list or watch event).
 * Writing such an object back is safe: an update without managedFields keeps the stored ones (the API server's
 * field manager treats them as not sent). Keys are fabric8's default ({@code namespace/name}). Thread-safe.
 *
 * @param <T> the cached kind
 */
final class ManagedFieldsFreeStore<T extends HasMetadata> extends BasicItemStore<T> {

    ManagedFieldsFreeStore() {
        super(Cache::metaNamespaceKeyFunc);
    }

    @Override
    public T put(String key, T obj) {
        strip(obj);
        return super.put(key, obj);
    }

    /** Removes {@code obj}'s managedFields (null-safe). */
    static void strip(HasMetadata obj) {
        ObjectMeta meta = obj == null ? null : obj.getMetadata();
        if (meta != null && meta.getManagedFields() != null) {
            meta.setManagedFields(null);
        }
    }
}
