package io.kaji.proxy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Settings of one {@link ServiceProxy} instance.
 *
 * @param nodeName       the node this proxy runs on (for logs)
 * @param chainTag       4 characters [A-Z0-9]; every chain of this instance is named {@code KAJI-<tag>-…}, so several
 *                       proxies sharing one host's iptables never touch each other's chains
 * @param clusterCidr    the pod network (IPv4 CIDR): traffic to a ClusterIP from outside it is masqueraded, traffic
 *                       from it leaving it is masqueraded, and FORWARD accepts it
 * @param localPodCidr   this node's pod CIDR, or null; the node-local DNS redirect applies to traffic from it only
 * @param dnsServiceIp   the cluster DNS Service's ClusterIP, or null for no node-local DNS redirect
 * @param localDnsTarget where this node's DNS server listens (bridge gateway address and port), or null
 * @param minSyncPeriod  at most one sync per this period; a change is programmed at most this long after it is seen
 * @param resyncPeriod   a full sync (re-reading iptables, re-checking the jump rules) runs at least this often
 */
public record ProxyOptions(String nodeName, String chainTag, String clusterCidr, String localPodCidr,
                           String dnsServiceIp, InetSocketAddress localDnsTarget,
                           Duration minSyncPeriod, Duration resyncPeriod) {

    private static final Pattern TAG = Pattern.compile("[A-Z0-9]{4}");
    private static final Pattern CIDR = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}/\\d{1,2}");
    private static final Pattern IP = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}");

    /** Default minimum interval between syncs: a change is in the rules within about this long. */
    public static final Duration DEFAULT_MIN_SYNC_PERIOD = Duration.ofMillis(100);
    /** Default full resync period (heals drift such as a chain flushed by someone else). */
    public static final Duration DEFAULT_RESYNC_PERIOD = Duration.ofSeconds(30);

    public ProxyOptions {
        Objects.requireNonNull(nodeName, "nodeName");
        Objects.requireNonNull(chainTag, "chainTag");
        if (!TAG.matcher(chainTag).matches()) {
            throw new IllegalArgumentException("chainTag \"" + chainTag + "\": must be exactly 4 characters A-Z or 0-9");
        }
        if (clusterCidr == null || !CIDR.matcher(clusterCidr).matches()) {
            throw new IllegalArgumentException("clusterCidr \"" + clusterCidr + "\": must be an IPv4 CIDR such as 10.42.0.0/16");
        }
        if (localPodCidr != null && !CIDR.matcher(localPodCidr).matches()) {
            throw new IllegalArgumentException("localPodCidr \"" + localPodCidr + "\": must be an IPv4 CIDR or null");
        }
        if (dnsServiceIp != null && !IP.matcher(dnsServiceIp).matches()) {
            throw new IllegalArgumentException("dnsServiceIp \"" + dnsServiceIp + "\": must be an IPv4 address or null");
        }
        if ((dnsServiceIp == null) != (localDnsTarget == null)) {
            throw new IllegalArgumentException("dnsServiceIp and localDnsTarget: give both (node-local DNS redirect) or neither");
        }
        minSyncPeriod = minSyncPeriod == null ? DEFAULT_MIN_SYNC_PERIOD : minSyncPeriod;
        resyncPeriod = resyncPeriod == null ? DEFAULT_RESYNC_PERIOD : resyncPeriod;
        if (minSyncPeriod.isNegative() || resyncPeriod.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("minSyncPeriod must be >= 0 and resyncPeriod >= 1s, got "
                    + minSyncPeriod + " and " + resyncPeriod);
        }
    }

    /** Options without node-local DNS redirect, with the default sync periods. */
    public static ProxyOptions defaults(String nodeName, String chainTag, String clusterCidr) {
        return new ProxyOptions(nodeName, chainTag, clusterCidr, null, null, null, null, null);
    }

    /** These options with a node-local DNS redirect: {@code dnsServiceIp:53} from {@code localPodCidr} goes to {@code target}. */
    public ProxyOptions withLocalDns(String localPodCidr, String dnsServiceIp, InetSocketAddress target) {
        return new ProxyOptions(nodeName, chainTag, clusterCidr, localPodCidr, dnsServiceIp, target, minSyncPeriod, resyncPeriod);
    }

    /** These options with other sync periods. */
    public ProxyOptions withSyncPeriods(Duration minSync, Duration resync) {
        return new ProxyOptions(nodeName, chainTag, clusterCidr, localPodCidr, dnsServiceIp, localDnsTarget, minSync, resync);
    }
}
