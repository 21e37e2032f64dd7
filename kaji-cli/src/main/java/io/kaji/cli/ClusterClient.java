package io.kaji.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;

/** Short-timeout clients for the commands that look at a cluster from outside ({@code up}, {@code status}). */
final class ClusterClient {

    private ClusterClient() {
    }

    /** A client from {@code kubeconfig}, failing fast (5 s) rather than retrying for minutes. */
    static KubernetesClient open(Path kubeconfig) {
        return Kubeconfigs.client(kubeconfig);
    }

    /** Whether the API server of {@code kubeconfig} answers ok on /readyz; false if it cannot be asked. */
    static boolean ready(Path kubeconfig) {
        if (!Files.isReadable(kubeconfig)) {
            return false;
        }
        try (KubernetesClient client = open(kubeconfig)) {
            return "ok".equals(readyz(client));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The body of /readyz, or null when it does not answer 200. */
    static String readyz(KubernetesClient client) {
        String base = client.getMasterUrl().toString();
        return client.raw(base.endsWith("/") ? base + "readyz" : base + "/readyz");
    }
}
