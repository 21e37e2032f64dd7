package io.kaji.node.runtime;

import java.util.Objects;

/**
 * A seccomp profile for a sandbox or container, as the CRI's {@code SecurityProfile}.
 *
 * @param type         which profile
 * @param localhostRef for {@link Type#LOCALHOST}: the profile's absolute path on the node; otherwise ""
 */
public record Seccomp(Type type, String localhostRef) {

    /** No filter: what the kubelet asks for when neither the pod nor the container names a profile. */
    public static final Seccomp UNCONFINED = new Seccomp(Type.UNCONFINED, "");

    /** The runtime's default filter. */
    public static final Seccomp RUNTIME_DEFAULT = new Seccomp(Type.RUNTIME_DEFAULT, "");

    public enum Type { RUNTIME_DEFAULT, UNCONFINED, LOCALHOST }

    public Seccomp {
        Objects.requireNonNull(type, "type");
        localhostRef = localhostRef == null ? "" : localhostRef;
        if (type == Type.LOCALHOST && localhostRef.isEmpty()) {
            throw new IllegalArgumentException("a Localhost seccomp profile needs its path");
        }
    }

    /** The profile at {@code path} on the node. */
    public static Seccomp localhost(String path) {
        return new Seccomp(Type.LOCALHOST, path);
    }
}
