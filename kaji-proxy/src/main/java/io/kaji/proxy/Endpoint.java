package io.kaji.proxy;

/**
 * One ready backend of a service port: a pod address and the resolved target port; {@code local} if it runs on
 * this proxy's node (EndpointSlice {@code nodeName}). Ordered and equal by address and port.
 */
record Endpoint(String ip, int port, boolean local) implements Comparable<Endpoint> {

    Endpoint(String ip, int port) {
        this(ip, port, false);
    }

    String hostPort() {
        return ip + ":" + port;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Endpoint e && ip.equals(e.ip) && port == e.port;
    }

    @Override
    public int hashCode() {
        return ip.hashCode() * 31 + port;
    }

    @Override
    public int compareTo(Endpoint o) {
        int c = ip.compareTo(o.ip);
        return c != 0 ? c : Integer.compare(port, o.port);
    }
}
