package io.kaji.apiserver.admission.webhook;

import io.kaji.apiserver.serialization.Json;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import tools.jackson.databind.JsonNode;

/**
 * POSTs AdmissionReviews to webhook servers over HTTPS. The server's certificate must chain to the webhook's
 * {@code caBundle} (or the JVM's trust store without one) and name {@code serverName}: the URL's host, or
 * {@code <service>.<namespace>.svc} when the API server connects to a service's endpoint directly. One HTTP client
 * per CA bundle and server name, kept for reuse. Thread-safe.
 */
final class WebhookCaller {

    /** Where to connect, and the name the certificate must carry. */
    record Target(URI uri, String serverName) {}

    private final Map<String, HttpClient> clients = new ConcurrentHashMap<>();

    /** The parsed response body of a 2xx answer. */
    JsonNode post(Target target, String caBundleBase64, byte[] body, Duration timeout)
            throws IOException, InterruptedException {
        HttpClient client = clients.computeIfAbsent(caBundleBase64 + "|" + target.serverName(),
                k -> newClient(caBundleBase64, target.serverName()));
        HttpRequest request = HttpRequest.newBuilder(target.uri()).timeout(timeout)
                .header("Content-Type", "application/json").header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() / 100 != 2) {
            throw new IOException("the server responded with status " + response.statusCode());
        }
        try {
            return Json.MAPPER.readTree(response.body());
        } catch (RuntimeException e) {
            throw new IOException("the response is not JSON: " + e.getMessage());
        }
    }

    private static HttpClient newClient(String caBundleBase64, String serverName) {
        try {
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, new javax.net.ssl.TrustManager[] {new NameCheckingTrustManager(trust(caBundleBase64),
                    serverName)}, null);
            return HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(10))
                    .version(HttpClient.Version.HTTP_1_1).build();
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS for the webhook: " + e.getMessage(), e);
        }
    }

    /** A trust manager for the bundle's CAs, or the JVM's default one without a bundle. */
    private static X509TrustManager trust(String caBundleBase64) throws GeneralSecurityException, IOException {
        KeyStore store = null;
        if (caBundleBase64 != null && !caBundleBase64.isBlank()) {
            byte[] pem = java.util.Base64.getDecoder().decode(caBundleBase64.strip());
            Collection<? extends Certificate> cas = CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem));
            if (cas.isEmpty()) {
                throw new IOException("caBundle holds no certificate");
            }
            store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate c : cas) {
                store.setCertificateEntry("ca-" + i++, c);
            }
        }
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(store);
        for (var tm : f.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager");
    }

    /** Chain validation by the CA trust manager, then the certificate's names against {@code serverName}. */
    static final class NameCheckingTrustManager extends X509ExtendedTrustManager {
        private final X509TrustManager chain;
        private final String serverName;

        NameCheckingTrustManager(X509TrustManager chain, String serverName) {
            this.chain = chain;
            this.serverName = serverName;
        }

        private void check(X509Certificate[] certs, String authType) throws CertificateException {
            chain.checkServerTrusted(certs, authType);
            if (!names(certs[0], serverName)) {
                throw new CertificateException("x509: certificate is not valid for " + serverName);
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] certs, String authType) throws CertificateException {
            check(certs, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] certs, String authType, Socket socket)
                throws CertificateException {
            check(certs, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] certs, String authType, SSLEngine engine)
                throws CertificateException {
            check(certs, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] certs, String authType) throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] certs, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] certs, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("not a server");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return chain.getAcceptedIssuers();
        }
    }

    /** Whether the certificate's subject alternative names cover {@code name} (DNS with one-label wildcards, or IP). */
    static boolean names(X509Certificate cert, String name) throws CertificateException {
        Collection<List<?>> sans = cert.getSubjectAlternativeNames();
        if (sans == null) {
            return false;
        }
        boolean ip = name.matches("[0-9.]+") || name.contains(":");
        String wanted = name.toLowerCase(Locale.ROOT);
        for (List<?> san : sans) {
            int type = (Integer) san.get(0);
            String value = String.valueOf(san.get(1)).toLowerCase(Locale.ROOT);
            if (ip && type == 7) {
                try {
                    if (InetAddress.getByName(value).equals(InetAddress.getByName(wanted))) {
                        return true;
                    }
                } catch (java.net.UnknownHostException e) {
                    // not an address
                }
            } else if (!ip && type == 2) {
                if (value.equals(wanted)) {
                    return true;
                }
                if (value.startsWith("*.") && wanted.indexOf('.') > 0
                        && wanted.substring(wanted.indexOf('.')).equals(value.substring(1))) {
                    return true;
                }
            }
        }
        return false;
    }
}
