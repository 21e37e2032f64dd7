package io.kaji.node.agent;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;
import java.util.Optional;

/**
 * The cluster's network settings a node agent needs: the pod network (routes, masquerade), the service network,
 * the cluster DNS address (written into pods' resolv.conf) and the DNS domain. Kaji's API server publishes them in
 * the ConfigMap kube-system/kaji-cluster; against another API server the agent falls back to its own settings.
 *
 * @param clusterCidr   the pod network, e.g. 10.42.0.0/16; null if unknown
 * @param serviceCidr   the service network, e.g. 10.43.0.0/16; null if unknown
 * @param clusterDns    the cluster DNS Service's IP, e.g. 10.43.0.10; null: pods use the host's resolvers
 * @param clusterDomain the DNS domain, e.g. cluster.local
 */
public record ClusterNetwork(String clusterCidr, String serviceCidr, String clusterDns, String clusterDomain) {

    /** The ConfigMap (in kube-system) the API server writes. */
    public static final String CONFIG_MAP = "kaji-cluster";

    /** Nothing known: pods use the host's resolvers, no cluster-wide routes. */
    public static final ClusterNetwork UNKNOWN = new ClusterNetwork(null, null, null, "cluster.local");

    /** Reads kube-system/kaji-cluster, or empty when it does not exist (e.g. another Kubernetes distribution). */
    public static Optional<ClusterNetwork> read(KubernetesClient client) {
        ConfigMap cm;
        try {
            cm = client.configMaps().inNamespace("kube-system").withName(CONFIG_MAP).get();
        } catch (KubernetesClientException e) {
            if (e.getCode() == 403 || e.getCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
        return cm == null ? Optional.empty() : Optional.of(of(cm.getData()));
    }

    /** From the ConfigMap's data (keys clusterCIDR, serviceCIDR, clusterDNS, clusterDomain). */
    public static ClusterNetwork of(Map<String, String> data) {
        Map<String, String> d = data == null ? Map.of() : data;
        String domain = d.getOrDefault("clusterDomain", "cluster.local");
        return new ClusterNetwork(blankToNull(d.get("clusterCIDR")), blankToNull(d.get("serviceCIDR")),
                blankToNull(d.get("clusterDNS")), domain == null || domain.isBlank() ? "cluster.local" : domain);
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
