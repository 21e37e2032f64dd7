package io.kaji.bench.scheduler;

import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.json.JsonFactory;

/**
 * The benchmark's view of bindings: a plain watch of a namespace's pods whose event lines are read with a
 * streaming parser for two fields, the pod's name and {@code spec.nodeName}, and reported once per pod when the
 * node appears. The measuring instrument shares the scheduler's two cores: a typed informer decoded every pod
 * event into a fabric8 {@code Pod} and converted it again for its reduced store, a sixth of the process's CPU.
 */
final class BindingWatch implements AutoCloseable {

    private static final JsonFactory JSON = new JsonFactory();

    private final CompletableFuture<HttpResponse<AsyncBody>> response;

    /**
     * Starts watching {@code namespace} from now; {@code onBound} gets each pod name that shows a node, on the
     * client's thread, possibly more than once for the same pod (later updates of a bound pod).
     */
    BindingWatch(KubernetesClient client, String namespace, Consumer<String> onBound) throws Exception {
        String rv = client.pods().inNamespace(namespace).list(new ListOptionsBuilder().withLimit(1L).build())
                .getMetadata().getResourceVersion();
        HttpClient http = client.getHttpClient();
        String base = client.getConfiguration().getMasterUrl().replaceAll("/+$", "");
        HttpRequest request = http.newHttpRequestBuilder().uri(base + "/api/v1/namespaces/" + namespace
                + "/pods?watch=true&timeoutSeconds=7200&resourceVersion=" + rv).build();
        Lines lines = new Lines(onBound);
        response = http.consumeBytes(request, lines);
        HttpResponse<AsyncBody> r = response.get(30, TimeUnit.SECONDS);
        if (r.code() != 200) {
            throw new IllegalStateException("watch of pods in " + namespace + ": HTTP " + r.code());
        }
        r.body().consume();
    }

    @Override
    public void close() {
        response.thenAccept(r -> r.body().cancel());
    }

    /** Splits the stream into event lines; a line's bytes are copied only when it spans two buffers. */
    private static final class Lines implements AsyncBody.Consumer<List<ByteBuffer>> {
        private final Consumer<String> onBound;
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

        Lines(Consumer<String> onBound) {
            this.onBound = onBound;
        }

        @Override
        public void consume(List<ByteBuffer> buffers, AsyncBody body) {
            for (ByteBuffer b : buffers) {
                byte[] a;
                int from;
                int end;
                if (b.hasArray()) {
                    a = b.array();
                    from = b.arrayOffset() + b.position();
                    end = b.arrayOffset() + b.limit();
                } else {
                    a = new byte[b.remaining()];
                    b.duplicate().get(a);
                    from = 0;
                    end = a.length;
                }
                for (int i = from; i < end; i++) {
                    if (a[i] == '\n') {
                        if (partial.size() > 0) {
                            partial.write(a, from, i - from);
                            line(partial.toByteArray(), 0, partial.size());
                            partial.reset();
                        } else {
                            line(a, from, i - from);
                        }
                        from = i + 1;
                    }
                }
                partial.write(a, from, end - from);
            }
            body.consume();
        }

        /** {@code {"type":"…","object":{"metadata":{"name":…},"spec":{"nodeName":…}}}}: name and node only. */
        private void line(byte[] a, int off, int len) {
            String name = null;
            String node = null;
            try (JsonParser p = JSON.createParser(tools.jackson.core.ObjectReadContext.empty(), a, off, len)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    return;
                }
                while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                    String field = p.currentName();
                    JsonToken t = p.nextToken();
                    if (!field.equals("object") || t != JsonToken.START_OBJECT) {
                        p.skipChildren();
                        continue;
                    }
                    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                        String part = p.currentName();
                        JsonToken v = p.nextToken();
                        if ((part.equals("metadata") || part.equals("spec")) && v == JsonToken.START_OBJECT) {
                            String wanted = part.equals("metadata") ? "name" : "nodeName";
                            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                                String f = p.currentName();
                                JsonToken fv = p.nextToken();
                                if (f.equals(wanted) && fv == JsonToken.VALUE_STRING) {
                                    if (part.equals("metadata")) {
                                        name = p.getString();
                                    } else {
                                        node = p.getString();
                                    }
                                } else {
                                    p.skipChildren();
                                }
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                }
            }
            if (name != null && node != null && !node.isEmpty()) {
                onBound.accept(name);
            }
        }
    }
}
