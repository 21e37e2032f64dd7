package io.kaji.node.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An AppArmor profile for a container, as the CRI's {@code SecurityProfile} carries it, and whether this host can
 * enforce AppArmor at all.
 *
 * @param type the kind of profile
 * @param name for {@link Seccomp.Type#LOCALHOST}: the name of a profile loaded into the kernel; otherwise ""
 */
public record AppArmor(Seccomp.Type type, String name) {

    public static final AppArmor RUNTIME_DEFAULT = new AppArmor(Seccomp.Type.RUNTIME_DEFAULT, "");
    public static final AppArmor UNCONFINED = new AppArmor(Seccomp.Type.UNCONFINED, "");

    /** Where {@code apparmor_parser} is looked for: containerd runs it to load its default profile. */
    private static final List<String> PARSERS = List.of("sbin/apparmor_parser", "usr/sbin/apparmor_parser");

    public AppArmor {
        Objects.requireNonNull(type, "type");
        name = name == null ? "" : name;
        if (type == Seccomp.Type.LOCALHOST && name.isBlank()) {
            throw new IllegalArgumentException("a Localhost AppArmor profile needs its name");
        }
    }

    /** The profile loaded as {@code name}. */
    public static AppArmor localhost(String name) {
        return new AppArmor(Seccomp.Type.LOCALHOST, name);
    }

    /** The profile as the CRI's deprecated {@code apparmor_profile} string names it. */
    public String deprecatedName() {
        return switch (type) {
            case RUNTIME_DEFAULT -> "runtime/default";
            case UNCONFINED -> "unconfined";
            case LOCALHOST -> "localhost/" + name;
        };
    }

    /**
     * Why this host cannot enforce AppArmor profiles, or empty if it can: the kernel must have AppArmor enabled (the
     * check runc and the kubelet make: {@code <root>/sys/kernel/security/apparmor} exists and
     * {@code <root>/sys/module/apparmor/parameters/enabled} says Y), and {@code apparmor_parser} must be installed,
     * which containerd runs to load its default profile. {@code root} is "/" but in tests.
     */
    public static Optional<String> hostUnsupported(Path root) {
        boolean enabled;
        try {
            enabled = Files.isDirectory(root.resolve("sys/kernel/security/apparmor"))
                    && Files.readString(root.resolve("sys/module/apparmor/parameters/enabled")).startsWith("Y");
        } catch (IOException e) {
            enabled = false;
        }
        if (!enabled) {
            return Optional.of("AppArmor is not enabled on the host");
        }
        if (PARSERS.stream().noneMatch(p -> Files.isExecutable(root.resolve(p)))) {
            return Optional.of("AppArmor is enabled on the host but apparmor_parser is not installed "
                    + "(apt-get install apparmor)");
        }
        return Optional.empty();
    }

    /** Whether this host (at "/") can enforce AppArmor profiles. */
    public static boolean hostSupported() {
        return hostUnsupported(Path.of("/")).isEmpty();
    }
}
