package io.kaji.node.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kaji.apiserver.server.ApiServer;
import io.kaji.apiserver.server.ApiServerConfig;
import io.kaji.store.sqlite.SqliteStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A C1-only agent offers ChaCha20-Poly1305 first, and the API server takes it. */
class ChaChaFirstTest {

    @TempDir
    Path dir;

    @Test
    void theChaChaSuitesMoveToTheFrontAndEachGroupKeepsItsOrder() {
        assertThat(ChaChaFirst.reorder(new String[] {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256",
                "TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"})).containsExactly(
                "TLS_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
                "TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
    }

    @Test
    void theTestJvmHasC2SoItsBuildersAreLeftAlone() {
        assertThat(ChaChaFirst.jvmHasC2()).as("surefire's JVM runs with the default compilers").isTrue();
        HttpClient.Builder builder = HttpClient.newBuilder();
        assertThat(ChaChaFirst.apply(builder)).isSameAs(builder);
    }

    @Test
    void aServerEngineChoosesByItsOwnOrderWithChaChaFirst() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, null, null);
        SSLEngine engine = context.createSSLEngine();
        engine.setUseClientMode(false);
        String[] before = engine.getEnabledCipherSuites();
        ChaChaFirst.prefer(engine);
        assertThat(engine.getSSLParameters().getUseCipherSuitesOrder()).isTrue();
        assertThat(engine.getEnabledCipherSuites()[0]).isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
        assertThat(engine.getEnabledCipherSuites()).containsExactlyInAnyOrder(before);
    }

    @Test
    void theBuilderKeepsFabric8sTlsVersionsAndOrdersTheContextsSuites() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, null, null);
        // What fabric8's JDK client builder does: the context, then parameters with its TLS versions only.
        HttpClient client = new ChaChaFirst.Builder(HttpClient.newBuilder()).sslContext(context)
                .sslParameters(new SSLParameters(null, new String[] {"TLSv1.3", "TLSv1.2"})).build();
        SSLParameters p = client.sslParameters();
        assertThat(p.getProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(p.getCipherSuites()[0]).isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
        assertThat(p.getCipherSuites()).containsExactlyInAnyOrder(
                context.getDefaultSSLParameters().getCipherSuites());
    }

    @Test
    void theApiServerTakesTheClientsChaChaPreferenceAndAesOtherwise() throws Exception {
        Path serverDir = dir.resolve("server");
        try (SqliteStore store = SqliteStore.open(serverDir.resolve("db"));
                ApiServer server = ApiServer.start(ApiServerConfig.defaults(serverDir).withPort(0).withVersion("test"),
                        store)) {
            URI version = URI.create("https://127.0.0.1:" + server.port() + "/version");
            assertThat(negotiated(new ChaChaFirst.Builder(HttpClient.newBuilder()), version))
                    .isEqualTo("TLS_CHACHA20_POLY1305_SHA256");
            assertThat(negotiated(HttpClient.newBuilder(), version)).as("the server's choice for a client without a"
                    + " preference").startsWith("TLS_AES_");
        }
    }

    /** The suite of one request's connection (the server's certificate is not what this test is about). */
    private static String negotiated(HttpClient.Builder builder, URI uri) throws Exception {
        try (HttpClient client = builder.sslContext(TestCa.anonymous()).build()) {
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            return r.sslSession().orElseThrow().getCipherSuite();
        }
    }
}
