package io.kaji.proxy;

import java.util.List;

/**
 * One port of one Service as the proxy programs it (kube-proxy's ServicePortName plus what its rules need).
 *
 * @param nodePort               0 if the Service is not of type NodePort/LoadBalancer
 * @param affinityTimeoutSeconds 0 without ClientIP session affinity
 * @param externalLocal          externalTrafficPolicy Local: node-port traffic from outside goes to this node's endpoints
 * @param endpoints              the ready endpoints, sorted, without duplicates
 */
record ProxiedPort(String namespace, String name, String portName, String protocol, String clusterIp, int port,
                   int nodePort, int affinityTimeoutSeconds, boolean externalLocal, List<Endpoint> endpoints) {

    /** {@code namespace/name:portName}, the identity hashed into chain names. */
    String id() {
        return namespace + "/" + name + ":" + portName;
    }

    /** iptables' protocol name: tcp, udp or sctp. */
    String proto() {
        return protocol.toLowerCase(java.util.Locale.ROOT);
    }
}
