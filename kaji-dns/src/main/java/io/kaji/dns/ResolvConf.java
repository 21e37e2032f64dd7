package io.kaji.dns;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Picks the upstream resolvers from the host's resolv.conf without creating a forwarding loop.
 *
 * <ul>
 *   <li>systemd-resolved's stub (127.0.0.53, 127.0.0.54) is replaced by the servers it uses itself, listed in
 *       {@code /run/systemd/resolve/resolv.conf} (kubelet's advice for the same file), so that a stub configured to
 *       ask the cluster DNS cannot send our own forwards back to us;</li>
 *   <li>a server that is one of our listen addresses on port 53 is skipped, and when we listen on a wildcard
 *       address on port 53, so is every loopback and local address (all of them reach us);</li>
 *   <li>other loopback resolvers (dnsmasq on 127.0.0.1) are dropped when the file also lists a non-loopback
 *       server, since a local stub may have been told to ask the cluster DNS; when they are all there is, they
 *       are kept (this server runs in the host's network namespace, where they are reachable) with a warning.</li>
 * </ul>
 */
public final class ResolvConf {

    public static final Path ETC_RESOLV_CONF = Path.of("/etc/resolv.conf");
    public static final Path SYSTEMD_RESOLV_CONF = Path.of("/run/systemd/resolve/resolv.conf");

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ResolvConf.class);

    private static final Set<String> SYSTEMD_STUBS = Set.of("127.0.0.53", "127.0.0.54");

    private ResolvConf() {}

    /** The upstreams for a server listening on {@code listen}, from the host's files; empty if there are none. */
    public static List<InetSocketAddress> upstreams(List<InetSocketAddress> listen) {
        return upstreams(ETC_RESOLV_CONF, SYSTEMD_RESOLV_CONF, listen);
    }

    static List<InetSocketAddress> upstreams(Path resolvConf, Path systemdResolvConf, List<InetSocketAddress> listen) {
        List<InetAddress> servers = nameservers(resolvConf);
        if (!servers.isEmpty() && servers.stream().allMatch(a -> SYSTEMD_STUBS.contains(a.getHostAddress()))
                && Files.isReadable(systemdResolvConf)) {
            servers = nameservers(systemdResolvConf);
        }
        List<InetAddress> kept = new ArrayList<>();
        for (InetAddress server : servers) {
            if (!isUs(server, listen) && !SYSTEMD_STUBS.contains(server.getHostAddress())) {
                kept.add(server);
            }
        }
        // A loopback resolver is a local stub that may itself have been pointed at the cluster DNS: use it only
        // when there is nothing else.
        if (kept.stream().anyMatch(a -> !a.isLoopbackAddress())) {
            kept.removeIf(InetAddress::isLoopbackAddress);
        } else if (!kept.isEmpty()) {
            log.warn("DNS forwards to the local resolver(s) {} only (from {}): if they forward to the cluster DNS, "
                    + "queries loop; give DnsOptions explicit upstreams then", kept, resolvConf);
        }
        return kept.stream().map(a -> new InetSocketAddress(a, 53)).toList();
    }

    /** The {@code nameserver} lines of a resolv.conf file (missing file: none). */
    static List<InetAddress> nameservers(Path file) {
        if (!Files.isReadable(file)) {
            return List.of();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("read " + file + ": " + e.getMessage(), e);
        }
        List<InetAddress> out = new ArrayList<>();
        for (String line : lines) {
            String[] words = line.trim().split("\\s+");
            if (words.length >= 2 && words[0].equals("nameserver")) {
                String text = words[1];
                int scope = text.indexOf('%');
                InetAddress address = Addresses.parseLiteral(scope >= 0 ? text.substring(0, scope) : text);
                if (address != null) {
                    out.add(address);
                }
            }
        }
        return out;
    }

    private static boolean isUs(InetAddress server, List<InetSocketAddress> listen) {
        for (InetSocketAddress l : listen) {
            if (l.getPort() != 53) {
                continue;
            }
            if (l.getAddress().equals(server)) {
                return true;
            }
            if (l.getAddress().isAnyLocalAddress() && (server.isLoopbackAddress() || isLocal(server))) {
                return true;
            }
        }
        return false;
    }

    private static boolean isLocal(InetAddress address) {
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }
}
