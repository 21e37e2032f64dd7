/** Service proxy: programs iptables NAT rules for Services (ClusterIP, NodePort) from Services and EndpointSlices, as kube-proxy's iptables mode does. */
package io.kaji.proxy;
