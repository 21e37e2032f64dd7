package io.kaji.proxy;

import io.kaji.node.host.HostCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A throw-away pod network on this host for integration tests: the bridge {@code kajipx0} (100.64.20.1/24) and
 * network namespaces {@code kpx-<name>} wired into it with veth pairs, some running busybox httpd serving a file that
 * names the namespace, with the host forwarding IPv4. {@link #cleanUp()} removes all of it, also what a killed earlier
 * run left behind; {@link #close()} also puts the host's {@code ip_forward} back.
 */
final class TestNetwork implements AutoCloseable {

    static final String BRIDGE = "kajipx0";
    static final String GATEWAY = "100.64.20.1";
    static final String SERVICE_CIDR = "100.64.21.0/24";
    static final String OUTSIDE_NODE_ADDRESS = "100.64.22.1";
    static final String OUTSIDE_CLIENT = "100.64.22.2";
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Path IP_FORWARD = Path.of("/proc/sys/net/ipv4/ip_forward");

    private final Path webRoot;
    private final List<String> namespaces;
    private final List<Process> servers = new ArrayList<>();
    /** The host's {@code net.ipv4.ip_forward} before the network was made, put back by {@link #close()}. */
    private final String ipForward;

    /** Creates the bridge and one namespace per name ({@code kpx-<name>} at {@code 100.64.20.<hostId>}). */
    TestNetwork(Path webRoot, List<String> names, List<Integer> hostIds) {
        this.webRoot = webRoot;
        this.namespaces = names.stream().map(n -> "kpx-" + n).toList();
        cleanUp();
        // A client reaching a Service is routed by the host from the bridge back to it, after DNAT; on a node the
        // CNI bridge plugin (isGateway) turns forwarding on, and a fresh machine may have it off.
        try {
            ipForward = Files.readString(IP_FORWARD).strip();
            Files.writeString(IP_FORWARD, "1");
        } catch (IOException e) {
            throw new UncheckedIOException("turn on " + IP_FORWARD, e);
        }
        run("ip", "link", "add", BRIDGE, "type", "bridge");
        run("ip", "addr", "add", GATEWAY + "/24", "dev", BRIDGE);
        run("ip", "link", "set", BRIDGE, "up");
        // Service addresses stay on the test bridge when no rule catches them, never the default route.
        run("ip", "route", "add", SERVICE_CIDR, "dev", BRIDGE);
        for (int i = 0; i < names.size(); i++) {
            String ns = namespaces.get(i);
            String hostSide = "kpxh-" + names.get(i);
            run("ip", "netns", "add", ns);
            run("ip", "link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", ns);
            run("ip", "link", "set", hostSide, "master", BRIDGE, "up");
            // As Kaji's CNI bridge config (hairpinMode): a pod reaching its own Service is sent back out its own port.
            run("ip", "link", "set", hostSide, "type", "bridge_slave", "hairpin", "on");
            run("ip", "-n", ns, "addr", "add", "100.64.20." + hostIds.get(i) + "/24", "dev", "eth0");
            run("ip", "-n", ns, "link", "set", "eth0", "up");
            run("ip", "-n", ns, "link", "set", "lo", "up");
            run("ip", "-n", ns, "route", "add", "default", "via", GATEWAY);
        }
    }

    /** Starts busybox httpd on port 80 in {@code kpx-<name>}, serving index.html containing the namespace's name. */
    void serve(String name) {
        String ns = "kpx-" + name;
        try {
            Path dir = Files.createDirectories(webRoot.resolve(ns));
            Files.writeString(dir.resolve("index.html"), ns + "\n");
            // GET /cgi-bin/who answers "<namespace> <client address as the backend sees it>" (IPv4-mapped: see who()).
            Path cgi = Files.createDirectories(dir.resolve("cgi-bin")).resolve("who");
            Files.writeString(cgi, "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\necho \"" + ns + " $REMOTE_ADDR\"\n");
            cgi.toFile().setExecutable(true);
            servers.add(new ProcessBuilder("ip", "netns", "exec", ns, "/bin/busybox", "httpd", "-f", "-p", "80", "-h", dir.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        } catch (IOException e) {
            throw new UncheckedIOException("start busybox httpd in " + ns, e);
        }
    }

    /**
     * A client outside the cluster network: namespace {@code kpx-ext} at 100.64.22.2 on its own veth, whose host side
     * {@code kpxh-ext} (100.64.22.1) is one of the node's addresses, as an external client reaching a node would.
     */
    void addOutsideClient() {
        run("ip", "netns", "add", "kpx-ext");
        run("ip", "link", "add", "kpxh-ext", "type", "veth", "peer", "name", "eth0", "netns", "kpx-ext");
        run("ip", "addr", "add", OUTSIDE_NODE_ADDRESS + "/24", "dev", "kpxh-ext");
        run("ip", "link", "set", "kpxh-ext", "up");
        run("ip", "-n", "kpx-ext", "addr", "add", OUTSIDE_CLIENT + "/24", "dev", "eth0");
        run("ip", "-n", "kpx-ext", "link", "set", "eth0", "up");
        run("ip", "-n", "kpx-ext", "link", "set", "lo", "up");
    }

    /** Starts busybox httpd on the host at {@code address:port}, serving index.html containing {@code text}. */
    void serveOnHost(String address, int port, String text) {
        try {
            Path dir = Files.createDirectories(webRoot.resolve("host-" + port));
            Files.writeString(dir.resolve("index.html"), text + "\n");
            servers.add(new ProcessBuilder("/bin/busybox", "httpd", "-f", "-p", address + ":" + port, "-h", dir.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        } catch (IOException e) {
            throw new UncheckedIOException("start busybox httpd on " + address + ":" + port, e);
        }
    }

    /**
     * An HTTP GET from inside {@code kpx-<name>}: the body, or the failure text ("... Connection refused"). No
     * {@code -T}: Debian 12's busybox-static wget crashes with it; the command's own timeout bounds a hang.
     */
    static HostCommand.Result get(String name, String url) {
        return HostCommand.run(List.of("ip", "netns", "exec", "kpx-" + name, "/bin/busybox", "env", "-i",
                "/bin/busybox", "wget", "-q", "-O", "-", url), TIMEOUT);
    }

    /** {@code GET /cgi-bin/who} from {@code kpx-<name>}: "namespace address", the address as plain IPv4. */
    static String who(String name, String url) {
        HostCommand.Result r = get(name, url);
        if (!r.ok()) {
            throw new AssertionError("GET " + url + " from kpx-" + name + ": " + r.stderr());
        }
        return r.stdout().strip().replace("[::ffff:", "").replace("]", "");
    }

    /** Removes the namespaces (killing what runs in them), their veths and the bridge; quiet about what is absent. */
    void cleanUp() {
        for (Process p : servers) {
            p.destroyForcibly();
        }
        servers.clear();
        String list = HostCommand.run(List.of("ip", "netns", "list"), TIMEOUT).stdout();
        for (String line : list.lines().toList()) {
            String ns = line.split(" ")[0];
            if (ns.startsWith("kpx-")) {
                for (String pid : HostCommand.run(List.of("ip", "netns", "pids", ns), TIMEOUT).stdout().lines().toList()) {
                    HostCommand.run(List.of("kill", "-9", pid.strip()), TIMEOUT);
                }
                HostCommand.run(List.of("ip", "netns", "del", ns), TIMEOUT);
            }
        }
        for (String ns : namespaces) {
            HostCommand.run(List.of("ip", "link", "del", "kpxh-" + ns.substring(4)), TIMEOUT);
        }
        HostCommand.run(List.of("ip", "link", "del", "kpxh-ext"), TIMEOUT);
        HostCommand.run(List.of("ip", "link", "del", BRIDGE), TIMEOUT);
    }

    @Override
    public void close() {
        cleanUp();
        try {
            Files.writeString(IP_FORWARD, ipForward);
        } catch (IOException e) {
            throw new UncheckedIOException("restore " + IP_FORWARD, e);
        }
    }

    static void run(String... command) {
        HostCommand.run(List.of(command), TIMEOUT).orThrow();
    }
}
