package io.kaji.apiserver.server;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kaji.store.RevisionedStore;
import io.kaji.store.sqlite.SqliteStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * An API server on a free loopback port over a SqliteStore in a temporary directory, plus an HTTPS client that
 * trusts the generated CA and sends the admin token. Close it to stop the server and the store. Used by this
 * module's integration tests and by kaji-e2e.
 */
public final class TestServer implements AutoCloseable {

    private final Path dataDir;
    private final RevisionedStore store;
    private final boolean ownsStore;
    private final ApiServer server;
    private final HttpClient client;

    private TestServer(Path dataDir, ApiServerConfig config) {
        this(dataDir, SqliteStore.open(dataDir.resolve("db")), true, config);
    }

    private TestServer(Path dataDir, RevisionedStore store, boolean ownsStore, ApiServerConfig config) {
        this.dataDir = dataDir;
        this.store = store;
        this.ownsStore = ownsStore;
        this.server = ApiServer.start(config, store);
        this.client = HttpClient.newBuilder().sslContext(trustingCa()).connectTimeout(Duration.ofSeconds(20))
                .version(HttpClient.Version.HTTP_1_1).build();
    }

    public static TestServer start(Path dataDir) {
        return start(dataDir, ApiServerConfig.defaults(dataDir).withPort(0).withVersion("test"));
    }

    public static TestServer start(Path dataDir, ApiServerConfig config) {
        return new TestServer(dataDir, config);
    }

    /** A server on {@code store}, which the caller keeps and closes (e.g. an etcd store shared by two servers). */
    public static TestServer start(Path dataDir, RevisionedStore store, ApiServerConfig config) {
        return new TestServer(dataDir, store, false, config.withVersion("test"));
    }

    public ApiServer server() {
        return server;
    }

    public RevisionedStore store() {
        return store;
    }

    public Path kubeconfig() {
        return server.kubeconfigPath();
    }

    public Path dataDir() {
        return dataDir;
    }

    public String url() {
        return server.url();
    }

    public HttpClient client() {
        return client;
    }

    /**
     * A new fabric8 client from this server's admin kubeconfig, as an operator would build one. The caller closes
     * it (before this server). Callers need fabric8's {@code kubernetes-client} on their test class path.
     */
    public KubernetesClient newKubernetesClient() {
        try {
            return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig())))
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException("read " + kubeconfig() + ": " + e.getMessage(), e);
        }
    }

    /** A request builder for {@code path} with the admin token. */
    public HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(url() + path)).timeout(Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + server.pki().adminToken());
    }

    public HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public HttpResponse<String> get(String path) {
        return send(request(path).GET().build());
    }

    /** The entry named {@code name} (e.g. {@code pods/log}) of a discovery list such as /api/v1, or null. */
    public tools.jackson.databind.JsonNode discovered(String groupVersionPath, String name) {
        tools.jackson.databind.JsonNode list = io.kaji.apiserver.serialization.Json.MAPPER
                .readTree(get(groupVersionPath).body());
        for (tools.jackson.databind.JsonNode r : list.get("resources")) {
            if (name.equals(r.get("name").asString())) {
                return r;
            }
        }
        return null;
    }

    public HttpResponse<String> post(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    public HttpResponse<String> put(String path, String json) {
        return send(request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    public HttpResponse<String> patch(String path, String contentType, String body) {
        return send(request(path).header("Content-Type", contentType)
                .method("PATCH", HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public HttpResponse<String> delete(String path) {
        return send(request(path).DELETE().build());
    }

    private SSLContext trustingCa() {
        try {
            byte[] pem = Files.readAllBytes(dataDir.resolve("pki/ca.crt"));
            KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
            ks.load(null, null);
            ks.setCertificateEntry("kaji-ca", CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem)));
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException("trust the test CA: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        server.close();
        if (ownsStore) {
            store.close();
        }
    }
}
