package io.kaji.proxy;

/** One ready backend of a service port: a pod address and the resolved target port. */
record Endpoint(String ip, int port) implements Comparable<Endpoint> {

    String hostPort() {
        return ip + ":" + port;
    }

    @Override
    public int compareTo(Endpoint o) {
        int c = ip.compareTo(o.ip);
        return c != 0 ? c : Integer.compare(port, o.port);
    }
}
