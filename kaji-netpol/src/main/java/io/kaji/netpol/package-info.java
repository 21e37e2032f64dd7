/** NetworkPolicy enforcement: per-pod iptables filter rules for networking.k8s.io/v1 NetworkPolicies on this node's pods. */
package io.kaji.netpol;
