package io.kaji.node.server;

import java.lang.management.ManagementFactory;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.InetAddress;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * The cipher order of the agent's TLS on a JVM without the C2 compiler, as the agent role runs by default
 * ({@code -XX:TieredStopAtLevel=1}, docs/footprint.md). There the JDK's AES-GCM runs without its AES and GHASH
 * intrinsics, which only C2 uses: 16-KiB records encrypt at ~45 MB/s with AES-GCM and at ~220 MB/s with
 * ChaCha20-Poly1305 on these machines (on C2: 4.9 and 2.0 GB/s; {@code ./kaji bench jmh TlsCipher}). So such an agent puts the ChaCha20-Poly1305 suites
 * first:
 * <ul>
 *   <li>as a client of the API server ({@link #apply}: a pod's watch events, status write, token and events cross
 *   that connection). Servers that read a client's first suite as its preference between the two take it:
 *   BoringSSL (Kaji's API server) and Go's crypto/tls (Kubernetes' API server); any server may still pick AES-GCM,
 *   which stays offered;</li>
 *   <li>as the server of port 10250 ({@link #preferOnServer}: logs, exec, port-forward, metrics), choosing by its
 *   own order.</li>
 * </ul>
 * On a JVM with C2 the JDK's order is kept.
 */
public final class ChaChaFirst {

    private static final boolean C2 = jvmHasC2();

    private ChaChaFirst() {
    }

    /** Whether this JVM compiles with C2 (tiered up to level 4, or C2 alone). */
    static boolean jvmHasC2() {
        try {
            var vm = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            boolean tiered = Boolean.parseBoolean(vm.getVMOption("TieredCompilation").getValue());
            return !tiered || Integer.parseInt(vm.getVMOption("TieredStopAtLevel").getValue()) >= 4;
        } catch (RuntimeException e) {
            return true; // not HotSpot, or the options are not there: leave the JDK's order
        }
    }

    /** On a JVM without C2: the server {@code engine} chooses ChaCha20-Poly1305 whenever its client offers it. */
    public static void preferOnServer(SSLEngine engine) {
        if (!C2) {
            prefer(engine);
        }
    }

    /** The server {@code engine} chooses by its own order, which has the ChaCha20-Poly1305 suites first. */
    static void prefer(SSLEngine engine) {
        SSLParameters p = engine.getSSLParameters();
        p.setCipherSuites(reorder(engine.getEnabledCipherSuites()));
        p.setUseCipherSuitesOrder(true);
        engine.setSSLParameters(p);
    }

    /** {@code suites} with the ChaCha20-Poly1305 ones moved to the front, each group in its own order. */
    static String[] reorder(String[] suites) {
        return Stream.concat(Arrays.stream(suites).filter(ChaChaFirst::chacha),
                Arrays.stream(suites).filter(s -> !chacha(s))).toArray(String[]::new);
    }

    private static boolean chacha(String suite) {
        return suite.contains("CHACHA20_POLY1305");
    }

    /** {@code builder} itself on a JVM with C2, else one that offers ChaCha20-Poly1305 first (see above). */
    public static HttpClient.Builder apply(HttpClient.Builder builder) {
        return C2 ? builder : new Builder(builder);
    }

    /**
     * A JDK client builder that gives every connection the ChaCha20-Poly1305 suites first: fabric8 sets the SSL
     * context, then SSL parameters with its TLS versions only; the suites are the context's defaults, reordered.
     */
    static final class Builder implements HttpClient.Builder {
        private final HttpClient.Builder delegate;
        private SSLContext context;
        private SSLParameters parameters;

        Builder(HttpClient.Builder delegate) {
            this.delegate = delegate;
        }

        @Override
        public HttpClient.Builder sslContext(SSLContext sslContext) {
            this.context = sslContext;
            delegate.sslContext(sslContext);
            return this;
        }

        @Override
        public HttpClient.Builder sslParameters(SSLParameters sslParameters) {
            this.parameters = sslParameters;
            return this;
        }

        @Override
        public HttpClient build() {
            SSLParameters p = parameters != null ? parameters : new SSLParameters();
            String[] suites = p.getCipherSuites();
            if (suites == null) {
                try {
                    suites = (context != null ? context : SSLContext.getDefault()).getDefaultSSLParameters()
                            .getCipherSuites();
                } catch (NoSuchAlgorithmException e) {
                    throw new IllegalStateException("no default TLS context in this JDK", e);
                }
            }
            p.setCipherSuites(reorder(suites));
            delegate.sslParameters(p);
            return delegate.build();
        }

        @Override
        public HttpClient.Builder cookieHandler(CookieHandler cookieHandler) {
            delegate.cookieHandler(cookieHandler);
            return this;
        }

        @Override
        public HttpClient.Builder connectTimeout(Duration duration) {
            delegate.connectTimeout(duration);
            return this;
        }

        @Override
        public HttpClient.Builder executor(Executor executor) {
            delegate.executor(executor);
            return this;
        }

        @Override
        public HttpClient.Builder followRedirects(HttpClient.Redirect policy) {
            delegate.followRedirects(policy);
            return this;
        }

        @Override
        public HttpClient.Builder version(HttpClient.Version version) {
            delegate.version(version);
            return this;
        }

        @Override
        public HttpClient.Builder priority(int priority) {
            delegate.priority(priority);
            return this;
        }

        @Override
        public HttpClient.Builder proxy(ProxySelector proxySelector) {
            delegate.proxy(proxySelector);
            return this;
        }

        @Override
        public HttpClient.Builder authenticator(Authenticator authenticator) {
            delegate.authenticator(authenticator);
            return this;
        }

        @Override
        public HttpClient.Builder localAddress(InetAddress localAddr) {
            delegate.localAddress(localAddr);
            return this;
        }
    }
}
