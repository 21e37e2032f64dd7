/**
 * NetworkPolicy enforcement: per-pod iptables filter rules for networking.k8s.io/v1 NetworkPolicies on this node's
 * pods, like kube-router's policy controller in k3s.
 *
 * <p>Public API: {@link io.kaji.netpol.NetworkPolicyEnforcer#start} with {@link io.kaji.netpol.PolicyOptions}, and
 * {@link io.kaji.netpol.NetworkPolicyEnforcer#close}. Inside: {@code PolicyCompiler} (cluster state to rules, a
 * pure function), {@code RuleSet}/{@code Rule} (the chains as values, rendered for iptables-restore),
 * {@code ChainNames} ({@code KAJI-<tag>-NP…}), {@code Cidrs} (ipBlock except subtraction), {@code Iptables} (the
 * host programs). See docs/network-policy.md.
 */
package io.kaji.netpol;
