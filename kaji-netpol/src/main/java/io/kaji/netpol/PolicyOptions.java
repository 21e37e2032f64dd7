package io.kaji.netpol;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How one {@link NetworkPolicyEnforcer} runs.
 *
 * @param nodeName      the node whose pods ({@code spec.nodeName}) this enforcer protects
 * @param chainTag      4 characters [A-Z0-9] unique on this machine; every chain is named {@code KAJI-<tag>-NP…},
 *                      so several enforcers (one per node agent) share one host without touching each other
 * @param nodeAddresses addresses (or CIDRs) of this node and its pod bridge gateway; always allowed to reach
 *                      local pods, as Kubernetes requires for kubelet probes (IPv6 ones are ignored: IPv4 only)
 * @param minSyncPeriod how long a change waits so that a burst of changes becomes one iptables write
 * @param resyncPeriod  how often the whole rule set is written again even without changes (repairs tampering)
 */
public record PolicyOptions(String nodeName, String chainTag, List<String> nodeAddresses, Duration minSyncPeriod,
                            Duration resyncPeriod) {

    private static final Pattern TAG = Pattern.compile("[A-Z0-9]{4}");

    public PolicyOptions {
        if (nodeName == null || nodeName.isBlank()) {
            throw new IllegalArgumentException("network policy: nodeName is required");
        }
        if (chainTag == null || !TAG.matcher(chainTag).matches()) {
            throw new IllegalArgumentException("network policy: chainTag must be 4 characters [A-Z0-9], got \""
                    + chainTag + "\"");
        }
        nodeAddresses = List.copyOf(nodeAddresses == null ? List.of() : nodeAddresses);
        for (String a : nodeAddresses) {
            // IPv6 addresses are accepted and ignored: only IPv4 (iptables, not ip6tables) is enforced
            if (a == null || (!Cidrs.isIpv4(a) && !a.contains(":"))) {
                throw new IllegalArgumentException("network policy: node address \"" + a
                        + "\" is not an IP address or CIDR");
            }
        }
        if (minSyncPeriod == null || minSyncPeriod.isNegative()) {
            throw new IllegalArgumentException("network policy: minSyncPeriod must be >= 0");
        }
        if (resyncPeriod == null || resyncPeriod.isNegative() || resyncPeriod.isZero()) {
            throw new IllegalArgumentException("network policy: resyncPeriod must be > 0");
        }
    }

    /** Kaji's defaults: changes applied 100 ms after they arrive, everything rewritten every 30 s. */
    public static PolicyOptions defaults(String nodeName, String chainTag, List<String> nodeAddresses) {
        return new PolicyOptions(nodeName, chainTag, nodeAddresses, Duration.ofMillis(100), Duration.ofSeconds(30));
    }
}
