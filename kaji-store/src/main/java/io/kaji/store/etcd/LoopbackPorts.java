package io.kaji.store.etcd;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free TCP ports for processes this JVM starts and tells which port to listen on (local etcd members, a local
 * cluster's API server). A port is probed free and then handed over, so something else may take it in between;
 * ports are therefore chosen below the kernel's ephemeral range (32768 and up on Linux), which outgoing connections
 * draw from, and bind(0) is only the fallback. A server restarted on the same port is safe from them too.
 */
public final class LoopbackPorts {

    static final int FROM = 20000;
    static final int TO = 32000;

    private LoopbackPorts() {
    }

    /** A port free on loopback now, below the ephemeral range, not in {@code taken}; added to {@code taken}. */
    public static int free(Set<Integer> taken) throws IOException {
        for (int i = 0; i < 50; i++) {
            int port = ThreadLocalRandom.current().nextInt(FROM, TO);
            if (!taken.contains(port) && bindable(port)) {
                taken.add(port);
                return port;
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            taken.add(s.getLocalPort());
            return s.getLocalPort();
        }
    }

    /** {@link #free(Set)} for a single port. */
    public static int free() throws IOException {
        return free(new java.util.HashSet<>());
    }

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
