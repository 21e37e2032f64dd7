package io.kaji.apiserver.watchcache;

import io.kaji.apiserver.selector.FieldSelector;
import io.kaji.apiserver.selector.LabelSelector;

/**
 * Which objects a list or watch wants: a namespace (null = all), a label selector and a field selector.
 */
public record WatchFilter(String namespace, LabelSelector labels, FieldSelector fields) {

    public static final WatchFilter EVERYTHING = new WatchFilter(null, LabelSelector.everything(),
            FieldSelector.everything());

    public boolean matches(CachedObject o) {
        if (namespace != null && !namespace.equals(o.namespace())) {
            return false;
        }
        return labels.matches(o.labels()) && (fields.isEverything() || fields.matches(o.object()));
    }
}
