package io.kaji.support.diagnose;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Arrays;
import java.util.List;

/** Reads container logs through the API server ({@code pods/log}, as {@code kubectl logs --tail} does). */
public final class ClusterLogReader implements LogReader {

    private final KubernetesClient client;

    public ClusterLogReader(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public List<String> tail(String namespace, String pod, String container, boolean previous, int lines) {
        try {
            var c = client.pods().inNamespace(namespace).withName(pod).inContainer(container);
            String log = previous ? c.terminated().tailingLines(lines).getLog() : c.tailingLines(lines).getLog();
            if (log == null || log.isEmpty()) {
                return List.of();
            }
            return Arrays.stream(log.split("\n")).filter(l -> !l.isBlank()).toList();
        } catch (KubernetesClientException e) {
            return List.of(); // no previous container, node unreachable, forbidden: the diagnosis goes on without
        }
    }
}
