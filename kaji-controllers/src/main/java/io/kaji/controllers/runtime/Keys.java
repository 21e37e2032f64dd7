package io.kaji.controllers.runtime;

import io.fabric8.kubernetes.api.model.HasMetadata;

/** Work-queue keys: {@code namespace/name}, or {@code name} for cluster-scoped objects (client-go's format). */
public final class Keys {

    private Keys() {
    }

    public static String of(HasMetadata o) {
        return of(o.getMetadata().getNamespace(), o.getMetadata().getName());
    }

    public static String of(String namespace, String name) {
        return namespace == null || namespace.isEmpty() ? name : namespace + "/" + name;
    }

    public static String namespace(String key) {
        int slash = key.indexOf('/');
        return slash < 0 ? null : key.substring(0, slash);
    }

    public static String name(String key) {
        return key.substring(key.indexOf('/') + 1);
    }
}
