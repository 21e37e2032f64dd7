package io.kaji.apiserver.server;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * How to run the API server.
 *
 * @param dataDir          where pki/ and kubeconfig live
 * @param bindAddress      the address to listen on (127.0.0.1 by default: single-user mode is loopback only)
 * @param httpsPort        the HTTPS port; 0 picks a free one (tests)
 * @param version          Kaji's version, reported in /version
 * @param clock            the time source for timestamps and ages
 * @param watchHistory     changes kept per resource for watches from an older resourceVersion
 * @param bookmarkInterval how often watchers that allow bookmarks get one
 * @param maxBodyBytes     the request body limit (Kubernetes: 3 MiB); larger bodies get 413
 * @param serviceCidr      where Service cluster IPs come from (the kubernetes Service takes the first address,
 *                         cluster DNS the tenth)
 * @param clusterCidr      the pod network, published to node agents in kube-system/kaji-cluster; null if unknown
 * @param clusterDomain    the cluster DNS domain (cluster.local)
 * @param tokenAuthFile    a static token file in kube-apiserver's CSV format ({@code --token-auth-file}), or null
 * @param policies         admission, encryption at rest and audit settings
 * @param nodeCertificateValidity the longest lifetime of a node client certificate signed through a CSR
 *                         (kube-controller-manager's {@code --cluster-signing-duration}; a year by default)
 */
public record ApiServerConfig(Path dataDir, String bindAddress, int httpsPort, String version, Clock clock,
        int watchHistory, Duration bookmarkInterval, int maxBodyBytes, ServiceCidr serviceCidr, String clusterCidr,
        String clusterDomain, Path tokenAuthFile, ServerPolicies policies, Duration nodeCertificateValidity) {

    /** The default lifetime of node client certificates. */
    public static final Duration DEFAULT_NODE_CERTIFICATE_VALIDITY = Duration.ofDays(365);

    public static final int DEFAULT_PORT = 6443;
    public static final String DEFAULT_BIND_ADDRESS = "127.0.0.1";
    public static final int DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024;

    public ApiServerConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(serviceCidr, "serviceCidr");
        Objects.requireNonNull(clusterDomain, "clusterDomain");
        Objects.requireNonNull(policies, "policies");
        Objects.requireNonNull(nodeCertificateValidity, "nodeCertificateValidity");
        if (nodeCertificateValidity.compareTo(Duration.ofSeconds(10)) < 0) {
            throw new IllegalArgumentException("node certificate validity " + nodeCertificateValidity
                    + " is shorter than 10 s");
        }
        if (httpsPort < 0 || httpsPort > 65535) {
            throw new IllegalArgumentException("https port " + httpsPort + " is not between 0 and 65535");
        }
    }

    /**
     * The defaults for {@code dataDir}: 127.0.0.1:6443, 1,000 events of history, bookmarks every 10 s, services
     * from 10.43.0.0/16 (k3s' default), domain cluster.local, the pod network not published (agents then manage
     * no routes; {@code kaji server} sets it from --cluster-cidr).
     */
    public static ApiServerConfig defaults(Path dataDir) {
        return new ApiServerConfig(dataDir, DEFAULT_BIND_ADDRESS, DEFAULT_PORT, "dev", Clock.systemUTC(), 1000,
                Duration.ofSeconds(10), DEFAULT_MAX_BODY_BYTES, ServiceCidr.parse(ServiceCidr.DEFAULT),
                null, "cluster.local", null, ServerPolicies.defaults(), DEFAULT_NODE_CERTIFICATE_VALIDITY);
    }

    /** With Services' cluster IPs from {@code cidr}, e.g. {@code 10.43.0.0/16}. */
    public ApiServerConfig withServiceCidr(String cidr) {
        return new ApiServerConfig(dataDir, bindAddress, httpsPort, version, clock, watchHistory, bookmarkInterval,
                maxBodyBytes, ServiceCidr.parse(cidr), clusterCidr, clusterDomain, tokenAuthFile, policies, nodeCertificateValidity);
    }

    /** With the pod network {@code cidr} published to node agents. */
    public ApiServerConfig withClusterCidr(String cidr) {
        return new ApiServerConfig(dataDir, bindAddress, httpsPort, version, clock, watchHistory, bookmarkInterval,
                maxBodyBytes, serviceCidr, cidr, clusterDomain, tokenAuthFile, policies, nodeCertificateValidity);
    }

    public ApiServerConfig withClusterDomain(String domain) {
        return new ApiServerConfig(dataDir, bindAddress, httpsPort, version, clock, watchHistory, bookmarkInterval,
                maxBodyBytes, serviceCidr, clusterCidr, domain, tokenAuthFile, policies, nodeCertificateValidity);
    }

    /** With the static token file {@code file} ({@code --token-auth-file}); null for none. */
    public ApiServerConfig withTokenAuthFile(Path file) {
        return new ApiServerConfig(dataDir, bindAddress, httpsPort, version, clock, watchHistory, bookmarkInterval,
                maxBodyBytes, serviceCidr, clusterCidr, clusterDomain, file, policies, nodeCertificateValidity);
    }

    public ApiServerConfig withPort(int port) {
        return new ApiServerConfig(dataDir, bindAddress, port, version, clock, watchHistory, bookmarkInterval,
                maxBodyBytes, serviceCidr, clusterCidr, clusterDomain, tokenAuthFile, policies, nodeCertificateValidity);
    }

    public ApiServerConfig withBindAddress(String address) {
        return new ApiServerConfig(dataDir, address, httpsPort, version, clock, watchHistory, bookmarkInterval,
                maxBodyBytes, serviceCidr, clusterCidr, clusterDomain, tokenAuthFile, policies, nodeCertificateValidity);
    }

    public ApiServerConfig withVersion(String v) {
        return new ApiServerConfig(dataDir, bindAddress, httpsPort, v, clock, watchHistory, bookmarkInterval,
                maxBodyBytes, serviceCidr, clusterCidr, clusterDomain, tokenAuthFile, policies, nodeCertificateValidity);
    }

    public ApiServerConfig withWatchHistory(int events) {
        return new ApiServerConfig(dataDir, bindAddress, httpsPort, version, clock, events, bookmarkInterval,
                maxBodyBytes, serviceCidr, clusterCidr, clusterDomain, tokenAuthFile, policies, nodeCertificateValidity);
    }

    public ApiServerConfig withBookmarkInterval(Duration interval) {
        return new ApiServerConfig(dataDir, bindAddress, httpsPort, version, clock, watchHistory, interval,
                maxBodyBytes, serviceCidr, clusterCidr, clusterDomain, tokenAuthFile, policies, nodeCertificateValidity);
    }

    /** With other admission, encryption and audit settings. */
    public ApiServerConfig withPolicies(ServerPolicies p) {
        return new ApiServerConfig(dataDir, bindAddress, httpsPort, version, clock, watchHistory, bookmarkInterval,
                maxBodyBytes, serviceCidr, clusterCidr, clusterDomain, tokenAuthFile, p, nodeCertificateValidity);
    }

    /** With node client certificates signed for at most {@code validity} (tests of certificate rotation). */
    public ApiServerConfig withNodeCertificateValidity(Duration validity) {
        return new ApiServerConfig(dataDir, bindAddress, httpsPort, version, clock, watchHistory, bookmarkInterval,
                maxBodyBytes, serviceCidr, clusterCidr, clusterDomain, tokenAuthFile, policies, validity);
    }
}
