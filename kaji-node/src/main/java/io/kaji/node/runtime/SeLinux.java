package io.kaji.node.runtime;

/**
 * SELinux labels for a sandbox or container, as the CRI's {@code SELinuxOption} carries them (a pod's or container's
 * {@code seLinuxOptions}); "" leaves a part to the runtime. containerd applies them only where SELinux is enabled.
 */
public record SeLinux(String user, String role, String type, String level) {

    public SeLinux {
        user = user == null ? "" : user;
        role = role == null ? "" : role;
        type = type == null ? "" : type;
        level = level == null ? "" : level;
    }
}
