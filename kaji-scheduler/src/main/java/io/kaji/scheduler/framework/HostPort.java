package io.kaji.scheduler.framework;

/**
 * A host port a pod asks for. An empty or {@code 0.0.0.0} IP means every address of the node, so it conflicts
 * with the same port and protocol on any IP, as Kubernetes' {@code HostPortInfo} treats it.
 */
public record HostPort(String ip, String protocol, int port) {

    public static final String ANY_IP = "0.0.0.0";

    public HostPort {
        ip = ip == null || ip.isEmpty() ? ANY_IP : ip;
        protocol = protocol == null || protocol.isEmpty() ? "TCP" : protocol;
    }

    /** Both want the same port and protocol on an overlapping address. */
    public boolean conflictsWith(HostPort o) {
        return port == o.port && protocol.equals(o.protocol)
                && (ip.equals(o.ip) || ip.equals(ANY_IP) || o.ip.equals(ANY_IP));
    }
}
