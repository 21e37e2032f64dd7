package io.kaji.node.containerd;

import io.kaji.node.host.HostCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A snapshot of the host network state a test node changes (iptables rules and chains of the filter and nat
 * tables, {@code net.ipv4.ip_forward}), and {@link #restore()} to put it back after the test: rules added since
 * are deleted, chains created since are flushed and deleted, the sysctl is reset.
 */
final class HostNetworkState {

    private static final List<String> TABLES = List.of("filter", "nat");
    private static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");

    private final List<Set<String>> rules = new ArrayList<>();
    private final String ipForward;

    private HostNetworkState() {
        for (String table : TABLES) {
            rules.add(rules(table));
        }
        ipForward = read(IP_FORWARD);
    }

    static HostNetworkState capture() {
        return new HostNetworkState();
    }

    /** The changes made since the snapshot, for assertions and messages. */
    List<String> changes() {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < TABLES.size(); i++) {
            for (String rule : rules(TABLES.get(i))) {
                if (!rules.get(i).contains(rule)) {
                    out.add(TABLES.get(i) + ": " + rule);
                }
            }
        }
        return out;
    }

    void restore() {
        for (int i = 0; i < TABLES.size(); i++) {
            String table = TABLES.get(i);
            Set<String> before = rules.get(i);
            List<String> added = rules(table).stream().filter(r -> !before.contains(r)).toList();
            for (String rule : added) {
                if (rule.startsWith("-A ")) {
                    sh("iptables -w -t " + table + " -D " + rule.substring(3));
                }
            }
            for (String rule : added) {
                if (rule.startsWith("-N ")) {
                    sh("iptables -w -t " + table + " -F " + rule.substring(3));
                }
            }
            for (String rule : added) {
                if (rule.startsWith("-N ")) {
                    sh("iptables -w -t " + table + " -X " + rule.substring(3));
                }
            }
        }
        try {
            Files.writeString(IP_FORWARD, ipForward);
        } catch (IOException e) {
            throw new UncheckedIOException("restore " + IP_FORWARD, e);
        }
    }

    private static Set<String> rules(String table) {
        return new LinkedHashSet<>(sh("iptables -w -t " + table + " -S").stdout().lines().toList());
    }

    private static HostCommand.Result sh(String command) {
        return HostCommand.run(List.of("sh", "-c", command), Duration.ofSeconds(20));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("read " + p, e);
        }
    }
}
