package io.kaji.node.runtime;

import java.util.Objects;

/** Identifies a pod on the node: namespace, name and uid (a new uid is a new pod, even with the same name). */
public record PodRef(String namespace, String name, String uid) {

    public PodRef {
        Objects.requireNonNull(namespace, "namespace");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(uid, "uid");
    }

    @Override
    public String toString() {
        return namespace + "/" + name;
    }
}
