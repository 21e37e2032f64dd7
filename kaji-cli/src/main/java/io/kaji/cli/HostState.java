package io.kaji.cli;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;

/**
 * What the in-process agent of {@code kaji server} puts on the host, recorded in {@code <data-dir>/host-state}
 * so that {@code kaji down} removes this cluster's iptables chains and routes and nobody else's (several clusters
 * and test agents can share one machine).
 *
 * @param nodeName    the agent's Node name; its iptables chains are {@code KAJI-<tag>-*}, the tag derived from it
 * @param clusterCidr the pod network; the agent's routes ({@code proto 75}) lie inside it
 * @param bridge      the agent's Linux bridge
 */
record HostState(String nodeName, String clusterCidr, String bridge) {

    static final String FILE = "host-state";
    /** Every Kaji iptables chain starts with this. */
    static final String CHAIN_PREFIX = "KAJI-";

    static void write(Path dataDir, HostState state) {
        Properties p = new Properties();
        p.setProperty("node-name", state.nodeName());
        p.setProperty("cluster-cidr", state.clusterCidr());
        p.setProperty("bridge", state.bridge());
        try {
            Files.createDirectories(dataDir);
            try (Writer w = Files.newBufferedWriter(dataDir.resolve(FILE))) {
                p.store(w, "written by kaji server for kaji down");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dataDir.resolve(FILE) + ": " + e.getMessage(), e);
        }
    }

    /** The recorded state, or empty if there is none or it is incomplete. */
    static Optional<HostState> read(Path dataDir) {
        Path f = dataDir.resolve(FILE);
        if (!Files.isReadable(f)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(f)) {
            p.load(r);
        } catch (IOException e) {
            return Optional.empty();
        }
        String node = p.getProperty("node-name");
        String cidr = p.getProperty("cluster-cidr");
        String bridge = p.getProperty("bridge");
        return node == null || cidr == null || bridge == null ? Optional.empty()
                : Optional.of(new HostState(node, cidr, bridge));
    }

    /** The prefix of this node's iptables chains, {@code KAJI-<tag>-}, with the tag its network services use. */
    String chainPrefix() {
        return CHAIN_PREFIX + NodeNetworkServices.chainTag(nodeName) + "-";
    }
}
