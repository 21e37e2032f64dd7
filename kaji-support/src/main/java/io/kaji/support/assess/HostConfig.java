package io.kaji.support.assess;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Kaji's local configuration, read when the assessment runs on a Kaji server node: the data dir (PKI, kubeconfig,
 * audit policy, encryption config) and the server's flags. When it is {@link #absent()} (another Kubernetes
 * distribution, or not on the node) the control-plane and node checks ask their question as MANUAL.
 *
 * @param dataDir the data dir, null when absent
 * @param flags the server's flags by long name without dashes ({@code audit-log-path}), from its command line
 *              or its config file; flags given without a value map to {@code "true"}
 * @param flagSource where the flags were read ({@code /proc/1234/cmdline}, {@code /etc/kaji/config.yaml}), null
 *                   when no server process or config was found (then Kaji's defaults apply)
 */
public record HostConfig(Path dataDir, Map<String, String> flags, String flagSource) {

    public HostConfig {
        flags = Map.copyOf(flags);
    }

    /** Not on a Kaji node. */
    public static HostConfig absent() {
        return new HostConfig(null, Map.of(), null);
    }

    /** Whether a Kaji data dir was found. */
    public boolean present() {
        return dataDir != null;
    }

    /** The value of {@code flag}, if set. */
    public Optional<String> flag(String flag) {
        return Optional.ofNullable(flags.get(flag));
    }
}
