package io.kaji.dns;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How a {@link ClusterDns} serves.
 *
 * @param clusterDomain the cluster domain (kubelet's {@code --cluster-domain}), e.g. {@code cluster.local}
 * @param listen        addresses to serve UDP and TCP on (port 0: a free port, see {@link ClusterDns#boundAddresses})
 * @param upstreams     resolvers for every name outside the cluster; empty: such names get SERVFAIL
 * @param ttl           TTL of every answer from the cluster (and the SOA's negative-caching TTL)
 * @param reverseCidrs  the pod and service networks: reverse lookups inside them are answered here (NXDOMAIN when
 *                      unknown) and never forwarded
 */
public record DnsOptions(String clusterDomain, List<InetSocketAddress> listen, List<InetSocketAddress> upstreams,
                         Duration ttl, List<String> reverseCidrs) {

    public static final String DEFAULT_DOMAIN = "cluster.local";
    /** CoreDNS's kubernetes plugin default TTL. */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(5);
    /** Kaji's default pod network (kaji server --cluster-cidr) and service network (the API server's). */
    public static final List<String> DEFAULT_REVERSE_CIDRS = List.of("10.42.0.0/16", "10.43.0.0/16");
    /** How long one upstream may take before the next is tried. */
    static final Duration UPSTREAM_TIMEOUT = Duration.ofSeconds(2);

    public DnsOptions {
        Objects.requireNonNull(clusterDomain, "clusterDomain");
        listen = List.copyOf(listen);
        upstreams = List.copyOf(upstreams);
        Objects.requireNonNull(ttl, "ttl");
        reverseCidrs = List.copyOf(reverseCidrs);
        if (listen.isEmpty()) {
            throw new IllegalArgumentException("DNS needs at least one listen address (e.g. the node's bridge gateway:53)");
        }
        if (ttl.isNegative() || ttl.toSeconds() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("DNS TTL must be between 0 and 2^31-1 seconds, got " + ttl);
        }
        reverseCidrs.forEach(Cidr::parse); // fail here, naming the bad value, not at the first query
    }

    /** cluster.local, upstreams from /etc/resolv.conf (see {@link ResolvConf}), 5 s TTL, Kaji's default networks. */
    public static DnsOptions defaults(List<InetSocketAddress> listen) {
        return new DnsOptions(DEFAULT_DOMAIN, listen, ResolvConf.upstreams(listen), DEFAULT_TTL, DEFAULT_REVERSE_CIDRS);
    }

    public DnsOptions withClusterDomain(String domain) {
        return new DnsOptions(domain, listen, upstreams, ttl, reverseCidrs);
    }

    public DnsOptions withUpstreams(List<InetSocketAddress> servers) {
        return new DnsOptions(clusterDomain, listen, servers, ttl, reverseCidrs);
    }

    public DnsOptions withTtl(Duration value) {
        return new DnsOptions(clusterDomain, listen, upstreams, value, reverseCidrs);
    }

    public DnsOptions withReverseCidrs(List<String> cidrs) {
        return new DnsOptions(clusterDomain, listen, upstreams, ttl, cidrs);
    }
}
