package io.kaji.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.http.TlsVersion;
import io.fabric8.kubernetes.client.http.WebSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A fabric8 {@link HttpClient.Factory} whose clients can change credentials while in use, so that a node agent
 * switches to a rotated client certificate without rebuilding its {@code KubernetesClient} (its informers, its
 * watches, its pod workers keep running). {@link #rotate()} builds a fresh underlying client from
 * {@code credentials} (the current certificate) for every client this factory made, including the derived ones
 * fabric8 makes per watch, and closes the old ones after {@code grace}: a TLS connection keeps the identity it was
 * opened with, so old connections must end, as the kubelet closes its connections after rotating. Requests still
 * running on an old connection then fail once and are retried by their callers (informers re-watch).
 * Thread-safe.
 */
final class RotatingHttpClients implements HttpClient.Factory {

    private static final Logger log = LoggerFactory.getLogger(RotatingHttpClients.class);

    private final HttpClient.Factory delegate = AgentClientThreads.httpClientFactory();
    private final Supplier<Config> credentials;
    private final ScheduledExecutorService closer;
    private final long graceMillis;
    private final Set<Swapping> clients = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));

    /**
     * @param credentials the configuration with the current client certificate (asked at every {@link #rotate()})
     * @param closer      where old clients are closed after the grace period
     */
    RotatingHttpClients(Supplier<Config> credentials, ScheduledExecutorService closer, java.time.Duration grace) {
        this.credentials = credentials;
        this.closer = closer;
        this.graceMillis = grace.toMillis();
    }

    @Override
    public HttpClient.Builder newBuilder() {
        return delegate.newBuilder();
    }

    /**
     * A builder configured from the current credentials (not from {@code config}'s certificate; its server, CA,
     * timeouts are the same as the credentials' configuration in the agent). What a caller changes on the builder
     * after this call is not kept across rotations.
     */
    @Override
    public HttpClient.Builder newBuilder(Config config) {
        return new RootBuilder(delegate.newBuilder(credentials.get()));
    }

    /** Switches every client made here to the current credentials; the old connections end after the grace. */
    void rotate() {
        List<Swapping> roots = new ArrayList<>();
        List<Swapping> derived = new ArrayList<>();
        synchronized (clients) {
            for (Swapping c : clients) {
                (c.parent == null ? roots : derived).add(c);
            }
        }
        List<HttpClient> old = new ArrayList<>();
        for (Swapping r : roots) {
            if (!r.isClosed()) {
                old.add(r.swap(delegate.newBuilder(credentials.get()).build()));
            }
        }
        // Parents before children: a client derived from a derived client re-derives from its parent's new one.
        derived.sort(java.util.Comparator.comparingInt(Swapping::depth));
        for (Swapping d : derived) {
            if (!d.isClosed()) {
                d.swap(d.derive());
            }
        }
        log.info("switched {} API client(s) to the new client certificate; old connections close in {} ms",
                roots.size(), graceMillis);
        closer.schedule(() -> old.forEach(HttpClient::close), graceMillis, TimeUnit.MILLISECONDS);
    }

    /** A client whose underlying client can be replaced. */
    private final class Swapping implements HttpClient {
        final Swapping parent;
        final List<Consumer<DerivedClientBuilder>> derivation;
        private volatile HttpClient current;
        private volatile boolean closed;

        Swapping(HttpClient initial, Swapping parent, List<Consumer<DerivedClientBuilder>> derivation) {
            this.current = initial;
            this.parent = parent;
            this.derivation = derivation;
            clients.add(this);
        }

        int depth() {
            return parent == null ? 0 : parent.depth() + 1;
        }

        HttpClient swap(HttpClient next) {
            HttpClient previous = current;
            current = next;
            return previous;
        }

        /** A client derived anew from the parent's current one, with the recorded changes. */
        HttpClient derive() {
            DerivedClientBuilder b = parent.current.newBuilder();
            derivation.forEach(step -> step.accept(b));
            return b.build();
        }

        @Override
        public void close() {
            closed = true;
            clients.remove(this);
            current.close();
        }

        @Override
        public boolean isClosed() {
            return closed;
        }

        @Override
        public DerivedClientBuilder newBuilder() {
            return new DerivedBuilder(this);
        }

        @Override
        public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, Class<T> type) {
            return current.sendAsync(request, type);
        }

        @Override
        public CompletableFuture<HttpResponse<AsyncBody>> consumeBytes(HttpRequest request,
                AsyncBody.Consumer<List<ByteBuffer>> consumer) {
            return current.consumeBytes(request, consumer);
        }

        @Override
        public WebSocket.Builder newWebSocketBuilder() {
            return current.newWebSocketBuilder();
        }

        @Override
        public HttpRequest.Builder newHttpRequestBuilder() {
            return current.newHttpRequestBuilder();
        }
    }

    /** Records a derived client's changes so that they can be applied again after a rotation. */
    private final class DerivedBuilder implements HttpClient.DerivedClientBuilder {
        private final Swapping parent;
        private final List<Consumer<HttpClient.DerivedClientBuilder>> steps = new ArrayList<>();

        DerivedBuilder(Swapping parent) {
            this.parent = parent;
        }

        @Override
        public HttpClient build() {
            Swapping made = new Swapping(null, parent, List.copyOf(steps));
            made.swap(made.derive());
            return made;
        }

        @Override
        public HttpClient.DerivedClientBuilder addOrReplaceInterceptor(String name, Interceptor interceptor) {
            steps.add(b -> b.addOrReplaceInterceptor(name, interceptor));
            return this;
        }

        @Override
        public HttpClient.DerivedClientBuilder authenticatorNone() {
            steps.add(HttpClient.DerivedClientBuilder::authenticatorNone);
            return this;
        }

        @Override
        public HttpClient.DerivedClientBuilder tag(Object value) {
            steps.add(b -> b.tag(value));
            return this;
        }
    }

    /** The builder fabric8 configures; its {@link #build()} makes a swappable client. */
    private final class RootBuilder implements HttpClient.Builder {
        private final HttpClient.Builder inner;

        RootBuilder(HttpClient.Builder inner) {
            this.inner = inner;
        }

        @Override
        public HttpClient build() {
            return new Swapping(inner.build(), null, List.of());
        }

        @Override
        public HttpClient.Builder connectTimeout(long timeout, TimeUnit unit) {
            inner.connectTimeout(timeout, unit);
            return this;
        }

        @Override
        public HttpClient.Builder websocketPingInterval(long interval, TimeUnit unit) {
            inner.websocketPingInterval(interval, unit);
            return this;
        }

        @Override
        public HttpClient.Builder addOrReplaceInterceptor(String name, Interceptor interceptor) {
            inner.addOrReplaceInterceptor(name, interceptor);
            return this;
        }

        @Override
        public HttpClient.Builder authenticatorNone() {
            inner.authenticatorNone();
            return this;
        }

        @Override
        public HttpClient.Builder sslContext(KeyManager[] keyManagers, TrustManager[] trustManagers) {
            inner.sslContext(keyManagers, trustManagers);
            return this;
        }

        @Override
        public HttpClient.Builder followAllRedirects() {
            inner.followAllRedirects();
            return this;
        }

        @Override
        public HttpClient.Builder proxyAddress(InetSocketAddress address) {
            inner.proxyAddress(address);
            return this;
        }

        @Override
        public HttpClient.Builder proxyAuthorization(String credentials) {
            inner.proxyAuthorization(credentials);
            return this;
        }

        @Override
        public HttpClient.Builder tlsVersions(TlsVersion... versions) {
            inner.tlsVersions(versions);
            return this;
        }

        @Override
        public HttpClient.Builder tlsServerName(String name) {
            inner.tlsServerName(name);
            return this;
        }

        @Override
        public HttpClient.Builder preferHttp11() {
            inner.preferHttp11();
            return this;
        }

        @Override
        public HttpClient.Builder proxyType(HttpClient.ProxyType type) {
            inner.proxyType(type);
            return this;
        }

        @Override
        public HttpClient.DerivedClientBuilder tag(Object value) {
            inner.tag(value);
            return this;
        }
    }
}
