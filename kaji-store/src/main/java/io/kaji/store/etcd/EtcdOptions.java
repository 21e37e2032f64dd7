package io.kaji.store.etcd;

import java.time.Duration;
import java.util.List;

/**
 * How to reach etcd.
 *
 * @param endpoints client URLs of the members, e.g. {@code http://127.0.0.1:2379}; the client fails over
 * @param namespace a key prefix every key is stored under (like kube-apiserver's {@code --etcd-prefix}, but
 *                  applied below Kaji's own keys), so several Kaji clusters or tests can share one etcd;
 *                  empty for none
 * @param timeout   how long one request may take before it fails with a {@code StoreException}
 */
public record EtcdOptions(List<String> endpoints, String namespace, Duration timeout) {

    public EtcdOptions {
        endpoints = List.copyOf(endpoints);
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("etcd: at least one endpoint is needed (e.g. http://127.0.0.1:2379)");
        }
        for (String e : endpoints) {
            if (!e.startsWith("http://") && !e.startsWith("https://")) {
                throw new IllegalArgumentException("etcd endpoint \"" + e + "\" must be a URL such as http://127.0.0.1:2379");
            }
        }
        namespace = namespace == null ? "" : namespace;
    }

    public static EtcdOptions of(List<String> endpoints) {
        return new EtcdOptions(endpoints, "", Duration.ofSeconds(10));
    }

    public EtcdOptions withNamespace(String ns) {
        return new EtcdOptions(endpoints, ns, timeout);
    }
}
