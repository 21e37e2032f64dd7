package io.kaji.node.cni;

import io.kaji.node.host.HostCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A node's pod network: one Linux bridge, the node's podCIDR handed out by host-local IPAM, the bridge's address
 * (the first of the range) as the pods' gateway, plus portmap (hostPort) and firewall (accepts the pods' traffic
 * in FORWARD even where its policy is DROP). IP masquerade is off: one cluster-wide rule masquerades only
 * traffic leaving the cluster CIDR, so pods on different nodes see each other's real IPs.
 *
 * @param name        the network name (CNI results are cached under it)
 * @param bridge      the bridge interface name, at most 15 characters
 * @param podCidr     an IPv4 CIDR such as {@code 100.64.7.0/24}
 * @param ipamDataDir where host-local records its allocations
 */
public record BridgeNetwork(String name, String bridge, String podCidr, Path ipamDataDir) {

    /** The file name the CRI plugin loads (it loads the first conflist by name, {@code max_conf_num = 1}). */
    public static final String FILE_NAME = "10-kaji.conflist";
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    public BridgeNetwork {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(ipamDataDir, "ipamDataDir");
        if (bridge == null || bridge.isEmpty() || bridge.length() > 15 || !bridge.matches("[A-Za-z0-9_.-]+")) {
            throw new IllegalArgumentException("bridge name must be 1-15 characters of [A-Za-z0-9_.-]: " + bridge);
        }
        parse(podCidr);
    }

    /** The gateway: the first address of the pod CIDR, assigned to the bridge. */
    public String gateway() {
        int[] c = parse(podCidr);
        int network = c[0] & mask(c[1]);
        return toDotted(network + 1);
    }

    /** The CNI conflist (cniVersion 1.0.0) as JSON. */
    public String toConflist() {
        ObjectNode root = JSON.createObjectNode();
        root.put("cniVersion", "1.0.0");
        root.put("name", name);
        var plugins = root.putArray("plugins");
        ObjectNode br = plugins.addObject();
        br.put("type", "bridge").put("bridge", bridge).put("isGateway", true).put("ipMasq", false)
                .put("hairpinMode", true);
        ObjectNode ipam = br.putObject("ipam");
        ipam.put("type", "host-local").put("dataDir", ipamDataDir.toString());
        ipam.putArray("ranges").addArray().addObject().put("subnet", podCidr).put("gateway", gateway());
        ipam.putArray("routes").addObject().put("dst", "0.0.0.0/0");
        plugins.addObject().put("type", "portmap").putObject("capabilities").put("portMappings", true);
        plugins.addObject().put("type", "firewall");
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JacksonException e) {
            throw new IllegalStateException("serialize CNI config " + name, e);
        }
    }

    /**
     * Writes the conflist to {@code confDir}/{@value #FILE_NAME} atomically (containerd reloads it without a
     * restart) and creates the IPAM directory. Blocking.
     */
    public Path writeTo(Path confDir) {
        Path file = confDir.resolve(FILE_NAME);
        try {
            Files.createDirectories(confDir);
            Files.createDirectories(ipamDataDir);
            Path tmp = Files.createTempFile(confDir, ".kaji-", ".tmp");
            Files.writeString(tmp, toConflist());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("write CNI config " + name + " to " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Creates the bridge with the gateway address and brings it up, if it is not there yet, so that node-local
     * services (the cluster DNS) can bind to the gateway before the first pod exists. The CNI bridge plugin adopts
     * the bridge and the address as they are. Blocking; throws naming the failed command.
     */
    public void prepareBridge() {
        Duration t = Duration.ofSeconds(10);
        if (!HostCommand.run(List.of("ip", "link", "show", "dev", bridge), t).ok()) {
            HostCommand.Result add = HostCommand.run(List.of("ip", "link", "add", bridge, "type", "bridge"), t);
            if (!add.ok() && !add.stderr().contains("File exists")) {
                add.orThrow();
            }
        }
        int prefix = parse(podCidr)[1];
        HostCommand.run(List.of("ip", "addr", "replace", gateway() + "/" + prefix, "dev", bridge), t).orThrow();
        HostCommand.run(List.of("ip", "link", "set", bridge, "up"), t).orThrow();
    }

    /** The canonical text of an IPv4 CIDR ({@code 10.42.0.0/16}); IllegalArgumentException naming it otherwise. */
    public static String normalize(String cidr) {
        int[] c = parse(cidr);
        return toDotted(c[0]) + "/" + c[1];
    }

    /** Whether the network {@code inner} lies inside {@code outer} (both IPv4 CIDRs; false if either is bad). */
    public static boolean contains(String outer, String inner) {
        try {
            int[] o = parse(outer);
            int[] i = parse(inner.contains("/") ? inner : inner + "/32", 32);
            return i[1] >= o[1] && (i[0] & mask(o[1])) == o[0];
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** {address, prefix} of an IPv4 CIDR; IllegalArgumentException naming it otherwise. */
    static int[] parse(String cidr) {
        return parse(cidr, 30);
    }

    private static int[] parse(String cidr, int maxPrefix) {
        if (cidr == null) {
            throw new IllegalArgumentException("pod CIDR is missing");
        }
        String[] parts = cidr.split("/");
        if (parts.length != 2) {
            throw new IllegalArgumentException("pod CIDR must look like 100.64.7.0/24: " + cidr);
        }
        String[] octets = parts[0].split("\\.");
        if (octets.length != 4) {
            throw new IllegalArgumentException("pod CIDR must be IPv4: " + cidr);
        }
        int address = 0;
        try {
            for (String o : octets) {
                int v = Integer.parseInt(o);
                if (v < 0 || v > 255) {
                    throw new NumberFormatException(o);
                }
                address = (address << 8) | v;
            }
            int prefix = Integer.parseInt(parts[1]);
            if (prefix < 8 || prefix > maxPrefix) {
                throw new IllegalArgumentException("pod CIDR prefix must be /8 to /" + maxPrefix + ": " + cidr);
            }
            if ((address & ~mask(prefix)) != 0) {
                throw new IllegalArgumentException("pod CIDR has host bits set: " + cidr);
            }
            return new int[] {address, prefix};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("pod CIDR is not a valid address: " + cidr);
        }
    }

    private static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    private static String toDotted(int a) {
        return ((a >>> 24) & 255) + "." + ((a >>> 16) & 255) + "." + ((a >>> 8) & 255) + "." + (a & 255);
    }
}
