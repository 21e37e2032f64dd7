package io.kaji.node.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The host's resolver configuration, for pods with dnsPolicy Default. When /etc/resolv.conf only names a loopback
 * stub (systemd-resolved's 127.0.0.53), the upstream file /run/systemd/resolve/resolv.conf is used instead, as the
 * kubelet does: a loopback address means nothing inside a pod's network namespace.
 */
record HostResolvConf(List<String> nameservers, List<String> searches, List<String> options) {

    private static final Path ETC = Path.of("/etc/resolv.conf");
    private static final Path SYSTEMD_UPSTREAM = Path.of("/run/systemd/resolve/resolv.conf");

    static HostResolvConf read() {
        HostResolvConf etc = read(ETC);
        if (!etc.nameservers().isEmpty() && etc.nameservers().stream().allMatch(HostResolvConf::loopback)
                && Files.isReadable(SYSTEMD_UPSTREAM)) {
            return read(SYSTEMD_UPSTREAM);
        }
        return etc;
    }

    static HostResolvConf read(Path file) {
        try {
            return parse(Files.readAllLines(file));
        } catch (IOException e) {
            return new HostResolvConf(List.of(), List.of(), List.of());
        }
    }

    /** Parses resolv.conf lines: nameserver, search/domain (the last one wins, as in glibc), options. */
    static HostResolvConf parse(List<String> lines) {
        List<String> servers = new ArrayList<>();
        List<String> searches = new ArrayList<>();
        List<String> options = new ArrayList<>();
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            String[] f = line.split("\\s+");
            switch (f[0]) {
                case "nameserver" -> {
                    if (f.length > 1) {
                        servers.add(f[1]);
                    }
                }
                case "search", "domain" -> {
                    searches.clear();
                    for (int i = 1; i < f.length; i++) {
                        searches.add(f[i]);
                    }
                }
                case "options" -> {
                    for (int i = 1; i < f.length; i++) {
                        options.add(f[i]);
                    }
                }
                default -> { }
            }
        }
        return new HostResolvConf(List.copyOf(servers), List.copyOf(searches), List.copyOf(options));
    }

    private static boolean loopback(String address) {
        return address.startsWith("127.") || address.equals("::1");
    }
}
