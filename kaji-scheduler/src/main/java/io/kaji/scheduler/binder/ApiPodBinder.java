package io.kaji.scheduler.binder;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.kaji.scheduler.framework.Status;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Binds through the {@code pods/binding} subresource, as kube-scheduler's DefaultBinder does:
 * {@code POST /api/v1/namespaces/{ns}/pods/{name}/binding} with a {@code v1 Binding} naming the node. The API
 * server refuses (409) a pod that is already bound, so two schedulers can never both bind one pod. fabric8 has
 * no typed call for this subresource, so the request goes through the client's HTTP client (same TLS and
 * credentials). Thread-safe.
 */
public final class ApiPodBinder implements PodBinder {

    private final KubernetesClient client;
    private final Duration timeout;

    public ApiPodBinder(KubernetesClient client, Duration timeout) {
        this.client = client;
        this.timeout = timeout;
    }

    @Override
    public Status bind(Pod pod, String nodeName) {
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        String base = client.getMasterUrl().toString().replaceAll("/+$", "");
        String uri = base + "/api/v1/namespaces/" + enc(ns) + "/pods/" + enc(name) + "/binding";
        String body = "{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":{\"name\":" + json(name)
                + ",\"namespace\":" + json(ns) + ",\"uid\":" + json(pod.getMetadata().getUid()) + "},"
                + "\"target\":{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"name\":" + json(nodeName) + "}}";
        HttpClient http = client.getHttpClient();
        HttpRequest request = http.newHttpRequestBuilder().uri(uri).post("application/json", body)
                .timeout(timeout.toMillis(), TimeUnit.MILLISECONDS).build();
        try {
            HttpResponse<String> response = http.sendAsync(request, String.class)
                    .get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            if (response.isSuccessful()) {
                return Status.success();
            }
            return Status.error("bind pod " + ns + "/" + name + " to node \"" + nodeName + "\": HTTP "
                    + response.code() + " " + message(response.body()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Status.error("bind pod " + ns + "/" + name + ": interrupted");
        } catch (ExecutionException | TimeoutException e) {
            return Status.error("bind pod " + ns + "/" + name + " to node \"" + nodeName + "\": " + e.getMessage());
        }
    }

    /** The {@code message} of a Kubernetes Status body, or the body. */
    private static String message(String body) {
        if (body == null) {
            return "";
        }
        int i = body.indexOf("\"message\":\"");
        if (i < 0) {
            return body.length() > 200 ? body.substring(0, 200) : body;
        }
        int start = i + 11;
        int end = body.indexOf('"', start);
        while (end > 0 && body.charAt(end - 1) == '\\') {
            end = body.indexOf('"', end + 1);
        }
        return end < 0 ? body.substring(start) : body.substring(start, end).replace("\\\"", "\"");
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String json(String s) {
        if (s == null) {
            return "null";
        }
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
